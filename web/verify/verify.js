// fairdraw-v1 verification in the browser (docs/fairness.md): the checks of scripts/verify_draw.py plus purchase
// receipts and RFC 6962 inclusion proofs. No DOM here; page.js renders the steps.
// SHA-256 and HMAC come from WebCrypto; Ed25519 too where the browser has it, else the vendored @noble/ed25519.
// Memory stays bounded whatever the lottery size: a few pages of tickets (one hashed, PREFETCH in flight), one Merkle
// block root per 1,024 tickets and an 8-byte fingerprint slot per ticket for the duplicate-id check.

const subtle = globalThis.crypto.subtle;
const utf8 = new TextEncoder();
const BLOCK = 1024;
const TICKET_NUMBER_BASE = 1000000;
const PREFETCH = 3; // pages requested ahead of the one being hashed: at most 4 pages (~500 KB) in memory

export const STEPS = [
  "key", "commitment_signature", "entries", "receipt_signature", "receipt_lottery", "proofs", "tickets",
  "receipt_tickets", "root", "draw_signature", "seed", "draw_input", "hmac", "winner",
];
const DRAW_STEPS = ["draw_signature", "seed", "draw_input", "hmac", "winner"];

// ---------------------------------------------------------------- encodings
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));
export const toHex = (bytes) => {
  let out = "";
  for (const b of bytes) out += HEX[b];
  return out;
};
export function fromHex(text) {
  if (typeof text !== "string" || text.length % 2 || /[^0-9a-f]/i.test(text)) throw new Error("not hex");
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(text.substr(2 * i, 2), 16);
  return out;
}
export function fromB64url(text) {
  const b64 = String(text).replace(/-/g, "+").replace(/_/g, "/");
  const raw = atob(b64 + "=".repeat((4 - (b64.length % 4)) % 4));
  return Uint8Array.from(raw, (c) => c.charCodeAt(0));
}
// canonical_json of notes/fairdraw.md: sorted keys, no spaces, UTF-8, integers only.
export function canonicalJson(value) {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`).join(",")}}`;
  }
  return JSON.stringify(value);
}
const without = (object, key) => Object.fromEntries(Object.entries(object).filter(([k]) => k !== key));

// ---------------------------------------------------------------- hashes and the RFC 6962 tree
export const sha256 = async (bytes) => new Uint8Array(await subtle.digest("SHA-256", bytes));
export const leafHash = (seq, ticketId, buyerRef) => sha256(utf8.encode(`\u0000${seq}:${ticketId}:${buyerRef}`));
export function nodeHash(left, right) {
  const data = new Uint8Array(65);
  data[0] = 1;
  data.set(left, 1);
  data.set(right, 33);
  return sha256(data);
}
// One level up: neighbours paired, an odd last node promoted (the same tree as RFC 6962's power-of-two split).
async function levelUp(nodes) {
  const pairs = [];
  for (let i = 0; i + 1 < nodes.length; i += 2) pairs.push(nodeHash(nodes[i], nodes[i + 1]));
  const up = await Promise.all(pairs);
  if (nodes.length % 2) up.push(nodes[nodes.length - 1]);
  return up;
}
export async function treeRoot(nodes) {
  if (!nodes.length) return sha256(new Uint8Array(0));
  while (nodes.length > 1) nodes = await levelUp(nodes);
  return nodes[0];
}
// Streams leaf hashes in seq order; keeps one root per aligned block of 1,024 leaves (each is a subtree).
export class MerkleStream {
  constructor() {
    this.blocks = [];
    this.pending = [];
  }
  async add(leaves) {
    for (const leaf of leaves) this.pending.push(leaf);
    while (this.pending.length >= BLOCK) this.blocks.push(await treeRoot(this.pending.splice(0, BLOCK)));
  }
  async root() {
    const parts = [...this.blocks];
    if (this.pending.length) parts.push(await treeRoot(this.pending));
    return toHex(await treeRoot(parts));
  }
}
// RFC 9162 §2.1.3.2: the root from a leaf hash, its 0-based index, the tree size and the audit path.
export async function inclusionOk(leafHex, index, size, path, rootHex) {
  if (!(index >= 0 && index < size)) return false;
  let fn = index;
  let sn = size - 1;
  let node = fromHex(leafHex);
  for (const siblingHex of path) {
    const sibling = fromHex(siblingHex);
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      node = await nodeHash(sibling, node);
      while (fn % 2 === 0 && fn !== 0) {
        fn >>>= 1;
        sn >>>= 1;
      }
    } else {
      node = await nodeHash(node, sibling);
    }
    fn >>>= 1;
    sn >>>= 1;
  }
  return sn === 0 && toHex(node) === rootHex;
}

// ---------------------------------------------------------------- Ed25519 and the HMAC draw
let ed25519Engine = null;
export const ed25519EngineUsed = () => ed25519Engine;
export async function ed25519Verify(publicHex, signatureB64url, document, forceLibrary = false) {
  let key;
  let signature;
  try {
    key = fromHex(publicHex);
    signature = fromB64url(signatureB64url);
  } catch {
    return false;
  }
  if (key.length !== 32 || signature.length !== 64) return false;
  const message = utf8.encode(canonicalJson(document));
  if (!forceLibrary) {
    try {
      const imported = await subtle.importKey("raw", key, { name: "Ed25519" }, false, ["verify"]);
      ed25519Engine = "WebCrypto";
      return await subtle.verify({ name: "Ed25519" }, imported, signature, message);
    } catch (error) {
      if (error?.name !== "NotSupportedError") return false; // a malformed key: not valid
    }
  }
  const noble = await import("./vendor/noble-ed25519.js");
  ed25519Engine = "@noble/ed25519";
  try {
    return await noble.verify(signature, message, key);
  } catch {
    return false;
  }
}
export async function pickWinner(seed, drawInput, count) {
  const key = await subtle.importKey("raw", seed, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const n = BigInt(count);
  const limit = (1n << 256n) - ((1n << 256n) % n);
  for (let counter = 0; ; counter++) {
    const mac = new Uint8Array(await subtle.sign("HMAC", key, utf8.encode(`${drawInput}|${counter}`)));
    const value = BigInt(`0x${toHex(mac)}`);
    if (value < limit) return { counter, hmac: toHex(mac), index: Number(value % n) };
  }
}

// ---------------------------------------------------------------- duplicate ticket ids in bounded memory
// An open-addressing set of 64-bit fingerprints (two FNV-1a variants): a repeated id always collides with itself,
// so a duplicate is never missed; two different ids sharing 64 bits would only raise a false alarm.
export class IdSet {
  constructor(expected) {
    let capacity = 1024;
    while (capacity < expected * 2) capacity *= 2;
    this.hi = new Uint32Array(capacity);
    this.lo = new Uint32Array(capacity);
    this.mask = capacity - 1;
  }
  add(text) {
    let a = 0x811c9dc5;
    let b = 0x01000193;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      a = Math.imul(a ^ c, 0x01000193);
      b = Math.imul(b ^ c, 0x5bd1e995) ^ (b >>> 15);
    }
    const hi = a >>> 0;
    const lo = (b >>> 0) || 1;
    let slot = (lo ^ hi) & this.mask;
    while (this.lo[slot] !== 0) {
      if (this.lo[slot] === lo && this.hi[slot] === hi) return false;
      slot = (slot + 1) & this.mask;
    }
    this.hi[slot] = hi;
    this.lo[slot] = lo;
    return true;
  }
}

// ---------------------------------------------------------------- the whole check
async function defaultFetchJson(url) {
  const response = await fetch(url, { headers: { accept: "application/json" } });
  const body = await response.json();
  if (!body.success) throw new Error(body.error?.message || `HTTP ${response.status}`);
  return body.data;
}
const withQuery = (base, params) => `${base}${base.includes("?") ? "&" : "?"}${new URLSearchParams(params)}`;

// Checks one lottery. `report(id, status, params)` receives every step as it settles (status: ok, fail, skip,
// pending, running). Returns {verdict: "valid" | "invalid" | "waiting", steps}.
export async function verifyLottery({
  lotteryId, config, receipt = null, ticketNumbers = [], report = () => {}, fetchJson = defaultFetchJson,
  pageSize = 1000, forceLibraryEd25519 = false, onPage = () => {},
}) {
  const steps = {};
  const set = (id, status, params = {}) => {
    steps[id] = { status, params };
    report(id, status, params);
  };
  const page = (offset) =>
    fetchJson(withQuery(config.verify_draw_url, { lottery_id: lotteryId, tickets_limit: pageSize, tickets_offset: offset }));
  const ed = (publicHex, signature, document) => ed25519Verify(publicHex, signature, document, forceLibraryEd25519);
  const guard = async (id, check) => {
    try {
      await check();
    } catch (error) {
      set(id, "fail", { error: String(error?.message || error) });
    }
  };
  const verdict = () => (Object.values(steps).some((s) => s.status === "fail") ? "invalid" : "valid");

  const first = await page(0);
  const record = first.record || null;
  // Drawn (or cancelled) by the previous system before the cutover: there is nothing to check, and that is said.
  if (record && record.legacy === true) return { verdict: "legacy", steps };
  const commitment = (record && record.commitment) || first.commitment;
  const pinned = String(config.operator_public_key).toLowerCase();

  set("key", commitment.operator_public_key === pinned ? "ok" : "fail", { key: pinned, found: commitment.operator_public_key });
  await guard("commitment_signature", async () => {
    const ok = await ed(pinned, commitment.commitment_signature, without(commitment, "commitment_signature"));
    set("commitment_signature", ok ? "ok" : "fail", { engine: ed25519EngineUsed() });
  });

  const entries = (record && record.entries) || first.entries;
  const count = Number(commitment.ticket_count);
  if (!entries) {
    for (const id of STEPS) if (!steps[id]) set(id, "pending", { status: first.status });
    return { verdict: Object.values(steps).some((s) => s.status === "fail") ? "invalid" : "waiting", steps };
  }
  set(
    "entries",
    entries.count === count && entries.scheme === "rfc6962-sha256" && /^[0-9a-f]{64}$/.test(entries.root) &&
      (!record || !first.entries || (first.entries.root === entries.root && first.entries.count === entries.count))
      ? "ok" : "fail",
    { count: entries.count, root: entries.root },
  );

  // The receipt: signed by the pinned receipt key, for this lottery and commitment.
  const mine = new Map();
  if (receipt) {
    await guard("receipt_signature", async () => {
      const receiptKey = String(config.receipt_public_key).toLowerCase();
      const ok = receipt.receipt_public_key === receiptKey &&
        (await ed(receiptKey, receipt.receipt_signature, without(receipt, "receipt_signature")));
      set("receipt_signature", ok ? "ok" : "fail");
    });
    await guard("receipt_lottery", async () => {
      const hash = toHex(await sha256(utf8.encode(canonicalJson(commitment))));
      set("receipt_lottery", receipt.lottery_id === commitment.lottery_id && receipt.commitment_hash === hash ? "ok" : "fail");
    });
    for (const t of receipt.tickets) mine.set(Number(t.seq), t);
  } else {
    set("receipt_signature", "skip");
    set("receipt_lottery", "skip");
  }

  // Inclusion proofs of the receipt's tickets and of the typed ticket numbers: O(log n) hashes, no list needed.
  const wanted = [...new Set([...ticketNumbers.map(Number), ...[...mine.values()].map((t) => Number(t.ticket_number))])]
    .filter((n) => Number.isInteger(n)).sort((a, b) => a - b);
  if (wanted.length) {
    await guard("proofs", async () => {
      const groups = [];
      for (const number of wanted) {
        const block = Math.floor((number - TICKET_NUMBER_BASE - 1) / BLOCK);
        const last = groups[groups.length - 1];
        if (last && last.numbers.length < 100 && (last.blocks.has(block) || last.blocks.size < 4)) {
          last.numbers.push(number);
          last.blocks.add(block);
        } else groups.push({ numbers: [number], blocks: new Set([block]) });
      }
      let size = 0;
      for (const group of groups) {
        const answer = await fetchJson(withQuery(config.ticket_proof_url, { lottery_id: lotteryId, ticket_numbers: group.numbers.join(",") }));
        for (const proof of answer.proofs) {
          const leaf = toHex(await leafHash(proof.seq, proof.ticket_id, proof.buyer_ref));
          const receipted = mine.get(Number(proof.seq));
          const ok = leaf === proof.leaf_hash && proof.ticket_number === TICKET_NUMBER_BASE + proof.seq &&
            (!receipted || (receipted.ticket_id === proof.ticket_id && receipt.buyer_ref === proof.buyer_ref &&
              receipted.leaf_hash === leaf)) &&
            (await inclusionOk(leaf, proof.seq - 1, entries.count, proof.audit_path, entries.root));
          size = Math.max(size, proof.audit_path.length);
          if (!ok) return set("proofs", "fail", { number: proof.ticket_number });
        }
        const answered = new Set(answer.proofs.map((p) => p.ticket_number));
        const missing = group.numbers.find((n) => !answered.has(n));
        if (missing) return set("proofs", "fail", { number: missing });
      }
      set("proofs", "ok", { numbers: wanted.join(", "), size });
    });
  } else set("proofs", "skip");

  // The draw itself needs only the signed record: check it before streaming, so the list pass also finds the winner.
  let outcome = null;
  if (record) {
    await guard("draw_signature", async () => {
      set("draw_signature", (await ed(pinned, record.draw_signature, without(record, "draw_signature"))) ? "ok" : "fail");
    });
    await guard("seed", async () => {
      const seedHash = toHex(await sha256(fromHex(record.server_seed)));
      set("seed", seedHash === commitment.seed_commitment ? "ok" : "fail");
    });
    const drawInput = `fairdraw-v1|${commitment.lottery_id}|${count}|${entries.root}|${record.beacon || "-"}`;
    set("draw_input", record.draw_input === drawInput ? "ok" : "fail");
    await guard("hmac", async () => {
      outcome = await pickWinner(fromHex(record.server_seed), drawInput, count);
      const ok = record.counter === outcome.counter && record.hmac === outcome.hmac && record.winner_index === outcome.index;
      set("hmac", ok ? "ok" : "fail", { counter: outcome.counter, index: outcome.index });
    });
  } else for (const id of DRAW_STEPS) set(id, "pending", { status: first.status });

  // One pass over the list, page by page (page k holds seq k*pageSize+1 ..; PREFETCH pages in flight): order,
  // numbering, unique ids, the receipt's tickets, the winner, the root.
  let brokenAt = null;
  let expected = 1;
  let winnerTicket = null;
  const found = new Set();
  let changed = null;
  const ids = new IdSet(count);
  const merkle = new MerkleStream();
  const pages = Math.ceil(count / pageSize);
  const inflight = new Map([[0, Promise.resolve(first)]]);
  set("tickets", "running", { done: 0, count });
  await guard("tickets", async () => {
    for (let k = 0; k < pages; k++) {
      for (let j = k + 1; j <= k + PREFETCH && j < pages; j++) if (!inflight.has(j)) inflight.set(j, page(j * pageSize));
      const items = (await inflight.get(k)).tickets.items;
      inflight.delete(k);
      for (const t of items) {
        const seq = Number(t.seq);
        if (brokenAt === null && (seq !== expected || Number(t.ticket_number) !== TICKET_NUMBER_BASE + seq || !ids.add(String(t.ticket_id)))) {
          brokenAt = expected;
        }
        expected += 1;
        const receipted = mine.get(seq);
        if (receipted) {
          if (receipted.ticket_id === t.ticket_id && receipt.buyer_ref === t.buyer_ref) found.add(seq);
          else changed ??= receipted.ticket_number;
        }
        if (outcome && seq === outcome.index + 1) winnerTicket = t;
      }
      await merkle.add(await Promise.all(items.map((t) => leafHash(t.seq, t.ticket_id, t.buyer_ref))));
      onPage(expected - 1);
      report("tickets", "running", { done: expected - 1, count });
    }
    if (expected - 1 !== count && brokenAt === null) brokenAt = Math.min(expected, count);
    set("tickets", brokenAt === null ? "ok" : "fail", { count, seq: brokenAt });
  });
  if (receipt) {
    const missing = changed ?? [...mine.values()].find((t) => !found.has(Number(t.seq)))?.ticket_number;
    set("receipt_tickets", missing === undefined ? "ok" : "fail", { number: missing });
  } else set("receipt_tickets", "skip");
  await guard("root", async () => set("root", (await merkle.root()) === entries.root ? "ok" : "fail", { root: entries.root }));

  if (record && outcome) {
    const seq = outcome.index + 1;
    const ok = record.winning_seq === seq && record.winning_ticket_number === TICKET_NUMBER_BASE + seq &&
      winnerTicket !== null && winnerTicket.ticket_id === record.winning_ticket_id;
    set("winner", ok ? "ok" : "fail", { number: TICKET_NUMBER_BASE + seq, seq });
  } else if (record) set("winner", "fail", {});
  return { verdict: verdict(), steps };
}
