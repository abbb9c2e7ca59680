"""SQS publishing for the outbox pattern, shared by the commission and notification queues.

Delivery is guaranteed by an outbox table written in the transaction of the cause, not by this module: after
commit the Lambda publishes (`send`); a lost publish is repeated by the scheduled job (`republish`), which claims
outbox rows still unprocessed a while after their last publish. Consumers are idempotent, so duplicates are
harmless. Nothing here raises: failures are logged and the outbox repeats them. boto3 is imported on first use
(it is in the Lambda runtime, not in the layer, and costs ~185 ms of import).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from luckymart import db
from luckymart.log import correlation_id, logger

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient

SQS_BATCH_LIMIT = 10
MAX_DELAY_SECONDS = 900  # SQS DelaySeconds limit
# the publishing request's id on every message: the consumer logs under the same correlation id
CORRELATION_ATTRIBUTE = "correlation_id"
_client: SQSClient | None = None


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


def queue_url(env: str) -> str | None:
    url = os.environ.get(env)
    if not url:
        logger.error("queue is not configured", extra={"env": env})
    return url or None


def correlation_attribute(value: str | None) -> dict[str, Any]:
    """The `correlation_id` message attribute: `value`, else the running invocation's, else a fresh id."""
    value = value or correlation_id() or str(uuid.uuid4())
    return {CORRELATION_ATTRIBUTE: {"DataType": "String", "StringValue": value}}


def message_correlation_id(record: Any) -> str | None:
    """The correlation id a publisher attached to an SQS record (Lambda event shape), if any."""
    attribute = (record.get("messageAttributes") or {}).get(CORRELATION_ATTRIBUTE) or {}
    value = attribute.get("stringValue")
    return str(value) if value else None


def send(env: str, bodies: Sequence[str], delay_seconds: int = 0, correlation: str | None = None) -> int:
    """Sends the bodies in batches of 10 with the correlation id `correlation`, or the running request's (none
    when neither is set); returns how many SQS accepted. Never raises."""
    url = queue_url(env)
    if not url:
        return 0
    delay = max(0, min(int(delay_seconds), MAX_DELAY_SECONDS))
    attributes: dict[str, Any] = {}
    if correlation or correlation_id():
        attributes["MessageAttributes"] = correlation_attribute(correlation)
    sent = 0
    for start in range(0, len(bodies), SQS_BATCH_LIMIT):
        chunk = bodies[start : start + SQS_BATCH_LIMIT]
        entries: list[Any] = [
            {"Id": str(i), "MessageBody": body, "DelaySeconds": delay, **attributes}
            for i, body in enumerate(chunk)
        ]
        try:
            response = sqs_client().send_message_batch(QueueUrl=url, Entries=entries)
        except Exception:
            logger.exception("queue publish failed; the outbox will re-publish", extra={"env": env})
            continue
        sent += len(response.get("Successful", []))
        for failure in response.get("Failed", []):
            logger.error("queue publish rejected", extra={"env": env, "body": chunk[int(failure["Id"])]})
    return sent


def republish(env: str, claim_rpc: str, params: dict[str, Any], body: Callable[[str], str]) -> int:
    """Claims stale outbox rows with `claim_rpc` (it returns their ids and stamps them published) and sends one
    message per id. The messages carry the running invocation's correlation id (a scheduled run's is its own
    request id, luckymart.log.lambda_context) or, outside Lambda, a fresh one, logged here: the consumer's log
    lines for them lead back to this re-publish. Returns how many SQS accepted. Never raises."""
    if not queue_url(env):
        return 0
    try:
        ids: list[str] = db.rpc(claim_rpc, params)
    except Exception:
        logger.exception("could not claim stale outbox rows", extra={"rpc": claim_rpc})
        return 0
    if not ids:
        return 0
    correlation = correlation_id() or str(uuid.uuid4())
    sent = send(env, [body(str(i)) for i in ids], correlation=correlation)
    logger.info(
        "outbox re-published",
        extra={"rpc": claim_rpc, "claimed": len(ids), "sent": sent, "message_correlation_id": correlation},
    )
    return sent
