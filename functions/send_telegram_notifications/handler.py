"""send-telegram-notifications: the SQS consumer that pushes notifications to Telegram, each at most once.

Two database round trips per batch: public.notification_push_claim moves the batch's PENDING notifications to
SENDING and hands out rate-limit slots (bot-wide and per chat, shared by every concurrent consumer through two
locked rows), then one sendMessage per notification at its slot, then public.notification_push_record stores the
outcomes. A redelivered message finds its notification SENT (or SENDING) and sends nothing.

Per message (Powertools BatchProcessor, ReportBatchItemFailures):
- sent, unreachable (403 / chat not found: the chat is marked, later pushes are skipped), permanent failure,
  nothing to do: success, the message is deleted;
- 429 retry_after, a slot or commission window too far away, no time left in this invocation: the notification
  goes back to PENDING and a NEW message is sent with that delay, so waiting never counts towards the DLQ;
- network error before sending, Telegram 5xx, database down: reported failed, SQS redelivers it (5 receives,
  then the dead-letter queue and its alarm).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from luckymart import db, metrics, notification_queue, outbox, push_templates, telegram_bot, tracing
from luckymart.log import lambda_context, logger, set_correlation_id
from luckymart.notification_queue import PoisonMessage, parse_message

# keep enough of the invocation for one Bot API call and the record round trip
RESERVE_MS = int((telegram_bot.TIMEOUT_SECONDS + 5) * 1000)
# A send more than this late for its slot (a starved or slow container) gives the slot up instead of bunching up
# with later slots; system_config.telegram_push leaves this margin below Telegram's limits.
LATE_TOLERANCE_SECONDS = 0.3


class PushFailed(Exception):
    """This message must be redelivered (counts towards the dead-letter queue)."""


@dataclass
class Action:
    ok: bool  # the message is done (deleted)
    requeue_after: int | None = None  # done only once a delayed copy is on the queue


def _claim(ids: list[str]) -> dict[str, dict[str, Any]] | None:
    try:
        return {str(item["id"]): item for item in db.rpc("notification_push_claim", {"p_ids": ids})["items"]}
    except Exception:
        logger.exception("notification claim failed")
        return None


def _record(results: list[dict[str, Any]], flood_wait: int | None) -> None:
    for attempt in (1, 2):
        try:
            db.rpc("notification_push_record", {"p_results": results, "p_flood_wait_seconds": flood_wait})
            return
        except Exception:
            # unrecorded sends stay SENDING and end as UNCERTAIN when their lease runs out: never sent twice
            logger.exception("notification record failed", extra={"attempt": attempt, "results": len(results)})


def _send_all(sends: list[dict[str, Any]], started: float, claimed: float, context: Any) -> dict[str, Action]:
    """Slots are delays from the database's now() during the claim, which lies between `started` (just before the
    claim request) and `claimed` (its answer): sends wait from `started` (never early), lateness counts from
    `claimed` (a slow claim round trip is not the container's lateness)."""
    actions: dict[str, Action] = {}
    results: list[dict[str, Any]] = []
    flood_wait: int | None = None
    for item in sorted(sends, key=lambda i: int(i["delay_ms"])):
        base = {"id": item["id"], "merged_ids": item["merged_ids"]}
        wait = max(0.0, started + int(item["delay_ms"]) / 1000 - time.monotonic())
        if flood_wait is not None or context.get_remaining_time_in_millis() < wait * 1000 + RESERVE_MS:
            delay = flood_wait or 1
            results.append({**base, "outcome": "retry", "error": "NOT_ATTEMPTED"})
            actions[item["id"]] = Action(ok=True, requeue_after=delay)
            continue
        time.sleep(wait)
        if time.monotonic() - (claimed + int(item["delay_ms"]) / 1000) > LATE_TOLERANCE_SECONDS:
            results.append({**base, "outcome": "retry", "error": "LATE"})
            actions[item["id"]] = Action(ok=True, requeue_after=1)
            continue
        try:
            text, markup = push_templates.render(str(item["template"]), str(item["language"]), dict(item["data"]))
        except KeyError:
            logger.error("no push template", extra={"template": item.get("template")})
            results.append({**base, "outcome": "failed", "error": "NO_TEMPLATE"})
            actions[item["id"]] = Action(ok=True)
            continue
        result = telegram_bot.send_message(str(item["chat_id"]), text, markup)
        results.append(
            {
                **base,
                "outcome": result.outcome,
                "message_id": result.message_id,
                "error": result.error,
            }
        )
        if result.outcome == "retry" and result.retry_after:
            flood_wait = result.retry_after  # Telegram's flood wait: nothing more from this batch now
            actions[item["id"]] = Action(ok=True, requeue_after=result.retry_after)
        else:
            actions[item["id"]] = Action(ok=result.outcome != "retry")
        if result.outcome != "sent":
            logger.warning(
                "push not delivered",
                extra={"notification_id": item["id"], "outcome": result.outcome, "error": result.error},
            )
    if results:
        _record(results, flood_wait)
    return actions


def _handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    # the function's Errors/Duration alarms are generated; here: its invocation metrics and log context
    with metrics.invocation("send-telegram-notifications"), db.acting_as("system"):
        response = _handle(event, context)
        metrics.add("MessagesReceived", len(event.get("Records", [])))
        metrics.add("MessagesFailed", len(response.get("batchItemFailures", [])))
        return response


def _handle(event: dict[str, Any], context: Any) -> dict[str, Any]:
    ids: list[str] = []
    for record in event.get("Records", []):
        try:
            notification_id = str(parse_message(record.get("body") or ""))
        except PoisonMessage:
            continue  # reported by the record handler below
        if notification_id not in ids:  # a duplicate in the same batch shares the first one's outcome
            ids.append(notification_id)
    started = time.monotonic()
    claimed = _claim(ids) if ids else {}
    claimed_at = time.monotonic()
    actions: dict[str, Action] = {}
    if claimed is not None:
        sends = [i for i in claimed.values() if i["outcome"] == "send"]
        actions = _send_all(sends, started, claimed_at, context)
        for notification_id, item in claimed.items():
            if item["outcome"] == "skip":
                actions[notification_id] = Action(ok=True)
            elif item["outcome"] == "defer":
                actions[notification_id] = Action(ok=True, requeue_after=int(item["delay_seconds"]))
    requeued: dict[str, bool] = {}

    def record_handler(record: SQSRecord) -> None:
        # the publisher's correlation id (or the re-publish's / replay's): on this record's log lines and requeue
        set_correlation_id(outbox.message_correlation_id(record.raw_event))
        try:
            notification_id = str(parse_message(record.body))
        except PoisonMessage:
            logger.warning("poison notification message", extra={"message_id": record.message_id})
            raise
        action = actions.get(notification_id)
        if action is None:  # database down, or an unknown id (the notification does not exist)
            raise PushFailed("not processed")
        if action.requeue_after is not None:
            if notification_id not in requeued:
                requeued[notification_id] = notification_queue.requeue(notification_id, action.requeue_after)
            if not requeued[notification_id]:
                raise PushFailed("could not re-enqueue")
        elif not action.ok:
            raise PushFailed("transient failure")

    processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
    return dict(
        process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
    )


handler = tracing.instrument(lambda_context(_handler))
