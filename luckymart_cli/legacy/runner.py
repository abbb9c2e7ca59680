"""Runs the cutover steps (steps.py) from a legacy database into ours.

* Legacy side: one read-only connection; each step is one server-side cursor read `batch` rows at a time, so
  memory stays bounded by the batch whatever the table size.
* Target side: each batch is COPY'd into a temp stage table and transformed with set-based SQL.
  `--apply` commits each batch together with its checkpoint (private.legacy_steps), so a killed run resumes after
  the last committed batch and a finished one changes nothing when run again. `--dry-run` runs the very same
  statements in one transaction and rolls it back after writing the report: nothing is committed.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import psycopg

from luckymart_cli.legacy import report
from luckymart_cli.legacy.steps import STEPS, Step

BASE_STAGE_COLUMNS = ("reason text", "detail text", "fixes text[] not null default '{}'")


class MigrationError(Exception):
    """The migration cannot start or continue (bad target, unreachable database); nothing half-done is hidden."""


@dataclass
class Options:
    source_url: str
    target_url: str
    apply: bool
    report_dir: Path
    pepper: str
    referral_key: str
    batch_size: int = 5000
    progress: TextIO | None = field(default_factory=lambda: sys.stderr)


@dataclass
class StepResult:
    step: str
    table: str
    read: int
    imported: int
    seconds: float


@dataclass
class Outcome:
    reconciled: bool
    steps: list[StepResult]
    summary: dict[str, Any]
    report_dir: Path


class Progress:
    """One line per table, redrawn in place: `wallets  12,000/20,012 rows  8,512 rows/s`."""

    def __init__(self, stream: TextIO | None, name: str, total: int | None) -> None:
        self.stream, self.name, self.total = stream, name, total
        self.started = time.monotonic()
        self.done = 0

    def advance(self, rows: int) -> None:
        self.done += rows
        self._draw("\r")

    def finish(self, note: str = "") -> None:
        self._draw("\r", note)
        if self.stream:
            self.stream.write("\n")
            self.stream.flush()

    def _draw(self, prefix: str, note: str = "") -> None:
        if not self.stream:
            return
        elapsed = max(time.monotonic() - self.started, 1e-6)
        total = f"/{self.total:,}" if self.total is not None else ""
        width = 24
        bar = ""
        if self.total:
            filled = int(width * min(self.done / self.total, 1))
            bar = "[" + "#" * filled + "." * (width - filled) + "] "
        self.stream.write(
            f"{prefix}{self.name:<22} {bar}{self.done:>9,}{total} rows  {self.done / elapsed:>9,.0f} rows/s {note}"
        )
        self.stream.flush()


def _stage_name(step: Step) -> str:
    return f"legacy_stage_{step.name}"


def _create_stage(target: psycopg.Connection, step: Step) -> str:
    name = _stage_name(step)
    columns = [f"{c} text" for c in step.columns]
    columns += [f"{c} {t}" for c, t in step.extra.items()]
    columns += list(BASE_STAGE_COLUMNS)
    target.execute(f"create temp table if not exists {name} ({', '.join(columns)})")
    return name


def _run_sql(target: psycopg.Connection, step: Step, stage: str, opts: Options) -> None:
    secrets = {"pepper": opts.pepper, "referral_key": opts.referral_key}
    for statement in step.sql:
        sql = statement.replace("{stage}", stage)
        params = {name: value for name, value in secrets.items() if f"%({name})s" in sql}
        target.execute(sql, params or None)


def _record_rows(target: psycopg.Connection, step: Step, stage: str) -> int:
    """Skipped and fixed rows into the report (same transaction); returns the rows imported by this batch."""
    table = "src" if "src" in step.columns else f"'{step.table}'"
    target.execute(
        f"""insert into private.legacy_report_rows (step, legacy_table, legacy_id, action, reason, detail)
            select '{step.name}', {table}, id, 'skipped', reason, detail from {stage} where reason is not null
            union all
            select '{step.name}', {table}, id, 'fixed', fx.reason_fixed, null
              from {stage}, unnest(fixes) fx(reason_fixed) where reason is null
            on conflict do nothing"""
    )
    row = target.execute(f"select count(*) from {stage} where reason is null").fetchone()
    return int(row[0]) if row else 0


class Migration:
    def __init__(self, options: Options) -> None:
        self.options = options

    @contextmanager
    def _connections(self) -> Iterator[tuple[psycopg.Connection, psycopg.Connection]]:
        try:
            legacy = psycopg.connect(self.options.source_url, connect_timeout=10)
        except psycopg.OperationalError as error:
            raise MigrationError(f"cannot connect to the legacy database: {error}") from None
        try:
            target = psycopg.connect(self.options.target_url, connect_timeout=10)
        except psycopg.OperationalError as error:
            legacy.close()
            raise MigrationError(f"cannot connect to the target database: {error}") from None
        legacy.read_only = True  # the old database is only ever read
        try:
            yield legacy, target
        finally:
            target.close()
            legacy.close()

    def _check_target(self, target: psycopg.Connection) -> None:
        row = target.execute("select to_regclass('private.legacy_steps') is not null").fetchone()
        if not row or not row[0]:
            raise MigrationError("the target has no private.legacy_steps: apply our migrations first")
        row = target.execute(
            "select (select count(*) from private.legacy_steps), exists (select 1 from public.users u "
            "where not exists (select 1 from private.legacy_id_map m "
            "where m.kind = 'user' and m.target_id = u.id))"
        ).fetchone()
        assert row is not None
        if row[0] == 0 and row[1]:
            raise MigrationError("the target already has users that did not come from this migration: refusing")
        target.commit()
        # One run at a time per target (held by this session until it ends, also when it is killed).
        locked = target.execute("select pg_try_advisory_lock(hashtext('luckymart.migrate_legacy'))").fetchone()
        target.commit()
        if not locked or not locked[0]:
            raise MigrationError("another migrate-legacy run is in progress on this target")

    def run(self) -> Outcome:
        opts = self.options
        results: list[StepResult] = []
        with self._connections() as (legacy, target):
            self._check_target(target)
            for step in STEPS:
                results.append(self._run_step(legacy, target, step))
            outcome_summary, reconciled = report.write(legacy, target, opts.report_dir, apply=opts.apply)
            if opts.apply:
                target.commit()
            else:
                target.rollback()  # the dry run: every statement ran, nothing is kept
        return Outcome(reconciled, results, outcome_summary, opts.report_dir)

    def _run_step(self, legacy: psycopg.Connection, target: psycopg.Connection, step: Step) -> StepResult:
        opts = self.options
        started = time.monotonic()
        target.execute("insert into private.legacy_steps (step) values (%s) on conflict do nothing", (step.name,))
        row = target.execute(
            "select last_key, done, read, imported from private.legacy_steps where step = %s for update",
            (step.name,),
        ).fetchone()
        assert row is not None
        last_key, done, read_before, imported_before = row
        if opts.apply:
            target.commit()
        if done:
            if opts.progress:
                opts.progress.write(f"{step.name:<22} done in an earlier run: {read_before:,} rows read\n")
            return StepResult(step.name, step.table, read_before, imported_before, 0.0)
        if step.source is None:
            progress = Progress(opts.progress, step.name, None)
            _run_sql(target, step, "", opts)
            self._finish(target, step)
            progress.finish()
            return StepResult(step.name, step.table, 0, 0, time.monotonic() - started)

        stage = _create_stage(target, step)
        count = legacy.execute(f"select count(*) from ({step.source}) q", {"after": last_key}).fetchone()
        progress = Progress(opts.progress, step.name, (int(count[0]) if count else 0))
        read, imported = 0, 0
        with legacy.cursor(name=f"legacy_{step.name}") as cursor:
            cursor.itersize = opts.batch_size
            cursor.execute(step.source, {"after": last_key})
            while rows := cursor.fetchmany(opts.batch_size):
                target.execute(f"truncate {stage}")
                with target.cursor().copy(f"copy {stage} ({', '.join(step.columns)}) from stdin") as copy:
                    for values in rows:
                        copy.write_row(values)
                if step.analyze:
                    target.execute(f"analyze {stage}")  # real row counts for the planner
                _run_sql(target, step, stage, opts)
                batch_imported = _record_rows(target, step, stage)
                target.execute(
                    "update private.legacy_steps set last_key = %s, read = read + %s, imported = imported + %s "
                    "where step = %s",
                    (rows[-1][0], len(rows), batch_imported, step.name),
                )
                if opts.apply:
                    target.commit()
                read += len(rows)
                imported += batch_imported
                progress.advance(len(rows))
        legacy.commit()
        self._finish(target, step)
        progress.finish()
        return StepResult(
            step.name, step.table, read_before + read, imported_before + imported, time.monotonic() - started
        )

    def _finish(self, target: psycopg.Connection, step: Step) -> None:
        target.execute(
            "update private.legacy_steps set done = true, finished_at = now() where step = %s", (step.name,)
        )
        if self.options.apply:
            target.commit()
