"""The consumers' dead-letter queues (messages that failed 5 receives), for the admin functions: list them and
replay them into their queue. Shared by `admin-commissions` (commissions.dlq_*) and `admin-notifications`
(notifications.dlq_*); each function authorises and audits the action in SQL before calling these.

Replaying is always safe: both consumers are idempotent. A replayed message keeps its message attributes, so the
consumer's log line carries the correlation id of the request that first published it.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from pydantic import Field, model_validator

from luckymart import outbox
from luckymart.admin import AdminParams
from luckymart.errors import AppError
from luckymart.outbox import CORRELATION_ATTRIBUTE, sqs_client

MAX_SCANNED_BATCHES = 100  # 1,000 messages per replay call at most
SCAN_VISIBILITY_SECONDS = 30
BODY_PREVIEW_CHARS = 500


class DlqList(AdminParams):
    limit: int = Field(20, ge=1, le=100)


class DlqReplay(AdminParams):
    message_id: str | None = Field(None, min_length=1, max_length=128)
    replay_all: bool = Field(False, alias="all")

    @model_validator(mode="after")
    def one_target(self) -> DlqReplay:
        if (self.message_id is None) == (not self.replay_all):
            raise ValueError("give either message_id or all=true")
        return self


def queue_url(env: str) -> str:
    url = os.environ.get(env)
    if not url:
        raise AppError("INTERNAL", f"{env} is not configured", 500)
    return url


def _receive(dlq_url: str) -> list[dict[str, Any]]:
    response = sqs_client().receive_message(
        QueueUrl=dlq_url,
        MaxNumberOfMessages=10,
        VisibilityTimeout=SCAN_VISIBILITY_SECONDS,  # distinct messages on each receive of the scan
        WaitTimeSeconds=0,
        MessageSystemAttributeNames=["All"],
        MessageAttributeNames=["All"],
    )
    return [dict(message) for message in response.get("Messages", [])]


def _release(dlq_url: str, messages: list[dict[str, Any]]) -> None:
    """Makes scanned but untouched messages visible again at once."""
    for start in range(0, len(messages), 10):
        entries = [
            {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"], "VisibilityTimeout": 0}
            for i, m in enumerate(messages[start : start + 10])
        ]
        sqs_client().change_message_visibility_batch(QueueUrl=dlq_url, Entries=entries)  # type: ignore[arg-type]


def _attributes(message: dict[str, Any]) -> dict[str, Any]:
    """The message attributes as SendMessage takes them (the received shape also lists empty list values). A
    message published without a correlation id gets a fresh one, so its consumer log line can be found."""
    attributes = {
        name: {key: value for key, value in attribute.items() if key in ("DataType", "StringValue", "BinaryValue")}
        for name, attribute in (message.get("MessageAttributes") or {}).items()
    }
    attributes.setdefault(CORRELATION_ATTRIBUTE, outbox.correlation_attribute(None)[CORRELATION_ATTRIBUTE])
    return attributes


def describe(message: dict[str, Any], id_field: str, parse: Callable[[str], object]) -> dict[str, Any]:
    attributes = message.get("Attributes", {})
    try:
        target: str | None = str(parse(message["Body"]))
    except ValueError:  # the queue's PoisonMessage
        target = None
    sent_ms = attributes.get("SentTimestamp")
    return {
        "message_id": message["MessageId"],
        id_field: target,
        "body": message["Body"][:BODY_PREVIEW_CHARS],
        "receive_count": int(attributes.get("ApproximateReceiveCount", 0)),
        "sent_at": datetime.fromtimestamp(int(sent_ms) / 1000, UTC).isoformat() if sent_ms else None,
    }


def list_messages(dlq_env: str, limit: int, id_field: str, parse: Callable[[str], object]) -> dict[str, Any]:
    """Up to `limit` messages (each with the id its body names, `id_field`, or null for a poison body) and the
    queue's approximate depth. The scan leaves every message in the queue, visible again at once."""
    dlq_url = queue_url(dlq_env)
    seen: dict[str, dict[str, Any]] = {}
    scanned: list[dict[str, Any]] = []
    while len(seen) < limit:
        batch = [m for m in _receive(dlq_url) if m["MessageId"] not in seen]
        if not batch:
            break
        scanned.extend(batch)
        for message in batch:
            seen[message["MessageId"]] = message
    _release(dlq_url, scanned)
    attributes = sqs_client().get_queue_attributes(
        QueueUrl=dlq_url, AttributeNames=["ApproximateNumberOfMessages"]
    )["Attributes"]
    items = [describe(m, id_field, parse) for m in list(seen.values())[:limit]]
    return {"items": items, "total": int(attributes.get("ApproximateNumberOfMessages", len(items)))}


def replay(dlq_env: str, queue_env: str, params: DlqReplay) -> dict[str, Any]:
    """Sends one message (params.message_id; 404 when it is not there) or all of them back to the queue, with
    their attributes, and deletes them from the dead-letter queue."""
    dlq_url = queue_url(dlq_env)
    target_url = queue_url(queue_env)
    replayed: list[str] = []
    untouched: list[dict[str, Any]] = []
    for _ in range(MAX_SCANNED_BATCHES):
        batch = _receive(dlq_url)
        if not batch:
            break
        for message in batch:
            if params.replay_all or message["MessageId"] == params.message_id:
                # send first, then delete: a crash in between leaves a harmless duplicate, never a loss
                sqs_client().send_message(
                    QueueUrl=target_url, MessageBody=message["Body"], MessageAttributes=_attributes(message)
                )
                sqs_client().delete_message(QueueUrl=dlq_url, ReceiptHandle=message["ReceiptHandle"])
                replayed.append(message["MessageId"])
            else:
                untouched.append(message)
        if params.message_id is not None and replayed:
            break
    _release(dlq_url, untouched)
    if params.message_id is not None and not replayed:
        raise AppError("NOT_FOUND", "no such message in the dead-letter queue", 404)
    return {"replayed": len(replayed), "message_ids": replayed}
