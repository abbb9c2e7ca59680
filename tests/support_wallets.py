"""Test helpers for wallets: credit a wallet through the real ledger function, read balances, run money
requests and admin reviews in few words."""

from __future__ import annotations

import importlib.util
import sys
import threading
from decimal import Decimal
from types import ModuleType
from typing import Any

import psycopg

from infra.local.events import LocalContext, function_url_event
from infra.local.stack import ROOT
from luckymart import jsonutil
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


_containers = threading.local()


def invoke_in_container(name: str, body: Any, *, token: str, headers: dict[str, str] | None = None) -> Result:
    """Like tests.support.invoke, but each thread gets its own copy of the handler module, as each concurrent
    request on AWS gets its own Lambda container (a Powertools resolver keeps the current event on itself,
    so one shared instance must not serve two threads at once)."""
    modules: dict[str, ModuleType] = _containers.__dict__.setdefault("modules", {})
    if name not in modules:
        folder = name.replace("-", "_")
        spec = importlib.util.spec_from_file_location(
            f"_container_{threading.get_ident()}_{folder}", ROOT / "functions" / folder / "handler.py"
        )
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module  # pydantic resolves the models' annotations through sys.modules
        spec.loader.exec_module(module)
        modules[name] = module
    all_headers = {"content-type": "application/json", "x-session-token": token, **(headers or {})}
    event = function_url_event("POST", headers=all_headers, body=jsonutil.dumps(body).encode())
    response = modules[name].handler(event, LocalContext(function_name=name))
    return Result(
        int(response["statusCode"]), jsonutil.loads(response["body"]), dict(response.get("headers") or {})
    )
