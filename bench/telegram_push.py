"""Telegram push throughput on a private stack: N broadcast-like notifications (one per chat) and a 5-per-chat
burst, published at once to an in-process moto queue and drained by two concurrent pollers through
send-telegram-notifications against the fake Bot API. Prints messages/s, the busiest 1-second window, the smallest
gap within a chat, and database round trips per SQS batch (counted at db.rpc)."""

from __future__ import annotations

import json
import threading
from collections import Counter

import boto3
import psycopg
import pytest
from moto import mock_aws

from infra.local.secrets import LOCAL_BOT_TOKEN
from infra.local.stack import private_stack
from infra.local.telegram_fake import FakeTelegram
from luckymart import db, notification_queue, outbox, telegram_bot
from tests.conftest import truncate_all
from tests.support import sign_in
from tests.support_telegram import REGION, PushQueue, burst_stats, drain_concurrently, reset_limiter

CHATS = 300


def run(pg: psycopg.Connection, queue: PushQueue, server: FakeTelegram, per_chat: int, chats: int) -> None:
    truncate_all(pg)
    reset_limiter(pg)
    server.clear()
    for _ in range(chats):
        sign_in()
    pg.execute(
        "insert into notifications (user_id, type, title) select u.id, 'LOTTERY_RESULT', 't' "
        "from generate_series(1, %s) g, users u",
        (per_chat,),
    )
    with db.acting_as("system"):  # as the draw that announces a fan-out
        notification_queue.publish_after_commit("*")
    calls: Counter[str] = Counter()
    lock = threading.Lock()
    real_rpc = db.rpc

    def counting_rpc(function: str, params: dict[str, object]) -> object:
        with lock:
            calls[function] += 1
        return real_rpc(function, params)

    db.rpc = counting_rpc
    try:
        seconds = drain_concurrently(queue, pg, workers=2)
    finally:
        db.rpc = real_rpc
    sent = server.sent()
    stats = burst_stats(sent)
    batches = calls["notification_push_claim"]
    print(
        f"{chats} chats x {per_chat}: {len(sent)} sent in {seconds:.1f} s, "
        f"{stats['messages_per_second']:.1f} msg/s, "
        f"busiest second {stats['max_per_second']:.0f}, smallest chat gap {stats['min_chat_gap']:.2f} s; "
        f"{batches} batches, round trips per batch {sum(calls.values()) / max(batches, 1):.2f} "
        f"({dict(calls)})"
    )


def main() -> None:
    with private_stack() as stack, psycopg.connect(stack.database_url, autocommit=True) as pg:
        server = FakeTelegram(LOCAL_BOT_TOKEN)
        server.serve_in_thread()
        with pytest.MonkeyPatch.context() as env, mock_aws():
            env.setenv("TELEGRAM_API_BASE_URL", server.base_url)
            env.setenv("MINI_APP_URL", "https://miniapp.example")
            env.setenv("AWS_DEFAULT_REGION", REGION)
            env.delenv("AWS_ENDPOINT_URL", raising=False)
            sqs = boto3.client("sqs", region_name=REGION)
            dlq = sqs.create_queue(QueueName="n-dlq")["QueueUrl"]
            arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
            url = sqs.create_queue(
                QueueName="n",
                Attributes={"RedrivePolicy": json.dumps({"deadLetterTargetArn": arn, "maxReceiveCount": 5})},
            )["QueueUrl"]
            env.setenv(notification_queue.QUEUE_URL_ENV, url)
            outbox.reset()
            telegram_bot.reset()
            queue = PushQueue(sqs, url, dlq)
            run(pg, queue, server, per_chat=1, chats=CHATS)
            run(pg, queue, server, per_chat=5, chats=CHATS // 5)
        server.stop()


if __name__ == "__main__":
    main()
