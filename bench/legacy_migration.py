"""Cutover (`luckymart-admin migrate-legacy`): dry run and apply of a generated old database, rows/s, peak RSS.

The old database (tests/legacy/generate.py: 10k users, 100k ledger rows and all the dirt, or --users/--ledger)
lives in a second database of a private stack's cluster; each run is the real CLI in its own process, so its
peak RSS (wait4) is the migration's alone.

    python -m bench.legacy_migration [--users 10000] [--ledger 100000] [--batch-size 5000]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg

from infra.local.stack import ROOT, private_stack
from tests.legacy import generate
from tests.legacy.support import reset_target


def _run_cli(
    source: str, target: str, mode: str, batch: int, report: Path
) -> tuple[float, int, dict[str, object]]:
    """One migrate-legacy process; returns (seconds, peak RSS in MiB, summary)."""
    env = {**os.environ, "PYTHONPATH": f"{ROOT / 'layers' / 'shared' / 'python'}:{ROOT}"}
    command = [sys.executable, "-m", "luckymart_cli.main", "migrate-legacy", "--from", source, "--to", target,
               mode, "--batch-size", str(batch), "--report-dir", str(report)]  # fmt: skip
    started = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"migrate-legacy {mode} failed (exit {os.waitstatus_to_exitcode(status)}); see {report}")
    return elapsed, usage.ru_maxrss // 1024, json.loads((report / "summary.json").read_text())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--ledger", type=int, default=100_000)
    parser.add_argument("--batch-size", type=int, default=5000)
    args, _ = parser.parse_known_args()
    with private_stack() as stack, tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        url = generate.create_database(stack.database_url, "legacy_bench")
        counts = generate.fill(url, generate.Volume(args.users, args.ledger))
        rows = sum(counts.values())
        generated = time.perf_counter() - started
        print(f"old database: {counts['users']:,} users, {counts['wallet_transactions']:,} ledger rows, "
              f"{rows:,} rows in {len(counts)} tables (generated in {generated:.1f} s)")  # fmt: skip
        with psycopg.connect(stack.database_url, autocommit=True) as pg:
            reset_target(pg)
        runs = (
            ("--dry-run", "dry run (all, rolled back)"),
            ("--apply", "apply"),
            ("--apply", "second apply (no-op)"),
        )
        for mode, label in runs:
            seconds, rss, summary = _run_cli(url, stack.database_url, mode, args.batch_size, Path(tmp) / label)
            print(f"  {label:<28} {seconds:7.1f} s  {rows / seconds:9,.0f} old rows/s  peak RSS {rss:4d} MiB  "
                  f"reconciled={summary['reconciled']}")  # fmt: skip


if __name__ == "__main__":
    main()
