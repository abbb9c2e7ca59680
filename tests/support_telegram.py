"""Fixtures for the Telegram push tests: the fake Bot API server, the notification queue with its DLQ (moto in
process), notifications created the way the SQL functions create them (private.notify), and a driver that plays
the Lambda SQS event source (receive, invoke send-telegram-notifications, delete what succeeded)."""

from __future__ import annotations

import importlib
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import psycopg
import pytest
from moto import mock_aws

from infra.local import events
from infra.local.events import LocalContext
from infra.local.secrets import LOCAL_BOT_TOKEN
from infra.local.telegram_fake import FakeTelegram
from luckymart import notification_queue, outbox, telegram_bot

REGION = "eu-central-1"
MAX_RECEIVE_COUNT = 5
MINI_APP = "https://miniapp.example"


@pytest.fixture
def fake_telegram(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeTelegram]:
    server = FakeTelegram(LOCAL_BOT_TOKEN)
    server.serve_in_thread()
    monkeypatch.setenv("TELEGRAM_API_BASE_URL", server.base_url)
    monkeypatch.setenv("MINI_APP_URL", MINI_APP)
    telegram_bot.reset()
    try:
        yield server
    finally:
        server.stop()
        telegram_bot.reset()


@dataclass
class PushQueue:
    sqs: Any
    url: str
    dlq_url: str

    def receive(self, url: str | None = None, wait: int = 0) -> list[dict[str, Any]]:
        response = self.sqs.receive_message(
            QueueUrl=url or self.url,
            MaxNumberOfMessages=10,
            WaitTimeSeconds=wait,
            MessageSystemAttributeNames=["All"],
        )
        return list(response.get("Messages", []))

    def deliver(self, messages: list[dict[str, Any]]) -> dict[str, Any]:
        """One Lambda invocation for these messages; deletes the succeeded ones like the event source."""
        response = consume([record(m["Body"], m["MessageId"], m["ReceiptHandle"]) for m in messages])
        failed = {item["itemIdentifier"] for item in response["batchItemFailures"]}
        for message in messages:
            if message["MessageId"] not in failed:
                self.sqs.delete_message(QueueUrl=self.url, ReceiptHandle=message["ReceiptHandle"])
        return response

    def bodies(self) -> list[dict[str, Any]]:
        """Every message now visible, parsed (and made visible again)."""
        messages = self.receive()
        for m in messages:
            self.sqs.change_message_visibility(
                QueueUrl=self.url, ReceiptHandle=m["ReceiptHandle"], VisibilityTimeout=0
            )
        return [json.loads(m["Body"]) for m in messages]


@pytest.fixture
def push_queue(monkeypatch: pytest.MonkeyPatch) -> Iterator[PushQueue]:
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        sqs = boto3.client("sqs", region_name=REGION)
        dlq_url = sqs.create_queue(QueueName="notifications-dlq")["QueueUrl"]
        dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        redrive = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": MAX_RECEIVE_COUNT})
        url = sqs.create_queue(
            QueueName="notifications", Attributes={"RedrivePolicy": redrive, "VisibilityTimeout": "30"}
        )["QueueUrl"]
        monkeypatch.setenv(notification_queue.QUEUE_URL_ENV, url)
        monkeypatch.setenv("NOTIFICATION_DLQ_URL", dlq_url)  # admin-notifications notifications.dlq_*
        outbox.reset()
        yield PushQueue(sqs, url, dlq_url)
    outbox.reset()


def record(body: str, message_id: str | None = None, receipt_handle: str | None = None) -> dict[str, Any]:
    message_id = message_id or str(uuid.uuid4())
    return events.sqs_record(
        body,
        message_id,
        receipt_handle or f"rh-{message_id}",
        queue_arn=f"arn:aws:sqs:{REGION}:000000000000:notifications",
    )


def consume(records: list[dict[str, Any]], timeout_ms: int = 60000) -> dict[str, Any]:
    module = importlib.import_module("functions.send_telegram_notifications.handler")
    result: dict[str, Any] = module.handler(
        {"Records": records}, LocalContext(function_name="send-telegram-notifications", timeout_ms=timeout_ms)
    )
    return result


def message(notification_id: str) -> dict[str, Any]:
    return record(notification_queue.message_body(notification_id))


def notify(
    pg: psycopg.Connection,
    user_id: str,
    type_: str = "LOTTERY_WIN",
    data: dict[str, Any] | None = None,
    related_type: str | None = None,
) -> str:
    """A notification inserted as the SQL functions insert them (the push triggers run); returns its id."""
    row = pg.execute(
        "insert into notifications (user_id, type, title, content, data, related_type) "
        "values (%s, %s, 'title', 'content', %s::jsonb, %s) returning id",
        (user_id, type_, json.dumps(data or {}), related_type),
    ).fetchone()
    assert row is not None
    return str(row[0])


def push_state(pg: psycopg.Connection, notification_id: str) -> tuple[str, str | None]:
    row = pg.execute(
        "select push_status, push_error from notifications where id = %s", (notification_id,)
    ).fetchone()
    assert row is not None
    return str(row[0]), row[1]


def reset_limiter(pg: psycopg.Connection) -> None:
    pg.execute("update private.push_limiter set next_at = now()")


def drain_concurrently(queue: PushQueue, pg: psycopg.Connection, workers: int = 2, stall: float = 60) -> float:
    """Plays `workers` concurrent Lambda pollers until no notification is PENDING or SENDING, or none was sent for
    `stall` seconds (the shared 2-core machine can be very slow); returns seconds."""
    import threading
    import time

    started = time.monotonic()
    done = threading.Event()
    errors: list[BaseException] = []

    def poll() -> None:
        while not done.is_set():
            try:
                messages = queue.receive(wait=1)
                if messages:
                    queue.deliver(messages)
            except BaseException as error:  # surfaced by the caller
                errors.append(error)
                done.set()

    threads = [threading.Thread(target=poll, daemon=True) for _ in range(workers)]
    for thread in threads:
        thread.start()
    progress, last_change = None, time.monotonic()
    while time.monotonic() - last_change < stall and not done.is_set():
        row = pg.execute(
            "select count(*) from notifications where push_status in ('PENDING', 'SENDING')"
        ).fetchone()
        if row == (0,):
            break
        if row != progress:
            progress, last_change = row, time.monotonic()
        time.sleep(0.25)
    done.set()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return time.monotonic() - started


def burst_stats(calls: list[Any]) -> dict[str, float]:
    """From the fake server's timestamps: the most messages in any 1-second window, the smallest gap between two
    messages to one chat, and the overall rate."""
    times = sorted(c.at for c in calls)
    window = max((sum(1 for u in times[i:] if u - t < 1.0) for i, t in enumerate(times)), default=0)
    per_chat: dict[str, list[float]] = {}
    for call in calls:
        per_chat.setdefault(call.chat_id, []).append(call.at)
    gaps = [b - a for ts in per_chat.values() for a, b in zip(sorted(ts), sorted(ts)[1:], strict=False)]
    span = times[-1] - times[0] if len(times) > 1 else 0.0
    return {
        "max_per_second": float(window),
        "min_chat_gap": min(gaps, default=float("inf")),
        "messages_per_second": (len(times) - 1) / span if span else 0.0,
    }
