"""Lottery sales and fairdraw-v1 draws on the real stack: purchase rules, bad input, concurrency, the scheduled
and manual draw, refunds of expired lotteries, and the public verification of a finished draw."""

from __future__ import annotations

import hashlib
import hmac
import os
import random
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import psycopg
import pytest

from luckymart import db, fairdraw
from luckymart.errors import AppError
from scripts import verify_draw
from tests.support import admin_invoke, invoke, make_admin, sign_in
from tests.support_lottery import (
    assert_ledger_matches_balances,
    balance,
    create_lottery,
    force_draw_time_passed,
    fund,
)

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean")]


def one(pg: psycopg.Connection, sql: str, *params: Any) -> tuple[Any, ...]:
    found = pg.execute(sql, params).fetchone()
    assert found is not None, sql
    return tuple(found)


def buy(token: str, lottery_id: str, quantity: Any = 1, method: str = "BALANCE", **extra: Any) -> Any:
    return invoke(
        "lottery-purchase",
        {"lottery_id": lottery_id, "quantity": quantity, "payment_method": method},
        token=token,
        **extra,
    )


def scheduler_tick() -> dict[str, Any]:
    from functions.auto_lottery_draw.handler import handler

    event = {"source": "aws.events", "detail-type": "Scheduled Event", "detail": {}}
    return handler(event, None)


def full_record(lottery_id: str) -> dict[str, Any]:
    result = invoke("verify-draw", method="GET", query=f"lottery_id={lottery_id}&tickets_limit=1000")
    assert result.status == 200, result.body
    return dict(result.data)


def sell_out(pg: psycopg.Connection, lottery: dict[str, Any], buyers: int = 2) -> list[Any]:
    sessions = [sign_in() for _ in range(buyers)]
    for s in sessions:
        fund(pg, s.user["id"], "100.00")
    total = lottery["total_tickets"]
    for i, s in enumerate(sessions):
        share = total // buyers if i < buyers - 1 else total - (total // buyers) * (buyers - 1)
        assert buy(s.token, lottery["id"], share).status == 200
    return sessions


def test_create_publishes_a_signed_commitment_and_hides_the_seed(clean: psycopg.Connection) -> None:
    lottery = create_lottery(clean, total_tickets=7, max_per_user=3)
    assert lottery["status"] == "ACTIVE"
    commitment = dict(lottery["draw_commitment"])
    signature = commitment.pop("commitment_signature")
    public = fairdraw.public_key_hex(fairdraw.private_key(os.environ["FAIRDRAW_SIGNING_KEY"]))
    assert commitment["operator_public_key"] == public
    assert commitment["ticket_count"] == 7 and commitment["lottery_id"] == lottery["id"]
    assert fairdraw.verify(public, commitment, signature)
    sealed, seed_commitment = one(
        clean, "select seed_ciphertext, seed_commitment from draw_commitments where lottery_id = %s", lottery["id"]
    )
    seed = fairdraw.open_seed(os.environ["SEED_ENCRYPTION_KEY"], lottery["id"], bytes(sealed))
    assert hashlib.sha256(seed).hexdigest() == seed_commitment == commitment["seed_commitment"]
    public_view = invoke("verify-draw", {"lottery_id": lottery["id"]}).data
    assert public_view["record"] is None and public_view["commitment"] == lottery["draw_commitment"]
    assert "seed" not in str(public_view).replace("seed_commitment", "")


def test_create_rejects_bad_params(clean: psycopg.Connection) -> None:
    token = make_admin(clean, "OPERATIONS")
    base = {"title": "x", "ticket_price": "1.00", "total_tickets": 5, "end_time": "2030-01-01T00:00:00Z"}
    for bad in (
        {"ticket_price": "1.234"},
        {"ticket_price": "0"},
        {"total_tickets": "5"},
        {"end_time": "2001-01-01T00:00:00Z"},
        {"currency": "EUR"},
    ):
        result = admin_invoke("admin-lotteries", "lotteries.create", {**base, **bad}, token=token)
        assert result["statusCode"] == 400, bad
    support = make_admin(clean, "SUPPORT")
    assert admin_invoke("admin-lotteries", "lotteries.create", base, token=support)["statusCode"] == 403
    assert clean.execute("select count(*) from lotteries").fetchone() == (0,)


def test_purchase_debits_once_and_issues_consecutive_tickets(clean: psycopg.Connection) -> None:
    lottery = create_lottery(clean, ticket_price="2.50", total_tickets=10)
    alice = sign_in()
    fund(clean, alice.user["id"], "20.00")
    first = buy(alice.token, lottery["id"], 3)
    assert first.status == 200, first.body
    assert first.data["ticket_numbers"] == [1000001, 1000002, 1000003]
    assert first.data["participation_codes"] == ["1000001", "1000002", "1000003"]
    assert first.data["remaining_balance"] == Decimal("12.50")
    assert first.data["order"]["total_amount"] == Decimal("7.50") and first.data["order"]["status"] == "PAID"
    assert first.data["is_sold_out"] is False
    # legacy field names and payment method values of the old frontend
    legacy = invoke(
        "lottery-purchase",
        {"lotteryId": lottery["id"], "quantity": 2, "paymentMethod": "BALANCE_WALLET"},
        token=alice.token,
    )
    assert legacy.data["ticket_numbers"] == [1000004, 1000005]
    assert balance(clean, alice.user["id"]) == Decimal("7.50")
    expected_ref = hmac.new(
        os.environ["REFERRAL_PEPPER"].encode(), f"{lottery['id']}:{alice.user['id']}".encode(), hashlib.sha256
    ).hexdigest()[:16]
    refs = clean.execute("select distinct buyer_ref from tickets").fetchall()
    assert refs == [(expected_ref,)]
    mine = invoke("get-my-tickets", {"lottery_id": lottery["id"]}, token=alice.token)
    assert mine.body["page"]["total"] == 5 and len(mine.data) == 5
    orders = invoke("get-my-orders", method="GET", token=alice.token, query="limit=1")
    assert orders.body["page"]["total"] == 2 and len(orders.data) == 1
    assert orders.data[0]["ticket_numbers"] == [1000004, 1000005]
    assert_ledger_matches_balances(clean)


def test_idempotent_replay_moves_money_once(clean: psycopg.Connection) -> None:
    lottery = create_lottery(clean)
    alice = sign_in()
    fund(clean, alice.user["id"], "10.00")
    headers = {"idempotency-key": "buy-1"}
    first = buy(alice.token, lottery["id"], 2, headers=headers)
    again = buy(alice.token, lottery["id"], 2, headers=headers)
    assert first.data == again.data
    assert balance(clean, alice.user["id"]) == Decimal("8.00")
    assert buy(alice.token, lottery["id"], 3, headers=headers).code == "IDEMPOTENCY_KEY_REUSED"


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"quantity": 0}, 400, "VALIDATION_ERROR"),
        ({"quantity": 101}, 400, "VALIDATION_ERROR"),
        ({"quantity": "5"}, 400, "VALIDATION_ERROR"),
        ({"quantity": 2.5}, 400, "VALIDATION_ERROR"),
        ({"quantity": True}, 400, "VALIDATION_ERROR"),
        ({"payment_method": "CARD"}, 400, "VALIDATION_ERROR"),
        ({"lottery_id": "not-a-uuid"}, 400, "VALIDATION_ERROR"),
        ({"lottery_id": "00000000-0000-4000-8000-000000000000"}, 404, "NOT_FOUND"),
        ({"quantity": 50}, 409, "INSUFFICIENT_BALANCE"),
    ],
)
def test_bad_purchase_changes_nothing(
    clean: psycopg.Connection, body: dict[str, Any], status: int, code: str
) -> None:
    lottery = create_lottery(clean, total_tickets=100)
    alice = sign_in()
    fund(clean, alice.user["id"], "10.00")
    request = {"lottery_id": lottery["id"], "quantity": 1, "payment_method": "BALANCE", **body}
    result = invoke("lottery-purchase", request, token=alice.token)
    assert (result.status, result.code) == (status, code), result.body
    assert balance(clean, alice.user["id"]) == Decimal("10.00")
    assert clean.execute("select count(*) from tickets").fetchone() == (0,)
    assert clean.execute("select count(*) from orders").fetchone() == (0,)
    assert clean.execute("select sold_tickets from lotteries").fetchone() == (0,)


def test_sale_window_currency_and_limits(clean: psycopg.Connection) -> None:
    alice = sign_in()
    fund(clean, alice.user["id"], "50.00")
    fund(clean, alice.user["id"], "50.00", "BONUS")
    later = create_lottery(clean, start_time=(datetime.now(UTC) + timedelta(hours=1)).isoformat())
    assert later["status"] == "UPCOMING"
    assert buy(alice.token, later["id"]).code == "LOTTERY_NOT_ACTIVE"
    ended = create_lottery(clean)
    clean.execute(
        "update lotteries set start_time = now() - interval '2 days', end_time = now() - interval '1 second' "
        "where id = %s",
        (ended["id"],),
    )
    assert buy(alice.token, ended["id"]).code == "LOTTERY_NOT_ACTIVE"
    usd = create_lottery(clean)  # no USD wallets exist, so lotteries.create refuses USD: set it behind its back
    clean.execute("update lotteries set currency = 'USD' where id = %s", (usd["id"],))
    bonus_usd = buy(alice.token, usd["id"], 1, "BONUS")
    assert (bonus_usd.status, bonus_usd.code) == (400, "VALIDATION_ERROR")
    limited = create_lottery(clean, max_per_user=3, total_tickets=10)
    assert buy(alice.token, limited["id"], 2, "BONUS").status == 200
    assert buy(alice.token, limited["id"], 2).code == "LIMIT_EXCEEDED"
    assert buy(alice.token, limited["id"], 1, "LUCKY_COIN").code == "INSUFFICIENT_BALANCE"
    assert balance(clean, alice.user["id"], "BONUS") == Decimal("48.00")
    assert balance(clean, alice.user["id"]) == Decimal("50.00")


def test_concurrent_buyers_never_oversell(clean: psycopg.Connection) -> None:
    lottery = create_lottery(clean, total_tickets=1000, ticket_price="1.00")
    buyers = [sign_in() for _ in range(100)]
    for b in buyers:
        fund(clean, b.user["id"], "100.00")
    pepper = os.environ["REFERRAL_PEPPER"]

    def shop(session_token: str) -> int:
        session_hash = hashlib.sha256(session_token.encode()).hexdigest()
        bought = 0
        rng = random.Random(session_token)
        while True:
            try:
                result = db.rpc(
                    "lottery_purchase",
                    {
                        "p_session": session_hash,
                        "p_lottery_id": lottery["id"],
                        "p_quantity": rng.randint(1, 15),
                        "p_payment_method": "BALANCE",
                        "p_pepper": pepper,
                    },
                )
                bought += len(result["ticket_numbers"])
            except AppError as error:
                if error.code != "SOLD_OUT":
                    raise
                if error.details is None or error.details.get("remaining", 0) == 0:
                    return bought

    with ThreadPoolExecutor(max_workers=32) as pool:
        counts = list(pool.map(shop, [b.token for b in buyers]))
    assert sum(counts) == 1000
    seqs = [r[0] for r in clean.execute("select seq from tickets order by seq").fetchall()]
    assert seqs == list(range(1, 1001))
    assert clean.execute("select status, sold_tickets from lotteries").fetchone() == ("SOLD_OUT", 1000)
    for b, count in zip(buyers, counts, strict=True):
        assert balance(clean, b.user["id"]) == Decimal(100 - count)
    assert_ledger_matches_balances(clean)
    # the SQL frontier's root equals the root over the ticket list
    rows = clean.execute("select seq, id, buyer_ref from tickets order by seq").fetchall()
    root = fairdraw.merkle_root(fairdraw.leaf_data(s, str(i), r) for s, i, r in rows).hex()
    assert clean.execute("select entries_root from draw_commitments").fetchone() == (root,)


def test_max_per_user_holds_under_concurrency(clean: psycopg.Connection) -> None:
    lottery = create_lottery(clean, total_tickets=100, max_per_user=5)
    alice = sign_in()
    fund(clean, alice.user["id"], "100.00")
    with ThreadPoolExecutor(max_workers=16) as pool:
        results = list(pool.map(lambda _: _rpc_buy(alice.token, lottery["id"], 1, "BALANCE"), range(20)))
    assert results.count("ok") == 5 and results.count("LIMIT_EXCEEDED") == 15
    assert clean.execute("select count(*) from tickets").fetchone() == (5,)
    assert balance(clean, alice.user["id"]) == Decimal("95.00")


def _rpc_buy(token: str, lottery_id: str, quantity: int, method: str) -> str:
    try:
        db.rpc(
            "lottery_purchase",
            {
                "p_session": hashlib.sha256(token.encode()).hexdigest(),
                "p_lottery_id": lottery_id,
                "p_quantity": quantity,
                "p_payment_method": method,
                "p_pepper": os.environ["REFERRAL_PEPPER"],
            },
        )
    except AppError as error:
        return error.code
    return "ok"


def test_sell_out_then_scheduled_draw_completes_once_and_verifies(clean: psycopg.Connection) -> None:
    lottery = create_lottery(clean, total_tickets=9, ticket_price="3.00", image_url="https://img.test/p.png")
    alice, bob = sell_out(clean, lottery)
    status, delay = one(
        clean, "select status, extract(epoch from draw_time - now()) from lotteries where id = %s", lottery["id"]
    )
    assert status == "SOLD_OUT" and 170 < delay <= 180
    assert buy(alice.token, lottery["id"]).code == "SOLD_OUT"
    assert scheduler_tick()["drawn"] == []  # draw_time not reached yet
    force_draw_time_passed(clean, lottery["id"])
    assert scheduler_tick()["drawn"] == [lottery["id"]]
    assert scheduler_tick()["drawn"] == []

    row = one(
        clean,
        "select l.status, t.user_id, l.winning_ticket_number, l.vrf_seed, l.vrf_proof from lotteries l "
        "join tickets t on t.lottery_id = l.id and t.is_winning and t.ticket_number = l.winning_ticket_number",
    )
    assert row[0] == "COMPLETED"
    winner_id, winning_number = str(row[1]), row[2]
    assert clean.execute("select count(*) from tickets where is_winning").fetchone() == (1,)
    prize = one(clean, "select user_id, prize_value, status, winning_code, prize_image from prizes")
    assert (str(prize[0]), prize[1], prize[2], prize[3]) == (
        winner_id,
        Decimal("27.00"),
        "PENDING",
        str(winning_number),
    )
    assert prize[4] == "https://img.test/p.png"
    assert clean.execute("select count(*) from lottery_results").fetchone() == (1,)
    notes: dict[str, str] = dict(clean.execute("select user_id::text, type from notifications").fetchall())
    assert notes == {
        alice.user["id"]: "LOTTERY_WIN" if alice.user["id"] == winner_id else "LOTTERY_RESULT",
        bob.user["id"]: "LOTTERY_WIN" if bob.user["id"] == winner_id else "LOTTERY_RESULT",
    }

    published = full_record(lottery["id"])
    report = verify_draw.verify(published, pinned_key=published["operator_public_key"])
    assert report.ok, report.problems
    assert report.winning_ticket_number == winning_number
    assert published["record"]["server_seed"] == row[3] and published["record"]["draw_signature"] == row[4]
    tampered = {
        **published,
        "record": {**published["record"], "winning_seq": 1 + published["record"]["winning_seq"] % 9},
    }
    assert not verify_draw.verify(tampered, pinned_key=None).ok
    winner = alice if alice.user["id"] == winner_id else bob
    tickets = invoke("get-my-tickets", {}, token=winner.token).data
    assert [t["ticket_number"] for t in tickets if t["is_winning"]] == [winning_number]


def test_manual_draw_skips_the_wait_and_concurrent_draws_make_one_winner(clean: psycopg.Connection) -> None:
    lottery = create_lottery(clean, total_tickets=4)
    ops = make_admin(clean, "OPERATIONS")
    not_yet = admin_invoke("draw-lottery", "lotteries.draw", {"lottery_id": lottery["id"]}, token=ops)
    assert (not_yet["statusCode"], not_yet["error"]["code"]) == (409, "LOTTERY_NOT_SOLD_OUT")
    sell_out(clean, lottery)
    barrier = threading.Barrier(4)

    def draw(_: int) -> dict[str, Any]:
        barrier.wait()
        return admin_invoke("draw-lottery", "lotteries.draw", {"lottery_id": lottery["id"]}, token=ops)

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(draw, range(4)))
    assert sorted(r["statusCode"] for r in results) == [200, 409, 409, 409]
    assert clean.execute("select count(*) from prizes").fetchone() == (1,)
    assert clean.execute("select count(*) from lottery_results").fetchone() == (1,)
    assert verify_draw.verify(full_record(lottery["id"]), pinned_key=None).ok


def test_expired_lottery_is_cancelled_and_refunded_to_each_wallet(clean: psycopg.Connection) -> None:
    lottery = create_lottery(clean, total_tickets=50, ticket_price="1.50")
    alice = sign_in()
    fund(clean, alice.user["id"], "10.00")
    fund(clean, alice.user["id"], "10.00", "LUCKY_COIN")
    assert buy(alice.token, lottery["id"], 2).status == 200
    assert buy(alice.token, lottery["id"], 4, "LUCKY_COIN").status == 200
    clean.execute(
        "update lotteries set start_time = now() - interval '2 days', end_time = now() - interval '1 second'"
    )
    assert scheduler_tick()["cancelled"] == [lottery["id"]]
    assert scheduler_tick()["cancelled"] == []
    assert balance(clean, alice.user["id"]) == Decimal("10.00")
    assert balance(clean, alice.user["id"], "LUCKY_COIN") == Decimal("10.00")
    refunds = clean.execute("select count(*) from wallet_transactions where type = 'LOTTERY_REFUND'").fetchone()
    assert refunds == (2,)
    assert clean.execute("select distinct status from orders").fetchall() == [("REFUNDED",)]
    assert clean.execute("select status from lotteries").fetchone() == ("CANCELLED",)
    assert_ledger_matches_balances(clean)


def test_admin_list_show_cancel(clean: psycopg.Connection) -> None:
    ops = make_admin(clean, "OPERATIONS")
    lottery = create_lottery(clean, title="Laptop")
    listed = admin_invoke("admin-lotteries", "lotteries.list", {"status": "ACTIVE"}, token=ops)
    assert listed["data"]["total"] == 1 and listed["data"]["items"][0]["title"] == "Laptop"
    shown = admin_invoke("admin-lotteries", "lotteries.show", {"lottery_id": lottery["id"]}, token=ops)
    assert shown["data"]["entries"]["count"] == 0 and "seed_ciphertext" not in str(shown)
    cancelled = admin_invoke("admin-lotteries", "lotteries.cancel", {"lottery_id": lottery["id"]}, token=ops)
    assert cancelled["data"]["status"] == "CANCELLED"
    again = admin_invoke("admin-lotteries", "lotteries.cancel", {"lottery_id": lottery["id"]}, token=ops)
    assert again["error"]["code"] == "ALREADY_PROCESSED"
