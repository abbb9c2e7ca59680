"""`luckymart-admin telegram set-webhook | webhook-info | delete-webhook`: registers the bot's webhook with the Bot
API. The bot token and the webhook secret are read where the functions read them (SSM `/luckymart/<stage>/…` with
the caller's AWS credentials, or `make dev`'s .run/dev/secrets.json and its fake Bot API for --local) and are never
printed: the output is the Bot API's answer only."""

from __future__ import annotations

import argparse
import json
from typing import Any, TextIO

import httpx

from luckymart_cli.targets import DEV_RUN_DIR

LOCAL_BOT_API = "http://127.0.0.1:54350"  # infra/local/dev.py TELEGRAM_PORT
ALLOWED_UPDATES = ["message"]
VERBS = ("set-webhook", "webhook-info", "delete-webhook")


class TelegramCliError(Exception):
    pass


def add_parser(groups: Any, parents: list[argparse.ArgumentParser]) -> None:
    group = groups.add_parser("telegram", help="the bot's webhook (Bot API, token from SSM / make dev)")
    verbs = group.add_subparsers(dest="verb", metavar="ACTION", required=True)
    setter = verbs.add_parser("set-webhook", parents=parents, help="point the bot at telegram-webhook")
    setter.add_argument(
        "--url",
        required=True,
        help="https URL of telegram-webhook (the front door's /functions/v1/telegram-webhook)",
    )
    setter.add_argument("--max-connections", type=int, default=40, help="1..100 parallel deliveries (40)")
    setter.add_argument("--drop-pending-updates", action="store_true", help="discard updates waiting at Telegram")
    verbs.add_parser("webhook-info", parents=parents, help="what Telegram has registered (getWebhookInfo)")
    deleter = verbs.add_parser("delete-webhook", parents=parents, help="stop deliveries (deleteWebhook)")
    deleter.add_argument("--drop-pending-updates", action="store_true", help="discard updates waiting at Telegram")
    for parser in (setter, deleter):
        parser.set_defaults(command="telegram")
    verbs.choices["webhook-info"].set_defaults(command="telegram")


def _secrets(args: argparse.Namespace) -> tuple[str, str, str]:
    """(Bot API base URL, bot token, webhook secret)."""
    if getattr(args, "local", False):
        path = DEV_RUN_DIR / "secrets.json"
        if not path.exists():
            raise TelegramCliError("no .run/dev/secrets.json: start `make dev` first")
        values = json.loads(path.read_text())
        return LOCAL_BOT_API, values["TELEGRAM_BOT_TOKEN"], values["TELEGRAM_WEBHOOK_SECRET"]
    stage = getattr(args, "stage", None)
    if not stage:
        raise TelegramCliError("choose exactly one target: --local or --stage NAME")
    import boto3

    session = boto3.Session(profile_name=getattr(args, "profile", None), region_name=getattr(args, "region", None))
    ssm = session.client("ssm")

    def read(name: str) -> str:
        return str(ssm.get_parameter(Name=f"/luckymart/{stage}/{name}", WithDecryption=True)["Parameter"]["Value"])

    return "https://api.telegram.org", read("telegram_bot_token"), read("telegram_webhook_secret")


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    try:
        base, token, webhook_secret = _secrets(args)
    except TelegramCliError as problem:
        print(f"error: {problem}", file=err)
        return 2
    except Exception as problem:  # AWS errors: name the kind, never a value
        print(f"error: could not read the bot secrets ({type(problem).__name__})", file=err)
        return 3
    if args.verb == "set-webhook":
        if not str(args.url).startswith("https://"):
            print("error: Telegram only calls https URLs", file=err)
            return 2
        method = "setWebhook"
        payload: dict[str, Any] = {
            "url": args.url,
            "secret_token": webhook_secret,
            "allowed_updates": ALLOWED_UPDATES,
            "max_connections": args.max_connections,
            "drop_pending_updates": args.drop_pending_updates,
        }
    elif args.verb == "delete-webhook":
        method, payload = "deleteWebhook", {"drop_pending_updates": args.drop_pending_updates}
    else:
        method, payload = "getWebhookInfo", {}
    try:
        response = httpx.post(f"{base}/bot{token}/{method}", json=payload, timeout=15)
        body = response.json()
    except (httpx.HTTPError, ValueError) as problem:
        print(f"error: the Bot API could not be reached ({type(problem).__name__})", file=err)
        return 3
    if not body.get("ok"):
        print(f"error: {body.get('error_code')}: {body.get('description')}", file=err)
        return 1
    print(
        json.dumps(
            body.get("result")
            if method == "getWebhookInfo"
            else {"ok": True, "description": body.get("description")},
            ensure_ascii=False,
            indent=2,
        ),
        file=out,
    )
    return 0
