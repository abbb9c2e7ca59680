#!/usr/bin/env python3
"""Independent checker of a LuckyMart fairdraw-v1 draw (docs/fairness.md). Standalone on purpose: Python's
standard library and `cryptography` only, nothing from this project, so anyone can read and run it.

    python verify_draw.py --url https://<verify-draw function URL> --lottery-id <uuid> --public-key <hex>
    python verify_draw.py --file draw.json --lottery-id <uuid> --public-key <hex>
    ... [--receipt receipt.json --receipt-key <hex> [--order <order id or number>]]
    ... [--ticket <number>] [--ticket-id <your ticket id>]

A file holds {"record": {...}, "tickets": [...]} or the `data` of a verify-draw response. Pin the operator's
public key with --public-key (published in the README); without it the key inside the record is trusted.
Every object checked must name the lottery asked about (--lottery-id): another lottery's honest draw is not
proof of this one.

It prints two verdicts, each with its checks: the draw's (FAIR, NOT FAIR, NOT DRAWN YET, RECORD MISSING,
CANCELLED, or FROM THE PREVIOUS SYSTEM when the operator's signed statement says the previous system ran it and
nothing contradicts that) and, given a receipt or a ticket, the receipt's (YOURS AND INCLUDED, NOT VALID, NOT
INCLUDED, ...).
Exit status: 0 no check failed, 1 a check failed or the draw record is missing, 2 bad usage, 3 from the
previous system (signed statement: nothing to check), 4 the data could not be read (URL unreachable, not JSON).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import json
import sys
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

PAGE_SIZE = 1000
TICKET_NUMBER_BASE = 1_000_000
RECEIPT_FORMAT = "luckymart-receipt-v1"
LEGACY_FORMAT = "luckymart-legacy-v1"
EXIT_OK, EXIT_FAILED, EXIT_NOT_VERIFIABLE, EXIT_UNREADABLE = 0, 1, 3, 4
LEGACY_MESSAGE = "drawn by the previous system, not independently verifiable"


# ---------------------------------------------------------------- primitives
def canonical_json(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def signature_ok(public_hex: str, document: dict[str, Any], signature: Any) -> bool:
    try:
        raw = base64.urlsafe_b64decode(str(signature) + "=" * (-len(str(signature)) % 4))
        Ed25519PublicKey.from_public_bytes(bytes.fromhex(public_hex)).verify(raw, canonical_json(document))
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


def rfc6962_root(leaves: list[bytes]) -> str:
    """Merkle Tree Hash of RFC 6962 §2.1, computed with a stack of perfect-subtree roots."""
    stack: list[tuple[bytes, int]] = []
    for data in leaves:
        node, height = hashlib.sha256(b"\x00" + data).digest(), 0
        while stack and stack[-1][1] == height:
            node = hashlib.sha256(b"\x01" + stack.pop()[0] + node).digest()
            height += 1
        stack.append((node, height))
    if not stack:
        return hashlib.sha256(b"").hexdigest()
    root = stack[-1][0]
    for left, _ in reversed(stack[:-1]):
        root = hashlib.sha256(b"\x01" + left + root).digest()
    return root.hex()


def leaf_hash(seq: int, ticket_id: str, buyer_ref: str) -> str:
    return hashlib.sha256(b"\x00" + f"{seq}:{ticket_id}:{buyer_ref}".encode()).hexdigest()


def inclusion_ok(leaf_hex: str, index: int, size: int, path: list[str], root_hex: str) -> bool:
    """RFC 9162 §2.1.3.2: recompute the root from a leaf hash, its 0-based index and its audit path."""
    if not 0 <= index < size:
        return False
    fn, sn = index, size - 1
    node = bytes.fromhex(leaf_hex)
    for sibling_hex in path:
        sibling = bytes.fromhex(sibling_hex)
        if sn == 0:
            return False
        if fn % 2 == 1 or fn == sn:
            node = hashlib.sha256(b"\x01" + sibling + node).digest()
            while fn % 2 == 0 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            node = hashlib.sha256(b"\x01" + node + sibling).digest()
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and node.hex() == root_hex


def _without(document: dict[str, Any], key: str) -> dict[str, Any]:
    return {k: v for k, v in document.items() if k != key}


def _same_id(a: Any, b: Any) -> bool:
    return isinstance(a, str) and isinstance(b, str) and a.lower() == b.lower()


# ---------------------------------------------------------------- the checks
@dataclass(frozen=True)
class Step:
    """One named check. group: the verdict it counts for (draw, legacy, receipt); needs: the published data it
    checks ("entries" from sell-out, "record" after the draw: pending before); brought: what the player must
    bring ("receipt", "ticket"), skipped without it. ok: what is printed when it passes (a failing check says why
    itself). A new check is one entry here and one function in CHECKS."""

    id: str
    group: str
    ok: str
    needs: str | None = None
    brought: str | None = None


STEPS: tuple[Step, ...] = (
    Step("lottery", "draw", "everything checked belongs to lottery {lottery}"),
    Step("key", "draw", "signed with the operator key {key}"),
    Step("commitment_signature", "draw", "the commitment made before the first sale carries a valid signature"),
    Step("entries", "draw", "the list of sold tickets was frozen at sell-out: {count} tickets, root {root}",
         needs="entries"),
    Step("tickets", "draw", "the list holds exactly tickets 1..{count}, numbers 1000000 + seq, ids unique",
         needs="entries"),
    Step("root", "draw", "the ticket list hashes to the frozen Merkle root", needs="entries"),
    Step("draw_signature", "draw", "the draw record carries a valid signature", needs="record"),
    Step("seed", "draw", "the revealed seed is the committed one (SHA-256)", needs="record"),
    Step("draw_input", "draw", "the draw input is built from the committed data", needs="record"),
    Step("hmac", "draw", "HMAC rejection sampling recomputed: counter {counter}, position {seq}", needs="record"),
    Step("winner", "draw", "the winning ticket {number} is the ticket at that position", needs="record"),
    Step("legacy_signature", "legacy", "the statement that the previous system ran this lottery is signed by the "
         "operator key"),
    Step("legacy_lottery", "legacy", "the statement names lottery {lottery}"),
    Step("legacy_consistent", "legacy", "nothing contradicts it: no commitment of this system, no receipt for it"),
    Step("receipt_signature", "receipt", "the receipt is signed by the receipt key", brought="receipt"),
    Step("receipt_lottery", "receipt", "the receipt is for this lottery and its commitment", brought="receipt"),
    Step("receipt_order", "receipt", "receipt of order {order}: tickets {numbers}", brought="receipt"),
    Step("proofs", "receipt", "ticket(s) {numbers} are in the frozen list", needs="entries", brought="ticket"),
    Step("receipt_tickets", "receipt", "every receipt ticket is in the list, unchanged", needs="entries",
         brought="receipt"),
)  # fmt: skip
STEP_IDS = tuple(s.id for s in STEPS)
RECEIPT_ITSELF = ("receipt_signature", "receipt_lottery", "receipt_order")

DRAW_VERDICTS = {
    "fair": "FAIR",
    "not_fair": "NOT FAIR",
    "not_drawn": "NOT DRAWN YET (sold out; the draw comes next)",
    "on_sale": "NOT DRAWN YET (still on sale)",
    "cancelled": "CANCELLED (no draw)",
    "record_missing": "RECORD MISSING (said to be drawn, but no signed draw record is published)",
    "legacy": "FROM THE PREVIOUS SYSTEM (not independently verifiable)",
}
TICKET_VERDICTS = {
    "included": "YOURS AND INCLUDED",
    "not_valid": "NOT VALID for this lottery",
    "not_included": "GENUINE but NOT INCLUDED in the draw",
    "signed": "GENUINE (inclusion can be checked from sell-out)",
    "ticket_included": "TICKET IN THE DRAW",
    "ticket_not_included": "TICKET NOT IN THE DRAW",
    "ticket_pending": "TICKET: inclusion can be checked from sell-out",
}
LEGACY_REASONS = {
    "DRAWN_BY_PREVIOUS_SYSTEM": "drawn before the move to fair draws: there is no fair-draw record",
    "CANCELLED_BY_PREVIOUS_SYSTEM": "cancelled by the previous system",
    "DRAWN_WITHOUT_WINNER_CANCELLED": "drawn by the previous system without a recorded winner; cancelled and "
    "refunded at the move",
    "ON_SALE_CANCELLED_REFUNDED": "on sale at the move to the new system; cancelled, every paid ticket refunded",
}


class Failed(Exception):
    """A check failed; the message fills the step's fail text."""


@dataclass
class Report:
    steps: dict[str, tuple[str, str]] = field(default_factory=dict)  # id -> (ok|fail|pending|skip, text)
    draw: str = "not_fair"
    ticket: str = "none"
    winning_ticket_number: int | None = None
    drawn_at: str | None = None
    mine: list[int] = field(default_factory=list)
    won: bool | None = None
    legacy_reason: str | None = None
    legacy: bool = False

    @property
    def problems(self) -> list[str]:
        return [text for status, text in self.steps.values() if status == "fail"]

    @property
    def ok(self) -> bool:
        return not self.problems

    def passed(self, group: str) -> int:
        return sum(1 for s in STEPS if s.group == group and self.steps.get(s.id, ("",))[0] == "ok")


@dataclass
class _Context:
    document: dict[str, Any]
    lottery_id: str
    pinned: str | None
    receipt: dict[str, Any] | None
    receipt_key: str | None
    order: str | None
    proofs: dict[str, Any] | None
    ticket_numbers: list[int]
    ticket_ids: list[str]
    record: dict[str, Any] | None = None
    statement: dict[str, Any] | None = None
    legacy: bool = False
    commitment: dict[str, Any] | None = None
    entries: dict[str, Any] | None = None
    tickets: list[dict[str, Any]] = field(default_factory=list)
    outcome: tuple[int, str, int] | None = None  # counter, hmac hex, winner index

    @property
    def key(self) -> str:
        return (self.pinned or str((self.commitment or {}).get("operator_public_key", ""))).lower()

    @property
    def count(self) -> int:
        return int((self.commitment or {})["ticket_count"])

    @property
    def receipt_numbers(self) -> list[int]:
        tickets = (self.receipt or {}).get("tickets")
        return sorted(int(t["ticket_number"]) for t in tickets) if isinstance(tickets, list) else []

    def receipt_signed(self) -> bool:
        receipt = self.receipt or {}
        key = str(receipt.get("receipt_public_key", ""))
        if self.receipt_key and key != self.receipt_key.lower():
            return False
        return signature_ok(key, _without(receipt, "receipt_signature"), receipt.get("receipt_signature"))


Check = Callable[[_Context], dict[str, Any]]


def _lottery(c: _Context) -> dict[str, Any]:
    assert c.commitment is not None, "no commitment published"
    found = c.commitment.get("lottery_id")
    params = {"lottery": c.lottery_id, "found": found}
    published = c.document.get("commitment")
    if not (_same_id(c.document.get("lottery_id", c.lottery_id), c.lottery_id) and _same_id(found, c.lottery_id)):
        raise Failed(f"the data answered is for another lottery ({found}), not {c.lottery_id}")
    if c.record and published and canonical_json(c.record["commitment"]) != canonical_json(published):
        raise Failed("the record's commitment is not the published one")
    return params


def _key(c: _Context) -> dict[str, Any]:
    assert c.commitment is not None
    found = c.commitment["operator_public_key"]
    if c.pinned and found != c.pinned.lower():
        raise Failed(f"the record is signed by a key other than the pinned one ({found})")
    return {"key": c.key if c.pinned else f"{found} (not pinned: the record's own)"}


def _commitment_signature(c: _Context) -> dict[str, Any]:
    assert c.commitment is not None
    if not signature_ok(
        c.key, _without(c.commitment, "commitment_signature"), c.commitment["commitment_signature"]
    ):
        raise Failed("commitment signature is invalid")
    return {}


def _entries(c: _Context) -> dict[str, Any]:
    assert c.entries is not None
    published = c.document.get("entries")
    if c.entries["count"] != c.count:
        raise Failed("entry count differs from the committed ticket count")
    if (
        c.record
        and published
        and (published["root"], published["count"]) != (c.entries["root"], c.entries["count"])
    ):
        raise Failed("the record's entries are not the published ones")
    return {"count": c.entries["count"], "root": c.entries["root"]}


def _tickets(c: _Context) -> dict[str, Any]:
    seqs = [int(t["seq"]) for t in c.tickets]
    if seqs != list(range(1, c.count + 1)):
        raise Failed("tickets are not exactly seq 1..N")
    if len({t["ticket_id"] for t in c.tickets}) != len(c.tickets):
        raise Failed("ticket ids are not unique")
    if any(
        int(t["ticket_number"]) != TICKET_NUMBER_BASE + int(t["seq"]) for t in c.tickets if "ticket_number" in t
    ):
        raise Failed("a ticket number is not 1000000 + seq")
    return {"count": c.count}


def _root(c: _Context) -> dict[str, Any]:
    assert c.entries is not None
    root = rfc6962_root([f"{t['seq']}:{t['ticket_id']}:{t['buyer_ref']}".encode() for t in c.tickets])
    if root != c.entries["root"]:
        raise Failed("the ticket list does not hash to the signed Merkle root")
    return {}


def _draw_signature(c: _Context) -> dict[str, Any]:
    assert c.record is not None
    if not signature_ok(c.key, _without(c.record, "draw_signature"), c.record["draw_signature"]):
        raise Failed("draw signature is invalid")
    return {}


def _seed(c: _Context) -> dict[str, Any]:
    assert c.record is not None and c.commitment is not None
    if hashlib.sha256(bytes.fromhex(c.record["server_seed"])).hexdigest() != c.commitment["seed_commitment"]:
        raise Failed("seed does not match commitment")
    return {}


def _draw_input_text(c: _Context) -> str:
    assert c.record is not None and c.commitment is not None and c.entries is not None
    beacon = c.record.get("beacon")
    return f"fairdraw-v1|{c.commitment['lottery_id']}|{c.count}|{c.entries['root']}|{beacon or '-'}"


def _draw_input(c: _Context) -> dict[str, Any]:
    assert c.record is not None
    if c.record["draw_input"] != _draw_input_text(c):
        raise Failed("draw_input is not built from the committed data")
    return {}


def _hmac(c: _Context) -> dict[str, Any]:
    assert c.record is not None
    seed, drawn_from, count = bytes.fromhex(c.record["server_seed"]), _draw_input_text(c), c.count
    limit = 2**256 - (2**256 % count)
    counter = 0
    while True:
        digest = hmac.new(seed, f"{drawn_from}|{counter}".encode(), hashlib.sha256).digest()
        value = int.from_bytes(digest, "big")
        if value < limit:
            break
        counter += 1
    c.outcome = (counter, digest.hex(), value % count)
    for name, expected in (("counter", counter), ("hmac", digest.hex()), ("winner_index", value % count)):
        if c.record[name] != expected:
            raise Failed(f"{name} differs from the recomputed one")
    return {"counter": counter, "seq": value % count + 1}


def _winner(c: _Context) -> dict[str, Any]:
    assert c.record is not None
    if c.outcome is None:
        raise Failed("the draw could not be recomputed")
    index = c.outcome[2]
    if c.record["winning_seq"] != index + 1:
        raise Failed("winning_seq differs from the recomputed one")
    if c.record["winning_ticket_number"] != TICKET_NUMBER_BASE + index + 1:
        raise Failed("winning ticket number is wrong")
    by_seq = {int(t["seq"]): t for t in c.tickets}
    if by_seq.get(index + 1, {}).get("ticket_id") != c.record["winning_ticket_id"]:
        raise Failed("winning ticket id is wrong")
    return {"number": TICKET_NUMBER_BASE + index + 1}


def _legacy_signature(c: _Context) -> dict[str, Any]:
    s = c.statement
    if not s:
        raise Failed("no signed statement that the previous system ran this lottery, only the server's word")
    key = (c.pinned or str(s.get("operator_public_key", ""))).lower()
    if s.get("operator_public_key") != key:
        raise Failed("the statement is signed by a key other than the pinned one")
    if not signature_ok(key, _without(s, "statement_signature"), s.get("statement_signature")):
        raise Failed("the statement's signature is invalid")
    return {}


def _legacy_lottery(c: _Context) -> dict[str, Any]:
    s = c.statement or {}
    if s.get("format") != LEGACY_FORMAT or not _same_id(s.get("lottery_id"), c.lottery_id):
        raise Failed(f"the statement is for another lottery ({s.get('lottery_id')})")
    if not _same_id(c.document.get("lottery_id", c.lottery_id), c.lottery_id):
        raise Failed(f"the data answered is for another lottery ({c.document.get('lottery_id')})")
    return {"lottery": c.lottery_id}


def _legacy_consistent(c: _Context) -> dict[str, Any]:
    commitment = c.document.get("commitment")
    if (
        isinstance(commitment, dict)
        and _same_id(commitment.get("lottery_id"), c.lottery_id)
        and signature_ok(
            c.key, _without(commitment, "commitment_signature"), commitment.get("commitment_signature")
        )
    ):
        raise Failed("this lottery has a signed commitment of the new system")
    if c.receipt and _same_id(c.receipt.get("lottery_id"), c.lottery_id) and c.receipt_signed():
        raise Failed("your receipt shows the new system sold this lottery")
    return {}


def _receipt_signature(c: _Context) -> dict[str, Any]:
    receipt = c.receipt or {}
    if c.receipt_key and str(receipt.get("receipt_public_key", "")) != c.receipt_key.lower():
        raise Failed("the receipt is signed by a key other than the pinned receipt key")
    if not c.receipt_signed():
        raise Failed("receipt signature is invalid")
    return {}


def _receipt_lottery(c: _Context) -> dict[str, Any]:
    receipt = c.receipt or {}
    if not _same_id(receipt.get("lottery_id"), c.lottery_id):
        raise Failed(f"the receipt is for another lottery ({receipt.get('lottery_id')})")
    if c.commitment is None or not _same_id(receipt["lottery_id"], c.commitment.get("lottery_id")):
        raise Failed("the receipt is for another lottery")
    if receipt.get("commitment_hash") != hashlib.sha256(canonical_json(c.commitment)).hexdigest():
        raise Failed("the receipt names another commitment")
    return {}


def _receipt_order(c: _Context) -> dict[str, Any]:
    receipt = c.receipt or {}
    tickets = receipt.get("tickets")
    if receipt.get("format") != RECEIPT_FORMAT or not isinstance(tickets, list) or not tickets:
        raise Failed("not a luckymart-receipt-v1 with tickets")
    if c.order and c.order not in (receipt.get("order_id"), receipt.get("order_number")):
        raise Failed(f"the receipt is of order {receipt.get('order_number')}, not of order {c.order}")
    if len({int(t["seq"]) for t in tickets}) != len(tickets):
        raise Failed("the receipt lists a ticket twice")
    for t in tickets:
        if int(t["ticket_number"]) != TICKET_NUMBER_BASE + int(t["seq"]) or t["leaf_hash"] != leaf_hash(
            int(t["seq"]), str(t["ticket_id"]), str(receipt["buyer_ref"])
        ):
            raise Failed(f"receipt ticket {t.get('ticket_number')} does not match its own fingerprint")
    return {"order": receipt.get("order_number"), "numbers": ", ".join(map(str, c.receipt_numbers))}


def _proofs(c: _Context) -> dict[str, Any]:
    """The tickets the player named (and those of the receipt, given proofs): in the list, or proven in it."""
    assert c.entries is not None
    listed = {int(t["ticket_number"]) for t in c.tickets if "ticket_number" in t}
    proven = {int(p["ticket_number"]) for p in (c.proofs or {}).get("proofs", [])}
    ids = {str(t["ticket_id"]) for t in c.tickets}
    for number in c.ticket_numbers:
        if number not in listed | proven:
            raise Failed(f"ticket {number} is not among the entries")
    for ticket_id in c.ticket_ids:
        if ticket_id not in ids:
            raise Failed("your ticket is not among the entries")
    if c.proofs is not None:
        entries = c.proofs["entries"]
        if not _same_id(c.proofs.get("lottery_id", c.lottery_id), c.lottery_id):
            raise Failed("the proofs are for another lottery")
        if (entries["root"], entries["count"]) != (c.entries["root"], c.entries["count"]):
            raise Failed("the proofs are for another root")
        for proof in c.proofs["proofs"]:
            expected = leaf_hash(int(proof["seq"]), str(proof["ticket_id"]), str(proof["buyer_ref"]))
            if proof["leaf_hash"] != expected or not inclusion_ok(
                expected, int(proof["seq"]) - 1, int(c.entries["count"]), proof["audit_path"], c.entries["root"]
            ):
                raise Failed(
                    f"the inclusion proof of ticket {proof.get('ticket_number')} does not lead to the root"
                )
    named = [*map(str, c.ticket_numbers), *c.ticket_ids] or [str(n) for n in sorted(proven)]
    return {"numbers": ", ".join(named)}


def _receipt_tickets(c: _Context) -> dict[str, Any]:
    receipt = c.receipt or {}
    by_seq = {int(t["seq"]): t for t in c.tickets}
    for mine in receipt.get("tickets") or []:
        entry = by_seq.get(int(mine["seq"]))
        if not (
            entry is not None
            and entry["ticket_id"] == mine["ticket_id"]
            and entry["buyer_ref"] == receipt["buyer_ref"]
            and leaf_hash(int(mine["seq"]), mine["ticket_id"], receipt["buyer_ref"]) == mine["leaf_hash"]
        ):
            raise Failed(f"receipt ticket {mine.get('ticket_number')} is missing from the entries or altered")
    return {}


CHECKS: dict[str, Check] = {
    "lottery": _lottery,
    "key": _key,
    "commitment_signature": _commitment_signature,
    "entries": _entries,
    "tickets": _tickets,
    "root": _root,
    "draw_signature": _draw_signature,
    "seed": _seed,
    "draw_input": _draw_input,
    "hmac": _hmac,
    "winner": _winner,
    "legacy_signature": _legacy_signature,
    "legacy_lottery": _legacy_lottery,
    "legacy_consistent": _legacy_consistent,
    "receipt_signature": _receipt_signature,
    "receipt_lottery": _receipt_lottery,
    "receipt_order": _receipt_order,
    "proofs": _proofs,
    "receipt_tickets": _receipt_tickets,
}


def _applies(step: Step, c: _Context) -> bool:
    if step.group == "legacy":
        return c.legacy
    if c.legacy and (step.group == "draw" or step.needs):
        return False
    if step.brought == "receipt":
        return c.receipt is not None
    if step.brought == "ticket":
        return bool(c.ticket_numbers or c.ticket_ids or c.proofs)
    return True


def _verdicts(c: _Context, report: Report) -> None:
    status = {step_id: value[0] for step_id, value in report.steps.items()}

    def failed(group: str) -> bool:
        return any(status.get(s.id) == "fail" for s in STEPS if s.group == group)

    if c.legacy:
        report.draw = "not_fair" if failed("legacy") else "legacy"
    elif failed("draw"):
        report.draw = "not_fair"
    elif c.entries is None:
        report.draw = "cancelled" if c.document.get("status") == "CANCELLED" else "on_sale"
    elif c.record is None:
        report.draw = "record_missing" if c.document.get("status") == "COMPLETED" else "not_drawn"
    else:
        report.draw = "fair"
    if c.receipt is not None:
        if any(status.get(i) == "fail" for i in RECEIPT_ITSELF):
            report.ticket = "not_valid"
        elif status.get("proofs") == "fail" or status.get("receipt_tickets") == "fail":
            report.ticket = "not_included"
        else:
            report.ticket = "signed" if c.entries is None else "included"
    elif c.ticket_numbers or c.ticket_ids:
        if status.get("proofs") == "fail":
            report.ticket = "ticket_not_included"
        else:
            report.ticket = "ticket_included" if c.entries is not None else "ticket_pending"
    report.mine = sorted({*c.ticket_numbers, *([] if report.ticket == "not_valid" else c.receipt_numbers)})
    if c.legacy and c.statement:
        report.winning_ticket_number = c.statement.get("winning_ticket_number")
        report.drawn_at = c.statement.get("drawn_at")
        report.legacy_reason = c.statement.get("reason")
    elif c.record is not None:
        report.drawn_at = c.record.get("drawn_at")
        if c.outcome is not None:
            report.winning_ticket_number = TICKET_NUMBER_BASE + c.outcome[2] + 1
        if report.draw == "fair" and report.mine and report.ticket not in ("not_included", "ticket_not_included"):
            report.won = report.winning_ticket_number in report.mine


def verify(
    document: dict[str, Any],
    pinned_key: str | None,
    my_ticket_id: str | None = None,
    *,
    receipt: dict[str, Any] | None = None,
    receipt_key: str | None = None,
    proofs: dict[str, Any] | None = None,
    lottery_id: str | None = None,
    order: str | None = None,
    ticket_numbers: list[int] | None = None,
) -> Report:
    """Runs every check of STEPS on a verify-draw answer (its whole ticket list) for `lottery_id` (the lottery
    asked about; without it, the answer's own id), plus, when given, a receipt, inclusion proofs and the player's
    ticket numbers or id. Before the draw (record null) the draw steps are pending."""
    report = Report()
    found = document.get("record")
    record: dict[str, Any] | None = found if isinstance(found, dict) else None
    legacy = record is not None and (record.get("legacy") is True or "statement" in record)
    report.legacy = legacy
    commitment = record.get("commitment") if record is not None and not legacy else document.get("commitment")
    asked = lottery_id or document.get("lottery_id") or (commitment or {}).get("lottery_id") or ""
    raw_tickets = document.get("tickets") or []
    c = _Context(
        document=document,
        lottery_id=str(asked),
        pinned=pinned_key,
        receipt=receipt,
        receipt_key=receipt_key,
        order=order,
        proofs=proofs,
        ticket_numbers=list(ticket_numbers or []),
        ticket_ids=[my_ticket_id] if my_ticket_id else [],
        record=None if legacy else record,
        statement=(record or {}).get("statement") if legacy else None,
        legacy=legacy,
        commitment=dict(commitment) if isinstance(commitment, dict) else None,
        entries=None if legacy else ((record or {}).get("entries") or document.get("entries")),
        tickets=sorted(
            raw_tickets["items"] if isinstance(raw_tickets, dict) else raw_tickets, key=lambda t: int(t["seq"])
        ),
    )
    for step in STEPS:
        if not _applies(step, c):
            report.steps[step.id] = ("skip", "")
        elif (step.needs == "entries" and c.entries is None) or (step.needs == "record" and c.record is None):
            report.steps[step.id] = ("pending", "")
        else:
            try:
                params = CHECKS[step.id](c)
                report.steps[step.id] = ("ok", step.ok.format_map(_Blank(params)))
            except Failed as problem:
                report.steps[step.id] = ("fail", str(problem))
            except (KeyError, TypeError, ValueError, AttributeError, AssertionError) as error:
                report.steps[step.id] = ("fail", f"malformed data: {error!r}")
    _verdicts(c, report)
    return report


class _Blank(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return ""


# ---------------------------------------------------------------- reading the data
class Unreadable(Exception):
    """The data could not be read: the URL is unreachable, or it answered something else than verify-draw."""


def _get(url: str) -> dict[str, Any]:
    where = url.split("?", maxsplit=1)[0]
    try:
        with urllib.request.urlopen(url, timeout=60) as response:  # noqa: S310 - the user's URL
            body = json.loads(response.read())
    except urllib.error.HTTPError as error:
        try:
            problem = json.loads(error.read()).get("error") or {}
        except (ValueError, AttributeError, OSError):
            problem = {}
        detail = f"{problem.get('code')}: {problem.get('message')}" if problem else error.reason
        raise Unreadable(f"{where} answered HTTP {error.code} ({detail})") from None
    except urllib.error.URLError as error:
        raise Unreadable(f"cannot reach {where}: {error.reason}") from None
    except (TimeoutError, OSError) as error:
        raise Unreadable(f"cannot reach {where}: {error}") from None
    except ValueError:
        raise Unreadable(f"{where} did not answer JSON") from None
    if not isinstance(body, dict) or not isinstance(body.get("data"), dict):
        raise Unreadable(f"{where} did not answer a verify-draw response")
    return dict(body["data"])


def fetch(url: str, lottery_id: str) -> dict[str, Any]:
    """Reads the record and pages through the whole ticket list of a verify-draw endpoint."""
    tickets: list[dict[str, Any]] = []
    data: dict[str, Any] = {}
    while True:
        query = urllib.parse.urlencode(
            {"lottery_id": lottery_id, "tickets_offset": len(tickets), "tickets_limit": PAGE_SIZE}
        )
        data = _get(f"{url}{'&' if '?' in url else '?'}{query}")
        page = (data.get("tickets") or {}).get("items") or []
        tickets.extend(page)
        if not page or len(tickets) >= int(data["tickets"]["total"]):
            break
    return {**data, "tickets": tickets}


def legacy_message(document: dict[str, Any]) -> str | None:
    """The server's own note on a lottery it says the previous system ran (`record.legacy`), else None. Shown,
    never obeyed: only a signed statement makes that the verdict."""
    record = document.get("record")
    if isinstance(record, dict) and record.get("legacy") is True:
        return str(record.get("message") or LEGACY_MESSAGE)
    return None


# ---------------------------------------------------------------- output
def render(report: Report, lottery_id: str, document: dict[str, Any]) -> str:
    lines = []
    lottery = document.get("lottery") or {}
    title = lottery.get("title") or document.get("title")
    lines.append(f"Lottery {lottery_id}" + (f" ({title})" if title else ""))
    if report.winning_ticket_number is not None:
        lines.append(f"Drawn {report.drawn_at or '?'}: winning ticket {report.winning_ticket_number}")
    if report.won is not None:
        mine = ", ".join(map(str, report.mine))
        lines.append(f"Your ticket {mine}: {'WON' if report.won else 'did not win'}")
    group = "legacy" if report.legacy else "draw"
    headline = DRAW_VERDICTS.get(report.draw, report.draw.upper())
    if report.draw == "fair":
        headline += f": {report.passed('draw')} checks passed"
    elif report.draw == "not_fair":
        headline += f": {_first_failure(report, group)}"
    elif report.draw == "legacy" and report.legacy_reason:
        headline += f": {LEGACY_REASONS.get(report.legacy_reason, report.legacy_reason)}"
    lines += ["", f"Draw: {headline}", *_step_lines(report, (group,))]
    if report.ticket != "none":
        headline = TICKET_VERDICTS[report.ticket]
        if report.ticket in ("not_valid", "not_included", "ticket_not_included"):
            headline += f": {_first_failure(report, 'receipt')}"
        label = "Receipt" if report.steps.get("receipt_signature", ("skip",))[0] != "skip" else "Your ticket"
        lines += ["", f"{label}: {headline}", *_step_lines(report, ("receipt",))]
    if report.draw in ("on_sale", "not_drawn"):
        lines += ["", "Pending until " + ("sell-out and " if report.draw == "on_sale" else "") + "the draw: "
                  + ", ".join(s.id for s in STEPS if report.steps.get(s.id, ("",))[0] == "pending")]  # fmt: skip
    return "\n".join(lines)


def _first_failure(report: Report, group: str) -> str:
    return next(
        (report.steps[s.id][1] for s in STEPS if s.group == group and report.steps.get(s.id, ("",))[0] == "fail"),
        "",
    )


def _step_lines(report: Report, groups: tuple[str, ...]) -> list[str]:
    out = []
    for step in STEPS:
        status, text = report.steps.get(step.id, ("skip", ""))
        if step.group in groups and status in ("ok", "fail"):
            out.append(f"  {'ok' if status == 'ok' else 'FAILED':<7}{step.id:<22}{text}")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--url", help="verify-draw endpoint URL")
    source.add_argument("--file", help="a JSON file with the record and tickets")
    parser.add_argument("--lottery-id", required=True, help="the lottery to check (every object must name it)")
    parser.add_argument("--public-key", help="the operator's published Ed25519 public key (hex)")
    parser.add_argument(
        "--ticket", type=int, action="append", default=[], help="check this ticket number took part"
    )
    parser.add_argument("--ticket-id", help="check that this ticket id took part")
    parser.add_argument("--receipt", help="a JSON file with your purchase receipt (lottery-purchase `receipt`)")
    parser.add_argument("--receipt-key", help="the published receipt public key (hex) to pin")
    parser.add_argument("--order", help="the order id or number the receipt must be of")
    args = parser.parse_args(argv)
    try:
        if args.url:
            document = fetch(args.url, args.lottery_id)
        else:
            document = _read_json(args.file)
            document = document.get("data", document)
        receipt = None
        if args.receipt:
            receipt = _read_json(args.receipt)
            receipt = receipt.get("receipt", receipt)
    except Unreadable as problem:
        print(f"error: {problem}", file=sys.stderr)
        return EXIT_UNREADABLE
    report = verify(
        document,
        args.public_key,
        args.ticket_id,
        receipt=receipt,
        receipt_key=args.receipt_key,
        lottery_id=args.lottery_id,
        order=args.order,
        ticket_numbers=args.ticket,
    )
    print(render(report, args.lottery_id, document))
    if report.draw == "legacy" and report.ok:
        return EXIT_NOT_VERIFIABLE
    return EXIT_OK if report.ok and report.draw != "record_missing" else EXIT_FAILED


def _read_json(path: str) -> dict[str, Any]:
    try:
        with open(path, encoding="utf-8") as handle:
            value = json.load(handle)
    except OSError as error:
        raise Unreadable(f"cannot read {path}: {error.strerror}") from None
    except ValueError:
        raise Unreadable(f"{path} is not JSON") from None
    if not isinstance(value, dict):
        raise Unreadable(f"{path} does not hold a JSON object")
    return value


if __name__ == "__main__":
    sys.exit(main())
