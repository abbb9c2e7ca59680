"""Over HTTP through the local gateway: win -> list -> sell -> ship -> deliver -> show off -> reward."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx
import psycopg
import pytest

from infra.local.lambdas import Lambdas
from luckymart import jsonutil
from tests.support import SignedIn, admin_event, make_admin, signed_init_data
from tests.support_prizes import balance, ledger, ledger_matches_balances, prize_status, win_prize

pytestmark = pytest.mark.e2e


def sign_in_http(api: httpx.Client, telegram_id: int, username: str) -> SignedIn:
    response = api.post("/auth-telegram", json={"initData": signed_init_data(telegram_id, username=username)})
    data = response.json()["data"]
    return SignedIn(data["session"]["token"], data["user"], data["wallets"])


def call(api: httpx.Client, name: str, body: dict[str, Any], session: SignedIn, **headers: str) -> Any:
    response = api.post(
        f"/{name}",
        content=jsonutil.dumps({**body, "session_token": session.token}),
        headers={"content-type": "application/json", **headers},
    )
    payload = jsonutil.loads(response.content)
    assert response.status_code == 200, (name, payload)
    return payload["data"]


def test_prize_lifecycle_over_http(api: httpx.Client, clean: psycopg.Connection, lambdas: Lambdas) -> None:
    def admin_invoke(function: str, action: str, params: dict[str, Any], *, token: str) -> dict[str, Any]:
        result: dict[str, Any] = lambdas.invoke(function, admin_event(action, params, token=token))
        return result

    seller = sign_in_http(api, 6001, "winner")
    buyer = sign_in_http(api, 6002, "collector")
    won = win_prize(clean, seller, ticket_price=Decimal("25.00"), total_tickets=4)  # value 100.00
    clean.execute(
        "select private.wallet_apply(id, 150, 'ADJUSTMENT') from wallets where user_id = %s and type = 'BALANCE'",
        (buyer.user["id"],),
    )

    prizes = call(api, "get-my-prizes", {}, seller)
    assert [(p["id"], p["status"], p["winning_ticket_number"]) for p in prizes] == [
        (won["prize_id"], "PENDING", won["ticket_number"])
    ]
    listing = call(api, "create-resale", {"prizeId": won["prize_id"], "price": 120}, seller)

    market = api.get("/list-resale-items", params={"sortBy": "price_low"}).json()
    assert [item["id"] for item in market["data"]] == [listing["id"]]
    assert market["data"][0]["seller"] == {"telegram_username": "winner"}

    bought = call(
        api,
        "purchase-resale",
        {"resale_item_id": listing["id"], "paymentMethod": "BALANCE"},
        buyer,
        **{"Idempotency-Key": "e2e-buy"},
    )
    assert (bought["status"], bought["price"], bought["fee_amount"], bought["new_balance"]) == ("SOLD", 120, 6, 30)
    assert balance(clean, buyer, "BALANCE") == Decimal("30.00")
    assert balance(clean, seller, "BALANCE") == Decimal("114.00")
    assert ledger(clean, seller, "BALANCE") == [("RESALE_INCOME", Decimal("114.00"))]
    assert ledger(clean, buyer, "BALANCE") == [
        ("ADJUSTMENT", Decimal("150.00")),
        ("RESALE_PURCHASE", Decimal("-120.00")),
    ]
    assert prize_status(clean, won["prize_id"]) == "RESOLD"
    new_prize = bought["prize"]["id"]
    assert prize_status(clean, new_prize) == "PENDING"
    assert api.get("/list-resale-items").json()["data"] == []

    shipping = call(
        api,
        "request-shipping",
        {
            "prize_id": new_prize,
            "shipping_info": {
                "recipient_name": "Collector",
                "phone": "+992900000009",
                "address": "Rudaki 10",
                "city": "Dushanbe",
            },
        },
        buyer,
    )
    ops = make_admin(clean, "OPERATIONS")
    shipped = admin_invoke(
        "admin-prizes",
        "shipping.ship",
        {"shipping_id": shipping["shipping_id"], "tracking_number": "TJ-777"},
        token=ops,
    )
    assert shipped["success"], shipped
    delivered = admin_invoke(
        "admin-prizes", "shipping.deliver", {"shipping_id": shipping["shipping_id"]}, token=ops
    )
    assert delivered["success"], delivered
    assert prize_status(clean, new_prize) == "DELIVERED"

    showoff = call(
        api,
        "create-showoff",
        {"prize_id": new_prize, "content": "Arrived!", "images": ["https://cdn.luckymart.test/1.jpg"]},
        buyer,
    )
    approved = admin_invoke(
        "admin-prizes", "showoffs.approve", {"showoff_id": showoff["id"], "reward_coins": "20.50"}, token=ops
    )
    assert approved["success"], approved
    assert balance(clean, buyer, "LUCKY_COIN") == Decimal("20.50")

    feed = api.get("/list-showoffs", headers={"X-Session-Token": seller.token}).json()
    assert [(s["id"], s["is_liked"]) for s in feed["data"]] == [(showoff["id"], False)]
    assert call(api, "like-showoff", {"showoff_id": showoff["id"]}, seller)["likes_count"] == 1

    notes = api.get("/get-notifications", headers={"X-Session-Token": buyer.token}).json()
    assert notes["unread_count"] == 5
    assert {n["type"] for n in notes["data"]} == {
        "RESALE_PURCHASED",
        "SHIPPING_REQUESTED",
        "SHIPPING_SHIPPED",
        "SHIPPING_DELIVERED",
        "SHOWOFF_APPROVED",
    }
    assert call(api, "mark-notifications-read", {"all": True}, buyer) == {"updated": 5, "unread_count": 0}
    assert ledger_matches_balances(clean)
