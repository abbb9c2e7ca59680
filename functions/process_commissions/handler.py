"""process-commissions: the SQS consumer that pays referral commissions for paid orders.

One database round trip per batch: all valid order ids go to public.process_commissions, which pays each
order in its own subtransaction and reports per-order outcomes. Powertools' BatchProcessor then reports
the failed messages (poison bodies, unknown orders, database errors) in `batchItemFailures`, so only those
are redelivered; after 5 receives SQS moves them to the dead-letter queue (admin-commissions replays them).
Each message's log line carries the correlation id of the purchase that published it (message attribute).
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from luckymart import db, metrics, tracing
from luckymart.commission_queue import PoisonMessage, message_correlation_id, parse_message
from luckymart.draws import utc_now_iso
from luckymart.log import lambda_context, logger, set_correlation_id

FUNCTION = "process-commissions"


class CommissionFailed(Exception):
    """The database could not pay this order's commissions (reported for redelivery)."""


def pay_orders(order_ids: list[str]) -> dict[str, dict[str, Any]]:
    """Outcome per order id, from one rpc; an unreachable database fails every order."""
    if not order_ids:
        return {}
    try:
        with db.acting_as("system"):
            response = db.rpc("process_commissions", {"p_order_ids": order_ids})
    except Exception as error:
        logger.exception("commission batch failed")
        return {order_id: {"ok": False, "code": type(error).__name__} for order_id in order_ids}
    return {str(result["order_id"]): result for result in response["results"]}


def _handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    with metrics.invocation(FUNCTION):
        metrics.add("MessagesReceived", len(event.get("Records", [])))
        response = _process(event, context)
        metrics.add("MessagesFailed", len(response.get("batchItemFailures", [])))
        return response


def _process(event: dict[str, Any], context: Any) -> dict[str, Any]:
    order_ids: list[str] = []
    for record in event.get("Records", []):
        try:
            order_id = str(parse_message(record.get("body") or ""))
        except PoisonMessage:
            continue  # reported by the record handler below
        if order_id not in order_ids:  # a duplicate in the same batch shares the first one's outcome
            order_ids.append(order_id)
    outcomes = pay_orders(order_ids)
    metrics.commissions_processed(outcomes, utc_now_iso())

    def record_handler(record: SQSRecord) -> None:
        set_correlation_id(message_correlation_id(record.raw_event))
        try:
            order_id = str(parse_message(record.body))
        except PoisonMessage:
            logger.warning("poison commission message", extra={"message_id": record.message_id})
            raise
        outcome = outcomes[order_id]
        if not outcome.get("ok"):
            logger.warning(
                "commission message failed",
                extra={"message_id": record.message_id, "order_id": order_id, "code": outcome.get("code")},
            )
            raise CommissionFailed(str(outcome.get("code")))
        logger.info(
            "commission message processed",
            extra={"message_id": record.message_id, "order_id": order_id, "paid": len(outcome.get("paid") or ())},
        )

    # A processor per invocation: it holds the batch's state, and the local poller or a test may invoke the
    # handler from several threads. All-failed batches are reported like partial ones instead of raising, so
    # SQS counts receives the same way.
    processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
    response = process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
    return dict(response)


handler = tracing.instrument(lambda_context(_handler))
