"""process-commissions (SQS consumer): pays the referral commissions of each paid lottery order in the batch.

The whole batch is settled in ONE database round trip (`process_commissions(order ids)`), in which every order
is recorded in its own subtransaction; Powertools' BatchProcessor then reports the messages whose order failed
(or whose body is not {"order_id": "<uuid>"}) in `batchItemFailures`, so only those return to the queue and,
after 5 receives, go to the dead-letter queue. Redelivered and duplicate messages change nothing.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from luckymart import db
from luckymart.commission_queue import order_id_of
from luckymart.log import logger

MAX_ORDERS_PER_CALL = 100  # process_commissions' limit


class CommissionNotPaid(Exception):
    """The message's order could not be settled; the message goes back to the queue."""


def settle(records: list[dict[str, Any]]) -> dict[str, Any]:
    """Outcome per order id (as a string) for every well-formed message of the batch. Orders of a call that
    failed have no outcome (their messages are reported as failures)."""
    order_ids: list[str] = []
    for record in records:
        try:
            order_ids.append(str(order_id_of(str(record.get("body") or ""))))
        except ValueError:
            continue  # reported by the record handler
    outcomes: dict[str, Any] = {}
    # One call per batch as deployed (batch size 10); larger batches (a batching window) go in calls of 100.
    for start in range(0, len(order_ids), MAX_ORDERS_PER_CALL):
        chunk = order_ids[start : start + MAX_ORDERS_PER_CALL]
        try:
            outcomes.update(db.rpc("process_commissions", {"p_order_ids": chunk}))
        except Exception:
            logger.exception("commission batch failed", extra={"orders": len(chunk)})
    return outcomes


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    outcomes = settle(list(event.get("Records") or []))

    def check(record: SQSRecord) -> str:
        try:
            order_id = str(order_id_of(record.body))
        except ValueError as error:
            logger.error("malformed commission message", extra={"message_id": record.message_id})
            raise CommissionNotPaid(str(error)) from None
        outcome = outcomes.get(order_id)
        if outcome is None or outcome.get("outcome") == "failed":
            reason = (outcome or {}).get("error", "batch failed")
            logger.error("commission not paid", extra={"order_id": order_id, "error": reason})
            raise CommissionNotPaid(reason)
        return str(outcome["outcome"])

    # A processor per invocation: it holds the batch's state (the local poller and tests invoke concurrently).
    # One response shape whatever fails: a batch whose every message failed is reported like any other.
    processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
    return dict(process_partial_response(event=event, record_handler=check, processor=processor, context=context))
