"""The migrate-legacy subcommand: arguments, target and secrets, exit status."""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path
from typing import TextIO

EXIT_OK, EXIT_NOT_RECONCILED, EXIT_USAGE, EXIT_UNREACHABLE = 0, 1, 2, 3


def add_parser(groups: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = groups.add_parser(
        "migrate-legacy",
        help="move a database of the old LuckyMart schema into this one (dry run or apply)",
        description="Reads the old LuckyMart database (--from, read-only) and writes it into the target database "
        "(--to, $DATABASE_URL, or --local for `make dev`) that has our migrations applied. --dry-run runs "
        "everything inside one transaction and rolls it back; --apply commits batch by batch with a checkpoint "
        "(re-run it to resume; a finished run changes nothing). Writes a report directory (tables.csv, rows.csv, "
        "money.csv, money_differences.csv, uncovered_withdrawals.csv, summary.json). Exit status 0: money "
        "reconciled; 1: it does not reconcile (see money.csv); 2: bad usage; 3: a database is unreachable or "
        "the target is not fit. See docs/cutover.md.",
    )
    parser.add_argument("--from", dest="source", required=True, metavar="URL", help="postgresql://… old database")
    parser.add_argument("--to", dest="target", metavar="URL", help="target database (default: $DATABASE_URL)")
    parser.add_argument("--local", action="store_true", help="target the `make dev` database")
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--dry-run", action="store_true", help="run everything, keep nothing, write the report")
    mode.add_argument("--apply", action="store_true", help="write, batch by batch, resumable")
    parser.add_argument("--report-dir", type=Path, help="where the report goes (default ./legacy-report-<time>)")
    parser.add_argument("--batch-size", type=int, default=5000, help="rows per batch and transaction (5000)")
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    parser.set_defaults(command=None)


def _target_url(args: argparse.Namespace) -> str | None:
    from luckymart_cli.targets import DEV_DATABASE_URL, DEV_RUN_DIR

    if args.target:
        return str(args.target)
    if args.local:
        secrets_file = DEV_RUN_DIR / "secrets.json"
        if secrets_file.exists():
            for name, value in json.loads(secrets_file.read_text()).items():
                os.environ.setdefault(name, value)
        return DEV_DATABASE_URL
    return os.environ.get("DATABASE_URL")


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from luckymart.config import secret
    from luckymart_cli.legacy.runner import Migration, MigrationError, Options

    target = _target_url(args)
    if not target:
        print("luckymart-admin: error: no target: pass --to, set DATABASE_URL, or use --local", file=err)
        return EXIT_USAGE
    if args.batch_size < 1:
        print("luckymart-admin: error: --batch-size must be positive", file=err)
        return EXIT_USAGE
    try:
        pepper = secret("referral_pepper")  # buyer_ref of the migrated tickets, as every purchase computes it
        referral_key = secret("referral_code_key")  # fresh referral codes, as auth-telegram issues them
    except (RuntimeError, KeyError):
        print(
            "error: the referral_pepper and referral_code_key secrets must be configured "
            "(REFERRAL_PEPPER / REFERRAL_CODE_KEY or SSM)",
            file=err,
        )
        return EXIT_USAGE
    report_dir = args.report_dir or Path(f"legacy-report-{time.strftime('%Y%m%dT%H%M%S')}")
    options = Options(
        args.source, target, bool(args.apply), report_dir, pepper, referral_key, args.batch_size, err
    )
    try:
        outcome = Migration(options).run()
    except MigrationError as problem:
        print(f"error: {problem}", file=err)
        return EXIT_UNREACHABLE
    if args.json:
        print(json.dumps(outcome.summary, default=str, indent=2), file=out)
    else:
        print(f"{outcome.summary['mode']}; report in {report_dir}/", file=out)
        for line in outcome.summary["money"]:
            state = "ok" if line["reconciled"] else "DOES NOT RECONCILE"
            print(
                f"  {line['currency']} {line['wallet_type']:<11} before {line['before']:>14}  "
                f"differences {line['listed_differences']:>12}  after {line['after']:>14}  {state}",
                file=out,
            )
    if not outcome.reconciled:
        print("error: money does not reconcile: see money.csv and money_differences.csv", file=err)
        return EXIT_NOT_RECONCILED
    return EXIT_OK
