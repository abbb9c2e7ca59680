#!/usr/bin/env python3
"""Independent checker of a LuckyMart fairdraw-v1 draw (notes/fairdraw.md). Standalone on purpose: Python's
standard library and `cryptography` only, nothing from this project, so anyone can read and run it.

    python verify_draw.py --url https://<verify-draw function URL> --lottery-id <uuid> [--public-key <hex>]
    python verify_draw.py --file draw.json [--public-key <hex>] [--ticket-id <your ticket id>]

A file holds {"record": {...}, "tickets": [...]} or the `data` of a verify-draw response. Pin the operator's
public key with --public-key (published in the README); without it the key inside the record is trusted.
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

PAGE_SIZE = 5000


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


def verify(document: dict[str, Any], pinned_key: str | None, my_ticket_id: str | None = None) -> Report:
    report = Report()
    try:
        _verify(document, pinned_key, my_ticket_id, report)
    except (KeyError, TypeError, ValueError) as error:
        report.problems.append(f"malformed record: {error!r}")
    return report


def _verify(document: dict[str, Any], pinned_key: str | None, my_ticket_id: str | None, report: Report) -> None:
    record = dict(document["record"])
    tickets = document["tickets"]
    tickets = tickets["items"] if isinstance(tickets, dict) else tickets
    commitment = dict(record["commitment"])
    key = commitment["operator_public_key"]
    if pinned_key:
        report.check(key == pinned_key.lower(), "the record is signed by a key other than the pinned one")

    commitment_signature = commitment.pop("commitment_signature")
    report.check(signature_ok(key, commitment, commitment_signature), "commitment signature is invalid")
    draw_signature = record.pop("draw_signature")
    report.check(signature_ok(key, record, draw_signature), "draw signature is invalid")

    seed = bytes.fromhex(record["server_seed"])
    report.check(
        hashlib.sha256(seed).hexdigest() == commitment["seed_commitment"], "seed does not match commitment"
    )

    count = int(commitment["ticket_count"])
    entries = record["entries"]
    report.check(entries["count"] == count, "entry count differs from the committed ticket count")
    ordered = sorted(tickets, key=lambda t: int(t["seq"]))
    report.check([int(t["seq"]) for t in ordered] == list(range(1, count + 1)), "tickets are not exactly seq 1..N")
    report.check(len({t["ticket_id"] for t in ordered}) == len(ordered), "ticket ids are not unique")
    report.check(
        all(int(t["ticket_number"]) == 1_000_000 + int(t["seq"]) for t in ordered if "ticket_number" in t),
        "a ticket number is not 1000000 + seq",
    )
    root = rfc6962_root([f"{t['seq']}:{t['ticket_id']}:{t['buyer_ref']}".encode() for t in ordered])
    report.check(root == entries["root"], "the ticket list does not hash to the signed Merkle root")
    if my_ticket_id:
        report.check(any(t["ticket_id"] == my_ticket_id for t in ordered), "your ticket is not among the entries")

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
    report.check(record["winning_ticket_number"] == 1_000_000 + index + 1, "winning ticket number is wrong")
    if len(ordered) == count and [int(t["seq"]) for t in ordered] == list(range(1, count + 1)):
        report.check(ordered[index]["ticket_id"] == record["winning_ticket_id"], "winning ticket id is wrong")
    report.winning_ticket_number = 1_000_000 + index + 1


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
    if data.get("record") is None:
        raise SystemExit(f"lottery {lottery_id} has not been drawn yet (status {data.get('status')})")
    return {"record": data["record"], "tickets": tickets}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--url", help="verify-draw endpoint URL")
    source.add_argument("--file", help="a JSON file with the record and tickets")
    parser.add_argument("--lottery-id", help="with --url: the lottery to check")
    parser.add_argument("--public-key", help="the operator's published Ed25519 public key (hex)")
    parser.add_argument("--ticket-id", help="check that this ticket took part")
    args = parser.parse_args(argv)
    if args.url:
        if not args.lottery_id:
            parser.error("--url needs --lottery-id")
        document = fetch(args.url, args.lottery_id)
    else:
        with open(args.file, encoding="utf-8") as handle:
            document = json.load(handle)
        document = document.get("data", document)
    report = verify(document, args.public_key, args.ticket_id)
    if report.ok:
        print(f"OK: fair draw verified; winning ticket {report.winning_ticket_number}")
        return 0
    for problem in report.problems:
        print(f"FAILED: {problem}")
    return 1


if __name__ == "__main__":
    sys.exit(main())
