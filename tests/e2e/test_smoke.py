"""`luckymart-admin smoke --local` against the test stack through its gateway (the local front door): a catalogue
with a real lottery sold out and drawn by the scheduler, verified end to end; the verification page; the edge's
refusals; health with an admin token (the local moto SQS for dead-letter queues); the bot's menu button on the
fake Bot API. It changes nothing a player or the books can see (read-only, safe on production), and each check
fails when what it guards is broken."""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest

from infra.local.aws import local_aws
from infra.local.stack import Stack
from infra.local.telegram_fake import FakeTelegram
from luckymart_cli.main import main
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
