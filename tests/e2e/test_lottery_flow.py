"""Over HTTP through the local gateway: buy out a lottery, let the scheduled function draw it within the draw
delay, check the published record with the standalone verifier (URL mode) and find the win as the winner."""

from __future__ import annotations

import time
from collections.abc import Iterator
from decimal import Decimal

import httpx
import psycopg
import pytest
from psycopg.types.json import Jsonb

from infra.local.lambdas import Lambdas
from infra.local.stack import Stack
from scripts import verify_draw
from tests.support import signed_init_data
from tests.support_lottery import create_lottery, fund

pytestmark = pytest.mark.e2e
DRAW_DELAY_SECONDS = 2


@pytest.fixture
def short_draw_delay(clean: psycopg.Connection) -> Iterator[None]:
    saved = clean.execute("select value from system_config where key = 'lottery'").fetchone()
    assert saved is not None
    clean.execute(
        "update system_config set value = jsonb_set(value, '{draw_delay_seconds}', %s::jsonb) "
        "where key = 'lottery'",
        (str(DRAW_DELAY_SECONDS),),
    )
    yield
    clean.execute("update system_config set value = %s where key = 'lottery'", (Jsonb(saved[0]),))


def scheduled_event() -> dict[str, object]:
    return {"version": "0", "source": "aws.events", "detail-type": "Scheduled Event", "detail": {}}


@pytest.mark.usefixtures("short_draw_delay")
def test_buy_out_scheduled_draw_verify_and_win(
    api: httpx.Client, clean: psycopg.Connection, stack: Stack, lambdas: Lambdas
) -> None:
    lottery = create_lottery(clean, total_tickets=6, ticket_price="5.00")
    tokens = []
    for telegram_id in (9101, 9102):
        signed = api.post("/auth-telegram", json={"initData": signed_init_data(telegram_id)}).json()["data"]
        fund(clean, signed["user"]["id"], "50.00")
        tokens.append(signed["session"]["token"])
    for token, quantity in ((tokens[0], 4), (tokens[1], 2)):
        bought = api.post(
            "/lottery-purchase",
            json={
                "lotteryId": lottery["id"],
                "quantity": quantity,
                "paymentMethod": "BALANCE",
                "session_token": token,
            },
            headers={"Idempotency-Key": f"e2e-{token[:8]}"},
        )
        assert bought.status_code == 200, bought.text
    assert bought.json()["data"]["is_sold_out"] is True
    assert bought.json()["data"]["remaining_balance"] == 40  # a JSON number

    deadline = time.monotonic() + DRAW_DELAY_SECONDS + 10
    while time.monotonic() < deadline:  # the schedule ticks; the draw waits for draw_time
        if lambdas.invoke("auto-lottery-draw", scheduled_event())["drawn"]:
            break
        time.sleep(0.5)
    status = clean.execute("select status from lotteries where id = %s", (lottery["id"],)).fetchone()
    assert status == ("COMPLETED",)

    document = verify_draw.fetch(f"{stack.api_url}/functions/v1/verify-draw", lottery["id"])
    public_key = api.get("/verify-draw", params={"lottery_id": lottery["id"]}).json()["data"][
        "operator_public_key"
    ]
    report = verify_draw.verify(document, pinned_key=public_key)
    assert report.ok, report.problems

    winners = 0
    for token in tokens:
        mine = api.get("/get-my-tickets", headers={"X-Session-Token": token}).json()["data"]
        won = [t for t in mine if t["is_winning"]]
        winners += len(won)
        if won:
            assert won[0]["ticket_number"] == report.winning_ticket_number
            prize = clean.execute(
                "select prize_value from prizes where ticket_id = %s", (won[0]["id"],)
            ).fetchone()
            assert prize == (Decimal("30.00"),)
            note = clean.execute(
                "select count(*) from notifications n join tickets t on t.user_id = n.user_id "
                "where t.id = %s and n.type = 'LOTTERY_WIN'",
                (won[0]["id"],),
            ).fetchone()
            assert note == (1,)
    assert winners == 1
