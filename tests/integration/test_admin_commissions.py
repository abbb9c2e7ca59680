"""admin-commissions: listing and replaying the commission dead-letter queue (moto SQS in-process), with the
admin token, the permission check and the audit row coming before SQS is touched."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import psycopg
import pytest

from infra.local.sqs import CommissionQueues, SqsPoller, sqs_client
from luckymart import commission_queue
from tests.support import admin_invoke, make_admin
from tests.support_commissions import lucky_coins, mocked_queues, paid_order, referral_chain

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean")]


@pytest.fixture
def queues() -> Any:
    with mocked_queues() as created:
        yield created


def dead_letter(queues: CommissionQueues, body: str) -> str:
    return sqs_client().send_message(QueueUrl=queues.dlq_url, MessageBody=body)["MessageId"]


def dlq(action: str, token: str | None, **params: Any) -> dict[str, Any]:
    return admin_invoke("admin-commissions", action, params, token=token)


def queue_bodies(url: str) -> list[str]:
    bodies: list[str] = []
    while batch := sqs_client().receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages"):
        bodies.extend(m["Body"] for m in batch)
    return bodies


def test_list_peeks_without_consuming(clean: psycopg.Connection, queues: CommissionQueues) -> None:
    admin = make_admin(clean, "FINANCE")
    orders = [str(uuid.uuid4()) for _ in range(3)]
    ids = [dead_letter(queues, commission_queue.message_body(o)) for o in orders]
    poison = dead_letter(queues, "not json")

    first = dlq("commissions.dlq_list", admin)
    assert first["statusCode"] == 200, first
    data = first["data"]
    assert (data["total"], data["unprocessed_outbox"]) == (4, 0)
    by_id = {item["message_id"]: item for item in data["items"]}
    assert set(by_id) == {*ids, poison}
    assert [by_id[i]["order_id"] for i in ids] == orders
    assert (by_id[poison]["order_id"], by_id[poison]["body"]) == (None, "not json")

    again = dlq("commissions.dlq_list", admin, limit=2)["data"]
    assert (len(again["items"]), again["total"]) == (2, 4)  # the first listing consumed nothing
    assert clean.execute(
        "select count(*) from admin_logs where action = 'commissions.dlq_list' and outcome = 'SUCCESS'"
    ).fetchone() == (2,)


def test_replay_one_message_then_the_consumer_pays(clean: psycopg.Connection, queues: CommissionQueues) -> None:
    admin = make_admin(clean, "FINANCE")
    _, referrer, buyer = referral_chain(3)
    order_id, _ = paid_order(clean, buyer, "100.00")
    target = dead_letter(queues, commission_queue.message_body(order_id))
    other = dead_letter(queues, commission_queue.message_body(uuid.uuid4()))

    replayed = dlq("commissions.dlq_replay", admin, message_id=target)
    assert replayed["statusCode"] == 200, replayed
    assert replayed["data"] == {"replayed": 1, "message_ids": [target]}
    assert dlq("commissions.dlq_list", admin)["data"]["items"][0]["message_id"] == other

    assert SqsPoller(sqs_client(), queues).poll_once(wait_seconds=0) == 1
    assert lucky_coins(clean, referrer) == Decimal("3.00")
    assert clean.execute(
        "select target_type, target_id from admin_logs where action = 'commissions.dlq_replay'"
    ).fetchall() == [("sqs_message", target)]

    missing = dlq("commissions.dlq_replay", admin, message_id=target)
    assert (missing["statusCode"], missing["error"]["code"]) == (404, "NOT_FOUND")
    assert dlq("commissions.dlq_list", admin)["data"]["total"] == 1  # the message it skipped is still there


def test_replay_all(clean: psycopg.Connection, queues: CommissionQueues) -> None:
    admin = make_admin(clean, "SUPER_ADMIN")
    bodies = [commission_queue.message_body(uuid.uuid4()) for _ in range(23)]
    for body in bodies:
        dead_letter(queues, body)
    result = dlq("commissions.dlq_replay", admin, all=True)
    assert result["statusCode"] == 200, result
    assert result["data"]["replayed"] == 23
    assert sorted(queue_bodies(queues.url)) == sorted(bodies)
    assert dlq("commissions.dlq_list", admin)["data"]["total"] == 0


def test_permissions_and_params_come_before_sqs(clean: psycopg.Connection, queues: CommissionQueues) -> None:
    dead_letter(queues, commission_queue.message_body(uuid.uuid4()))
    support = make_admin(clean, "SUPPORT")
    denied = dlq("commissions.dlq_replay", support, all=True)
    assert (denied["statusCode"], denied["error"]["code"]) == (403, "FORBIDDEN")
    assert dlq("commissions.dlq_list", None)["statusCode"] == 401
    assert dlq("commissions.dlq_list", "lma_wrong")["statusCode"] == 401

    finance = make_admin(clean, "FINANCE")
    for params in ({}, {"all": True, "message_id": "x"}, {"all": False}, {"message_id": ""}, {"limit": 5}):
        invalid = dlq("commissions.dlq_replay", finance, **params)
        assert (invalid["statusCode"], invalid["error"]["code"]) == (400, "VALIDATION_ERROR"), params
    assert dlq("commissions.dlq_list", finance, limit=0)["statusCode"] == 400
    assert queue_bodies(queues.url) == []
    assert dlq("commissions.dlq_list", finance)["data"]["total"] == 1  # nothing was moved or consumed
    assert clean.execute(
        "select outcome, error_code from admin_logs where admin_id is not null and outcome <> 'SUCCESS' "
        "order by id limit 1"
    ).fetchone() == ("DENIED", "FORBIDDEN")


def test_list_reports_outbox_rows_stuck_unprocessed(clean: psycopg.Connection, queues: CommissionQueues) -> None:
    admin = make_admin(clean, "FINANCE")
    _, buyer = referral_chain(2)
    order_id, _ = paid_order(clean, buyer, "10.00")
    assert dlq("commissions.dlq_list", admin)["data"]["unprocessed_outbox"] == 0  # recent: still in flight
    clean.execute(
        "update commission_outbox set created_at = now() - interval '11 minutes' where order_id = %s", (order_id,)
    )
    assert dlq("commissions.dlq_list", admin)["data"]["unprocessed_outbox"] == 1
