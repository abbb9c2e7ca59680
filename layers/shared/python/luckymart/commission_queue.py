"""The commission queue: one SQS message {"order_id": "<uuid>"} per paid lottery order whose buyer has a referrer.

Delivery is guaranteed by the outbox, not by this module: the purchase transaction writes a `commission_outbox`
row (SQL `private.enqueue_commission(order_id)`, which returns true when there is somebody to pay), and after
the commit the purchase Lambda calls

    commission_queue.publish_after_commit(order_id)

which never raises: if SQS is unreachable the row is still there, and the scheduled job's

    commission_queue.republish_stale()

re-sends every row still unprocessed 60 s after the purchase. The consumer (process-commissions) marks the row
processed in the transaction that pays, and pays each (order, level) once, so a duplicate message is harmless.

boto3 ships with the Lambda runtime and costs ~185 ms of imports: it is imported on first use only.
Environment: COMMISSION_QUEUE_URL (required to publish), AWS_REGION (set by Lambda); AWS_ENDPOINT_URL_SQS
points at moto locally.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from uuid import UUID

from luckymart import db
from luckymart.log import logger

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient

QUEUE_URL_ENV = "COMMISSION_QUEUE_URL"
STALE_AFTER_SECONDS = 60
SQS_BATCH = 10  # SendMessageBatch's limit

_client: SQSClient | None = None


def sqs() -> SQSClient:
    global _client  # noqa: PLW0603 - one client per Lambda container
    if _client is None:
        import boto3

        _client = boto3.client("sqs", region_name=os.environ.get("AWS_REGION", "eu-central-1"))
    return _client


def reset() -> None:
    """Forget the client (tests switch endpoints and mocks)."""
    global _client  # noqa: PLW0603
    _client = None


def queue_url() -> str:
    url = os.environ.get(QUEUE_URL_ENV)
    if not url:
        raise RuntimeError(f"{QUEUE_URL_ENV} is not configured")
    return url


def message_body(order_id: UUID | str) -> str:
    return json.dumps({"order_id": str(UUID(str(order_id)))})


def order_id_of(body: str) -> UUID:
    """The order id of a message body; ValueError for anything that is not {"order_id": "<uuid>"}."""
    try:
        payload: Any = json.loads(body)
    except ValueError:
        raise ValueError("message body is not JSON") from None
    if not isinstance(payload, dict) or not isinstance(payload.get("order_id"), str):
        raise ValueError("message body has no order_id")
    return UUID(payload["order_id"])


def publish_after_commit(order_id: UUID | str) -> bool:
    """Sends the order's message once its transaction has committed. Failures are logged, never raised: the
    outbox row makes republish_stale() deliver it anyway. Returns whether SQS accepted the message."""
    try:
        sqs().send_message(QueueUrl=queue_url(), MessageBody=message_body(order_id))
    except Exception:
        logger.exception(
            "commission message not published; the outbox sweeper will resend it",
            extra={"order_id": str(order_id)},
        )
        return False
    return True


@dataclass(frozen=True)
class Republished:
    due: int
    published: int


def republish_stale(limit: int = 100) -> Republished:
    """Re-sends outbox rows still unprocessed STALE_AFTER_SECONDS after the purchase (at most `limit`), for the
    scheduled job. Rows it could not send are retried by the next run. Never raises, so the job's own work is
    not disturbed; failures are logged."""
    try:
        due = [
            str(order_id)
            for order_id in db.rpc(
                "commission_outbox_due", {"p_limit": limit, "p_min_age_seconds": STALE_AFTER_SECONDS}
            )
        ]
    except Exception:
        logger.exception("commission outbox sweep failed")
        return Republished(0, 0)
    sent = [order_id for chunk in _chunks(due, SQS_BATCH) for order_id in _send_batch(chunk)]
    if sent:
        try:
            db.rpc("commission_outbox_published", {"p_order_ids": sent})
        except Exception:  # the messages are out; the rows are merely re-sent once more later
            logger.exception("could not record republished commission messages")
    if due:
        logger.info("commission outbox swept", extra={"due": len(due), "published": len(sent)})
    return Republished(len(due), len(sent))


def _send_batch(order_ids: list[str]) -> list[str]:
    """Sends up to 10 messages in one call; returns the order ids SQS accepted."""
    entries = [{"Id": str(i), "MessageBody": message_body(order_id)} for i, order_id in enumerate(order_ids)]
    try:
        response = sqs().send_message_batch(QueueUrl=queue_url(), Entries=entries)  # type: ignore[arg-type]
    except Exception:
        logger.exception("commission messages not republished", extra={"count": len(order_ids)})
        return []
    failed = response.get("Failed") or []
    if failed:
        logger.error("SQS refused commission messages", extra={"codes": [f.get("Code") for f in failed]})
    return [order_ids[int(ok["Id"])] for ok in response.get("Successful") or []]


def _chunks(items: list[str], size: int) -> Iterable[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
