"""admin-commissions (IAM invoke only): the commission dead-letter queue.

- commissions.dlq_list {limit?}: peeks at up to `limit` dead letters (each is received with a short visibility
  timeout and released again at once, so nothing is consumed) plus the count of outbox rows still unprocessed.
- commissions.dlq_replay {message_id? | all?}: sends the dead letter(s) back to the commission queue and only
  then deletes them from the DLQ (a crash in between replays twice, which the consumer makes harmless).

Authorisation and the audit row come first, from `admin_commissions_dlq` in SQL; SQS is touched only after.
Environment: COMMISSION_DLQ_URL, COMMISSION_QUEUE_URL.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from pydantic import Field, model_validator

from luckymart import commission_queue
from luckymart.admin import AdminCall, AdminFunction, AdminParams
from luckymart.errors import AppError

if TYPE_CHECKING:
    from mypy_boto3_sqs.type_defs import MessageTypeDef

admin = AdminFunction("admin-commissions")

DLQ_URL_ENV = "COMMISSION_DLQ_URL"
PEEK_SECONDS = 30  # long enough to page through the DLQ once without seeing a message twice
SCAN_ROUNDS = 100  # receives of up to 10 messages per invocation: all=true replays <= 1,000; run it again for more
BODY_PREVIEW = 500


class DlqList(AdminParams):
    limit: int = Field(10, ge=1, le=100)


class DlqReplay(AdminParams):
    message_id: str | None = Field(None, min_length=1, max_length=128)
    all: bool = False

    @model_validator(mode="after")
    def one_target(self) -> DlqReplay:
        if (self.message_id is None) == (not self.all):
            raise ValueError("give either message_id or all=true")
        return self


def dlq_url() -> str:
    url = os.environ.get(DLQ_URL_ENV)
    if not url:
        raise RuntimeError(f"{DLQ_URL_ENV} is not configured")
    return url


def receive(max_messages: int, visibility: int) -> list[MessageTypeDef]:
    response = commission_queue.sqs().receive_message(
        QueueUrl=dlq_url(),
        MaxNumberOfMessages=max(1, min(10, max_messages)),
        VisibilityTimeout=visibility,
        WaitTimeSeconds=1,  # long polling asks every SQS server: short polls may miss messages
        AttributeNames=["All"],
    )
    return list(response.get("Messages") or [])


def release(receipt_handles: list[str]) -> None:
    """Makes peeked messages visible again."""
    for start in range(0, len(receipt_handles), 10):
        chunk = receipt_handles[start : start + 10]
        commission_queue.sqs().change_message_visibility_batch(
            QueueUrl=dlq_url(),
            Entries=[{"Id": str(i), "ReceiptHandle": h, "VisibilityTimeout": 0} for i, h in enumerate(chunk)],
        )


def describe(message: MessageTypeDef) -> dict[str, Any]:
    body = message.get("Body", "")
    try:
        order_id: str | None = str(commission_queue.order_id_of(body))
    except ValueError:
        order_id = None
    attributes = message.get("Attributes") or {}
    sent_ms = attributes.get("SentTimestamp")
    return {
        "message_id": message["MessageId"],
        "order_id": order_id,
        "body": body[:BODY_PREVIEW],
        "sent_at": datetime.fromtimestamp(int(sent_ms) / 1000, UTC).isoformat() if sent_ms else None,
        "dlq_receive_count": int(attributes.get("ApproximateReceiveCount", 0)),
    }


def dlq_size() -> int:
    attributes = commission_queue.sqs().get_queue_attributes(
        QueueUrl=dlq_url(),
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return int(attributes.get("ApproximateNumberOfMessages", 0)) + int(
        attributes.get("ApproximateNumberOfMessagesNotVisible", 0)
    )


@admin.action("commissions.dlq_list", DlqList)
def dlq_list(call: AdminCall[DlqList]) -> Any:
    state = call.rpc("admin_commissions_dlq", {"p_action": call.action})
    total = dlq_size()
    wanted = min(call.params.limit, total)  # stop without a final empty long poll
    seen: dict[str, MessageTypeDef] = {}
    try:
        while len(seen) < wanted:
            batch = receive(wanted - len(seen), PEEK_SECONDS)
            if not batch:
                break
            for message in batch:
                seen[message["MessageId"]] = message
    finally:
        release([m["ReceiptHandle"] for m in seen.values()])
    items = sorted((describe(m) for m in seen.values()), key=lambda item: item["sent_at"] or "")
    return {"items": items, "total": total, "unprocessed_outbox": state["unprocessed_outbox"]}


def move_to_queue(messages: list[MessageTypeDef]) -> tuple[list[str], list[str]]:
    """Sends dead letters back to the commission queue, then deletes from the DLQ those SQS accepted. Returns
    (ids moved, receipt handles of those it refused, to be released)."""
    if not messages:
        return [], []
    sent = commission_queue.sqs().send_message_batch(
        QueueUrl=commission_queue.queue_url(),
        Entries=[{"Id": str(i), "MessageBody": m.get("Body", "")} for i, m in enumerate(messages)],
    )
    accepted = {int(ok["Id"]) for ok in sent.get("Successful") or []}
    moved = [m for i, m in enumerate(messages) if i in accepted]
    if moved:
        commission_queue.sqs().delete_message_batch(
            QueueUrl=dlq_url(),
            Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(moved)],
        )
    refused = [m["ReceiptHandle"] for i, m in enumerate(messages) if i not in accepted]
    return [m["MessageId"] for m in moved], refused


@admin.action("commissions.dlq_replay", DlqReplay, target="message")
def dlq_replay(call: AdminCall[DlqReplay]) -> Any:
    target = call.params.message_id
    call.rpc("admin_commissions_dlq", {"p_action": call.action, "p_target_id": target})
    total = dlq_size()
    replayed: list[str] = []
    held: list[str] = []
    try:
        for _ in range(SCAN_ROUNDS):
            # "all" stops at the (approximate) size; a search goes on until SQS has nothing more to give
            if (target and replayed) or (target is None and len(replayed) >= total):
                break
            batch = receive(10, PEEK_SECONDS)
            if not batch:
                break
            chosen = [m for m in batch if target is None or m["MessageId"] == target]
            held.extend(m["ReceiptHandle"] for m in batch if m not in chosen)
            moved, refused = move_to_queue(chosen)
            replayed.extend(moved)
            held.extend(refused)
    finally:
        release(held)
    if target and not replayed:
        raise AppError("NOT_FOUND", "no such message in the commission dead-letter queue", 404)
    return {"replayed": len(replayed), "message_ids": replayed}


handler = admin.handler
