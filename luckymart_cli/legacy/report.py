"""The cutover report: per table rows read / imported / skipped / fixed, every skipped or fixed row with its
reason, money per currency x wallet type before and after with every difference explained, and the users whose
balance cannot cover a pending withdrawal. CSV files plus summary.json in the report directory.

Money reconciles when, for every (currency, wallet type): old sum + listed differences = new sum, to the cent.
The old sum counts balance + frozen_balance of every old wallet whose values are numbers (what is not a number
is listed with a null amount: it has no value to lose or keep).
"""

from __future__ import annotations

import csv
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg

from luckymart_cli.legacy.steps import STEPS


def _legacy_money(column: str) -> str:
    """The same rule as private.legacy_money(), inline: the legacy database gets no functions of ours."""
    value = f"replace(btrim({column}::text), ',', '.')"
    return f"(case when {value} ~ '^[-+]?[0-9]{{1,15}}(\\.[0-9]+)?$' then {value}::numeric end)"


MONEY_BEFORE = f"""
select coalesce(upper(btrim(currency::text)), '?'), coalesce(upper(btrim(type::text)), '?'),
       sum(coalesce({_legacy_money("balance")}, 0) + coalesce({_legacy_money("frozen_balance")}, 0)), count(*)
  from wallets group by 1, 2"""

MONEY_AFTER = "select currency, type, sum(balance + frozen_balance), count(*) from public.wallets group by 1, 2"

MONEY_EXPLAINED = """
select currency, wallet_type, coalesce(sum(amount), 0), count(*), count(*) filter (where amount is null)
  from private.legacy_money_notes group by 1, 2"""

STEP_COUNTS = """
select s.step, s.read, s.imported, s.done,
       (select count(*) from private.legacy_report_rows r where r.step = s.step and r.action = 'skipped'),
       (select count(distinct r.legacy_id) from private.legacy_report_rows r
         where r.step = s.step and r.action = 'fixed')
  from private.legacy_steps s order by array_position(%s::text[], s.step), s.step"""


def _write_csv(path: Path, header: list[str], rows: Any) -> int:
    count = 0
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for row in rows:
            writer.writerow(["" if v is None else v for v in row])
            count += 1
    return count


def money(legacy: psycopg.Connection, target: psycopg.Connection) -> list[dict[str, Any]]:
    before = {(c, t): (Decimal(s or 0), n) for c, t, s, n in legacy.execute(MONEY_BEFORE)}
    legacy.commit()
    after = {(c, t): (Decimal(s or 0), n) for c, t, s, n in target.execute(MONEY_AFTER)}
    explained = {(c, t): (Decimal(s), n, nan) for c, t, s, n, nan in target.execute(MONEY_EXPLAINED)}
    lines = []
    for key in sorted(set(before) | set(after) | set(explained)):
        old, old_n = before.get(key, (Decimal(0), 0))
        new, new_n = after.get(key, (Decimal(0), 0))
        diff, notes, not_numbers = explained.get(key, (Decimal(0), 0, 0))
        unexplained = new - old - diff
        lines.append(
            {
                "currency": key[0],
                "wallet_type": key[1],
                "old_wallets": old_n,
                "before": str(old),
                "listed_differences": str(diff),
                "differences_count": notes,
                "not_a_number_count": not_numbers,
                "after": str(new),
                "new_wallets": new_n,
                "unexplained": str(unexplained),
                "reconciled": unexplained == 0,
            }
        )
    return lines


def write(
    legacy: psycopg.Connection, target: psycopg.Connection, directory: Path, *, apply: bool
) -> tuple[dict[str, Any], bool]:
    """Writes every report file; returns (summary, money reconciled)."""
    directory.mkdir(parents=True, exist_ok=True)
    steps = target.execute(STEP_COUNTS, ([step.name for step in STEPS],)).fetchall()
    _write_csv(
        directory / "tables.csv",
        ["step", "rows_read", "imported", "skipped", "fixed_rows", "done"],
        [(s, r, i, sk, fx, d) for s, r, i, d, sk, fx in steps],
    )
    with target.cursor(name="legacy_report_rows") as cursor:
        cursor.execute(
            "select step, legacy_table, legacy_id, action, reason, detail from private.legacy_report_rows "
            "order by id"
        )
        rows_written = _write_csv(
            directory / "rows.csv", ["step", "legacy_table", "legacy_id", "action", "reason", "detail"], cursor
        )
    with target.cursor(name="legacy_money_notes") as cursor:
        cursor.execute(
            "select currency, wallet_type, legacy_table, legacy_id, amount, reason "
            "from private.legacy_money_notes order by id"
        )
        _write_csv(
            directory / "money_differences.csv",
            ["currency", "wallet_type", "legacy_table", "legacy_id", "amount", "reason"],
            cursor,
        )
    uncovered = _write_csv(
        directory / "uncovered_withdrawals.csv",
        ["legacy_withdrawal_id", "detail"],
        target.execute(
            "select legacy_id, detail from private.legacy_report_rows "
            "where reason = 'balance_cannot_cover' order by id"
        ),
    )
    lines = money(legacy, target)
    header = list(lines[0].keys()) if lines else ["currency"]
    _write_csv(directory / "money.csv", header, [list(line.values()) for line in lines])
    reconciled = all(line["reconciled"] for line in lines)
    summary = {
        "mode": "apply" if apply else "dry-run (nothing was written)",
        "reconciled": reconciled,
        "steps": [
            {"step": s, "read": r, "imported": i, "skipped": sk, "fixed_rows": fx, "done": d}
            for s, r, i, d, sk, fx in steps
        ],
        "report_rows": rows_written,
        "uncovered_withdrawals": uncovered,
        "money": lines,
    }
    (directory / "summary.json").write_text(json.dumps(summary, indent=2, default=str))
    return summary, reconciled
