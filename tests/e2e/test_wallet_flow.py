"""Money round trip over HTTP through the local gateway, like the Mini App (admins through their invoke path)."""

from __future__ import annotations

from decimal import Decimal

import httpx
import psycopg
import pytest

from infra.local.lambdas import Lambdas
from luckymart import jsonutil
from tests.invariants import check_invariants
from tests.support import admin_event, make_admin, signed_init_data

pytestmark = pytest.mark.e2e


def call(api: httpx.Client, name: str, body: dict[str, object], token: str, key: str | None = None) -> object:
    headers = {"content-type": "application/json", **({"idempotency-key": key} if key else {})}
    response = api.post(f"/{name}", content=jsonutil.dumps({**body, "session_token": token}), headers=headers)
    payload = jsonutil.loads(response.content)
    assert response.status_code == 200, payload
    return payload["data"]


def balances(api: httpx.Client, token: str) -> dict[str, Decimal]:
    data = call(api, "get-wallet-balance", {}, token)
    return {w["type"]: w["balance"] for w in data["wallets"]}  # type: ignore[index]


def test_deposit_exchange_withdraw_reject(api: httpx.Client, clean: psycopg.Connection, lambdas: Lambdas) -> None:
    admin = make_admin(clean, "FINANCE")

    def finance(action: str, token: str, **params: object) -> dict[str, object]:
        result: dict[str, object] = lambdas.invoke("admin-finance", admin_event(action, params, token=token))
        return result

    signed = api.post("/auth-telegram", json={"initData": signed_init_data(3101, username="payer")})
    token = signed.json()["data"]["session"]["token"]

    methods = api.post("/get-payment-config", json={"type": "DEPOSIT"}).json()["data"]
    method = methods[0]["config_data"]["method"]
    filed = call(api, "deposit-request", {"amount": 250, "paymentMethod": method, "payerName": "P"}, token, "d1")
    approved = finance("deposits.approve", admin, deposit_id=filed["id"])  # type: ignore[index]
    assert approved["statusCode"] == 200, approved
    assert balances(api, token)["BALANCE"] == Decimal("250.00")

    exchanged = call(api, "exchange-balance", {"amount": 50}, token, "x1")
    assert exchanged["lucky_coin_balance"] == Decimal("50.00")  # type: ignore[index]
    withdrawal = call(
        api,
        "withdrawal-request",
        {"amount": 120, "withdrawalMethod": "ALIF_MOBI", "mobileWalletNumber": "+992900000001"},
        token,
        "w1",
    )
    assert balances(api, token)["BALANCE"] == Decimal("80.00")
    rejected = finance("withdrawals.reject", admin, withdrawal_id=withdrawal["id"], note="name mismatch")  # type: ignore[index]
    assert rejected["statusCode"] == 200, rejected
    assert balances(api, token) == {"BALANCE": Decimal("200.00"), "LUCKY_COIN": Decimal("50.00"), "BONUS": 0}

    history = api.get("/get-transactions", params={"wallet_type": "BALANCE"}, headers={"X-Session-Token": token})
    types = [row["type"] for row in history.json()["data"]]
    assert types == ["WITHDRAWAL_REFUND", "WITHDRAWAL_FREEZE", "EXCHANGE_OUT", "DEPOSIT"]
    assert check_invariants(clean) == []
