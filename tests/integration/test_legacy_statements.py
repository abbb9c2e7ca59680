"""Lotteries the previous system ran carry the operator's signed statement saying so, made by the scheduled draw
job: the verifiers reach "from the previous system" from it, never from the server's bare `legacy` flag; a
lottery of this system (it has a commitment) never gets one, and a statement that disagrees with its lottery row
is not stored."""

from __future__ import annotations

import os
from typing import Any

import psycopg
import pytest
from psycopg.types.json import Jsonb

from luckymart import db, fairdraw
from scripts import verify_draw
from tests.support import invoke
from tests.support_lottery import create_lottery, insert_legacy_lottery

pytestmark = pytest.mark.integration


def scheduler_run() -> dict[str, Any]:
    from functions.auto_lottery_draw.handler import handler

    return dict(handler({"source": "aws.events", "detail-type": "Scheduled Event", "detail": {}}, None))


def published(lottery_id: str) -> dict[str, Any]:
    result = invoke("verify-draw", method="GET", query=f"lottery_id={lottery_id}")
    assert result.status == 200, result.body
    return dict(result.data)


def test_each_legacy_lottery_is_signed_once_and_verifies_as_legacy(clean: psycopg.Connection) -> None:
    lotteries = {
        "DRAWN_BY_PREVIOUS_SYSTEM": insert_legacy_lottery(clean),
        "CANCELLED_BY_PREVIOUS_SYSTEM": insert_legacy_lottery(clean, "CANCELLED", "CANCELLED"),
        "DRAWN_WITHOUT_WINNER_CANCELLED": insert_legacy_lottery(clean, "CANCELLED", "drawn"),
        "ON_SALE_CANCELLED_REFUNDED": insert_legacy_lottery(clean, "CANCELLED", "ACTIVE"),
    }
    # a lottery of this system flagged legacy (a broken migration, or someone hiding its draw): never signed
    ours = create_lottery(clean, total_tickets=3)
    clean.execute(
        "update lotteries set draw_algorithm_data = %s where id = %s", (Jsonb({"legacy": True}), ours["id"])
    )
    operator_key = fairdraw.public_key_hex(fairdraw.private_key(os.environ["FAIRDRAW_SIGNING_KEY"]))

    before = verify_draw.verify(published(lotteries["DRAWN_BY_PREVIOUS_SYSTEM"]), operator_key)
    assert before.draw == "not_fair" and before.steps["legacy_signature"][0] == "fail"  # the flag alone: no

    assert scheduler_run()["legacy_statements"] == 4
    assert scheduler_run()["legacy_statements"] == 0  # signed once
    for reason, lottery_id in lotteries.items():
        data = published(lottery_id)
        statement = data["record"]["statement"]
        assert (statement["lottery_id"], statement["reason"]) == (lottery_id, reason)
        report = verify_draw.verify(data, operator_key, lottery_id=lottery_id)
        assert (report.draw, report.legacy_reason, report.problems) == ("legacy", reason, [])
        if reason == "DRAWN_BY_PREVIOUS_SYSTEM":
            assert (report.winning_ticket_number, statement["total_tickets"]) == (1_000_007, 10)
            assert data["lottery"]["title"] == "Old phone"
        else:
            assert statement["winning_ticket_number"] is None
        # the statement of one lottery is no proof for another
        other = verify_draw.verify(data, operator_key, lottery_id=ours["id"])
        assert other.draw == "not_fair"
    assert published(ours["id"])["record"] == {"legacy": True}
    assert verify_draw.verify(published(ours["id"]), operator_key, lottery_id=ours["id"]).draw == "not_fair"


def test_a_statement_is_stored_only_on_the_lottery_it_describes(clean: psycopg.Connection) -> None:
    legacy = insert_legacy_lottery(clean)
    ours = create_lottery(clean, total_tickets=3)
    clean.execute(
        "update lotteries set draw_algorithm_data = %s where id = %s", (Jsonb({"legacy": True}), ours["id"])
    )
    key = fairdraw.private_key(os.environ["FAIRDRAW_SIGNING_KEY"])

    def statement(lottery_id: str, winning: int | None = 1_000_007) -> dict[str, Any]:
        return fairdraw.legacy_statement(
            key, lottery_id=lottery_id, reason="DRAWN_BY_PREVIOUS_SYSTEM", winning_ticket_number=winning,
            drawn_at=None, total_tickets=10, signed_at="2026-12-01T00:00:00Z",
        )  # fmt: skip

    with db.acting_as("system"):
        signer = fairdraw.public_key_hex(key)
        store = lambda *s: db.rpc(  # noqa: E731
            "legacy_statements_store", {"p_statements": list(s), "p_operator_public_key": signer}
        )
        assert store(statement(ours["id"])) == 0  # it has a commitment of this system
        assert store(statement(legacy, winning=1_000_001)) == 0  # says another winner than the row
        other_key = fairdraw.private_key("42" * 32)
        forged = fairdraw.legacy_statement(
            other_key, lottery_id=legacy, reason="DRAWN_BY_PREVIOUS_SYSTEM", winning_ticket_number=1_000_007,
            drawn_at=None, total_tickets=10, signed_at="2026-12-01T00:00:00Z",
        )  # fmt: skip
        assert store(forged) == 0  # signed with another key than the one named
        assert store(statement(legacy)) == 1
        assert store(statement(legacy)) == 0  # once
        assert db.rpc("legacy_statements_due", {"p_limit": 100}) == []
    row = clean.execute("select draw_algorithm_data from lotteries where id = %s", (ours["id"],)).fetchone()
    assert row is not None and "statement" not in row[0]
