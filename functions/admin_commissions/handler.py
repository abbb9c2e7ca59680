"""admin-commissions: commissions as stored (commissions.list), a user's referral tree three levels deep with each
member's spend and the commission earned from them (referrals.tree), and the commission dead-letter queue
(messages that failed 5 receives).

commissions.dlq_list {limit?}: the messages, with their order id and receive count.
commissions.dlq_replay {message_id? | all?}: sends the message(s) back to the commission queue and deletes
them from the DLQ. Replaying is always safe: the consumer pays each (order, level) once.

The admin is authorised (and the action audited) in SQL before the queue is touched. Env: COMMISSION_DLQ_URL,
COMMISSION_QUEUE_URL.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from typing import Any, Literal
from uuid import UUID

from pydantic import AwareDatetime, Field, model_validator

from luckymart.admin import AdminCall, AdminFunction, AdminPage, AdminParams
from luckymart.commission_queue import QUEUE_URL_ENV, PoisonMessage, parse_message, sqs_client
from luckymart.errors import AppError

DLQ_URL_ENV = "COMMISSION_DLQ_URL"
MAX_SCANNED_BATCHES = 100  # 1,000 messages per replay call at most
SCAN_VISIBILITY_SECONDS = 30
BODY_PREVIEW_CHARS = 500

admin = AdminFunction("admin-commissions")


class CommissionList(AdminPage):
    user_id: UUID | None = Field(None, description="the earner")
    order_id: UUID | None = None
    status: Literal["PENDING", "PAID", "CANCELLED"] | None = None
    from_: AwareDatetime | None = Field(None, alias="from")
    to: AwareDatetime | None = None


class ReferralTree(AdminPage):
    user_id: UUID


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


def _queue_url(env: str) -> str:
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


def _describe(message: dict[str, Any]) -> dict[str, Any]:
    attributes = message.get("Attributes", {})
    try:
        order_id: str | None = str(parse_message(message["Body"]))
    except PoisonMessage:
        order_id = None
    sent_ms = attributes.get("SentTimestamp")
    return {
        "message_id": message["MessageId"],
        "order_id": order_id,
        "body": message["Body"][:BODY_PREVIEW_CHARS],
        "receive_count": int(attributes.get("ApproximateReceiveCount", 0)),
        "sent_at": datetime.fromtimestamp(int(sent_ms) / 1000, UTC).isoformat() if sent_ms else None,
    }


@admin.action("commissions.list", CommissionList)
def list_commissions(call: AdminCall[CommissionList]) -> Any:
    p = call.params
    return call.rpc(
        "admin_list_commissions",
        {
            "p_user_id": p.user_id,
            "p_order_id": p.order_id,
            "p_status": p.status,
            "p_from": p.from_,
            "p_to": p.to,
            **p.page_args(),
        },
    )


@admin.action("referrals.tree", ReferralTree, target="user")
def referral_tree(call: AdminCall[ReferralTree]) -> Any:
    return call.rpc("admin_referral_tree", {"p_user_id": call.params.user_id, **call.params.page_args()})


@admin.action("commissions.dlq_list", DlqList)
def dlq_list(call: AdminCall[DlqList]) -> Any:
    call.rpc("admin_commissions_authorize", {"p_action": call.action})
    dlq_url = _queue_url(DLQ_URL_ENV)
    seen: dict[str, dict[str, Any]] = {}
    scanned: list[dict[str, Any]] = []
    while len(seen) < call.params.limit:
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
    items = [_describe(m) for m in list(seen.values())[: call.params.limit]]
    return {"items": items, "total": int(attributes.get("ApproximateNumberOfMessages", len(items)))}


@admin.action("commissions.dlq_replay", DlqReplay, target="message")
def dlq_replay(call: AdminCall[DlqReplay]) -> Any:
    call.rpc("admin_commissions_authorize", {"p_action": call.action, "p_message_id": call.params.message_id})
    dlq_url = _queue_url(DLQ_URL_ENV)
    queue_url = _queue_url(QUEUE_URL_ENV)
    replayed: list[str] = []
    untouched: list[dict[str, Any]] = []
    for _ in range(MAX_SCANNED_BATCHES):
        batch = _receive(dlq_url)
        if not batch:
            break
        for message in batch:
            if call.params.replay_all or message["MessageId"] == call.params.message_id:
                # send first, then delete: a crash in between leaves a harmless duplicate, never a loss
                sqs_client().send_message(QueueUrl=queue_url, MessageBody=message["Body"])
                sqs_client().delete_message(QueueUrl=dlq_url, ReceiptHandle=message["ReceiptHandle"])
                replayed.append(message["MessageId"])
            else:
                untouched.append(message)
        if call.params.message_id is not None and replayed:
            break
    _release(dlq_url, untouched)
    if call.params.message_id is not None and not replayed:
        raise AppError("NOT_FOUND", "no such message in the dead-letter queue", 404)
    return {"replayed": len(replayed), "message_ids": replayed}


handler = admin.handler
