"""Helpers for the lottery tests: create a lottery through the real admin function, fund wallets the way an
approved deposit would (through private.wallet_apply, so the ledger stays exact), and check ledger = balances."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import psycopg

from tests.support import admin_invoke, make_admin


def create_lottery(pg: psycopg.Connection, **overrides: Any) -> dict[str, Any]:
    token = make_admin(pg, "OPERATIONS")
    params: dict[str, Any] = {
        "title": "Test phone",
        "ticket_price": "1.00",
        "total_tickets": 10,
        "end_time": (datetime.now(UTC) + timedelta(days=3)).isoformat(),
        **overrides,
    }
    result = admin_invoke("admin-lotteries", "lotteries.create", params, token=token)
    assert result["success"], result
    return dict(result["data"])


def insert_legacy_lottery(
    pg: psycopg.Connection, status: str = "COMPLETED", previous_status: str = "COMPLETED", **columns: Any
) -> str:
    """A lottery as migrate-legacy leaves one the previous system drew (COMPLETED) or cancelled: no commitment,
    `draw_algorithm_data.legacy`, no signed statement yet (the scheduled draw job signs it)."""
    from psycopg.types.json import Jsonb

    cancelled_at_cutover = status == "CANCELLED" and previous_status != "CANCELLED"
    data = {
        "legacy": True,
        "verifiable": False,
        "message": "drawn by the previous system, not independently verifiable",
        "cancelled_at_cutover": cancelled_at_cutover,
        "previous": {"status": previous_status, "winning_ticket_number": "1000007"},
    }
    values: dict[str, Any] = {
        "title": "Old phone",
        "ticket_price": "2.00",
        "total_tickets": 10,
        "status": status,
        "sold_tickets": 10 if status == "COMPLETED" else 0,
        "start_time": datetime(2025, 5, 1, tzinfo=UTC),
        "end_time": datetime(2025, 6, 1, tzinfo=UTC),
        "actual_draw_time": datetime(2025, 6, 1, 12, tzinfo=UTC) if status == "COMPLETED" else None,
        "winning_ticket_number": 1_000_007 if status == "COMPLETED" else None,
        "cancelled_at": datetime(2026, 11, 1, tzinfo=UTC) if status == "CANCELLED" else None,
        "draw_algorithm_data": Jsonb(data),
        **columns,
    }
    names = ", ".join(values)
    marks = ", ".join(["%s"] * len(values))
    row = pg.execute(
        f"insert into lotteries ({names}) values ({marks}) returning id", list(values.values())
    ).fetchone()
    assert row is not None
    return str(row[0])


def fund(pg: psycopg.Connection, user_id: str, amount: str, wallet_type: str = "BALANCE") -> None:
    pg.execute(
        "select private.wallet_apply(private.wallet_id(%s, %s), %s::numeric, 'ADJUSTMENT', null, null, "
        "'test funds')",
        (user_id, wallet_type, amount),
    )


def balance(pg: psycopg.Connection, user_id: str, wallet_type: str = "BALANCE") -> Decimal:
    row = pg.execute(
        "select balance from wallets where user_id = %s and type = %s", (user_id, wallet_type)
    ).fetchone()
    assert row is not None
    return Decimal(row[0])


def assert_ledger_matches_balances(pg: psycopg.Connection) -> None:
    drift = pg.execute(
        "select w.id from wallets w left join wallet_transactions t on t.wallet_id = w.id "
        "group by w.id, w.balance having w.balance <> coalesce(sum(t.amount), 0)"
    ).fetchall()
    assert drift == []


def force_draw_time_passed(pg: psycopg.Connection, lottery_id: str) -> None:
    pg.execute("update lotteries set draw_time = now() - interval '1 second' where id = %s", (lottery_id,))
