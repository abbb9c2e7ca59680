"""`luckymart-admin smoke --local` against the test stack through its gateway (the local front door): a catalogue
with a real lottery sold out and drawn by the scheduler, verified end to end; the verification page; the edge's
refusals; health with an admin token (the local moto SQS for dead-letter queues); the bot's menu button on the
fake Bot API. It changes nothing a player or the books can see (read-only, safe on production), and each check
fails when what it guards is broken."""

from __future__ import annotations

import io
import os
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import boto3
import psycopg
import pytest
import yaml
from moto import mock_aws

from infra.local.aws import local_aws
from infra.local.events import LocalContext, function_url_event
from infra.local.stack import Stack
from infra.local.telegram_fake import FakeTelegram
from luckymart_cli.main import main
from luckymart_cli.secret_rules import public_key_of
from tests.support import invoke, make_admin, sign_in
from tests.support_lottery import create_lottery, fund

pytestmark = pytest.mark.e2e

MINI_APP = "https://app.luckymart.test/"
BOOKS = ("users", "wallets", "wallet_transactions", "orders", "tickets", "lotteries", "prizes", "user_sessions")


@pytest.fixture
def live(stack: Stack, clean: psycopg.Connection, request: pytest.FixtureRequest) -> Iterator[FakeTelegram]:
    """A drawn lottery and one on sale (only that one with `indirect` False), the local SQS, the fake Bot API with
    the Mini App as its menu button."""
    drawn = getattr(request, "param", True)
    create_lottery(clean, total_tickets=50, ticket_price="2.00", title="On sale")
    lottery = create_lottery(clean, total_tickets=6, ticket_price="1.00")
    buyers = [sign_in(), sign_in()] if drawn else []
    for buyer, quantity in zip(buyers, (2, 4) if drawn else (), strict=True):
        fund(clean, buyer.user["id"], "10.00")
        bought = invoke(
            "lottery-purchase",
            {"lottery_id": lottery["id"], "quantity": quantity, "payment_method": "BALANCE"},
            token=buyer.token,
        )
        assert bought.status == 200, bought.body
    if not drawn:
        clean.execute("delete from lotteries where id = %s", (lottery["id"],))
    clean.execute("update lotteries set draw_time = now() - interval '1 second' where id = %s", (lottery["id"],))
    saved = dict(os.environ)
    bot = FakeTelegram(os.environ["TELEGRAM_BOT_TOKEN"])
    bot.serve_in_thread()
    bot.state.menu_button = {"type": "web_app", "text": "Open", "web_app": {"url": MINI_APP}}
    try:
        with local_aws():
            from functions.auto_lottery_draw.handler import handler as scheduler

            scheduler({"source": "aws.events", "detail-type": "Scheduled Event", "detail": {}}, None)
            status = clean.execute("select status from lotteries where id = %s", (lottery["id"],)).fetchone()
            assert status == (("COMPLETED",) if drawn else None)
            os.environ["TELEGRAM_API_BASE_URL"] = bot.base_url
            os.environ["MINI_APP_URL"] = MINI_APP
            os.environ["LUCKYMART_ADMIN_TOKEN"] = make_admin(clean, "OPERATIONS")
            yield bot
    finally:
        bot.stop()
        os.environ.clear()
        os.environ.update(saved)


def smoke(stack: Stack) -> tuple[int, str, dict[str, tuple[str, str]]]:
    out, err = io.StringIO(), io.StringIO()
    code = main(["smoke", "--local", "--url", stack.api_url], out, err)
    assert not err.getvalue(), err.getvalue()
    lines = {}
    for line in out.getvalue().splitlines()[1:-1]:
        if line[:1] in "✔✘–":
            name, _, detail = line[2:].partition("  ")
            lines[name.strip()] = (line[0], detail.strip())
    return code, out.getvalue(), lines


def books(pg: psycopg.Connection) -> dict[str, Any]:
    counts = {t: pg.execute(f"select count(*) from {t}").fetchone() for t in BOOKS}
    counts["balances"] = pg.execute("select sum(balance) from wallets").fetchone()
    counts["lottery_rows"] = pg.execute(
        "select md5(string_agg(l::text, '' order by id)) from lotteries l"
    ).fetchone()
    return counts


def test_a_live_stage_passes_and_nothing_changes(
    stack: Stack, clean: psycopg.Connection, live: FakeTelegram
) -> None:
    before = books(clean)
    code, out, lines = smoke(stack)
    assert code == 0, out
    assert {mark for mark, _ in lines.values()} == {"✔"}, out
    assert lines.keys() == {
        "catalogue",
        "CORS for the Mini App",
        "fair draw",
        "verify page",
        "front door refusals",
        "health",
        "bot menu button",
    }
    assert "2 lotteries" in lines["catalogue"][1]
    assert (
        "6 tickets hash to the signed root" in lines["fair draw"][1]
        and "inclusion proof holds" in lines["fair draw"][1]
    )
    assert (
        "@luckymart_local_bot's menu button 'Open' opens https://app.luckymart.test/"
        in lines["bot menu button"][1]
    )
    assert books(clean) == before  # read-only
    assert [c.method for c in live.state.calls] == ["getMe", "getChatMenuButton"]  # getters only


def test_each_broken_part_fails_its_check(stack: Stack, clean: psycopg.Connection, live: FakeTelegram) -> None:
    # a draw record altered after the fact
    clean.execute(
        "update lotteries set draw_algorithm_data = jsonb_set(draw_algorithm_data, '{counter}', '7') "
        "where status = 'COMPLETED'"
    )
    # the bot still opens its old app, and nobody gave smoke an admin token
    live.state.menu_button = {"type": "commands"}
    del os.environ["LUCKYMART_ADMIN_TOKEN"]
    code, out, lines = smoke(stack)
    assert code == 1
    assert lines["fair draw"][0] == "✘" and "draw signature is invalid" in lines["fair draw"][1], out
    assert lines["bot menu button"] == ("✘", "@luckymart_local_bot's menu button is 'commands', not the Mini App")
    assert "BotFather → /mybots → @luckymart_local_bot → Bot Settings → Menu Button" in out
    assert lines["health"] == ("✘", "not checked: no admin token ($LUCKYMART_ADMIN_TOKEN)")
    assert lines["catalogue"][0] == "✔" and lines["verify page"][0] == "✔"


@pytest.mark.parametrize("live", [False], indirect=True)
def test_before_the_first_draw_the_commitment_is_checked(stack: Stack, live: FakeTelegram) -> None:
    code, out, lines = smoke(stack)
    assert code == 0, out
    assert lines["fair draw"][0] == "✔" and lines["fair draw"][1].startswith(
        "no completed draw yet; the commitment"
    )


class _FunctionUrl(ThreadingHTTPServer):
    """A user function's own public URL: the Function URL event without the front door's header."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _FunctionUrlHandler)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/"


class _FunctionUrlHandler(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        from functions.list_lotteries.handler import handler

        url = urlsplit(self.path)
        event = function_url_event("GET", path=url.path, query=url.query, headers=dict(self.headers.items()))
        result = handler(event, LocalContext(function_name="list-lotteries"))
        body = str(result.get("body") or "").encode()
        self.send_response(int(result["statusCode"]))
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def test_stage_mode_takes_the_front_door_the_pins_and_the_bot_token_from_aws(
    stack: Stack, live: FakeTelegram, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """--stage: FrontDoorUrl and a Function URL from the stack's outputs, the pinned keys from the stage file, the
    bot token from SSM; the direct Function URL must refuse a call that did not come through the front door."""
    from luckymart import frontdoor

    monkeypatch.setenv("ORIGIN_SECRET_REQUIRED", "true")  # the gateway adds the secret, as CloudFront does
    frontdoor.reset()
    direct = _FunctionUrl()
    keys = {name: public_key_of(os.environ[f"{name.upper()}_SIGNING_KEY"]) for name in ("fairdraw", "receipt")}
    config = tmp_path / "rehearsal.yml"
    config.write_text(
        yaml.safe_dump(
            {
                "region": "eu-central-1",
                "miniAppUrl": MINI_APP,
                "fairdrawPublicKey": keys["fairdraw"],
                "receiptPublicKey": keys["receipt"],
            }
        )
    )
    saved_endpoint = {n: os.environ.pop(n) for n in list(os.environ) if n.startswith("AWS_ENDPOINT_URL")}
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("LUCKYMART_ADMIN_TOKEN")  # health needs one: its line fails, the rest must pass
    try:
        with mock_aws():
            boto3.client("ssm", region_name="eu-central-1").put_parameter(
                Name="/luckymart/rehearsal/telegram_bot_token",
                Value=os.environ["TELEGRAM_BOT_TOKEN"],
                Type="SecureString",
            )
            outputs = {
                "FrontDoorUrl": {"Value": stack.api_url},
                "ListDashlotteriesLambdaFunctionUrl": {"Value": direct.url},
            }
            template = {"Resources": {"T": {"Type": "AWS::SNS::Topic"}}, "Outputs": outputs}
            boto3.client("cloudformation", region_name="eu-central-1").create_stack(
                StackName="luckymart-rehearsal", TemplateBody=yaml.safe_dump(template)
            )
            out, err = io.StringIO(), io.StringIO()
            code = main(["smoke", "--stage", "rehearsal", "--config", str(config)], out, err)
    finally:
        os.environ.update(saved_endpoint)
        direct.shutdown()
        frontdoor.reset()
    assert not err.getvalue(), err.getvalue()
    text = out.getvalue()
    assert (
        code == 1 and text.splitlines()[0] == f"smoke luckymart-rehearsal (eu-central-1) through {stack.api_url}"
    )
    failed = [line for line in text.splitlines() if line.startswith("✘ ")]
    assert failed[0].startswith("✘ health") and failed[1].startswith("✘ 1 of 7 checks failed"), text
    assert "a direct Function URL call gets 403 FRONT_DOOR_REQUIRED" in text
    assert "@luckymart_local_bot's menu button 'Open' opens" in text
