"""Fairness before the draw (issue 18): frozen entries published from sell-out, RFC 6962 inclusion proofs from the
chunk layer (checked against an independent recursive PATH), and signed purchase receipts."""

from __future__ import annotations

import hashlib
import os
from typing import Any

import psycopg
import pytest

from luckymart import fairdraw
from scripts import verify_draw
from tests.golden_vectors import mth, reference_path
from tests.support import invoke, sign_in
from tests.support_lottery import create_lottery, force_draw_time_passed, fund

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean")]


def page_through(lottery_id: str) -> dict[str, Any]:
    items: list[dict[str, Any]] = []
    while True:
        data = invoke(
            "verify-draw",
            method="GET",
            query=f"lottery_id={lottery_id}&tickets_limit=1000&tickets_offset={len(items)}",
        ).data
        items.extend(data["tickets"]["items"])
        if not data["tickets"]["items"] or len(items) >= data["tickets"]["total"]:
            return {**data, "tickets": items}


def buy(token: str, lottery_id: str, quantity: int, **extra: Any) -> Any:
    return invoke(
        "lottery-purchase",
        {"lottery_id": lottery_id, "quantity": quantity, "payment_method": "BALANCE"},
        token=token,
        **extra,
    )


def test_audit_paths_in_sql_match_rfc6962_for_every_size(clean: psycopg.Connection) -> None:
    for size in (1, 2, 3, 5, 7, 8, 9, 13, 16, 17, 33):
        leaves = [hashlib.sha256(f"{size}-{i}".encode()).digest() for i in range(size)]
        for index in range(size):
            row = clean.execute("select path, root from private.merkle_audit(%s::bytea[], %s)", (leaves, index))
            path, root = row.fetchone()  # type: ignore[misc]
            assert bytes(root) == mth(leaves)
            assert [bytes(p) for p in path] == reference_path(index, leaves)
            assert verify_draw.inclusion_ok(
                leaves[index].hex(), index, size, [bytes(p).hex() for p in path], mth(leaves).hex()
            )


def test_entries_and_proofs_from_sell_out_through_the_draw(clean: psycopg.Connection) -> None:
    total = 2 * 1024 + 452  # two full chunks and a partial one
    lottery = create_lottery(clean, total_tickets=total, ticket_price="0.01")
    alice, bob = sign_in(), sign_in()
    for who in (alice, bob):
        fund(clean, who.user["id"], "100.00")
    sold = 0
    while sold < total - 100:
        assert buy(alice.token if sold % 200 else bob.token, lottery["id"], 100).status == 200
        sold += 100
    before = invoke("verify-draw", {"lottery_id": lottery["id"]}).data
    assert before["entries"] is None and before["tickets"]["total"] == 0
    assert invoke("get-ticket-proof", {"lottery_id": lottery["id"], "ticket_numbers": [1000001]}).code == (
        "LOTTERY_NOT_SOLD_OUT"
    )
    assert buy(bob.token, lottery["id"], total - sold).data["is_sold_out"] is True

    chunks = clean.execute(
        "select chunk, leaves from merkle_chunks where lottery_id = %s order by chunk", (lottery["id"],)
    ).fetchall()
    assert chunks == [(0, 1024), (1, 1024), (2, 452)]

    published = page_through(lottery["id"])
    assert published["status"] == "SOLD_OUT" and published["record"] is None
    entries = published["entries"]
    assert entries["count"] == total and entries["scheme"] == "rfc6962-sha256"
    assert len(published["tickets"]) == total
    report = verify_draw.verify(published, pinned_key=published["operator_public_key"])
    assert report.ok, report.problems

    leaves = [
        fairdraw.leaf_hash(fairdraw.leaf_data(t["seq"], t["ticket_id"], t["buyer_ref"]))
        for t in published["tickets"]
    ]
    assert mth(leaves).hex() == entries["root"]
    wanted = [1, 2, 1023, 1024, 1025, 2048, 2049, total - 1, total]
    proofs = invoke(
        "get-ticket-proof", {"lottery_id": lottery["id"], "ticket_numbers": [1_000_000 + s for s in wanted]}
    ).data
    assert [p["seq"] for p in proofs["proofs"]] == wanted
    for proof in proofs["proofs"]:
        assert proof["audit_path"] == [h.hex() for h in reference_path(proof["seq"] - 1, leaves)]
    assert verify_draw.verify(published, None, proofs=proofs).ok

    # GET with a comma-separated list (cacheable), bad numbers and too many chunks are refused cleanly
    got = invoke(
        "get-ticket-proof", method="GET", query=f"lottery_id={lottery['id']}&ticket_numbers=1000001,1002500"
    )
    assert [p["seq"] for p in got.data["proofs"]] == [1, 2500]
    missing = invoke("get-ticket-proof", {"lottery_id": lottery["id"], "ticket_numbers": [1_000_000 + total + 1]})
    assert (missing.status, missing.code) == (404, "NOT_FOUND")
    assert invoke("get-ticket-proof", {"lottery_id": lottery["id"], "ticket_numbers": [0]}).status == 400
    assert (
        invoke(
            "get-ticket-proof", {"lottery_id": lottery["id"], "ticket_numbers": list(range(1000001, 1000102))}
        ).status
        == 400
    )

    # a doctored proof fails
    bad = {**proofs, "proofs": [{**proofs["proofs"][3], "audit_path": proofs["proofs"][4]["audit_path"]}]}
    assert not verify_draw.verify(published, None, proofs=bad).ok

    force_draw_time_passed(clean, lottery["id"])
    from functions.auto_lottery_draw.handler import handler as draw_handler

    draw_handler({"source": "aws.events", "detail-type": "Scheduled Event", "detail": {}}, None)
    after = page_through(lottery["id"])
    assert after["status"] == "COMPLETED" and after["entries"] == entries
    assert after["record"]["entries"]["root"] == entries["root"]
    assert verify_draw.verify(after, after["operator_public_key"], proofs=proofs).ok
    again = invoke(
        "get-ticket-proof", {"lottery_id": lottery["id"], "ticket_numbers": [1_000_000 + s for s in wanted]}
    )
    assert again.data == proofs


def test_page_size_is_bounded(clean: psycopg.Connection) -> None:
    lottery = create_lottery(clean, total_tickets=3)
    too_big = invoke("verify-draw", method="GET", query=f"lottery_id={lottery['id']}&tickets_limit=1001")
    assert too_big.status == 400


def test_every_purchase_carries_a_signed_receipt_that_matches_the_entries(clean: psycopg.Connection) -> None:
    lottery = create_lottery(clean, total_tickets=6)
    alice, bob = sign_in(), sign_in()
    fund(clean, alice.user["id"], "10.00")
    fund(clean, bob.user["id"], "10.00")
    first = buy(alice.token, lottery["id"], 2, headers={"Idempotency-Key": "receipt-1"}).data
    receipt = first["receipt"]
    assert receipt["format"] == "luckymart-receipt-v1" and receipt["lottery_id"] == lottery["id"]
    assert [t["ticket_number"] for t in receipt["tickets"]] == first["ticket_numbers"] == [1000001, 1000002]
    assert receipt["order_id"] == first["order"]["id"] and receipt["purchased_at"] == first["order"]["paid_at"]
    signing = fairdraw.private_key(os.environ["RECEIPT_SIGNING_KEY"])
    assert receipt["receipt_public_key"] == fairdraw.public_key_hex(signing)
    assert receipt["receipt_public_key"] != fairdraw.public_key_hex(
        fairdraw.private_key(os.environ["FAIRDRAW_SIGNING_KEY"])
    )
    body = {k: v for k, v in receipt.items() if k != "receipt_signature"}
    assert fairdraw.verify(receipt["receipt_public_key"], body, receipt["receipt_signature"])
    assert (
        receipt["commitment_hash"]
        == hashlib.sha256(fairdraw.canonical_json(lottery["draw_commitment"])).hexdigest()
    )
    # an idempotent replay returns the very same receipt (Ed25519 is deterministic, the time is the order's)
    assert buy(alice.token, lottery["id"], 2, headers={"Idempotency-Key": "receipt-1"}).data["receipt"] == receipt

    buy(bob.token, lottery["id"], 4)
    published = page_through(lottery["id"])
    assert published["receipt_public_key"] == receipt["receipt_public_key"]
    pinned = published["receipt_public_key"]
    assert verify_draw.verify(published, None, receipt=receipt, receipt_key=pinned).ok

    def problems(document: dict[str, Any], doctored_receipt: dict[str, Any], key: str = pinned) -> list[str]:
        return verify_draw.verify(document, None, receipt=doctored_receipt, receipt_key=key).problems

    dropped = {**published, "tickets": [t for t in published["tickets"] if t["seq"] != 2]}
    assert "receipt ticket 1000002 is missing from the entries or altered" in problems(dropped, receipt)
    altered = {
        **published,
        "tickets": [{**t, "buyer_ref": "0" * 16} if t["seq"] == 1 else t for t in published["tickets"]],
    }
    assert "receipt ticket 1000001 is missing from the entries or altered" in problems(altered, receipt)
    assert "receipt signature is invalid" in problems(published, {**receipt, "buyer_ref": "0" * 16})
    other_key = fairdraw.public_key_hex(fairdraw.private_key("11" * 32))
    assert "the receipt is signed by a key other than the pinned receipt key" in problems(
        published, receipt, other_key
    )
