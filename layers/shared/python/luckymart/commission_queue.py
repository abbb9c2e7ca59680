"""The commission queue: publishing paid orders to SQS for `process-commissions`.

Delivery is guaranteed by the outbox, not by this module: the purchase transaction writes a
`commission_outbox` row (private.enqueue_commission) together with the order. After commit the purchase
Lambda calls `publish_after_commit(order_id)`; if that send is lost (SQS error, timeout, crash), the
scheduled job's `republish_stale()` sends the row again once it is a minute old and still unprocessed.
Duplicates are harmless: the consumer pays each (order, level) once.

Message body: {"order_id": "<uuid>"}; message attribute `correlation_id`: the purchase request's id, so the
consumer's log line for the order carries the same correlation id as the purchase's.
Env: COMMISSION_QUEUE_URL. boto3 is imported on first use (it is in the Lambda runtime, not in the layer, and
costs ~185 ms of import).
"""

from __future__ import annotations

import json
import os
from typing import TYPE_CHECKING, Any
from uuid import UUID

from luckymart import db
from luckymart.log import correlation_id, logger

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient

QUEUE_URL_ENV = "COMMISSION_QUEUE_URL"
CORRELATION_ATTRIBUTE = "correlation_id"
STALE_AFTER_SECONDS = 60
SQS_BATCH_LIMIT = 10
_client: SQSClient | None = None


class PoisonMessage(ValueError):
    """A message that can never be processed (not JSON, no valid order_id)."""


def sqs_client() -> SQSClient:
    """The container's SQS client (AWS_ENDPOINT_URL points it at moto locally)."""
    global _client  # noqa: PLW0603 - one client per Lambda container
    if _client is None:
        import boto3

        _client = boto3.client("sqs")
    return _client


def reset() -> None:
    """Forget the cached client (tests switch between SQS endpoints)."""
    global _client  # noqa: PLW0603
    _client = None


def message_body(order_id: UUID | str) -> str:
    return json.dumps({"order_id": str(UUID(str(order_id)))})


def message_correlation_id(record: Any) -> str | None:
    """The correlation id a publisher attached to an SQS record (Lambda event shape), if any."""
    attribute = (record.get("messageAttributes") or {}).get(CORRELATION_ATTRIBUTE) or {}
    value = attribute.get("stringValue")
    return str(value) if value else None


def parse_message(body: str) -> UUID:
    """The order id of a commission message; PoisonMessage when there is none."""
    try:
        payload: Any = json.loads(body)
        return UUID(str(payload["order_id"]))
    except (ValueError, TypeError, KeyError):
        raise PoisonMessage('message is not {"order_id": <uuid>}') from None


def publish_after_commit(order_id: UUID | str) -> bool:
    """Sends one message for a committed order. Never raises: a failure is logged and the outbox
    re-publish delivers the order later. Returns whether SQS accepted the message."""
    queue_url = os.environ.get(QUEUE_URL_ENV)
    if not queue_url:
        logger.error("commission queue is not configured", extra={"order_id": str(order_id)})
        return False
    attributes: dict[str, Any] = {}
    current = correlation_id()
    if current:
        attributes[CORRELATION_ATTRIBUTE] = {"DataType": "String", "StringValue": current}
    try:
        sqs_client().send_message(
            QueueUrl=queue_url, MessageBody=message_body(order_id), MessageAttributes=attributes
        )
    except Exception:
        logger.exception(
            "commission publish failed; the outbox will re-publish", extra={"order_id": str(order_id)}
        )
        return False
    return True


def republish_stale(limit: int = 100) -> int:
    """Re-sends outbox rows still unprocessed STALE_AFTER_SECONDS after their last publish (called by the
    scheduled job every minute). Returns how many messages SQS accepted. Never raises."""
    queue_url = os.environ.get(QUEUE_URL_ENV)
    if not queue_url:
        logger.error("commission queue is not configured; nothing re-published")
        return 0
    try:
        with db.acting_as("system"):  # only the scheduled job re-publishes
            order_ids: list[str] = db.rpc(
                "commission_outbox_claim_stale", {"p_limit": limit, "p_min_age_seconds": STALE_AFTER_SECONDS}
            )
    except Exception:
        logger.exception("could not claim stale commission outbox rows")
        return 0
    sent = _send_batches(queue_url, order_ids)
    if order_ids:
        logger.info("commission outbox re-published", extra={"claimed": len(order_ids), "sent": sent})
    return sent


def publish_released(order_ids: list[str]) -> int:
    """Sends the orders a draw made payable (after its commit). Never raises: rows not sent stay unprocessed
    in the outbox and the scheduled job re-publishes them. Returns how many messages SQS accepted."""
    queue_url = os.environ.get(QUEUE_URL_ENV)
    if not order_ids:
        return 0
    if not queue_url:
        logger.error("commission queue is not configured; released orders wait for the re-publish")
        return 0
    return _send_batches(queue_url, order_ids)


def _send_batches(queue_url: str, order_ids: list[str]) -> int:
    sent = 0
    for start in range(0, len(order_ids), SQS_BATCH_LIMIT):
        chunk = order_ids[start : start + SQS_BATCH_LIMIT]
        entries = [{"Id": str(i), "MessageBody": message_body(order_id)} for i, order_id in enumerate(chunk)]
        try:
            response = sqs_client().send_message_batch(QueueUrl=queue_url, Entries=entries)  # type: ignore[arg-type]
        except Exception:
            # the outbox rows stay unprocessed: the scheduled job sends them again
            logger.exception("commission publish failed", extra={"orders": len(chunk)})
            continue
        sent += len(response.get("Successful", []))
        for failure in response.get("Failed", []):
            logger.error("commission publish rejected", extra={"order_id": chunk[int(failure["Id"])]})
    return sent
