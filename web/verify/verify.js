// fairdraw-v1 verification in the browser (docs/fairness.md): the checks of scripts/verify_draw.py plus purchase
// receipts and RFC 6962 inclusion proofs. No DOM here; page.js renders the steps and the two verdicts.
// SHA-256 and HMAC come from WebCrypto; Ed25519 too where the browser has it, else the vendored @noble/ed25519.
// Memory stays bounded whatever the lottery size: a few pages of tickets (one hashed, PREFETCH in flight), one Merkle
// block root per 1,024 tickets and an 8-byte fingerprint slot per ticket for the duplicate-id check.

const subtle = globalThis.crypto.subtle;
const utf8 = new TextEncoder();
const BLOCK = 1024;
const TICKET_NUMBER_BASE = 1000000;
const PREFETCH = 3; // pages requested ahead of the one being hashed: at most 4 pages (~500 KB) in memory
export const RECEIPT_FORMAT = "luckymart-receipt-v1";
export const LEGACY_FORMAT = "luckymart-legacy-v1";

// Every check, in the order the page shows them. `group`: the verdict it counts for (draw; legacy: a lottery the
// previous system drew; receipt: the player's receipt or ticket number). `needs`: the published data it checks,
// "entries" from sell-out, "record" after the draw (pending until then). `brought`: what the player must bring
// (skipped without it). `afterList`: it needs the pass over the whole ticket list.
// A new check is one entry here, one function in CHECKS and its texts in i18n.js.
export const STEPS = [
  { id: "lottery", group: "draw" },
  { id: "key", group: "draw" },
  { id: "commitment_signature", group: "draw" },
  { id: "entries", group: "draw", needs: "entries" },
  { id: "tickets", group: "draw", needs: "entries", afterList: true },
  { id: "root", group: "draw", needs: "entries", afterList: true },
  { id: "draw_signature", group: "draw", needs: "record" },
  { id: "seed", group: "draw", needs: "record" },
  { id: "draw_input", group: "draw", needs: "record" },
  { id: "hmac", group: "draw", needs: "record" },
  { id: "winner", group: "draw", needs: "record", afterList: true },
  { id: "legacy_signature", group: "legacy" },
  { id: "legacy_lottery", group: "legacy" },
  { id: "legacy_consistent", group: "legacy" },
  { id: "receipt_signature", group: "receipt", brought: "receipt" },
  { id: "receipt_lottery", group: "receipt", brought: "receipt" },
  { id: "receipt_order", group: "receipt", brought: "receipt" },
  { id: "proofs", group: "receipt", brought: "ticket", needs: "entries" },
  { id: "receipt_tickets", group: "receipt", brought: "receipt", needs: "entries", afterList: true },
];
export const STEP_IDS = STEPS.map((s) => s.id);
const RECEIPT_ITSELF = ["receipt_signature", "receipt_lottery", "receipt_order"];

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
// canonical_json of the fair-draw specification: sorted keys, no spaces, UTF-8, integers only.
export function canonicalJson(value) {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`).join(",")}}`;
  }
  return JSON.stringify(value);
}
const without = (object, key) => Object.fromEntries(Object.entries(object).filter(([k]) => k !== key));
const sameId = (a, b) => typeof a === "string" && typeof b === "string" && a.toLowerCase() === b.toLowerCase();

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

// ---------------------------------------------------------------- fetching
export class FetchError extends Error {
  constructor(message, code, status) {
    super(message);
    this.code = code;
    this.status = status;
  }
}
async function defaultFetchJson(url) {
  let response;
  try {
    response = await fetch(url, { headers: { accept: "application/json" } });
  } catch (error) {
    throw new FetchError(String(error?.message || error), "UNREACHABLE", 0);
  }
  let body;
  try {
    body = await response.json();
  } catch {
    throw new FetchError(`HTTP ${response.status}`, "UNREACHABLE", response.status);
  }
  if (!body.success) throw new FetchError(body.error?.message || `HTTP ${response.status}`, body.error?.code, response.status);
  return body.data;
}
const withQuery = (base, params) => `${base}${base.includes("?") ? "&" : "?"}${new URLSearchParams(params)}`;

// ---------------------------------------------------------------- the checks
const drawInput = (c) => `fairdraw-v1|${c.commitment.lottery_id}|${c.count}|${c.entries.root}|${c.record.beacon || "-"}`;
// Each takes the shared context and returns [passed, params] (params fill the step's text in i18n.js). A check
// that throws fails with the error named.
const CHECKS = {
  // Every object checked names the lottery asked about: the answer, the signed commitment, the record's copy of it.
  async lottery(c) {
    const ok = sameId(c.first.lottery_id, c.lotteryId) && sameId(c.commitment.lottery_id, c.lotteryId) &&
      (!c.record || !c.first.commitment || canonicalJson(c.record.commitment) === canonicalJson(c.first.commitment));
    return [ok, { lottery: c.lotteryId, found: c.commitment.lottery_id }];
  },
  async key(c) {
    return [c.commitment.operator_public_key === c.pinned, { key: c.pinned, found: c.commitment.operator_public_key }];
  },
  async commitment_signature(c) {
    const ok = await c.ed(c.pinned, c.commitment.commitment_signature, without(c.commitment, "commitment_signature"));
    return [ok, { engine: ed25519EngineUsed(), created: c.commitment.created_at }];
  },
  async entries(c) {
    const e = c.entries;
    const ok = e.count === c.count && e.scheme === "rfc6962-sha256" && /^[0-9a-f]{64}$/.test(e.root) &&
      (!c.record || !c.first.entries || (c.first.entries.root === e.root && c.first.entries.count === e.count));
    return [ok, { count: e.count, root: e.root }];
  },
  async tickets(c) {
    return [c.list.brokenAt === null, { count: c.count, seq: c.list.brokenAt }];
  },
  async root(c) {
    return [(await c.list.merkle.root()) === c.entries.root, { root: c.entries.root }];
  },
  async draw_signature(c) {
    return [await c.ed(c.pinned, c.record.draw_signature, without(c.record, "draw_signature")), {}];
  },
  async seed(c) {
    return [toHex(await sha256(fromHex(c.record.server_seed))) === c.commitment.seed_commitment, {}];
  },
  async draw_input(c) {
    return [c.record.draw_input === drawInput(c), {}];
  },
  async hmac(c) {
    c.outcome = await pickWinner(fromHex(c.record.server_seed), drawInput(c), c.count);
    const r = c.record;
    const ok = r.counter === c.outcome.counter && r.hmac === c.outcome.hmac && r.winner_index === c.outcome.index;
    return [ok, { counter: c.outcome.counter, index: c.outcome.index, seq: c.outcome.index + 1 }];
  },
  async winner(c) {
    if (!c.outcome) return [false, {}];
    const seq = c.outcome.index + 1;
    const t = c.list.winnerTicket;
    const ok = c.record.winning_seq === seq && c.record.winning_ticket_number === TICKET_NUMBER_BASE + seq &&
      t !== null && t.ticket_id === c.record.winning_ticket_id;
    return [ok, { number: TICKET_NUMBER_BASE + seq, seq }];
  },

  // A lottery drawn by the previous system has no fair-draw record: what stands in for it is the operator's signed
  // statement saying so, for this lottery, that nothing the player holds contradicts.
  async legacy_signature(c) {
    const s = c.statement;
    const ok = !!s && s.operator_public_key === c.pinned &&
      (await c.ed(c.pinned, s.statement_signature, without(s, "statement_signature")));
    return [ok, { key: c.pinned }];
  },
  async legacy_lottery(c) {
    const s = c.statement;
    const ok = !!s && s.format === LEGACY_FORMAT && sameId(s.lottery_id, c.lotteryId) && sameId(c.first.lottery_id, c.lotteryId);
    return [ok, { lottery: c.lotteryId }];
  },
  async legacy_consistent(c) {
    // a commitment signed for this lottery, or a valid receipt for it, proves the new system sold it
    const commitment = c.first.commitment;
    const committed = !!commitment && sameId(commitment.lottery_id, c.lotteryId) &&
      (await c.ed(c.pinned, commitment.commitment_signature, without(commitment, "commitment_signature")));
    const receipted = !!c.receipt && sameId(c.receipt.lottery_id, c.lotteryId) && (await c.receiptSigned());
    return [!committed && !receipted, { receipt: receipted }];
  },

  // The receipt: signed by the pinned receipt key, for this lottery, its commitment and (if the link names one) order.
  async receipt_signature(c) {
    return [await c.receiptSigned(), {}];
  },
  async receipt_lottery(c) {
    const r = c.receipt;
    const hash = c.commitment ? toHex(await sha256(utf8.encode(canonicalJson(c.commitment)))) : null;
    const ok = sameId(r.lottery_id, c.lotteryId) && !!c.commitment && sameId(r.lottery_id, c.commitment.lottery_id) &&
      r.commitment_hash === hash;
    return [ok, { lottery: r.lottery_id }];
  },
  async receipt_order(c) {
    const r = c.receipt;
    const tickets = Array.isArray(r.tickets) ? r.tickets : [];
    const seqs = new Set(tickets.map((t) => Number(t.seq)));
    let ok = r.format === RECEIPT_FORMAT && tickets.length > 0 && seqs.size === tickets.length &&
      (!c.order || r.order_id === c.order || r.order_number === c.order);
    for (const t of tickets) {
      ok = ok && Number.isInteger(t.seq) && t.ticket_number === TICKET_NUMBER_BASE + t.seq &&
        t.leaf_hash === toHex(await leafHash(t.seq, t.ticket_id, r.buyer_ref));
    }
    return [ok, { order: r.order_number, numbers: c.receiptNumbers.join(", "), wanted: c.order }];
  },
  // Inclusion proofs of the receipt's tickets and of the typed ticket numbers: O(log n) hashes, no list needed.
  async proofs(c) {
    const groups = [];
    for (const number of c.wanted) {
      const block = Math.floor((number - TICKET_NUMBER_BASE - 1) / BLOCK);
      const last = groups[groups.length - 1];
      if (last && last.numbers.length < 100 && (last.blocks.has(block) || last.blocks.size < 4)) {
        last.numbers.push(number);
        last.blocks.add(block);
      } else groups.push({ numbers: [number], blocks: new Set([block]) });
    }
    let size = 0;
    for (const group of groups) {
      let answer;
      try {
        answer = await c.fetchJson(withQuery(c.config.ticket_proof_url, { lottery_id: c.lotteryId, ticket_numbers: group.numbers.join(",") }));
      } catch (error) {
        if (error?.code === "NOT_FOUND") return [false, { number: group.numbers.join(", "), missing: true }];
        throw error;
      }
      if (!sameId(answer.lottery_id, c.lotteryId) || answer.entries?.root !== c.entries.root || answer.entries?.count !== c.entries.count) {
        return [false, { number: group.numbers.join(", ") }];
      }
      for (const proof of answer.proofs) {
        const leaf = toHex(await leafHash(proof.seq, proof.ticket_id, proof.buyer_ref));
        const receipted = c.mine.get(Number(proof.seq));
        const ok = leaf === proof.leaf_hash && proof.ticket_number === TICKET_NUMBER_BASE + proof.seq &&
          (!receipted || (receipted.ticket_id === proof.ticket_id && c.receipt.buyer_ref === proof.buyer_ref &&
            receipted.leaf_hash === leaf)) &&
          (await inclusionOk(leaf, proof.seq - 1, c.entries.count, proof.audit_path, c.entries.root));
        size = Math.max(size, proof.audit_path.length);
        if (!ok) return [false, { number: proof.ticket_number }];
      }
      const answered = new Set(answer.proofs.map((p) => p.ticket_number));
      const missing = group.numbers.find((n) => !answered.has(n));
      if (missing) return [false, { number: missing, missing: true }];
    }
    return [true, { numbers: c.wanted.join(", "), size }];
  },
  async receipt_tickets(c) {
    const missing = c.list.changed ?? [...c.mine.values()].find((t) => !c.list.found.has(Number(t.seq)))?.ticket_number;
    return [missing === undefined, { number: missing, numbers: c.receiptNumbers.join(", ") }];
  },
};

// One pass over the list, page by page (page k holds seq k*pageSize+1 ..; PREFETCH pages in flight): order,
// numbering, unique ids, the receipt's tickets, the winner, the root.
async function listPass(c, report) {
  const list = { brokenAt: null, found: new Set(), changed: null, winnerTicket: null, merkle: new MerkleStream() };
  c.list = list;
  let expected = 1;
  const ids = new IdSet(c.count);
  const pages = Math.ceil(c.count / c.pageSize);
  const inflight = new Map([[0, Promise.resolve(c.first)]]);
  report("tickets", "running", { done: 0, count: c.count });
  for (let k = 0; k < pages; k++) {
    for (let j = k + 1; j <= k + PREFETCH && j < pages; j++) if (!inflight.has(j)) inflight.set(j, c.page(j * c.pageSize));
    const items = (await inflight.get(k)).tickets.items;
    inflight.delete(k);
    for (const t of items) {
      const seq = Number(t.seq);
      if (list.brokenAt === null && (seq !== expected || Number(t.ticket_number) !== TICKET_NUMBER_BASE + seq || !ids.add(String(t.ticket_id)))) {
        list.brokenAt = expected;
      }
      expected += 1;
      const receipted = c.mine.get(seq);
      if (receipted) {
        if (receipted.ticket_id === t.ticket_id && c.receipt.buyer_ref === t.buyer_ref) list.found.add(seq);
        else list.changed ??= receipted.ticket_number;
      }
      if (c.outcome && seq === c.outcome.index + 1) list.winnerTicket = t;
    }
    await list.merkle.add(await Promise.all(items.map((t) => leafHash(t.seq, t.ticket_id, t.buyer_ref))));
    c.onPage(expected - 1);
    report("tickets", "running", { done: expected - 1, count: c.count });
  }
  if (expected - 1 !== c.count && list.brokenAt === null) list.brokenAt = Math.min(expected, c.count);
}

// ---------------------------------------------------------------- the verdicts
// The draw: fair | not_fair | not_drawn (sold out, the draw is ahead) | on_sale | cancelled | record_missing (the
// lottery is said to be drawn, but no record is published) | legacy (drawn by the previous system, as its signed
// statement says). The player's receipt or ticket: none | included | not_valid | not_included | signed (valid,
// inclusion can be checked from sell-out) | ticket_included | ticket_not_included | ticket_pending.
function verdicts(c, steps) {
  const status = (id) => steps[id]?.status;
  const failed = (group) => STEPS.find((s) => s.group === group && status(s.id) === "fail")?.id || null;
  const passed = (group) => STEPS.filter((s) => s.group === group && status(s.id) === "ok").length;
  let draw;
  let reason = null;
  if (c.legacy) {
    reason = failed("legacy");
    draw = reason ? "not_fair" : "legacy";
  } else if ((reason = failed("draw"))) draw = "not_fair";
  else if (!c.entries) draw = c.first.status === "CANCELLED" ? "cancelled" : "on_sale";
  else if (!c.record) draw = c.first.status === "COMPLETED" ? "record_missing" : "not_drawn";
  else draw = "fair";

  let ticket = "none";
  let ticketReason = null;
  if (c.receipt || c.receiptUnreadable) {
    ticketReason = RECEIPT_ITSELF.find((id) => status(id) === "fail") || null;
    if (ticketReason) ticket = "not_valid";
    else if ((ticketReason = ["proofs", "receipt_tickets"].find((id) => status(id) === "fail") || null)) ticket = "not_included";
    else if (!c.entries) ticket = "signed";
    else ticket = "included";
  } else if (c.wanted.length) {
    if (status("proofs") === "fail") [ticket, ticketReason] = ["ticket_not_included", "proofs"];
    else ticket = c.entries ? "ticket_included" : "ticket_pending";
  }
  return {
    draw, drawReason: reason, passed: passed(c.legacy ? "legacy" : "draw"), ticket, ticketReason,
  };
}

// What the player came for: the result, and whether one of their tickets won. Said only of a fair draw and of
// tickets shown to be in it; a receipt that is not valid for this lottery does not make its tickets the player's.
function outcomeOf(c, result) {
  const mine = result.ticket === "not_valid" ? c.typed : c.wanted;
  if (c.legacy && c.statement) {
    return { winning: c.statement.winning_ticket_number ?? null, drawnAt: c.statement.drawn_at ?? null, mine, won: null };
  }
  if (!c.record) return { winning: null, drawnAt: null, mine, won: null };
  const winning = c.record.winning_ticket_number;
  const counted = result.draw === "fair" && mine.length > 0 && !["not_included", "ticket_not_included"].includes(result.ticket);
  return { winning, drawnAt: c.record.drawn_at, mine, won: counted ? mine.includes(winning) : null };
}

// Checks one lottery. `report(id, status, params)` receives every step as it settles (status: ok, fail, skip,
// pending, running). `receipt`: the receipt object or its JSON text; `order`: the order id or number the link
// names, if any. Returns {draw, drawReason, passed, ticket, ticketReason, outcome, lottery, status, steps}.
export async function verifyLottery({
  lotteryId, config, receipt = null, order = null, ticketNumbers = [], report = () => {},
  fetchJson = defaultFetchJson, pageSize = 1000, forceLibraryEd25519 = false, onPage = () => {},
}) {
  const steps = {};
  const set = (id, status, params = {}) => {
    steps[id] = { status, params };
    report(id, status, params);
  };
  const c = {
    lotteryId: String(lotteryId), config, order: order || null, fetchJson, pageSize, onPage,
    pinned: String(config.operator_public_key).toLowerCase(),
    ed: (publicHex, signature, document) => ed25519Verify(publicHex, signature, document, forceLibraryEd25519),
  };
  c.page = (offset) => fetchJson(withQuery(config.verify_draw_url, { lottery_id: c.lotteryId, tickets_limit: pageSize, tickets_offset: offset }));

  c.receipt = null;
  c.receiptUnreadable = false;
  if (typeof receipt === "string" && receipt.trim()) {
    try {
      const parsed = JSON.parse(receipt);
      c.receipt = parsed?.receipt || parsed;
    } catch {
      c.receiptUnreadable = true;
    }
  } else if (receipt && typeof receipt === "object") c.receipt = receipt.receipt || receipt;
  if (c.receipt && (typeof c.receipt !== "object" || Array.isArray(c.receipt))) [c.receipt, c.receiptUnreadable] = [null, true];
  let receiptSigned = null;
  c.receiptSigned = async () => {
    if (receiptSigned === null) {
      const key = String(config.receipt_public_key).toLowerCase();
      receiptSigned = c.receipt.receipt_public_key === key &&
        (await c.ed(key, c.receipt.receipt_signature, without(c.receipt, "receipt_signature")));
    }
    return receiptSigned;
  };

  c.first = await c.page(0);
  const record = c.first.record || null;
  c.legacy = !!record && (record.legacy === true || !!record.statement);
  c.statement = c.legacy ? record.statement || null : null;
  c.record = c.legacy ? null : record;
  c.commitment = (c.record && c.record.commitment) || c.first.commitment || null;
  c.entries = c.legacy ? null : (c.record && c.record.entries) || c.first.entries || null;
  c.count = Number(c.commitment?.ticket_count);
  c.mine = new Map();
  const receiptTickets = Array.isArray(c.receipt?.tickets) ? c.receipt.tickets : [];
  for (const t of receiptTickets) c.mine.set(Number(t.seq), t);
  c.receiptNumbers = receiptTickets.map((t) => Number(t.ticket_number)).filter(Number.isInteger).sort((a, b) => a - b);
  c.typed = [...new Set(ticketNumbers.map(Number))].filter(Number.isInteger).sort((a, b) => a - b);
  c.wanted = [...new Set([...c.typed, ...c.receiptNumbers])].sort((a, b) => a - b);

  const applies = (step) => {
    if (step.group === "legacy") return c.legacy;
    if (c.legacy && (step.group === "draw" || step.needs)) return false;
    if (step.brought === "receipt") return !!c.receipt || (step.id === "receipt_signature" && c.receiptUnreadable);
    if (step.brought === "ticket") return c.wanted.length > 0;
    return true;
  };
  const run = async (step) => {
    if (!applies(step)) return set(step.id, "skip");
    if (step.id === "receipt_signature" && c.receiptUnreadable) return set(step.id, "fail", { unreadable: true });
    if ((step.needs === "entries" && !c.entries) || (step.needs === "record" && !c.record)) {
      return set(step.id, "pending", { status: c.first.status });
    }
    if (step.afterList && !c.list) return set(step.id, "fail", { error: c.listError || "no ticket list" });
    try {
      const [ok, params] = await CHECKS[step.id](c);
      set(step.id, ok ? "ok" : "fail", params);
    } catch (error) {
      set(step.id, "fail", { error: String(error?.message || error) });
    }
  };
  for (const step of STEPS) if (!step.afterList) await run(step);
  if (c.entries) {
    try {
      if (!(Number.isInteger(c.count) && c.count > 0)) throw new Error("no committed ticket count");
      await listPass(c, report);
    } catch (error) {
      c.list = null;
      c.listError = String(error?.message || error);
    }
  }
  for (const step of STEPS) if (step.afterList) await run(step);
  const result = verdicts(c, steps);
  return {
    ...result, outcome: outcomeOf(c, result), lottery: c.first.lottery || null, title: c.first.title || null,
    status: c.first.status || null, legacyReason: c.statement?.reason || null, steps,
  };
}
