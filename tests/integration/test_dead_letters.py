"""Dead-letter queues (moto in process): admin-notifications lists and replays the notification DLQ as
admin-commissions does the commission one (luckymart.dead_letters), and a message keeps a correlation id through a
replay and a scheduled re-publish, so the consumer's log line can be traced back."""

from __future__ import annotations

import io
import json
from decimal import Decimal
from typing import Any

import psycopg
import pytest

from functions.auto_lottery_draw.handler import handler as scheduled_job
from infra.local.events import LocalContext, scheduled_event
from luckymart import notification_queue
from tests.integration.test_observability import log_lines, logs
from tests.support import admin_invoke, make_admin, sign_in
from tests.support_commissions import Queues, consume, create_lottery, order_message, paid_order, queues
from tests.support_telegram import PushQueue, push_queue

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean")]
__all__ = ["logs", "push_queue", "queues"]  # fixtures, imported for pytest


def correlated(correlation_id: str) -> dict[str, Any]:
    return {"correlation_id": {"DataType": "String", "StringValue": correlation_id}}


def received_correlation_ids(sqs: Any, url: str) -> dict[str, str | None]:
    """Body -> its correlation id attribute, for every message now in the queue."""
    response = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=["All"])
    return {
        m["Body"]: ((m.get("MessageAttributes") or {}).get("correlation_id") or {}).get("StringValue")
        for m in response.get("Messages", [])
    }


def test_admin_lists_and_replays_notification_dead_letters(
    clean: psycopg.Connection, push_queue: PushQueue
) -> None:
    operations = make_admin(clean, "OPERATIONS")
    finance = make_admin(clean, "FINANCE")
    notification = "00000000-0000-4000-8000-000000000001"
    first = push_queue.sqs.send_message(
        QueueUrl=push_queue.dlq_url,
        MessageBody=notification_queue.message_body(notification),
        MessageAttributes=correlated("purchase-request-1"),
    )["MessageId"]
    second = push_queue.sqs.send_message(QueueUrl=push_queue.dlq_url, MessageBody="garbage")["MessageId"]

    denied = admin_invoke("admin-notifications", "notifications.dlq_list", {}, token=finance)
    assert denied["statusCode"] == 403

    listed = admin_invoke("admin-notifications", "notifications.dlq_list", {"limit": 10}, token=operations)
    assert listed["statusCode"] == 200 and listed["data"]["total"] == 2
    by_id = {item["message_id"]: item for item in listed["data"]["items"]}
    assert by_id[first]["notification_id"] == notification and by_id[first]["receive_count"] >= 1
    assert by_id[second]["notification_id"] is None and by_id[second]["body"] == "garbage"

    assert (
        admin_invoke("admin-notifications", "notifications.dlq_replay", {}, token=operations)["statusCode"] == 400
    )
    missing = admin_invoke(
        "admin-notifications", "notifications.dlq_replay", {"message_id": "nope"}, token=operations
    )
    assert missing["statusCode"] == 404

    replayed = admin_invoke(
        "admin-notifications", "notifications.dlq_replay", {"message_id": first}, token=operations
    )
    assert replayed["data"] == {"replayed": 1, "message_ids": [first]}
    # the replay keeps the original correlation id
    assert received_correlation_ids(push_queue.sqs, push_queue.url) == {
        notification_queue.message_body(notification): "purchase-request-1"
    }

    rest = admin_invoke("admin-notifications", "notifications.dlq_replay", {"all": True}, token=operations)
    assert rest["data"] == {"replayed": 1, "message_ids": [second]}
    assert push_queue.receive(push_queue.dlq_url) == []
    fresh = received_correlation_ids(push_queue.sqs, push_queue.url)["garbage"]
    assert fresh  # published without one: the replay gives it a fresh id
    actions = clean.execute("select action, outcome from admin_logs order by id").fetchall()
    assert ("notifications.dlq_list", "DENIED") in actions
    assert actions.count(("notifications.dlq_replay", "SUCCESS")) == 3
    assert ("notifications.dlq_replay", "FAILED") in actions


def test_a_replayed_commission_keeps_its_correlation_id_to_the_consumer_log_line(
    clean: psycopg.Connection, queues: Queues, logs: io.StringIO
) -> None:
    referrer = sign_in()
    buyer = sign_in(start_param=f"ref_{referrer.user['referral_code']}")
    order_id, _ = paid_order(clean, buyer.user["id"], Decimal("10.00"), create_lottery(clean))
    queues.sqs.send_message(
        QueueUrl=queues.dlq_url, MessageBody=order_message(order_id), MessageAttributes=correlated("purchase-7")
    )
    finance = make_admin(clean, "FINANCE")
    assert (
        admin_invoke("admin-commissions", "commissions.dlq_replay", {"all": True}, token=finance)["data"][
            "replayed"
        ]
        == 1
    )

    messages = queues.receive()
    assert consume(queues.records(messages))["batchItemFailures"] == []
    (processed,) = [
        line for line in log_lines(logs.getvalue()) if line.get("message") == "commission message processed"
    ]
    assert processed["correlation_id"] == "purchase-7" and processed["order_id"] == order_id


def test_the_scheduled_republish_sets_the_runs_correlation_id_the_consumer_logs(
    clean: psycopg.Connection, queues: Queues, logs: io.StringIO
) -> None:
    referrer = sign_in()
    buyer = sign_in(start_param=f"ref_{referrer.user['referral_code']}")
    order_id, _ = paid_order(clean, buyer.user["id"], Decimal("10.00"), create_lottery(clean))
    clean.execute("update commission_outbox set created_at = now() - interval '2 minutes'")  # its publish was lost

    run = LocalContext("auto-lottery-draw")
    assert scheduled_job(scheduled_event(), run)["commissions_republished"] == 1
    (republished,) = [
        line
        for line in log_lines(logs.getvalue())
        if line.get("message") == "outbox re-published" and line.get("rpc") == "commission_outbox_claim_stale"
    ]
    fresh = republished["message_correlation_id"]
    assert fresh == run.aws_request_id  # the scheduled run's own id
    messages = queues.receive()
    assert [json.loads(m["Body"]) for m in messages] == [{"order_id": order_id}]
    assert messages[0]["MessageAttributes"]["correlation_id"]["StringValue"] == fresh

    assert consume(queues.records(messages))["batchItemFailures"] == []
    (processed,) = [
        line for line in log_lines(logs.getvalue()) if line.get("message") == "commission message processed"
    ]
    assert processed["correlation_id"] == fresh
