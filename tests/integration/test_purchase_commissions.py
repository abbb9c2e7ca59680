"""A real purchase pays referral commissions through the outbox and the queue (issues 4 + 5 wired together)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import psycopg
import pytest

from luckymart import commission_queue
from tests.support import invoke, sign_in
from tests.support_commissions import Queues, coin_balance, consume, queues
from tests.support_lottery import create_lottery, fund

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean")]
__all__ = ["queues"]  # the fixture, imported for pytest


def buy(buyer: Any, lottery_id: str, quantity: int) -> dict[str, Any]:
    result = invoke(
        "lottery-purchase",
        {"lottery_id": lottery_id, "quantity": quantity, "payment_method": "BALANCE"},
        token=buyer.token,
    )
    assert result.status == 200, result.body
    return dict(result.data)


def test_purchase_publishes_after_commit_and_consumer_pays_once(clean: psycopg.Connection, queues: Queues) -> None:
    referrer = sign_in()
    buyer = sign_in(start_param=f"ref_{referrer.user['referral_code']}")
    loner = sign_in()
    lottery = create_lottery(clean, ticket_price="10.00", total_tickets=100)
    for user in (buyer, loner):
        fund(clean, user.user["id"], "1000")

    data = buy(buyer, lottery["id"], 5)  # 50.00 → level 1 earns 3% = 1.50
    assert "commission_queued" not in data
    buy(loner, lottery["id"], 1)  # no referrer: no outbox row, no message
    assert clean.execute("select count(*) from commission_outbox").fetchone() == (1,)

    messages = queues.receive()
    assert [commission_queue.parse_message(m["Body"]) for m in messages] == [
        commission_queue.parse_message(commission_queue.message_body(data["order"]["id"]))
    ]
    for _ in range(2):  # delivered twice: paid once
        assert consume(queues.records(messages))["batchItemFailures"] == []
    assert coin_balance(clean, referrer.user["id"]) == Decimal("1.50")


def test_publish_failure_after_commit_is_recovered_by_the_scheduled_job(
    clean: psycopg.Connection, queues: Queues, monkeypatch: pytest.MonkeyPatch
) -> None:
    referrer = sign_in()
    buyer = sign_in(start_param=f"ref_{referrer.user['referral_code']}")
    lottery = create_lottery(clean, ticket_price="10.00", total_tickets=100)
    fund(clean, buyer.user["id"], "1000")

    real_url = queues.queue_url
    monkeypatch.setenv("COMMISSION_QUEUE_URL", real_url + "-missing")  # SQS refuses the send after commit
    order_id = buy(buyer, lottery["id"], 2)["order"]["id"]
    monkeypatch.setenv("COMMISSION_QUEUE_URL", real_url)
    assert queues.receive() == []

    clean.execute("update commission_outbox set created_at = now() - interval '2 minutes'")
    from functions.auto_lottery_draw.handler import handler as scheduled_job
    from infra.local.events import LocalContext, scheduled_event

    assert scheduled_job(scheduled_event(), LocalContext("auto-lottery-draw"))["commissions_republished"] == 1
    messages = queues.receive()
    assert len(messages) == 1 and str(commission_queue.parse_message(messages[0]["Body"])) == order_id
    consume(queues.records(messages))
    assert coin_balance(clean, referrer.user["id"]) == Decimal("0.60")
    assert scheduled_job(scheduled_event(), LocalContext("auto-lottery-draw"))["commissions_republished"] == 0
