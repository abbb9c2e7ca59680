"""The old frontend's request bodies and the fields its pages read (reportyao/luckymart-tj-frontend at 2dd3b65):
WithdrawPage's four withdrawal methods, MarketCreatePage's prize fields, MyPrizesPage's resale_listing."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import psycopg
import pytest

from tests.support import invoke, sign_in
from tests.support_prizes import win_prize
from tests.support_wallets import credit

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean")]


def withdraw_page_body(method: str, session_token: str) -> dict[str, Any]:
    """WithdrawPage.handleSubmit's requestBody, field for field."""
    bank = method == "BANK_TRANSFER"
    return {
        "session_token": session_token,
        "amount": 20,
        "currency": "TJS",
        "withdrawalMethod": method,
        "bankName": "Amonatbonk" if bank else None,
        "bankAccountNumber": "20202972100000001" if bank else None,
        "bankAccountName": "Test User" if bank else None,
        "bankBranch": "Dushanbe" if bank else None,
        "mobileWalletNumber": None if bank else "+992900000001",
        "mobileWalletName": None if bank else "Test User",
        "idCardNumber": "A1234567",
        "idCardName": "Test User",
        "phoneNumber": "+992900000001",
    }


@pytest.mark.parametrize("method", ["BANK_TRANSFER", "ALIF_MOBI", "DC_BANK", "OTHER"])
def test_every_withdraw_page_method_is_accepted(clean: psycopg.Connection, method: str) -> None:
    user = sign_in()
    credit(clean, user.user["id"], "100")
    result = invoke("withdrawal-request", withdraw_page_body(method, user.token))
    assert result.status == 200, result.body
    assert (result.data["withdrawal_method"], result.data["status"]) == (method, "PENDING")
    assert result.data["frozen_balance"] == Decimal("20.00")


def test_methods_are_switched_per_config_and_need_their_destination(clean: psycopg.Connection) -> None:
    user = sign_in()
    credit(clean, user.user["id"], "100")
    body = withdraw_page_body("BANK_TRANSFER", user.token)
    no_account = invoke("withdrawal-request", {**body, "bankAccountNumber": " "})
    assert (no_account.status, no_account.code) == (400, "VALIDATION_ERROR")
    assert "bank_account_number" in no_account.body["error"]["message"]
    try:
        clean.execute("update payment_configs set is_enabled = false where config_key = 'withdrawal_other'")
        off = invoke("withdrawal-request", withdraw_page_body("OTHER", user.token))
        assert (off.status, off.code) == (400, "VALIDATION_ERROR")
        assert off.body["error"]["details"]["methods"] == ["BANK_TRANSFER", "ALIF_MOBI", "DC_BANK"]
    finally:
        clean.execute("update payment_configs set is_enabled = true where config_key = 'withdrawal_other'")
    assert clean.execute("select count(*) from withdrawals").fetchone() == (0,)


def test_my_prizes_carry_market_create_fields_and_only_a_live_or_sold_listing(clean: psycopg.Connection) -> None:
    seller, buyer = sign_in(), sign_in()
    prize = win_prize(clean, seller)
    listing = invoke("create-resale", {"prize_id": prize["prize_id"], "price": 80}, token=seller.token).data

    def my_prize(user: Any) -> dict[str, Any]:
        (only,) = invoke("get-my-prizes", method="GET", token=user.token).data
        return dict(only)

    live = my_prize(seller)
    assert live["resale_listing"]["id"] == listing["id"] and live["resale_listing"]["status"] == "ACTIVE"
    assert live["ticket_numbers"] == str(prize["ticket_number"])
    lottery = live["lotteries"]
    assert lottery["title"] == "iPhone 15" and lottery["image_url"] == "https://img.test/p.png"
    assert lottery["ticket_price"] == Decimal("10.00") and lottery["end_time"]

    assert invoke("cancel-resale", {"resale_id": listing["id"]}, token=seller.token).status == 200
    cancelled = my_prize(seller)
    assert cancelled["status"] == "PENDING" and cancelled["resale_listing"] is None  # ship/resell buttons again

    again = invoke("create-resale", {"prize_id": prize["prize_id"], "price": 90}, token=seller.token).data
    credit(clean, buyer.user["id"], "100", "LUCKY_COIN")
    bought = invoke(
        "purchase-resale", {"resale_id": again["id"]}, token=buyer.token, headers={"idempotency-key": "k"}
    )
    assert bought.status == 200, bought.body
    sold = my_prize(seller)
    assert sold["status"] == "RESOLD" and sold["resale_listing"]["status"] == "SOLD"
