"""The commission queue: publishing paid orders to SQS for `process-commissions`.

Delivery is guaranteed by the outbox, not by this module: the purchase transaction writes a
`commission_outbox` row (private.enqueue_commission) together with the order. After commit the purchase
Lambda calls `publish_after_commit(order_id)`; if that send is lost (SQS error, timeout, crash), the
scheduled job's `republish_stale()` sends the row again once it is a minute old and still unprocessed.
Duplicates are harmless: the consumer pays each (order, level) once. The SQS plumbing is `luckymart.outbox`.

Message body: {"order_id": "<uuid>"}; message attribute `correlation_id` (luckymart.outbox): the publishing
request's id, so the consumer's log line for the order carries the same correlation id as the purchase's.
Env: COMMISSION_QUEUE_URL.
"""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID

from luckymart import db, outbox
from luckymart.log import logger
from luckymart.outbox import CORRELATION_ATTRIBUTE, message_correlation_id, reset, sqs_client

QUEUE_URL_ENV = "COMMISSION_QUEUE_URL"
STALE_AFTER_SECONDS = 60
__all__ = ["CORRELATION_ATTRIBUTE", "message_correlation_id", "reset", "sqs_client"]


class PoisonMessage(ValueError):
    """A message that can never be processed (not JSON, no valid order_id)."""


def message_body(order_id: UUID | str) -> str:
    return json.dumps({"order_id": str(UUID(str(order_id)))})


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
    sent = outbox.send(QUEUE_URL_ENV, [message_body(order_id)]) == 1
    if not sent:
        logger.error("commission publish failed; the outbox will re-publish", extra={"order_id": str(order_id)})
    return sent


def republish_stale(limit: int = 100) -> int:
    """Re-sends outbox rows still unprocessed STALE_AFTER_SECONDS after their last publish (called by the
    scheduled job every minute). Returns how many messages SQS accepted. Never raises."""
    with db.acting_as("system"):  # only the scheduled job re-publishes
        return outbox.republish(
            QUEUE_URL_ENV,
            "commission_outbox_claim_stale",
            {"p_limit": limit, "p_min_age_seconds": STALE_AFTER_SECONDS},
            message_body,
        )


def publish_released(order_ids: list[str]) -> int:
    """Sends the orders a draw made payable (after its commit). Never raises: rows not sent stay unprocessed
    in the outbox and the scheduled job re-publishes them. Returns how many messages SQS accepted."""
    if not order_ids:
        return 0
    return outbox.send(QUEUE_URL_ENV, [message_body(str(order_id)) for order_id in order_ids])
