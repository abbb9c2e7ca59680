"""Test helpers for wallets: credit a wallet through the real ledger function, read balances, run money
requests and admin reviews in few words."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import psycopg

from tests.support import Result, SignedIn, admin_invoke, invoke


def credit(pg: psycopg.Connection, user_id: str, amount: str, wallet_type: str = "BALANCE") -> None:
    """Puts money in a wallet as an ADJUSTMENT ledger row (private.wallet_apply), so invariants keep holding."""
    pg.execute(
        "select private.wallet_apply(private.wallet_id(%s, %s), %s::numeric, 'ADJUSTMENT', null, null, 'test')",
        (user_id, wallet_type, amount),
    )


def wallet(pg: psycopg.Connection, user_id: str, wallet_type: str = "BALANCE") -> dict[str, Decimal]:
    row = pg.execute(
        "select balance, frozen_balance, total_deposits, total_withdrawals from wallets "
        "where user_id = %s and type = %s",
        (user_id, wallet_type),
    ).fetchone()
    assert row is not None
    return dict(zip(("balance", "frozen", "total_deposits", "total_withdrawals"), row, strict=True))


def ledger_count(pg: psycopg.Connection) -> int:
    row = pg.execute("select count(*) from wallet_transactions").fetchone()
    assert row is not None
    return int(row[0])


def deposit(user: SignedIn, amount: Any, method: str = "ALIF_MOBI", **extra: Any) -> Result:
    return invoke("deposit-request", {"amount": amount, "payment_method": method, **extra}, token=user.token)


def withdraw(
    user: SignedIn, amount: Any, method: str = "ALIF_MOBI", key: str | None = None, **extra: Any
) -> Result:
    body = {"amount": amount, "withdrawal_method": method, "mobile_wallet_number": "+992900000000", **extra}
    headers = {"idempotency-key": key} if key else None
    return invoke("withdrawal-request", body, token=user.token, headers=headers)


def exchange(user: SignedIn, amount: Any, key: str | None = None) -> Result:
    headers = {"idempotency-key": key} if key else None
    return invoke("exchange-balance", {"amount": amount}, token=user.token, headers=headers)


def finance(action: str, token: str, **params: Any) -> dict[str, Any]:
    return admin_invoke("admin-finance", action, params, token=token)
