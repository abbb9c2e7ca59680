"""`luckymart-admin smoke --stage NAME`: after a deploy, is the stage live for a player? Read-only — GETs through
the front door, one admin read (`ops.health`) and Bot API getters — so it is safe on production at any time:

- catalogue: list-lotteries and get-lottery answer through the front door;
- CORS: the Mini App's origin is allowed (a preflight request as the browser sends it);
- fair draw: the newest completed lottery verified end to end by the independent checker (scripts/verify_draw.py):
  commitment and draw signatures by the key pinned in config/<stage>.yml, the ticket list against the frozen
  Merkle root, the seed against its commitment, the winner recomputed, the winner's inclusion proof; before the
  first draw, the commitment of a lottery on sale;
- the verification page under /verify/ is served and pins the same keys;
- the front door refuses admin functions (404) and a direct Function URL call (403 FRONT_DOOR_REQUIRED);
- health: `luckymart-admin health`'s checks (needs an admin token: $LUCKYMART_ADMIN_TOKEN);
- the bot: its token works and its menu button opens the Mini App.

`--local` runs the same against `make dev` (or `--url` of another local gateway). Output and exit status as
preflight: ✔ / ✘ with the fix, – for what there is nothing to check on yet; exit 1 on any ✘."""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from luckymart_cli import stage_config
from luckymart_cli.preflight import Check, print_checks

TIMEOUT_SECONDS = 30
TICKETS_PAGE = 1000
TOKEN_ENV = "LUCKYMART_ADMIN_TOKEN"  # noqa: S105 - the variable's name
LOCAL_API = "http://127.0.0.1:54321"  # make dev's gateway


@dataclass
class Smoke:
    """What the checks need to know about the target, resolved once."""

    label: str
    base_url: str  # the front door (what the Mini App's SUPABASE_URL is)
    operator_key: str | None  # pinned public keys (hex)
    receipt_key: str | None
    app_origin: str | None
    mini_app_url: str | None
    admin: Any  # luckymart_cli.targets.Target, or None without a token
    admin_token: str | None
    dlq_depths: Callable[[], dict[str, int]]
    bot_token: Callable[[], str | None]
    telegram_base: str
    direct_function_url: str | None = None  # a user function's own URL (AWS only)


class _Http:
    def __init__(self, base_url: str) -> None:
        import httpx

        self.client = httpx.Client(base_url=base_url.rstrip("/"), timeout=TIMEOUT_SECONDS, follow_redirects=True)

    def function(self, name: str, **query: Any) -> tuple[int, Any]:
        response = self.client.get(f"/functions/v1/{name}", params={k: str(v) for k, v in query.items()})
        try:
            return response.status_code, response.json()
        except ValueError:
            return response.status_code, None


def _data(answer: tuple[int, Any], what: str) -> Any:
    status, body = answer
    if status != 200 or not isinstance(body, dict) or not body.get("success"):
        error = (body or {}).get("error") if isinstance(body, dict) else None
        raise _Failed(f"{what} answered {status} {error or ''}".strip())
    return body["data"]


def _list(answer: tuple[int, Any], what: str) -> tuple[list[dict[str, Any]], int]:
    """A list answer: `data` is the items, the envelope's `page` has the total."""
    items = _data(answer, what)
    if not isinstance(items, list):
        raise _Failed(f"{what} did not answer a list")
    return items, int((answer[1].get("page") or {}).get("total", len(items)))


class _Failed(Exception):
    pass


def catalogue(smoke: Smoke, http: _Http) -> Check:
    name = "catalogue"
    try:
        items, total = _list(http.function("list-lotteries", status="ALL", limit=20), "list-lotteries")
        if not items:
            return Check(name, True, "list-lotteries answers; the catalogue is empty (no lottery published yet)")
        first = items[0]
        one = _data(http.function("get-lottery", lottery_id=first["id"]), "get-lottery")
        if one.get("id") != first["id"]:
            raise _Failed(f"get-lottery {first['id']} answered another lottery")
    except _Failed as failed:
        return Check(name, False, str(failed), "the function's logs (CloudWatch) and `luckymart-admin health`")
    except Exception as error:
        return Check(
            name,
            False,
            f"{smoke.base_url} could not be read: {type(error).__name__}",
            "is FrontDoorUrl right and the distribution deployed? (runbook: deploy)",
        )
    return Check(name, True, f"{total} lotteries; get-lottery {first['id']} ({first.get('status')}) answers")


def _verify_document(http: _Http, lottery_id: str) -> dict[str, Any]:
    tickets: list[dict[str, Any]] = []
    while True:
        data = _data(
            http.function(
                "verify-draw", lottery_id=lottery_id, tickets_limit=TICKETS_PAGE, tickets_offset=len(tickets)
            ),
            "verify-draw",
        )
        page = (data.get("tickets") or {}).get("items") or []
        tickets.extend(page)
        if not page or len(tickets) >= int((data.get("tickets") or {}).get("total") or 0):
            return {**data, "tickets": tickets}


def fair_draw(smoke: Smoke, http: _Http) -> Check:
    from scripts import verify_draw

    name = "fair draw"
    pin_fix = "pin the stage's keys: fairdrawPublicKey / receiptPublicKey in config/<stage>.yml (preflight)"
    try:
        completed, _ = _list(http.function("list-lotteries", status="COMPLETED", sort="newest", limit=20), "list")
        for lottery in completed:
            document = _verify_document(http, lottery["id"])
            if verify_draw.legacy_message(document) is not None:
                continue  # drawn by the previous system: nothing to verify
            keys = _key_problems(smoke, document)
            if keys:
                return Check(name, False, "; ".join(keys), pin_fix)
            winning = (document.get("record") or {}).get("winning_ticket_number")
            proofs = _data(
                http.function("get-ticket-proof", lottery_id=lottery["id"], ticket_numbers=winning),
                "get-ticket-proof",
            )
            report = verify_draw.verify(document, smoke.operator_key, proofs=proofs)
            if not report.ok:
                return Check(
                    name,
                    False,
                    f"lottery {lottery['id']}: " + "; ".join(report.problems),
                    "stop draws and investigate: docs/fairness.md",
                )
            return Check(
                name,
                True,
                f"lottery {lottery['id']}: {len(document['tickets'])} tickets hash to the signed root, seed "
                f"matches its commitment, winner {report.winning_ticket_number} recomputed, its inclusion "
                "proof holds",
            )
        on_sale, _ = _list(http.function("list-lotteries", status="ACTIVE", limit=1), "list-lotteries")
        if not on_sale:
            return Check(
                name,
                None,
                "nothing to verify yet: no completed lottery and none on sale",
                "run smoke again after the first lottery is published",
            )
        document = _data(http.function("verify-draw", lottery_id=on_sale[0]["id"], tickets_limit=1), "verify-draw")
        keys = _key_problems(smoke, document)
        if keys:
            return Check(name, False, "; ".join(keys), pin_fix)
        commitment = dict(document["commitment"])
        signature = commitment.pop("commitment_signature")
        if not verify_draw.signature_ok(commitment["operator_public_key"], commitment, signature):
            return Check(
                name,
                False,
                f"the commitment of {on_sale[0]['id']} is not validly signed",
                "stop sales and investigate: docs/fairness.md",
            )
    except _Failed as failed:
        return Check(name, False, str(failed), "the function's logs (CloudWatch)")
    except Exception as error:
        return Check(name, False, f"could not be checked: {type(error).__name__}: {error}", "the function's logs")
    return Check(
        name,
        True,
        f"no completed draw yet; the commitment of {on_sale[0]['id']} is signed by the pinned key "
        "(run smoke again after the first draw)",
    )


def _key_problems(smoke: Smoke, document: dict[str, Any]) -> list[str]:
    problems = []
    for label, pinned, published in (
        ("operator", smoke.operator_key, document.get("operator_public_key")),
        ("receipt", smoke.receipt_key, document.get("receipt_public_key")),
    ):
        if pinned and str(published).lower() != pinned.lower():
            problems.append(f"verify-draw publishes {label} key {published}, the stage pins {pinned}")
    return problems


def verify_page(smoke: Smoke, http: _Http) -> Check:
    name = "verify page"
    fix = "make deploy-verify-page STAGE=<stage> (runbook: verify page)"
    try:
        page = http.client.get("/verify/")
        config = http.client.get("/verify/config.json")
    except Exception as error:
        return Check(name, False, f"/verify/ could not be read: {type(error).__name__}", fix)
    if page.status_code != 200 or "text/html" not in page.headers.get("content-type", ""):
        return Check(name, False, f"/verify/ answered {page.status_code} {page.headers.get('content-type')}", fix)
    try:
        pins = config.json()
    except ValueError:
        return Check(name, False, f"/verify/config.json answered {config.status_code}, not JSON", fix)
    stale = [
        label
        for label, pinned, served in (
            ("operator", smoke.operator_key, pins.get("operator_public_key")),
            ("receipt", smoke.receipt_key, pins.get("receipt_public_key")),
        )
        if pinned and str(served).lower() != pinned.lower()
    ]
    if stale:
        return Check(name, False, f"the page pins another {' and '.join(stale)} key than the stage", fix)
    return Check(name, True, "/verify/ is served and pins the stage's operator and receipt keys")


def edge_refusals(smoke: Smoke, http: _Http) -> Check:
    import httpx

    name = "front door refusals"
    problems = []
    try:
        status, _ = http.function("admin-finance")
        if status != 404:
            problems.append(f"/functions/v1/admin-finance answered {status}, not 404")
        if smoke.direct_function_url:
            direct = httpx.get(smoke.direct_function_url, timeout=TIMEOUT_SECONDS)
            code = (direct.json().get("error") or {}).get("code") if direct.status_code == 403 else None
            if direct.status_code != 403 or code != "FRONT_DOOR_REQUIRED":
                problems.append(
                    f"a direct Function URL call answered {direct.status_code}, not 403 FRONT_DOOR_REQUIRED"
                )
    except (httpx.HTTPError, ValueError) as error:
        problems.append(f"could not be checked: {type(error).__name__}")
    if problems:
        return Check(name, False, "; ".join(problems), "frontDoor.enforceOriginSecret: true, then make deploy")
    also = "; a direct Function URL call gets 403 FRONT_DOOR_REQUIRED" if smoke.direct_function_url else ""
    return Check(name, True, f"admin functions are not reachable (404){also}")


def cors(smoke: Smoke, http: _Http) -> Check:
    name = "CORS for the Mini App"
    if not smoke.app_origin:
        return Check(name, None, "no Mini App origin configured to check", "set miniAppUrl")
    try:
        answer = http.client.options(
            "/functions/v1/list-lotteries",
            headers={
                "Origin": smoke.app_origin,
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "content-type,x-session-token,idempotency-key",
            },
        )
    except Exception as error:
        return Check(name, False, f"could not be checked: {type(error).__name__}", "")
    allowed = answer.headers.get("access-control-allow-origin")
    if allowed not in (smoke.app_origin, "*"):
        return Check(
            name,
            False,
            f"a preflight from {smoke.app_origin} is answered without it ({allowed!r})",
            "add the Mini App's origin to corsOrigins in config/<stage>.yml, then make deploy",
        )
    return Check(name, True, f"{smoke.app_origin} may call the functions")


def health_check(smoke: Smoke) -> Check:
    from luckymart_cli import health

    name = "health"
    if smoke.admin is None or not smoke.admin_token:
        return Check(
            name,
            False,
            f"not checked: no admin token (${TOKEN_ENV})",
            f"export {TOKEN_ENV}=<an admin's token> (runbook: first SUPER_ADMIN)",
        )
    try:
        response = smoke.admin.invoke(
            "admin-ops", {"admin_token": smoke.admin_token, "action": "ops.health", "params": {}}
        )
    except Exception as problem:
        return Check(
            name, False, f"admin-ops could not be invoked: {problem}", "IAM lambda:InvokeFunction on admin-*"
        )
    if not response.get("success"):
        refusal = response.get("error") or {}
        return Check(
            name,
            False,
            f"admin-ops refused: {refusal.get('code')}: {refusal.get('message')}",
            f"a valid admin token in ${TOKEN_ENV}",
        )
    dlqs: dict[str, int] | None = None
    unreadable: str | None = None
    try:
        dlqs = smoke.dlq_depths()
    except health.DlqError as error:
        unreadable = str(error)
    checks = health.evaluate(response["data"], dlqs, unreadable)
    alerts = [f"{c.name}: {c.detail}" for c in checks if not c.ok]
    if alerts:
        return Check(name, False, "; ".join(alerts), "luckymart-admin health (docs/operations.md)")
    return Check(name, True, f"{len(checks)} health checks OK ({checks[0].detail})")


def bot(smoke: Smoke) -> Check:
    import httpx

    name = "bot menu button"
    try:
        token = smoke.bot_token()
    except Exception as error:
        return Check(name, False, f"could not read telegram_bot_token ({type(error).__name__})", "preflight")
    if not token:
        return Check(name, False, "no telegram_bot_token", "python -m scripts.put_secrets --stage <stage>")
    try:
        me = httpx.post(f"{smoke.telegram_base}/bot{token}/getMe", json={}, timeout=TIMEOUT_SECONDS).json()
        button = httpx.post(
            f"{smoke.telegram_base}/bot{token}/getChatMenuButton", json={}, timeout=TIMEOUT_SECONDS
        )
        menu = button.json()
    except (httpx.HTTPError, ValueError) as error:
        return Check(name, False, f"the Bot API could not be reached ({type(error).__name__})", "")
    if not me.get("ok"):
        return Check(name, False, f"Telegram refuses the bot token: {me.get('description')}", "preflight")
    username = (me.get("result") or {}).get("username")
    result = menu.get("result") or {}
    opens = (result.get("web_app") or {}).get("url") if result.get("type") == "web_app" else None
    fix = (
        f"BotFather → /mybots → @{username} → Bot Settings → Menu Button → Configure menu button: "
        f"{smoke.mini_app_url}"
    )
    if not smoke.mini_app_url:
        return Check(name, None, f"@{username}: no miniAppUrl to compare with", "set miniAppUrl")
    if opens is None:
        return Check(name, False, f"@{username}'s menu button is {result.get('type')!r}, not the Mini App", fix)
    if stage_config.origin_of(opens) != stage_config.origin_of(smoke.mini_app_url):
        return Check(name, False, f"@{username}'s menu button opens {opens}, not {smoke.mini_app_url}", fix)
    return Check(name, True, f"@{username}'s menu button {result.get('text')!r} opens {opens}")


def run_checks(smoke: Smoke) -> list[Check]:
    http = _Http(smoke.base_url)
    steps: list[Callable[[], Check]] = [
        lambda: catalogue(smoke, http),
        lambda: cors(smoke, http),
        lambda: fair_draw(smoke, http),
        lambda: verify_page(smoke, http),
        lambda: edge_refusals(smoke, http),
        lambda: health_check(smoke),
        lambda: bot(smoke),
    ]
    with ThreadPoolExecutor(max_workers=len(steps)) as pool:
        return [future.result() for future in [pool.submit(step) for step in steps]]


# ---------------------------------------------------------------- targets
def _stage_smoke(args: argparse.Namespace, token: str | None) -> Smoke:
    import boto3

    from luckymart_cli import health
    from luckymart_cli.targets import stage_target

    stage = str(args.stage)
    config = stage_config.load(Path(args.config) if args.config else stage_config.path_of(stage))
    region = getattr(args, "region", None) or str(config["region"])
    profile = getattr(args, "profile", None)
    session = boto3.Session(profile_name=profile, region_name=region)
    base_url, direct = args.url, None
    stack = session.client("cloudformation").describe_stacks(StackName=f"luckymart-{stage}")["Stacks"][0]
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
    base_url = base_url or outputs.get("FrontDoorUrl")
    if not base_url:
        raise ValueError(f"stack luckymart-{stage} has no FrontDoorUrl output: deploy first")
    urls = sorted(k for k in outputs if k.endswith("LambdaFunctionUrl"))
    direct = outputs[urls[0]] if urls else None
    mini_app = config.get("miniAppUrl")

    def bot_token() -> str | None:
        parameter = session.client("ssm").get_parameter(
            Name=f"/luckymart/{stage}/telegram_bot_token", WithDecryption=True
        )
        return str(parameter["Parameter"]["Value"])

    return Smoke(
        label=f"luckymart-{stage} ({region})",
        base_url=str(base_url),
        operator_key=config.get("fairdrawPublicKey"),
        receipt_key=config.get("receiptPublicKey"),
        app_origin=stage_config.origin_of(mini_app) if mini_app else None,
        mini_app_url=mini_app,
        admin=stage_target(stage, region, profile) if token else None,
        admin_token=token,
        dlq_depths=lambda: health.dlq_depths(stage, region=region, profile=profile, local=False),
        bot_token=bot_token,
        telegram_base=os.environ.get("TELEGRAM_API_BASE_URL", "https://api.telegram.org").rstrip("/"),
        direct_function_url=direct,
    )


def _local_smoke(args: argparse.Namespace, token: str | None) -> Smoke:
    from luckymart_cli import health
    from luckymart_cli.secret_rules import public_key_of
    from luckymart_cli.targets import LocalTarget

    admin = LocalTarget()  # loads make dev's secrets into the environment (variables already set win)
    origins = [o for o in os.environ.get("CORS_ALLOWED_ORIGINS", "").split(",") if o.strip() and o != "*"]
    mini_app = os.environ.get("MINI_APP_URL")
    keys = {
        name: public_key_of(os.environ[f"{name.upper()}_SIGNING_KEY"])
        for name in ("fairdraw", "receipt")
        if os.environ.get(f"{name.upper()}_SIGNING_KEY")
    }
    from luckymart_cli.telegram import LOCAL_BOT_API

    return Smoke(
        label="local",
        base_url=args.url or LOCAL_API,
        operator_key=os.environ.get("FAIRDRAW_PUBLIC_KEY") or keys.get("fairdraw"),
        receipt_key=os.environ.get("RECEIPT_PUBLIC_KEY") or keys.get("receipt"),
        app_origin=origins[0].strip() if origins else (stage_config.origin_of(mini_app) if mini_app else None),
        mini_app_url=mini_app,
        admin=admin if token else None,
        admin_token=token,
        dlq_depths=lambda: health.dlq_depths("local", region=None, profile=None, local=True),
        bot_token=lambda: os.environ.get("TELEGRAM_BOT_TOKEN"),
        telegram_base=os.environ.get("TELEGRAM_API_BASE_URL", LOCAL_BOT_API).rstrip("/"),
    )


def add_parser(groups: Any) -> None:
    parser = groups.add_parser(
        "smoke",
        help="read-only post-deploy check: catalogue, a draw verified end to end, health, bot",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--stage", metavar="NAME", default=argparse.SUPPRESS, help="the deployed stage")
    parser.add_argument("--local", action="store_true", default=argparse.SUPPRESS, help="make dev (or --url)")
    parser.add_argument("--url", help="the front door (default: the stack's FrontDoorUrl; --local: make dev)")
    parser.add_argument("--config", type=Path, help="the stage's settings file (default config/NAME.yml)")
    parser.add_argument("--region", default=argparse.SUPPRESS, help="default: the stage config's region")
    parser.add_argument("--profile", default=argparse.SUPPRESS, help="AWS profile")
    parser.add_argument("--token", default=argparse.SUPPRESS, help=f"admin token (default: ${TOKEN_ENV})")
    parser.set_defaults(command="smoke", module_run=run)


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    started = time.monotonic()
    local, stage = bool(getattr(args, "local", False)), getattr(args, "stage", None)
    if local == bool(stage):
        print("smoke: choose exactly one target: --local or --stage NAME", file=err)
        return 2
    token = getattr(args, "token", None) or os.environ.get(TOKEN_ENV)
    try:
        smoke = _local_smoke(args, token) if local else _stage_smoke(args, token)
    except Exception as problem:  # AWS errors, a missing config: name the kind, never a value
        print(f"smoke: the target could not be resolved: {type(problem).__name__}: {problem}", file=err)
        return 3
    checks = run_checks(smoke)
    print(f"smoke {smoke.label} through {smoke.base_url}", file=out)
    print_checks(checks, out)
    failed = [c for c in checks if c.ok is False]
    seconds = time.monotonic() - started
    if failed:
        print(f"✘ {len(failed)} of {len(checks)} checks failed in {seconds:.2f} s", file=out)
        return 1
    print(f"✔ the stage is live: {len(checks)} checks in {seconds:.2f} s", file=out)
    return 0
