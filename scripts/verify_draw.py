#!/usr/bin/env python3
"""Independent checker of a LuckyMart fairdraw-v1 draw (notes/fairdraw.md). Standalone on purpose: Python's
standard library and `cryptography` only, nothing from this project, so anyone can read and run it.

    python verify_draw.py --url https://<verify-draw function URL> --lottery-id <uuid> [--public-key <hex>]
    python verify_draw.py --file draw.json [--public-key <hex>] [--ticket-id <your ticket id>]
    ... [--receipt receipt.json --receipt-key <hex>]

A file holds {"record": {...}, "tickets": [...]} or the `data` of a verify-draw response. Pin the operator's
public key with --public-key (published in the README); without it the key inside the record is trusted.
A purchase receipt (the `receipt` of a lottery-purchase response) is checked against the pinned receipt key and
the published entries: a ticket it lists that is missing or altered is reported.
A lottery drawn by the previous system before the cutover (record.legacy) has no fair-draw record to check: that
is said, with exit status 3.
Exit status 0 when every check passes, 1 otherwise.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import json
import sys
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

PAGE_SIZE = 1000
TICKET_NUMBER_BASE = 1_000_000
EXIT_NOT_VERIFIABLE = 3
LEGACY_MESSAGE = "drawn by the previous system, not independently verifiable"


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


def check_proofs(proofs: dict[str, Any], report: Report) -> None:
    """Inclusion proofs (a get-ticket-proof response) against the frozen root they name."""
    entries = proofs["entries"]
    for proof in proofs["proofs"]:
        expected = leaf_hash(int(proof["seq"]), str(proof["ticket_id"]), str(proof["buyer_ref"]))
        report.check(
            proof["leaf_hash"] == expected
            and inclusion_ok(
                expected, int(proof["seq"]) - 1, int(entries["count"]), proof["audit_path"], entries["root"]
            ),
            f"the inclusion proof of ticket {proof.get('ticket_number')} does not lead to the frozen root",
        )


def check_receipt(
    receipt: dict[str, Any],
    pinned_key: str | None,
    commitment: dict[str, Any],
    tickets: list[dict[str, Any]],
    report: Report,
) -> None:
    """A purchase receipt: its signature, the lottery it names, and each of its tickets among the entries."""
    body = dict(receipt)
    signature = body.pop("receipt_signature", "")
    key = str(body.get("receipt_public_key", ""))
    if pinned_key:
        report.check(key == pinned_key.lower(), "the receipt is signed by a key other than the pinned receipt key")
    report.check(signature_ok(key, body, signature), "receipt signature is invalid")
    report.check(body["lottery_id"] == commitment["lottery_id"], "the receipt is for another lottery")
    report.check(
        body["commitment_hash"] == hashlib.sha256(canonical_json(commitment)).hexdigest(),
        "the receipt names another commitment",
    )
    by_seq = {int(t["seq"]): t for t in tickets}
    for mine in body["tickets"]:
        entry = by_seq.get(int(mine["seq"]))
        report.check(
            entry is not None
            and entry["ticket_id"] == mine["ticket_id"]
            and entry["buyer_ref"] == body["buyer_ref"]
            and leaf_hash(int(mine["seq"]), mine["ticket_id"], body["buyer_ref"]) == mine["leaf_hash"],
            f"receipt ticket {mine.get('ticket_number')} is missing from the entries or altered",
        )


@dataclass
class Report:
    problems: list[str] = field(default_factory=list)
    winning_ticket_number: int | None = None

    @property
    def ok(self) -> bool:
        return not self.problems

    def check(self, condition: bool, problem: str) -> None:
        if not condition:
            self.problems.append(problem)


def verify(
    document: dict[str, Any],
    pinned_key: str | None,
    my_ticket_id: str | None = None,
    *,
    receipt: dict[str, Any] | None = None,
    receipt_key: str | None = None,
    proofs: dict[str, Any] | None = None,
) -> Report:
    """Checks a drawn record with its tickets or, before the draw (record null), the frozen entries with their
    tickets; plus, when given, a purchase receipt and inclusion proofs."""
    report = Report()
    try:
        _verify(document, pinned_key, my_ticket_id, report)
        tickets = document["tickets"]
        tickets = tickets["items"] if isinstance(tickets, dict) else tickets
        if receipt is not None:
            check_receipt(receipt, receipt_key, _commitment(document), tickets, report)
        if proofs is not None:
            entries = _entries(document)
            report.check(
                proofs["entries"]["root"] == entries["root"] and proofs["entries"]["count"] == entries["count"],
                "the proofs are for another root",
            )
            check_proofs(proofs, report)
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        report.problems.append(f"malformed record: {error!r}")
    return report


def _commitment(document: dict[str, Any]) -> dict[str, Any]:
    record = document.get("record")
    return dict(record["commitment"] if record else document["commitment"])


def _entries(document: dict[str, Any]) -> dict[str, Any]:
    record = document.get("record")
    return dict(record["entries"] if record else document["entries"])


def _verify(document: dict[str, Any], pinned_key: str | None, my_ticket_id: str | None, report: Report) -> None:
    record = dict(document["record"]) if document.get("record") else None
    tickets = document["tickets"]
    tickets = tickets["items"] if isinstance(tickets, dict) else tickets
    commitment = _commitment(document)
    entries = _entries(document)
    key = commitment["operator_public_key"]
    if pinned_key:
        report.check(key == pinned_key.lower(), "the record is signed by a key other than the pinned one")

    commitment_signature = commitment.pop("commitment_signature")
    report.check(signature_ok(key, commitment, commitment_signature), "commitment signature is invalid")

    count = int(commitment["ticket_count"])
    report.check(entries["count"] == count, "entry count differs from the committed ticket count")
    ordered = sorted(tickets, key=lambda t: int(t["seq"]))
    report.check([int(t["seq"]) for t in ordered] == list(range(1, count + 1)), "tickets are not exactly seq 1..N")
    report.check(len({t["ticket_id"] for t in ordered}) == len(ordered), "ticket ids are not unique")
    report.check(
        all(
            int(t["ticket_number"]) == TICKET_NUMBER_BASE + int(t["seq"]) for t in ordered if "ticket_number" in t
        ),
        "a ticket number is not 1000000 + seq",
    )
    root = rfc6962_root([f"{t['seq']}:{t['ticket_id']}:{t['buyer_ref']}".encode() for t in ordered])
    report.check(root == entries["root"], "the ticket list does not hash to the signed Merkle root")
    if my_ticket_id:
        report.check(any(t["ticket_id"] == my_ticket_id for t in ordered), "your ticket is not among the entries")
    if record is None:
        return  # before the draw: the entries are frozen, the seed is still secret

    draw_signature = record.pop("draw_signature")
    report.check(signature_ok(key, record, draw_signature), "draw signature is invalid")
    seed = bytes.fromhex(record["server_seed"])
    report.check(
        hashlib.sha256(seed).hexdigest() == commitment["seed_commitment"], "seed does not match commitment"
    )
    beacon = record.get("beacon")
    expected_input = f"fairdraw-v1|{commitment['lottery_id']}|{count}|{entries['root']}|{beacon or '-'}"
    report.check(record["draw_input"] == expected_input, "draw_input is not built from the committed data")
    limit = 2**256 - (2**256 % count)
    counter = 0
    while True:
        digest = hmac.new(seed, f"{expected_input}|{counter}".encode(), hashlib.sha256).digest()
        value = int.from_bytes(digest, "big")
        if value < limit:
            break
        counter += 1
    index = value % count
    report.check(record["counter"] == counter, "counter differs from the recomputed one")
    report.check(record["hmac"] == digest.hex(), "hmac differs from the recomputed one")
    report.check(record["winner_index"] == index, "winner_index differs from the recomputed one")
    report.check(record["winning_seq"] == index + 1, "winning_seq differs from the recomputed one")
    report.check(
        record["winning_ticket_number"] == TICKET_NUMBER_BASE + index + 1, "winning ticket number is wrong"
    )
    if len(ordered) == count and [int(t["seq"]) for t in ordered] == list(range(1, count + 1)):
        report.check(ordered[index]["ticket_id"] == record["winning_ticket_id"], "winning ticket id is wrong")
    report.winning_ticket_number = TICKET_NUMBER_BASE + index + 1


def fetch(url: str, lottery_id: str) -> dict[str, Any]:
    """Reads the record and pages through the ticket list of a verify-draw endpoint."""
    tickets: list[dict[str, Any]] = []
    data: dict[str, Any] = {}
    while True:
        query = urllib.parse.urlencode(
            {"lottery_id": lottery_id, "tickets_offset": len(tickets), "tickets_limit": PAGE_SIZE}
        )
        with urllib.request.urlopen(f"{url}?{query}", timeout=60) as response:  # noqa: S310 - user-given URL
            data = json.loads(response.read())["data"]
        page = data["tickets"]["items"]
        tickets.extend(page)
        if not page or len(tickets) >= int(data["tickets"]["total"]):
            break
    if data.get("record") is None and data.get("entries") is None:
        raise SystemExit(f"lottery {lottery_id} is not sold out yet (status {data.get('status')})")
    return {**data, "tickets": tickets}


def legacy_message(document: dict[str, Any]) -> str | None:
    """The explanation published for a lottery drawn (or cancelled) before the cutover, else None."""
    record = document.get("record")
    if isinstance(record, dict) and record.get("legacy") is True:
        return str(record.get("message") or LEGACY_MESSAGE)
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--url", help="verify-draw endpoint URL")
    source.add_argument("--file", help="a JSON file with the record and tickets")
    parser.add_argument("--lottery-id", help="with --url: the lottery to check")
    parser.add_argument("--public-key", help="the operator's published Ed25519 public key (hex)")
    parser.add_argument("--ticket-id", help="check that this ticket took part")
    parser.add_argument("--receipt", help="a JSON file with your purchase receipt (lottery-purchase `receipt`)")
    parser.add_argument("--receipt-key", help="the published receipt public key (hex) to pin")
    args = parser.parse_args(argv)
    if args.url:
        if not args.lottery_id:
            parser.error("--url needs --lottery-id")
        document = fetch(args.url, args.lottery_id)
    else:
        with open(args.file, encoding="utf-8") as handle:
            document = json.load(handle)
        document = document.get("data", document)
    legacy = legacy_message(document)
    if legacy is not None:
        print(f"NOT VERIFIABLE: {legacy}")
        return EXIT_NOT_VERIFIABLE
    receipt = None
    if args.receipt:
        with open(args.receipt, encoding="utf-8") as handle:
            receipt = json.load(handle)
        receipt = receipt.get("receipt", receipt)
    report = verify(document, args.public_key, args.ticket_id, receipt=receipt, receipt_key=args.receipt_key)
    if report.ok and report.winning_ticket_number is None:
        print("OK: the frozen entries verify; the lottery has not been drawn yet")
        return 0
    if report.ok:
        print(f"OK: fair draw verified; winning ticket {report.winning_ticket_number}")
        return 0
    for problem in report.problems:
        print(f"FAILED: {problem}")
    return 1


if __name__ == "__main__":
    sys.exit(main())
