"""auto-lottery-draw: invoked every minute by an EventBridge schedule (no URL, no token). Opens lotteries whose
start_time has come, cancels and refunds those still on sale past end_time, draws every SOLD_OUT lottery
whose draw_time has passed, re-publishes commission outbox rows still unprocessed after a minute and pushable
notifications whose publish was lost, and deletes one bounded batch of expired sessions, old idempotency keys,
processed outbox rows and old read notifications.
Overlapping invocations are safe: each claim is a conditional UPDATE (or `skip locked` for the outbox)."""

from __future__ import annotations

from typing import Any

from luckymart import commission_queue, db, draws, notification_queue
from luckymart.log import logger


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    with db.acting_as("system"):
        return _run()


def _run() -> dict[str, Any]:
    due = db.rpc("lottery_scheduler_due", {})
    cancelled = [str(i) for i in due["expired"] if db.rpc("lottery_expire", {"p_lottery_id": i}) is not None]
    drawn: list[str] = []
    failed: list[str] = []
    for lottery_id in due["due"]:
        try:
            claim = db.rpc("lottery_draw_claim", {"p_lottery_id": lottery_id})
            if claim is not None:  # another invocation got there first
                draws.complete(claim)
                drawn.append(str(lottery_id))
        except Exception:  # one broken lottery must not stop the others; it is re-claimed after 5 minutes
            logger.exception("draw failed", extra={"lottery_id": str(lottery_id)})
            failed.append(str(lottery_id))
    result = {
        "activated": due["activated"],
        "cancelled": cancelled,
        "drawn": drawn,
        "failed": failed,
        "commissions_republished": commission_queue.republish_stale(),
        "retention": _retention_sweep(),
        "notifications_republished": notification_queue.republish_stale(),
    }
    logger.info("scheduler run", extra=result)
    return result


def _retention_sweep() -> dict[str, int] | None:
    """One bounded batch per kind (system_config.retention); a failure waits for the next minute."""
    try:
        swept: dict[str, int] = db.rpc("retention_sweep", {})
    except Exception:
        logger.exception("retention sweep failed")
        return None
    return swept
