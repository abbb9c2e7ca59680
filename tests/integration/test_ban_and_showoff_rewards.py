"""Issue 15 items 8 and 9: a ban takes the user's listings off the market and their showoffs off the feed, a
seller who is not ACTIVE is never paid, and one physical item earns at most one showoff reward however often it
is resold."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import psycopg
import pytest
from supabase import create_client

from infra.local.stack import Stack
from tests.support import SignedIn, admin_invoke, invoke, make_admin, sign_in
from tests.support_admin import users
from tests.support_prizes import approved_showoff, balance, fund, ledger_matches_balances, prize_status, win_prize

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean")]


def list_prize(owner: SignedIn, prize_id: str, price: Any) -> str:
    created = invoke("create-resale", {"prize_id": prize_id, "price": price}, token=owner.token)
    assert created.status == 200, created.body
    return str(created.data["id"])


def buy(buyer: SignedIn, resale_id: str, key: str) -> Any:
    return invoke(
        "purchase-resale",
        {"resale_id": resale_id, "payment_method": "LUCKY_COIN"},
        token=buyer.token,
        headers={"idempotency-key": key},
    )


def test_ban_cancels_listings_and_hides_showoffs(stack: Stack, clean: psycopg.Connection) -> None:
    seller, buyer = sign_in(), sign_in()
    listed_prize, shown_prize = win_prize(clean, seller), win_prize(clean, seller)
    resale_id = list_prize(seller, listed_prize["prize_id"], 100)
    showoff_id = approved_showoff(clean, seller, shown_prize["prize_id"])
    fund(clean, buyer, "LUCKY_COIN", "150")
    root = make_admin(clean, "SUPER_ADMIN")

    banned = users("users.ban", root, user_id=seller.user["id"], reason="fraud")
    assert banned["success"], banned
    assert (banned["data"]["cancelled_listings"], banned["data"]["hidden_showoffs"]) == (1, 1)
    assert clean.execute("select status from resales where id = %s", (resale_id,)).fetchone() == ("CANCELLED",)
    assert prize_status(clean, listed_prize["prize_id"]) == "PENDING"
    assert invoke("list-resale-items", {}, method="POST").data == []
    refused = buy(buyer, resale_id, "ban-1")
    assert refused.status == 409, refused.body
    assert balance(clean, buyer, "LUCKY_COIN") == Decimal("150.00")

    assert invoke("list-showoffs", method="GET").data == []
    assert invoke("like-showoff", {"showoff_id": showoff_id}, token=buyer.token).status == 404
    anon = create_client(stack.api_url, stack.anon_key)
    assert anon.table("showoffs").select("id").execute().data == []

    assert users("users.unban", root, user_id=seller.user["id"])["success"]
    assert [s["id"] for s in invoke("list-showoffs", method="GET").data] == [showoff_id]
    assert clean.execute("select status from resales where id = %s", (resale_id,)).fetchone() == ("CANCELLED",)


def test_purchase_refuses_a_seller_who_is_not_active(clean: psycopg.Connection) -> None:
    seller, buyer = sign_in(), sign_in()
    prize = win_prize(clean, seller)
    resale_id = list_prize(seller, prize["prize_id"], 100)
    fund(clean, buyer, "LUCKY_COIN", "150")
    clean.execute("update users set status = 'SUSPENDED' where id = %s", (seller.user["id"],))
    refused = buy(buyer, resale_id, "suspended-1")
    assert (refused.status, refused.code) == (409, "INVALID_STATE")
    assert balance(clean, buyer, "LUCKY_COIN") == Decimal("150.00")
    assert balance(clean, seller, "LUCKY_COIN") == Decimal("0.00")
    assert prize_status(clean, prize["prize_id"]) == "RESELLING"


def approve(ops: str, showoff_id: str, reward: str) -> dict[str, Any]:
    return admin_invoke(
        "admin-prizes", "showoffs.approve", {"showoff_id": showoff_id, "reward_coins": reward}, token=ops
    )


def test_one_rewarded_showoff_per_item_across_resales(clean: psycopg.Connection) -> None:
    alice, bob = sign_in(), sign_in()
    ops = make_admin(clean, "OPERATIONS")
    fund(clean, alice, "LUCKY_COIN", "500")
    fund(clean, bob, "LUCKY_COIN", "500")
    first = win_prize(clean, alice)["prize_id"]
    shown = invoke("create-showoff", {"prize_id": first, "content": "mine!"}, token=alice.token).data
    assert approve(ops, shown["id"], "10")["success"]

    # Alice sells the item to Bob, Bob shows it off: the same item, no second reward.
    bought = buy(bob, list_prize(alice, first, 100), "farm-1")
    assert bought.status == 200, bought.body
    second = bought.data["prize"]["id"]
    bob_show = invoke("create-showoff", {"prize_id": second, "content": "mine now"}, token=bob.token).data
    refused = approve(ops, bob_show["id"], "10")
    assert (refused["statusCode"], refused["error"]["code"]) == (409, "ALREADY_EXISTS")
    assert clean.execute("select status from showoffs where id = %s", (bob_show["id"],)).fetchone() == ("PENDING",)
    assert approve(ops, bob_show["id"], "0")["success"]  # published, unpaid

    # ... and back to Alice: still the same item.
    back = buy(alice, list_prize(bob, second, 100), "farm-2")
    assert back.status == 200, back.body
    third = invoke("create-showoff", {"prize_id": back.data["prize"]["id"], "content": "again"}, token=alice.token)
    assert approve(ops, third.data["id"], "10")["statusCode"] == 409
    (rewards,) = clean.execute("select count(*) from wallet_transactions where type = 'SHOWOFF_REWARD'").fetchone()  # type: ignore[misc]
    assert rewards == 1
    # A different item is rewarded normally.
    other = invoke(
        "create-showoff", {"prize_id": win_prize(clean, bob)["prize_id"], "content": "new"}, token=bob.token
    )
    assert approve(ops, other.data["id"], "10")["success"]
    assert ledger_matches_balances(clean)
