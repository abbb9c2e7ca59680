"""Helpers for the cutover tests and benchmark: run migrate-legacy like an operator, reset the target between runs,
and fingerprint the migrated state so two runs (or a crashed-and-resumed one) can be compared row for row."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path
from typing import Any

import psycopg

from luckymart_cli import main as cli

LEGACY_TABLES = (
    "legacy_steps",
    "legacy_id_map",
    "legacy_report_rows",
    "legacy_money_notes",
    "legacy_lottery_winners",
)

# Everything the migration writes, without what legitimately differs between runs (generated ids of ledger rows,
# timestamps, and the fresh referral codes drawn from a sequence, which a killed batch may have consumed).
FINGERPRINT = {
    "users": "select id, telegram_id, referred_by_id, status, language_code, "
    "case when id::text in (select legacy_id from private.legacy_report_rows "
    "where reason = 'referral_code_replaced') then 'fresh' else referral_code end from users",
    "wallets": "select id, user_id, type, currency, balance, frozen_balance, total_deposits from wallets",
    "ledger": "select wallet_id, type, amount, balance_after, frozen_delta, reference_type, reference_id "
    "from wallet_transactions",
    "lotteries": "select id, status, total_tickets, sold_tickets, winning_ticket_number from lotteries",
    "winners": "select lottery_id, user_id from private.legacy_lottery_winners",
    "orders": "select id, user_id, status, total_amount, wallet_id, payment_method from orders",
    "tickets": "select id, lottery_id, user_id, order_id, seq, ticket_number, buyer_ref, status, is_winning "
    "from tickets",
    "prizes": "select id, user_id, lottery_id, ticket_id, status, prize_value from prizes",
    "shipping": "select id, prize_id, status, tracking_number from shipping",
    "resales": "select id, prize_id, resale_price, status from resales",
    "showoffs": "select id, prize_id, root_prize_id, likes_count, status, reward_coins, hidden_at is null "
    "from showoffs",
    "likes": "select id, post_id, user_id from likes",
    "notifications": "select id, user_id, type, title from notifications",
    "deposits": "select id, user_id, amount, status from deposits",
    "withdrawals": "select id, user_id, wallet_id, amount, status from withdrawals",
    "payment_configs": "select config_type, method, config_data, min_amount, max_amount from payment_configs",
    "archive": "select source_table, source_id, data from private.legacy_archive",
    "report": "select step, legacy_table, legacy_id, action, reason from private.legacy_report_rows",
    "money_notes": "select currency, wallet_type, amount, reason, legacy_table, legacy_id "
    "from private.legacy_money_notes",
}


def fingerprint(pg: psycopg.Connection) -> dict[str, tuple[int, str]]:
    """Per table: row count and a hash of the sorted rows."""
    result = {}
    for name, sql in FINGERPRINT.items():
        rows = sorted(repr(tuple(row)) for row in pg.execute(sql))
        result[name] = (len(rows), hashlib.sha256("\n".join(rows).encode()).hexdigest())
    return result


def reset_target(pg: psycopg.Connection) -> None:
    """Back to a freshly migrated, empty database (the archive's no-truncate guard is lifted for the moment)."""
    from tests.conftest import truncate_all

    truncate_all(pg)
    pg.execute(f"truncate {', '.join('private.' + t for t in LEGACY_TABLES)}")
    pg.execute("alter table private.legacy_archive disable trigger legacy_archive_no_truncate")
    pg.execute("truncate private.legacy_archive")
    pg.execute("alter table private.legacy_archive enable trigger legacy_archive_no_truncate")
    pg.execute("alter sequence private.referral_code_seq restart")


def migrate(source: str, target: str, report_dir: Path, *, apply: bool, batch_size: int = 500) -> tuple[int, str]:
    """`luckymart-admin migrate-legacy` in-process; returns (exit status, stdout)."""
    out, err = io.StringIO(), io.StringIO()
    mode = "--apply" if apply else "--dry-run"
    argv = ["migrate-legacy", "--from", source, "--to", target, mode, "--report-dir", str(report_dir)]
    status = cli.main([*argv, "--batch-size", str(batch_size)], out=out, err=err)
    return status, out.getvalue() + err.getvalue()


def one(pg: psycopg.Connection, sql: str, *params: Any) -> Any:
    row = pg.execute(sql, params).fetchone()
    assert row is not None, sql
    return row[0]
