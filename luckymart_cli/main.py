"""luckymart-admin: every admin operation of LuckyMart from one command line.

    luckymart-admin --local deposits list --status PENDING
    luckymart-admin --stage prod deposits approve 7d7c…  --note "checked the bank statement"
    luckymart-admin bootstrap --local --username root
    luckymart-admin --local ledger list --from 2026-11-01T00:00:00Z --to 2026-12-01T00:00:00Z --csv > nov.csv
    luckymart-admin --stage prod telegram set-webhook --url https://…/   (bot token and secret from SSM)

Every list is newest first and pages alike: --limit 1-200 (default 50), --offset; --csv fetches every page.

The admin token comes from LUCKYMART_ADMIN_TOKEN (preferred: it stays out of shell history) or --token; it is
never printed or logged. Exit status: 0 done, 1 the function refused or failed, 2 bad usage, 3 the target could
not be reached, 4 `health` found something that needs a human.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import uuid
from collections.abc import Callable, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any, TextIO

from luckymart_cli.commands import BY_ACTION, COMMANDS, Command, Param
from luckymart_cli.legacy import cli as legacy_cli
from luckymart_cli.output import render, to_json, write_csv
from luckymart_cli.targets import DEV_DATABASE_URL, LocalTarget, Target, TargetError, stage_target

EXIT_OK, EXIT_REFUSED, EXIT_USAGE, EXIT_UNREACHABLE, EXIT_ATTENTION = 0, 1, 2, 3, 4
PAGE_MAX = 200  # the largest page of every admin list (luckymart.admin.ADMIN_PAGE_MAX)
TOKEN_ENV = "LUCKYMART_ADMIN_TOKEN"  # noqa: S105 - the variable's name, not a secret
SHOWN_ONCE_NOTE = "This token is shown once: store it now (e.g. in a password manager). Only its hash is kept."


def _uuid(text: str) -> str:
    try:
        return str(uuid.UUID(text))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a UUID: {text!r}") from None


def _money(text: str) -> str:
    """Sent as the decimal string the admin contract asks for; checked here for an early, clear error."""
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        raise argparse.ArgumentTypeError(f'not an amount: {text!r} (use e.g. "12.50")') from None
    if not value.is_finite() or value < 0 or value != value.quantize(Decimal("0.01")):
        raise argparse.ArgumentTypeError(f"amount must be >= 0 with at most 2 decimals: {text!r}")
    return text.strip()


def _decimal(text: str) -> str:
    try:
        Decimal(text.strip())
    except InvalidOperation:
        raise argparse.ArgumentTypeError(f'not a decimal: {text!r} (use e.g. "0.015")') from None
    return text.strip()


def _json(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not valid JSON: {text!r}") from None


_TYPES: dict[str, Callable[[str], Any]] = {
    "uuid": _uuid,
    "money": _money,
    "decimal": _decimal,
    "int": int,
    "json": _json,
    "text": str,
    "time": str,
}


def _target_options(shared: bool) -> argparse.ArgumentParser:
    """Options accepted before or after the subcommand (SUPPRESS: a later parser never resets an earlier value)."""
    parser = argparse.ArgumentParser(add_help=False)
    default = argparse.SUPPRESS
    target = parser.add_argument_group("target (one of)")
    target.add_argument("--local", action="store_true", default=default, help="run in-process on `make dev`")
    target.add_argument("--stage", metavar="NAME", default=default, help="invoke luckymart-NAME-<function>")
    target.add_argument("--region", default=default, help="AWS region for --stage")
    target.add_argument("--profile", default=default, help="AWS profile for --stage")
    parser.add_argument("--json", action="store_true", default=default, help="print JSON (for scripts)")
    parser.add_argument(
        "--csv",
        action="store_true",
        default=default,
        help="print CSV: a list with every page from --offset on, then its totals; stats.summary: the series",
    )
    if shared:
        parser.add_argument("--token", default=default, help=f"admin token (default: ${TOKEN_ENV})")
    return parser


def _add_param(parser: argparse.ArgumentParser, param: Param) -> None:
    if param.kind == "bool":
        parser.add_argument(param.option, dest=param.name, action="store_true", default=None, help=param.help)
    elif param.positional:
        parser.add_argument(
            param.name, type=_TYPES[param.kind], nargs=None if param.required else "?", help=param.help
        )
    else:
        parser.add_argument(
            param.option,
            dest=param.name,
            type=_TYPES[param.kind],
            required=param.required,
            metavar=param.name.upper(),
            help=param.help,
        )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="luckymart-admin",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        parents=[_target_options(shared=True)],
    )
    groups = parser.add_subparsers(dest="group", metavar="GROUP", required=True)
    boot = groups.add_parser(
        "bootstrap",
        parents=[_target_options(shared=False)],
        help="create the first SUPER_ADMIN from database credentials",
        description="Creates the first SUPER_ADMIN with DATABASE_URL (or --database-url; with --local the "
        "`make dev` database) and prints its token once. Refused once any admin exists.",
    )
    boot.add_argument("--username", required=True, help="3-64 of a-z 0-9 _ . -")
    boot.add_argument("--database-url", help="postgresql://… (default: $DATABASE_URL)")
    boot.set_defaults(command=None)
    health = groups.add_parser(
        "health",
        parents=[_target_options(shared=True)],
        help="on-call health report; exit 4 when something needs a human",
        description="Database and migration version, last scheduled run, overdue draws, commission outbox "
        "backlog and age, dead-letter queue depths, table sizes. Exit 0 all good, 4 something needs a human.",
    )
    health.set_defaults(command="health")
    legacy_cli.add_parser(groups)

    from luckymart_cli import preflight, smoke, telegram

    telegram.add_parser(groups, [_target_options(shared=False)])
    preflight.add_parser(groups)  # these two parse their own options and run through `module_run`
    smoke.add_parser(groups)
    verbs: dict[str, argparse._SubParsersAction[argparse.ArgumentParser]] = {}
    for command in COMMANDS:
        if command.group not in verbs:
            group = groups.add_parser(command.group, help=f"{command.group} ({command.function})")
            verbs[command.group] = group.add_subparsers(dest="verb", metavar="ACTION", required=True)
        leaf = verbs[command.group].add_parser(
            command.verb,
            parents=[_target_options(shared=True)],
            help=command.help,
            description=f"{command.help}.\nRuns action {command.action} of function {command.function}.",
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        for param in command.params:
            _add_param(leaf, param)
        leaf.set_defaults(command=command.action)
    return parser


def params_of(command: Command, args: argparse.Namespace) -> dict[str, Any]:
    """The contract's params from the parsed arguments; options not given are not sent."""
    values = {param.name: getattr(args, param.name, None) for param in command.params}
    return {name: value for name, value in values.items() if value is not None}


def _target(args: argparse.Namespace) -> Target:
    local, stage = getattr(args, "local", False), getattr(args, "stage", None)
    if local == bool(stage):
        raise _Usage("choose exactly one target: --local or --stage NAME")
    if local:
        return LocalTarget()
    return stage_target(str(stage), getattr(args, "region", None), getattr(args, "profile", None))


class _Usage(Exception):
    pass


def run_action(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    command = BY_ACTION[args.command]
    token = getattr(args, "token", None) or os.environ.get(TOKEN_ENV)
    if not token:
        raise _Usage(f"no admin token: set {TOKEN_ENV} (or pass --token)")
    params = params_of(command, args)
    target = _target(args)
    as_csv = getattr(args, "csv", False)
    if as_csv and any(param.name == "limit" for param in command.params):
        response = _every_page(target, command, token, params)
    else:
        response = target.invoke(
            command.function, {"admin_token": token, "action": command.action, "params": params}
        )
    as_json = getattr(args, "json", False)
    if not response.get("success"):
        error = response.get("error") or {}
        status = response.get("statusCode")
        if as_json:
            print(to_json({"success": False, "status": status, "error": error}), file=out)
        else:
            print(f"error: {error.get('code')} ({status}): {error.get('message')}", file=err)
            if error.get("details") is not None:
                print(to_json(error["details"]), file=err)
        return EXIT_REFUSED
    data = response.get("data")
    if as_json:
        print(to_json(data), file=out)
    elif as_csv:
        write_csv(data, out)
    else:
        render(data, command.columns, out, command.view)
        if isinstance(data, dict) and "token" in data:
            print(SHOWN_ONCE_NOTE, file=err)
    return EXIT_OK


def _every_page(target: Target, command: Command, token: str, params: dict[str, Any]) -> dict[str, Any]:
    """A list action page after page (the largest page) until its total: one answer holding every row. Rows added
    while exporting shift later pages (lists are newest first): give --to for an exact export."""
    offset = int(params.get("offset") or 0)
    items: list[Any] = []
    while True:
        page = {**params, "limit": PAGE_MAX, "offset": offset}
        response = target.invoke(
            command.function, {"admin_token": token, "action": command.action, "params": page}
        )
        if not response.get("success"):
            return response
        data = response["data"]
        items.extend(data["items"])
        offset += len(data["items"])
        if not data["items"] or offset >= int(data["total"]):
            return {**response, "data": {**data, "items": items}}


def run_bootstrap(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from luckymart_cli.bootstrap import BootstrapError, bootstrap

    database_url = args.database_url or os.environ.get("DATABASE_URL")
    if not database_url and getattr(args, "local", False):
        database_url = DEV_DATABASE_URL
    if not database_url:
        raise _Usage("no database: set DATABASE_URL, pass --database-url, or use --local for `make dev`")
    try:
        admin, new = bootstrap(database_url, args.username)
    except BootstrapError as error:
        print(f"error: {error}", file=err)
        return EXIT_REFUSED
    data = {"admin": admin, "token": new.token}
    if getattr(args, "json", False):
        print(to_json(data), file=out)
    else:
        render(data, (), out)
        print(SHOWN_ONCE_NOTE, file=err)
    return EXIT_OK


def run_health(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from luckymart_cli import health

    token = getattr(args, "token", None) or os.environ.get(TOKEN_ENV)
    if not token:
        raise _Usage(f"no admin token: set {TOKEN_ENV} (or pass --token)")
    target = _target(args)
    response = target.invoke("admin-ops", {"admin_token": token, "action": "ops.health", "params": {}})
    if not response.get("success"):
        error = response.get("error") or {}
        print(f"error: {error.get('code')} ({response.get('statusCode')}): {error.get('message')}", file=err)
        return EXIT_REFUSED
    report = response["data"]
    local = bool(getattr(args, "local", False))
    stage = "local" if local else str(args.stage)
    dlqs: dict[str, int] | None = None
    dlq_error: str | None = None
    try:
        dlqs = health.dlq_depths(
            stage, region=getattr(args, "region", None), profile=getattr(args, "profile", None), local=local
        )
    except health.DlqError as problem:
        dlq_error = str(problem)
    checks = health.evaluate(report, dlqs, dlq_error)
    health.render(checks, report, dlqs, bool(getattr(args, "json", False)), out)
    return EXIT_OK if all(check.ok for check in checks) else EXIT_ATTENTION


def main(argv: Sequence[str] | None = None, out: TextIO | None = None, err: TextIO | None = None) -> int:
    out, err = out or sys.stdout, err or sys.stderr
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.group == "migrate-legacy":
            return legacy_cli.run(args, out, err)
        if getattr(args, "module_run", None) is not None:
            return int(args.module_run(args, out, err))
        if args.command is None:
            return run_bootstrap(args, out, err)
        if args.command == "health":
            return run_health(args, out, err)
        if args.command == "telegram":
            from luckymart_cli import telegram

            return telegram.run(args, out, err)
        return run_action(args, out, err)
    except _Usage as problem:
        parser.print_usage(err)
        print(f"luckymart-admin: error: {problem}", file=err)
        return EXIT_USAGE
    except TargetError as problem:
        print(f"error: {problem}", file=err)
        return EXIT_UNREACHABLE


if __name__ == "__main__":
    sys.exit(main())
