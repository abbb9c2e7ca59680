"""auto-lottery-draw: invoked every minute by an EventBridge schedule (no URL, no token). Opens lotteries whose
start_time has come, cancels and refunds those still on sale past end_time, draws every SOLD_OUT lottery
whose draw_time has passed, re-publishes commission outbox rows still unprocessed after a minute and pushable
notifications whose publish was lost, and deletes one bounded batch of expired sessions, old idempotency keys,
processed outbox rows and old read notifications. It also re-tags the payment proofs of filed deposits that are
still queued (luckymart/uploads.py: a tag step that failed after the deposit committed is retried here).
Overlapping invocations are safe: each claim is a conditional UPDATE (or `skip locked` for the outbox).

It signs the statement of each lottery migrated from the previous system that has none yet (luckymart/draws.py):
the verifiers accept "drawn by the previous system" only from it.

Every run ends with `ops_scheduler_tick`: it records the run (`luckymart-admin health` shows it) and returns the
ages the alarms watch, emitted as metrics: SchedulerRuns (missing for 3 minutes = the schedule stopped),
OverdueDrawAge and OutboxOldestAge (seconds)."""

from __future__ import annotations

from typing import Any

from luckymart import commission_queue, db, draws, metrics, notification_queue, tracing, uploads
from luckymart.log import lambda_context, logger

FUNCTION = "auto-lottery-draw"


def _handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    with metrics.invocation(FUNCTION), db.acting_as("system"):
        return _run()


def _run() -> dict[str, Any]:
    due = db.rpc("lottery_scheduler_due", {})
    cancelled: list[str] = []
    for lottery_id in due["expired"]:
        refund = db.rpc("lottery_expire", {"p_lottery_id": lottery_id})
        if refund is not None:
            cancelled.append(str(lottery_id))
            metrics.lottery_cancelled(refund, "EXPIRED")
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
            metrics.add("DrawFailures", 1)
    result: dict[str, Any] = {
        "activated": due["activated"],
        "cancelled": cancelled,
        "drawn": drawn,
        "failed": failed,
        "commissions_republished": commission_queue.republish_stale(),
        "retention": _retention_sweep(),
        "notifications_republished": notification_queue.republish_stale(),
        "proofs": _proof_tagging(),
    }
    result["legacy_statements"] = _legacy_statements()
    backlog = db.rpc(
        "ops_scheduler_tick",
        {
            "p_activated": due["activated"],
            "p_cancelled": len(cancelled),
            "p_drawn": len(drawn),
            "p_failed": len(failed),
            "p_republished": result["commissions_republished"],
        },
    )
    metrics.add("SchedulerRuns", 1)
    metrics.add("OverdueDraws", backlog["overdue_draws"])
    metrics.add("OverdueDrawAge", backlog["oldest_overdue_draw_seconds"], metrics.Seconds)
    metrics.add("OutboxBacklog", backlog["outbox_backlog"])
    metrics.add("OutboxOldestAge", backlog["outbox_oldest_seconds"], metrics.Seconds)
    metrics.add("CommissionsRepublished", result["commissions_republished"])
    result["backlog"] = backlog
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


def _proof_tagging() -> dict[str, int] | None:
    """Re-tags one batch of queued payment proofs; what fails stays queued (with a growing delay)."""
    try:
        due: list[dict[str, Any]] = db.rpc("proof_tagging_due", {"p_limit": 100})
        done, retry = uploads.tag_queued(due)
        if done:
            db.rpc("proof_tagging_done", {"p_deposit_ids": done})
    except Exception:
        logger.exception("proof tagging sweep failed")
        return None
    return {"tagged": len(done), "retrying": len(retry)}


def _legacy_statements() -> int | None:
    """Signs one batch of statements of lotteries migrated from the previous system (usually none are left)."""
    try:
        return draws.sign_legacy_statements()
    except Exception:
        logger.exception("legacy statement signing failed")
        return None


handler = tracing.instrument(lambda_context(_handler))
