"""get-wallet-balance, get-transactions, exchange-balance, get-payment-config on the real stack."""

from __future__ import annotations

from decimal import Decimal

import psycopg
import pytest

from tests.invariants import check_invariants
from tests.support import invoke, sign_in
from tests.support_wallets import credit, exchange, ledger_count, wallet

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean")]


def test_wallet_balance_lists_three_wallets_and_bonus_state(clean: psycopg.Connection) -> None:
    user = sign_in()
    credit(clean, user.user["id"], "12.50")
    for method in ("POST", "GET"):
        data = invoke("get-wallet-balance", {} if method == "POST" else None, method=method, token=user.token).data
        assert [w["type"] for w in data["wallets"]] == ["BALANCE", "LUCKY_COIN", "BONUS"]
        assert data["wallets"][0]["balance"] == Decimal("12.50")
        assert data["first_deposit_bonus"]["status"] == "none"
    assert invoke("get-wallet-balance", {}).status == 401


def test_exchange_moves_balance_to_lucky_coin_with_two_ledger_rows(clean: psycopg.Connection) -> None:
    user = sign_in()
    credit(clean, user.user["id"], "100")
    result = exchange(user, Decimal("30.25"))
    assert result.status == 200, result.body
    assert result.data["new_balance"] == Decimal("69.75")
    assert result.data["lucky_coin_balance"] == Decimal("30.25")
    assert wallet(clean, user.user["id"])["balance"] == Decimal("69.75")
    assert wallet(clean, user.user["id"], "LUCKY_COIN")["balance"] == Decimal("30.25")
    rows = clean.execute(
        "select type, amount, balance_before, balance_after, reference_type from wallet_transactions "
        "where reference_type = 'exchange' order by amount"
    ).fetchall()
    assert rows == [
        ("EXCHANGE_OUT", Decimal("-30.25"), Decimal("100.00"), Decimal("69.75"), "exchange"),
        ("EXCHANGE_IN", Decimal("30.25"), Decimal("0.00"), Decimal("30.25"), "exchange"),
    ]
    assert clean.execute("select count(*) from exchange_records").fetchone() == (1,)
    assert check_invariants(clean) == []


def test_exchange_uses_configured_rate_rounding_down(clean: psycopg.Connection) -> None:
    clean.execute("update system_config set value = '1.5' where key = 'exchange_rate'")
    try:
        user = sign_in()
        credit(clean, user.user["id"], "10")
        assert exchange(user, Decimal("0.05")).data["converted_amount"] == Decimal("0.07")  # 0.075 -> 0.07
    finally:
        clean.execute("update system_config set value = '1.0' where key = 'exchange_rate'")


def test_exchange_above_balance_is_409_and_changes_nothing(clean: psycopg.Connection) -> None:
    user = sign_in()
    credit(clean, user.user["id"], "5")
    before = ledger_count(clean)
    result = exchange(user, 5.01)
    assert (result.status, result.code) == (409, "INSUFFICIENT_BALANCE")
    assert ledger_count(clean) == before
    assert wallet(clean, user.user["id"])["balance"] == Decimal("5.00")


@pytest.mark.parametrize(
    "raw",
    [
        b'{"amount": "10"}',
        b'{"amount": 0}',
        b'{"amount": -5}',
        b'{"amount": 0.001}',
        b'{"amount": 1e309}',
        b'{"amount": NaN}',
        b'{"amount": Infinity}',
        b'{"amount": true}',
        b'{"amount": null}',
        b"{}",
        b'{"amount": 99999999999999999999}',
        b'{"amount": [10]}',
    ],
)
def test_exchange_bad_amount_is_400_and_changes_nothing(clean: psycopg.Connection, raw: bytes) -> None:
    user = sign_in()
    credit(clean, user.user["id"], "100")
    before = ledger_count(clean)
    result = invoke("exchange-balance", raw, token=user.token)
    assert (result.status, result.code) == (400, "VALIDATION_ERROR"), result.body
    assert ledger_count(clean) == before
    assert "Traceback" not in str(result.body)


def test_exchange_ignores_user_id_in_body(clean: psycopg.Connection) -> None:
    victim, attacker = sign_in(), sign_in()
    credit(clean, victim.user["id"], "50")
    credit(clean, attacker.user["id"], "1")
    result = invoke("exchange-balance", {"amount": 10, "user_id": victim.user["id"]}, token=attacker.token)
    assert result.code == "INSUFFICIENT_BALANCE"
    assert wallet(clean, victim.user["id"])["balance"] == Decimal("50.00")


def test_exchange_needs_a_live_session(clean: psycopg.Connection) -> None:
    user = sign_in()
    credit(clean, user.user["id"], "50")
    assert invoke("exchange-balance", {"amount": 1}).code == "UNAUTHENTICATED"
    clean.execute("update user_sessions set expires_at = now() - interval '1 second'")
    expired = exchange(user, 1)
    assert (expired.status, expired.code) == (401, "SESSION_EXPIRED")
    assert wallet(clean, user.user["id"])["balance"] == Decimal("50.00")


def test_exchange_idempotency_key_replays_and_refuses_other_body(clean: psycopg.Connection) -> None:
    user = sign_in()
    credit(clean, user.user["id"], "100")
    first = exchange(user, 10, key="ex-1")
    again = exchange(user, 10, key="ex-1")
    assert first.status == again.status == 200
    assert again.data == first.data
    assert wallet(clean, user.user["id"])["balance"] == Decimal("90.00")
    other = exchange(user, 11, key="ex-1")
    assert (other.status, other.code) == (409, "IDEMPOTENCY_KEY_REUSED")
    body_key = invoke("exchange-balance", {"amount": 10, "idempotency_key": "ex-2"}, token=user.token)
    assert body_key.status == 200
    assert invoke("exchange-balance", {"amount": 10, "idempotency_key": "ex-2"}, token=user.token).status == 200
    assert wallet(clean, user.user["id"])["balance"] == Decimal("80.00")
    assert check_invariants(clean) == []


def test_transactions_newest_first_paginated_and_filtered(clean: psycopg.Connection) -> None:
    user = sign_in()
    credit(clean, user.user["id"], "100")
    for amount in (1, 2, 3):
        assert exchange(user, amount).status == 200
    page = invoke("get-transactions", {"limit": 2}, token=user.token)
    assert page.body["page"] == {"limit": 2, "offset": 0, "total": 7}
    assert len(page.data) == 2
    everything = invoke("get-transactions", {"limit": 100}, token=user.token).data
    stamps = [row["created_at"] for row in everything]
    assert stamps == sorted(stamps, reverse=True)
    coins = invoke("get-transactions", method="GET", query="walletType=lucky_coin&offset=1", token=user.token)
    assert coins.body["page"]["total"] == 3
    assert [row["amount"] for row in coins.data] == [Decimal("2.00"), Decimal("1.00")]
    assert all(row["wallet_type"] == "LUCKY_COIN" and row["type"] == "EXCHANGE_IN" for row in coins.data)
    assert invoke("get-transactions", {"wallet_type": "GOLD"}, token=user.token).status == 400
    assert invoke("get-transactions", {"limit": 1000}, token=user.token).status == 400
    # another user's ledger is never visible
    assert invoke("get-transactions", {}, token=sign_in().token).body["page"]["total"] == 0


def test_payment_config_by_type_without_session() -> None:
    deposit = invoke("get-payment-config", {"type": "DEPOSIT"})
    assert deposit.status == 200
    assert [m["method"] for m in deposit.data] == ["ALIF_MOBI", "DC_BANK"]
    alif = deposit.data[0]
    assert alif["config_data"]["min_amount"] == 10 and alif["config_data"]["max_amount"] == 10000
    assert set(alif["config_data"]["instructions"]) == {"zh", "ru", "tg", "en"}
    assert alif["config_data"]["processing_time"] == "15"
    default = invoke("get-payment-config", None, method="GET")
    assert default.data == deposit.data
    withdrawal = invoke("get-payment-config", method="GET", query="type=withdrawal")
    assert {m["config_type"] for m in withdrawal.data} == {"WITHDRAWAL"}
    # the old frontend's WithdrawPage methods, in its order
    assert [m["method"] for m in withdrawal.data] == ["BANK_TRANSFER", "ALIF_MOBI", "DC_BANK", "OTHER"]
    assert invoke("get-payment-config", {"type": "REFUND"}).status == 400


def test_payment_config_hides_disabled_methods(clean: psycopg.Connection) -> None:
    clean.execute("update payment_configs set is_enabled = false where config_key = 'deposit_dc_bank'")
    try:
        assert [m["method"] for m in invoke("get-payment-config", {}).data] == ["ALIF_MOBI"]
    finally:
        clean.execute("update payment_configs set is_enabled = true where config_key = 'deposit_dc_bank'")
