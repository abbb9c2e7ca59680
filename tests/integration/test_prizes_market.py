"""Resale market on the real stack: listing bounds, purchase money flows, races, cancel and access control."""

from __future__ import annotations

import hashlib
import uuid
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any

import psycopg
import pytest

from luckymart import db
from luckymart.errors import AppError
from tests.support import invoke, sign_in
from tests.support_prizes import balance, fund, ledger, ledger_matches_balances, prize_status, win_prize

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean")]


def session_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def listed(pg: psycopg.Connection, price: int = 80) -> tuple[Any, Any, dict[str, Any], str]:
    """A seller with a prize worth 100.00 listed at `price`, and a buyer."""
    seller, buyer = sign_in(username="seller"), sign_in(username="buyer")
    prize = win_prize(pg, seller)
    created = invoke("create-resale", {"prize_id": prize["prize_id"], "price": price}, token=seller.token)
    assert created.status == 200, created.body
    return seller, buyer, prize, created.data["id"]


def test_create_resale_checks_band_type_and_state(clean: psycopg.Connection) -> None:
    seller = sign_in()
    prize = win_prize(clean, seller)  # value 100.00 -> band 50.00..150.00
    for price, field_error in (
        (49.99, False),
        (150.01, False),
        (-5, True),
        ("80", True),
        (0, True),
        (80.001, True),
    ):
        result = invoke("create-resale", {"prize_id": prize["prize_id"], "price": price}, token=seller.token)
        assert (result.status, result.code) == (400, "VALIDATION_ERROR"), (price, result.body)
        if not field_error:
            assert result.body["error"]["details"] == {"min_price": 50, "max_price": 150}
    assert clean.execute("select count(*) from resales").fetchone() == (0,)
    assert prize_status(clean, prize["prize_id"]) == "PENDING"

    for edge in (50, 150):
        ok = invoke("create-resale", {"prizeId": prize["prize_id"], "price": edge}, token=seller.token)
        assert ok.status == 200, ok.body
        assert prize_status(clean, prize["prize_id"]) == "RESELLING"
        again = invoke("create-resale", {"prize_id": prize["prize_id"], "price": edge}, token=seller.token)
        assert (again.status, again.code) == (409, "INVALID_STATE")  # one active listing per prize
        assert invoke("cancel-resale", {"resale_id": ok.data["id"]}, token=seller.token).status == 200
        assert prize_status(clean, prize["prize_id"]) == "PENDING"


def test_purchase_with_lucky_coin_pays_seller_in_lucky_coin_less_fee(clean: psycopg.Connection) -> None:
    seller, buyer, prize, resale_id = listed(clean, price=81)
    fund(clean, buyer, "LUCKY_COIN", "100")
    result = invoke(
        "purchase-resale",
        {"resale_item_id": resale_id, "paymentMethod": "LUCKY_COIN"},
        token=buyer.token,
        headers={"idempotency-key": "buy-1"},
    )
    assert result.status == 200, result.body
    data = result.data
    # fee 5% of 81.00 = 4.05; seller gets 76.95; fee + seller amount = price exactly
    assert (data["price"], data["fee_amount"], data["new_balance"]) == (81, Decimal("4.05"), 19)
    assert balance(clean, buyer, "LUCKY_COIN") == Decimal("19.00")
    assert balance(clean, seller, "LUCKY_COIN") == Decimal("76.95")
    assert balance(clean, seller, "BALANCE") == 0  # coins never become withdrawable money
    assert ledger(clean, seller, "LUCKY_COIN") == [("RESALE_INCOME", Decimal("76.95"))]
    assert ledger(clean, buyer, "LUCKY_COIN")[-1] == ("RESALE_PURCHASE", Decimal("-81.00"))
    row = clean.execute(
        "select r.status, p.user_id::text, r.fee_amount, r.seller_amount, r.payment_method from resales r "
        "join prizes p on p.source_prize_id = r.prize_id where r.id = %s",
        (resale_id,),
    ).fetchone()
    assert row == ("SOLD", buyer.user["id"], Decimal("4.05"), Decimal("76.95"), "LUCKY_COIN")
    assert prize_status(clean, prize["prize_id"]) == "RESOLD"
    new_prize = clean.execute(
        "select user_id::text, status, acquired_via, source_prize_id::text, prize_value from prizes where id = %s",
        (data["prize"]["id"],),
    ).fetchone()
    assert new_prize == (buyer.user["id"], "PENDING", "RESALE", prize["prize_id"], Decimal("100.00"))
    assert ledger_matches_balances(clean)

    # the replay returns the first answer and moves nothing
    replay = invoke(
        "purchase-resale",
        {"resale_item_id": resale_id, "paymentMethod": "LUCKY_COIN"},
        token=buyer.token,
        headers={"idempotency-key": "buy-1"},
    )
    assert replay.data == data
    assert balance(clean, buyer, "LUCKY_COIN") == Decimal("19.00")
    reused = invoke(
        "purchase-resale",
        {"resale_id": resale_id, "payment_method": "BALANCE"},
        token=buyer.token,
        headers={"idempotency-key": "buy-1"},
    )
    assert (reused.status, reused.code) == (409, "IDEMPOTENCY_KEY_REUSED")

    # buyer sees the new prize, seller the resold one with its listing; both were notified
    mine = invoke("get-my-prizes", {}, token=buyer.token).data
    assert [(p["status"], p["acquired_via"]) for p in mine] == [("PENDING", "RESALE")]
    theirs = invoke("get-my-prizes", method="GET", token=seller.token).data
    assert theirs[0]["status"] == "RESOLD" and theirs[0]["resale_listing"]["status"] == "SOLD"
    kinds = clean.execute("select type from notifications order by type").fetchall()
    assert kinds == [("RESALE_PURCHASED",), ("RESALE_SOLD",)]


def test_purchase_with_balance_and_insufficient_funds(clean: psycopg.Connection) -> None:
    seller, buyer, prize, resale_id = listed(clean, price=100)
    fund(clean, buyer, "BALANCE", "99.99")
    fund(clean, buyer, "LUCKY_COIN", "500")
    poor = invoke("purchase-resale", {"resale_id": resale_id, "payment_method": "BALANCE"}, token=buyer.token)
    assert (poor.status, poor.code) == (409, "INSUFFICIENT_BALANCE")
    assert clean.execute("select status from resales").fetchone() == ("ACTIVE",)
    assert prize_status(clean, prize["prize_id"]) == "RESELLING"
    assert balance(clean, buyer, "BALANCE") == Decimal("99.99")

    fund(clean, buyer, "BALANCE", "0.01")
    paid = invoke("purchase-resale", {"resale_id": resale_id, "payment_method": "BALANCE"}, token=buyer.token)
    assert paid.status == 200, paid.body
    assert balance(clean, seller, "BALANCE") == Decimal("95.00")
    assert balance(clean, seller, "LUCKY_COIN") == 0
    assert balance(clean, buyer, "LUCKY_COIN") == Decimal("500.00")


def test_purchase_refuses_bad_method_own_listing_and_unknown_ids(clean: psycopg.Connection) -> None:
    seller, buyer, _prize, resale_id = listed(clean)
    fund(clean, seller, "BALANCE", "500")
    bonus = invoke("purchase-resale", {"resale_id": resale_id, "payment_method": "BONUS"}, token=buyer.token)
    assert (bonus.status, bonus.code) == (400, "VALIDATION_ERROR")
    own = invoke("purchase-resale", {"resale_id": resale_id, "payment_method": "BALANCE"}, token=seller.token)
    assert (own.status, own.code) == (403, "FORBIDDEN")
    unknown = invoke("purchase-resale", {"resale_id": str(uuid.uuid4())}, token=buyer.token)
    assert (unknown.status, unknown.code) == (404, "NOT_FOUND")
    assert invoke("purchase-resale", {"resale_id": "not-a-uuid"}, token=buyer.token).status == 400
    assert invoke("purchase-resale", {"resale_id": resale_id}).status == 401
    assert clean.execute("select count(*) from wallet_transactions where type like 'RESALE%'").fetchone() == (0,)


def test_two_buyers_race_for_one_listing(clean: psycopg.Connection) -> None:
    seller, _buyer, _prize, resale_id = listed(clean, price=80)
    buyers = [sign_in() for _ in range(8)]
    for buyer in buyers:
        fund(clean, buyer, "BALANCE", "100")

    def buy(token: str) -> str:
        try:
            db.rpc(
                "purchase_resale",
                {"p_session": session_hash(token), "p_resale_id": resale_id, "p_payment_method": "BALANCE"},
            )
        except AppError as error:
            return error.code
        return "OK"

    with ThreadPoolExecutor(len(buyers)) as pool:
        outcomes = list(pool.map(buy, [b.token for b in buyers]))
    assert sorted(outcomes) == ["ALREADY_PROCESSED"] * 7 + ["OK"]
    charged = [b for b in buyers if balance(clean, b, "BALANCE") != Decimal("100.00")]
    assert len(charged) == 1 and balance(clean, charged[0], "BALANCE") == Decimal("20.00")
    assert balance(clean, seller, "BALANCE") == Decimal("76.00")
    assert clean.execute("select count(*) from prizes where acquired_via = 'RESALE'").fetchone() == (1,)
    assert ledger_matches_balances(clean)


def test_cancel_racing_purchase_ends_consistent(clean: psycopg.Connection) -> None:
    for _ in range(5):
        seller, buyer, prize, resale_id = listed(clean, price=60)
        fund(clean, buyer, "LUCKY_COIN", "60")

        def cancel(resale_id: str = resale_id, token: str = seller.token) -> str:
            try:
                db.rpc("cancel_resale", {"p_session": session_hash(token), "p_resale_id": resale_id})
            except AppError as error:
                return error.code
            return "CANCELLED"

        def purchase(resale_id: str = resale_id, token: str = buyer.token) -> str:
            try:
                db.rpc(
                    "purchase_resale",
                    {"p_session": session_hash(token), "p_resale_id": resale_id, "p_payment_method": "LUCKY_COIN"},
                )
            except AppError as error:
                return error.code
            return "SOLD"

        with ThreadPoolExecutor(2) as pool:
            cancelled, bought = pool.submit(cancel), pool.submit(purchase)
            outcome = (cancelled.result(), bought.result())
        (status,) = clean.execute("select status from resales where id = %s", (resale_id,)).fetchone()  # type: ignore[misc]
        if status == "SOLD":
            assert outcome == ("ALREADY_PROCESSED", "SOLD")
            assert prize_status(clean, prize["prize_id"]) == "RESOLD"
            assert balance(clean, buyer, "LUCKY_COIN") == 0
            assert balance(clean, seller, "LUCKY_COIN") == Decimal("57.00")
        else:
            assert (status, outcome) == ("CANCELLED", ("CANCELLED", "ALREADY_PROCESSED"))
            assert prize_status(clean, prize["prize_id"]) == "PENDING"
            assert balance(clean, buyer, "LUCKY_COIN") == Decimal("60.00")
            assert balance(clean, seller, "LUCKY_COIN") == 0
    assert ledger_matches_balances(clean)


def test_cancel_only_own_active_listing(clean: psycopg.Connection) -> None:
    seller, buyer, prize, resale_id = listed(clean)
    other = invoke("cancel-resale", {"resale_item_id": resale_id}, token=buyer.token)
    assert (other.status, other.code) == (404, "NOT_FOUND")
    assert invoke("cancel-resale", {"resale_id": str(uuid.uuid4())}, token=seller.token).status == 404
    done = invoke("cancel-resale", {"resale_id": resale_id}, token=seller.token)
    assert done.status == 200 and done.data["status"] == "CANCELLED"
    twice = invoke("cancel-resale", {"resale_id": resale_id}, token=seller.token)
    assert (twice.status, twice.code) == (409, "ALREADY_PROCESSED")
    assert prize_status(clean, prize["prize_id"]) == "PENDING"


def test_other_users_prize_is_not_found_everywhere(clean: psycopg.Connection) -> None:
    owner, stranger = sign_in(), sign_in()
    prize = win_prize(clean, owner)
    attempts = {
        "create-resale": {"prize_id": prize["prize_id"], "price": 100},
        "request-shipping": {
            "prize_id": prize["prize_id"],
            "recipient_name": "X",
            "phone": "+992900000000",
            "address": "Somewhere 1",
        },
        "create-showoff": {"prize_id": prize["prize_id"], "content": "mine now"},
    }
    for name, body in attempts.items():
        result = invoke(name, body, token=stranger.token)
        assert (result.status, result.code) == (404, "NOT_FOUND"), name
        missing = invoke(name, {**body, "prize_id": str(uuid.uuid4())}, token=stranger.token)
        assert missing.body["error"] == result.body["error"], name  # no difference between "not yours" and "none"
    assert invoke("get-my-prizes", {}, token=stranger.token).data == []
    assert prize_status(clean, prize["prize_id"]) == "PENDING"
    assert clean.execute("select count(*) from shipping").fetchone() == (0,)
    assert clean.execute("select count(*) from showoffs").fetchone() == (0,)


def test_market_list_is_public_sorted_and_shows_seller_username_only(clean: psycopg.Connection) -> None:
    seller = sign_in(username="marketeer")
    prices = [70, 120, 55]
    ids = []
    for price in prices:
        prize = win_prize(clean, seller)
        ids.append(
            invoke("create-resale", {"prize_id": prize["prize_id"], "price": price}, token=seller.token).data["id"]
        )

    latest = invoke("list-resale-items", {"status": "ACTIVE", "limit": 50})
    assert latest.status == 200
    assert [item["id"] for item in latest.data] == ids[::-1]
    assert latest.body["page"] == {"limit": 50, "offset": 0, "total": 3}
    item = latest.data[0]
    assert item["seller"] == {"telegram_username": "marketeer"}
    assert "seller_id" not in item and "fee_amount" not in item
    assert item["lotteries"]["title"] == "iPhone 15" and item["ticket"]["ticket_number"] >= 1_000_001
    assert item["discount_percent"] == 45

    low = invoke("list-resale-items", method="GET", query="sortBy=price_low&limit=2")
    assert [i["resale_price"] for i in low.data] == [55, 70] and low.body["page"]["total"] == 3
    high = invoke("list-resale-items", {"sort_by": "price_high", "offset": 1})
    assert [i["resale_price"] for i in high.data] == [70, 55]
    discount = invoke("list-resale-items", {"sortBy": "discount"})
    assert [i["resale_price"] for i in discount.data] == [55, 70, 120]
    for bad in ({"limit": 101}, {"sortBy": "random"}, {"status": "CANCELLED"}, {"offset": -1}):
        assert invoke("list-resale-items", bad).status == 400, bad
