"""Fixtures and helpers for the commission tests: referral chains signed in through auth-telegram, PAID
lottery orders written with psycopg (the purchase function is another issue), SQS queues (moto) with a
dead-letter queue, and SQS event shapes for the consumer."""

from __future__ import annotations

import importlib
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import boto3
import psycopg
import pytest
from moto import mock_aws

from infra.local import events
from infra.local.events import LocalContext
from luckymart import commission_queue
from tests.support import SignedIn, sign_in

REGION = "eu-central-1"
MAX_RECEIVE_COUNT = 5


def referral_chain(length: int) -> list[SignedIn]:
    """`length` users where each invited the next: chain[0] is the root, chain[-1] the newest."""
    chain = [sign_in(username="chain0")]
    for i in range(1, length):
        chain.append(sign_in(start_param=f"ref_{chain[-1].user['referral_code']}", username=f"chain{i}"))
    return chain


def create_lottery(pg: psycopg.Connection, ticket_price: Decimal = Decimal("1.00"), *, drawn: bool = True) -> str:
    """A lottery to hang test orders on. Commissions are payable only once the lottery is drawn, so by default
    it is COMPLETED; `drawn=False` gives an ACTIVE one whose commissions stay PENDING."""
    row = pg.execute(
        "insert into lotteries (title, ticket_price, total_tickets, sold_tickets, status, winning_ticket_number, "
        "start_time, end_time) values ('Test phone', %s, 1000000, %s, %s, %s, now() - interval '1 hour', "
        "now() + interval '1 day') returning id",
        (ticket_price, 1000000 if drawn else 0, "COMPLETED" if drawn else "ACTIVE", 1000001 if drawn else None),
    ).fetchone()
    assert row is not None
    return str(row[0])


def paid_order(pg: psycopg.Connection, buyer_id: str, amount: Decimal, lottery_id: str) -> tuple[str, bool]:
    """A PAID lottery order and its outbox row in one transaction, as the purchase function will write them.
    Returns (order id, whether an outbox row was written)."""
    with pg.transaction():
        row = pg.execute(
            "insert into orders (user_id, order_number, type, total_amount, payment_method, lottery_id, "
            "quantity, status, paid_at) values (%s, %s, 'LOTTERY_PURCHASE', %s, 'BALANCE', %s, 1, 'PAID', now()) "
            "returning id, private.enqueue_commission(id)",
            (buyer_id, f"T{uuid.uuid4().hex[:16]}", amount, lottery_id),
        ).fetchone()
        assert row is not None
        # the buyer pays as the purchase does (test money in, the ticket debit out): the ledger and the
        # money-conservation invariant hold
        pg.execute(
            "select private.wallet_apply(w, o.total_amount, 'ADJUSTMENT', null, null, 'test funds'), "
            "private.wallet_apply(w, -o.total_amount, 'LOTTERY_PURCHASE', 'order', o.id, 'tickets', 0, o.id, "
            "o.lottery_id) from public.orders o, private.wallet_id(o.user_id, 'BALANCE') w where o.id = %s",
            (row[0],),
        )
    return str(row[0]), bool(row[1])


def coin_balance(pg: psycopg.Connection, user_id: str) -> Decimal:
    row = pg.execute(
        "select balance from wallets where user_id = %s and type = 'LUCKY_COIN'", (user_id,)
    ).fetchone()
    assert row is not None
    return Decimal(row[0])


def sqs_record(body: str, message_id: str | None = None, receipt_handle: str | None = None) -> dict[str, Any]:
    """One record of an SQS event as Lambda delivers it."""
    message_id = message_id or str(uuid.uuid4())
    return events.sqs_record(
        body,
        message_id,
        receipt_handle or f"rh-{message_id}",
        queue_arn=f"arn:aws:sqs:{REGION}:000000000000:commissions",
    )


def order_message(order_id: str) -> str:
    return json.dumps({"order_id": order_id})


def consume(records: list[dict[str, Any]]) -> dict[str, Any]:
    """Invokes process-commissions in-process with an SQS event; returns its partial-batch response."""
    module = importlib.import_module("functions.process_commissions.handler")
    result: dict[str, Any] = module.handler(
        {"Records": records}, LocalContext(function_name="process-commissions")
    )
    return result


def failed_ids(response: dict[str, Any]) -> set[str]:
    return {item["itemIdentifier"] for item in response["batchItemFailures"]}


@dataclass
class Queues:
    sqs: Any
    queue_url: str
    dlq_url: str

    def receive(self, url: str | None = None, wait: int = 0, visibility: int = 30) -> list[dict[str, Any]]:
        response = self.sqs.receive_message(
            QueueUrl=url or self.queue_url,
            MaxNumberOfMessages=10,
            WaitTimeSeconds=wait,
            VisibilityTimeout=visibility,
            MessageSystemAttributeNames=["All"],
            MessageAttributeNames=["All"],
        )
        return list(response.get("Messages", []))

    def records(self, messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [
            events.sqs_record(
                m["Body"],
                m["MessageId"],
                m["ReceiptHandle"],
                queue_arn=f"arn:aws:sqs:{REGION}:000000000000:commissions",
                message_attributes=m.get("MessageAttributes"),
            )
            for m in messages
        ]

    def delete_succeeded(self, messages: list[dict[str, Any]], response: dict[str, Any]) -> None:
        """What the Lambda SQS poller does after a partial batch response."""
        failed = failed_ids(response)
        for message in messages:
            if message["MessageId"] not in failed:
                self.sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"])


def create_queues(monkeypatch: pytest.MonkeyPatch) -> Queues:
    """The commission queue with its DLQ (redrive after 5 receives), wired into the env the functions read."""
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    sqs = boto3.client("sqs", region_name=REGION)
    dlq_url = sqs.create_queue(QueueName="commissions-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    redrive = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": MAX_RECEIVE_COUNT})
    queue_url = sqs.create_queue(QueueName="commissions", Attributes={"RedrivePolicy": redrive})["QueueUrl"]
    monkeypatch.setenv("COMMISSION_QUEUE_URL", queue_url)
    monkeypatch.setenv("COMMISSION_DLQ_URL", dlq_url)
    commission_queue.reset()
    return Queues(sqs, queue_url, dlq_url)


@pytest.fixture
def queues(monkeypatch: pytest.MonkeyPatch) -> Iterator[Queues]:
    """In-process moto SQS."""
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        yield create_queues(monkeypatch)
    commission_queue.reset()
