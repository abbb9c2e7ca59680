"""The public catalogue (list-lotteries, get-lottery) on the real stack: what the public sees, what a session adds,
the masked winner, and the Cache-Control each answer carries (verify-draw included)."""

from __future__ import annotations

import json
from decimal import Decimal

import psycopg
import pytest

from tests.support import admin_invoke, invoke, make_admin, sign_in
from tests.support_catalogue import buy, drawn_lottery
from tests.support_lottery import create_lottery, fund

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean")]

YEAR = "public, max-age=31536000, immutable"


def ops(pg: psycopg.Connection) -> str:
    return make_admin(pg, "OPERATIONS")


def test_list_by_status_with_paging_and_cache_headers(clean: psycopg.Connection) -> None:
    first = create_lottery(clean, title="First")
    second = create_lottery(clean, title="Second", ticket_price="3.00")
    drawn, _ = drawn_lottery(clean, title="Drawn phone")
    clean.execute("update lotteries set start_time = start_time - interval '1 hour' where id = %s", (first["id"],))
    hidden = create_lottery(clean, title="Cancelled")
    clean.execute("update lotteries set status = 'CANCELLED', cancelled_at = now() where id = %s", (hidden["id"],))

    active = invoke("list-lotteries", {"status": "ACTIVE"})
    assert active.status == 200, active.body
    assert [x["id"] for x in active.data] == [first["id"], second["id"]]  # start_time order, like the old app
    assert active.body["page"] == {"limit": 20, "offset": 0, "total": 2}
    assert active.headers["Cache-Control"] == "public, max-age=10"
    item = active.data[1]
    assert item["ticket_price"] == Decimal("3.00") and item["currency"] == "TJS"
    assert (item["total_tickets"], item["sold_tickets"], item["progress"]) == (10, 0, 0)
    assert len(item["commitment_hash"]) == 64 and item["result"] is None and item["my_ticket_count"] is None

    everything = invoke("list-lotteries", method="GET", query="limit=2&offset=1&sort=price_high")
    assert everything.body["page"] == {"limit": 2, "offset": 1, "total": 3}
    assert hidden["id"] not in {x["id"] for x in everything.data}
    completed = invoke("list-lotteries", {"status": "completed"}).data
    assert [x["id"] for x in completed] == [drawn["id"]]
    assert completed[0]["progress"] == 100 and completed[0]["result"]["winner_display_name"] == "T***t"

    for bad in ({"status": "CANCELLED"}, {"sort": "random"}, {"limit": 0}, {"limit": 101}, {"offset": -1}):
        refused = invoke("list-lotteries", bad)
        assert (refused.status, refused.code) == (400, "VALIDATION_ERROR"), bad
        assert refused.headers["Cache-Control"] == "no-store"


def test_session_adds_the_callers_tickets_and_makes_the_answer_private(clean: psycopg.Connection) -> None:
    lottery = create_lottery(clean, total_tickets=10)
    me, other = sign_in(), sign_in()
    for user in (me, other):
        fund(clean, user.user["id"], "20.00")
    buy(me.token, lottery["id"], 3)
    buy(other.token, lottery["id"], 2)

    mine = invoke("get-lottery", {"lottery_id": lottery["id"]}, token=me.token)
    assert mine.headers["Cache-Control"] == "private, no-store"
    assert mine.data["my_ticket_count"] == 3
    assert mine.data["my_ticket_numbers"] == [1000001, 1000002, 1000003]
    assert (mine.data["sold_tickets"], mine.data["remaining_tickets"], mine.data["progress"]) == (5, 5, 50)
    listed = invoke("list-lotteries", {}, headers={"authorization": f"Bearer {other.token}"})
    assert listed.data[0]["my_ticket_count"] == 2 and listed.headers["Cache-Control"] == "private, no-store"

    public = invoke("get-lottery", method="GET", query=f"lottery_id={lottery['id']}")
    assert public.headers["Cache-Control"] == "public, max-age=5"
    assert "Origin" in public.headers["Vary"] and "X-Session-Token" in public.headers["Vary"]
    assert public.data["my_ticket_count"] is None and public.data["my_ticket_numbers"] is None
    assert public.data["draw_commitment"]["seed_commitment"] == public.data["commitment_hash"]
    assert invoke("get-lottery", {"lottery_id": lottery["id"]}, token="x" * 43).status == 401


def test_completed_lottery_is_immutable_and_names_no_one(clean: psycopg.Connection) -> None:
    lottery, buyers = drawn_lottery(clean)
    result = invoke("get-lottery", {"lotteryId": lottery["id"]})
    assert result.status == 200, result.body
    assert result.headers["Cache-Control"] == YEAR
    data = result.data
    (winner_id, number) = clean.execute(
        "select user_id::text, ticket_number from tickets where lottery_id = %s and is_winning", (lottery["id"],)
    ).fetchone()  # type: ignore[misc]
    assert data["status"] == "COMPLETED" and data["result"]["winning_ticket_number"] == number
    assert data["result"]["winner_display_name"] == "T***t"
    assert data["result"]["verify"]["path"] == f"/functions/v1/verify-draw?lottery_id={lottery['id']}"
    winner = next(b for b in buyers if b.user["id"] == winner_id)
    text = json.dumps(data, default=str)
    for secret in (winner_id, winner.user["telegram_username"], str(winner.user["telegram_id"])):
        assert secret not in text

    verified = invoke("verify-draw", method="GET", query=f"lottery_id={lottery['id']}")
    assert verified.status == 200 and verified.headers["Cache-Control"] == YEAR
    open_one = create_lottery(clean)
    assert invoke("verify-draw", {"lottery_id": open_one["id"]}).headers["Cache-Control"] == "no-store"

    mine = invoke("get-lottery", {"lottery_id": lottery["id"]}, token=winner.token)
    assert mine.headers["Cache-Control"] == "private, no-store" and mine.data["my_ticket_count"] == 2
    # admins still see who won (from the winning ticket)
    shown = admin_invoke("admin-lotteries", "lotteries.show", {"lottery_id": lottery["id"]}, token=ops(clean))
    assert shown["data"]["winning_user_id"] == winner_id


def test_missing_or_cancelled_lottery_is_not_found(clean: psycopg.Connection) -> None:
    lottery = create_lottery(clean)
    clean.execute(
        "update lotteries set status = 'CANCELLED', cancelled_at = now() where id = %s", (lottery["id"],)
    )
    for lottery_id in (lottery["id"], "00000000-0000-0000-0000-000000000000"):
        missing = invoke("get-lottery", {"lottery_id": lottery_id})
        assert (missing.status, missing.code) == (404, "NOT_FOUND")
    assert invoke("get-lottery", {"lottery_id": "nope"}).status == 400
    assert invoke("get-lottery", {}).status == 400
