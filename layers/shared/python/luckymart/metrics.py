"""Operational and business metrics as CloudWatch embedded metric format (Powertools Metrics), one place for all.

Every invocation (user endpoint, admin action, scheduled run, queue batch) gets a `Recorder` through
`invocation(function)`; it collects metrics per dimension set and prints one EMF line per set when the invocation
ends. CloudWatch turns the log lines into metrics in the namespace `LuckyMart/<stage>`. Dimensions are always
low-cardinality: `service`, `function`, and at most one of `code` (error code), `currency` (wallet type or ISO
currency), `reason` (refusal or cancellation reason).

Business events come from what the single rpc already returned (`record_result`), so metrics cost no round trip.
An idempotent replay (the stored answer of an earlier request) counts `IdempotentReplays` and no business event.
The table `BUSINESS` maps "<function>" or "<function>:<admin action>" to the extractor of its events.

Powertools' `EphemeralMetrics` keeps its metrics on the instance (the `Metrics` class shares them between all
instances of the process), so the local gateway's threads never mix one request's metrics into another's.
"""

from __future__ import annotations

import contextvars
import os
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from decimal import Decimal
from typing import Any

from aws_lambda_powertools.metrics import EphemeralMetrics, MetricUnit

from luckymart.config import settings

SERVICE = "luckymart"
Count, Seconds = MetricUnit.Count, MetricUnit.Seconds
CENTS = Decimal(100)
Dimensions = tuple[tuple[str, str], ...]

_current: contextvars.ContextVar[Recorder | None] = contextvars.ContextVar("luckymart_metrics", default=None)
_warm: set[str] = set()
_warm_lock = threading.Lock()


def namespace() -> str:
    return os.environ.get("POWERTOOLS_METRICS_NAMESPACE") or f"LuckyMart/{settings().stage}"


class Recorder:
    """The metrics of one invocation of one function, grouped by dimension set."""

    def __init__(self, function: str) -> None:
        self.function = function
        self.replayed = False  # an idempotent replay: its business events were counted the first time
        self._sets: dict[Dimensions, EphemeralMetrics] = {}

    def add(self, name: str, value: float | int, unit: MetricUnit = Count, **dimensions: str) -> None:
        key = tuple(sorted(dimensions.items()))
        metrics = self._sets.get(key)
        if metrics is None:
            metrics = EphemeralMetrics(namespace=namespace(), service=SERVICE)
            metrics.add_dimension(name="function", value=self.function)
            for dim, dim_value in key:
                metrics.add_dimension(name=dim, value=dim_value)
            self._sets[key] = metrics
        metrics.add_metric(name=name, unit=unit, value=value)

    def flush(self) -> None:
        for metrics in self._sets.values():
            metrics.flush_metrics()
        self._sets.clear()


@contextmanager
def invocation(function: str) -> Iterator[Recorder]:
    """Collects what the invocation records (also from code it calls: `add`) and prints it at the end, whatever
    happens. The first invocation of a function in this process also counts a ColdStart."""
    recorder = Recorder(function)
    token = _current.set(recorder)
    try:
        with _warm_lock:
            cold = function not in _warm
            _warm.add(function)
        if cold:
            recorder.add("ColdStart", 1)
        yield recorder
    finally:
        _current.reset(token)
        recorder.flush()


def add(name: str, value: float | int, unit: MetricUnit = Count, **dimensions: str) -> None:
    """Adds to the current invocation's metrics (outside one, e.g. a script: printed at once)."""
    recorder = _current.get()
    if recorder is not None:
        recorder.add(name, value, unit, **dimensions)
        return
    alone = Recorder(SERVICE)
    alone.add(name, value, unit, **dimensions)
    alone.flush()


def add_money(name: str, amount: Any, **dimensions: str) -> None:
    """A money amount as `<name>Cents`: whole minor units (dirams, cents), exact, never a float."""
    add(f"{name}Cents", int(Decimal(str(amount or 0)) * CENTS), Count, **dimensions)


def record_request(status: int, code: str | None) -> None:
    """An HTTP or admin response: Requests, and for failures Errors (by code) and ServerErrors (5xx)."""
    add("Requests", 1)
    if status >= 400:
        add("Errors", 1, code=code or str(status))
        if status >= 500:
            add("ServerErrors", 1)
    else:
        add("Successes", 1)


def record_refusal(function: str, code: str) -> None:
    if function == "lottery-purchase" and code in PURCHASE_REFUSALS:
        add("PurchasesRefused", 1, reason=code)


def replayed() -> None:
    """The current invocation answers an idempotent replay: counted as IdempotentReplays, and record_result then
    emits none of its business events (a replayed purchase sold no tickets)."""
    recorder = _current.get()
    if recorder is not None:
        recorder.replayed = True
    add("IdempotentReplays", 1)


def record_result(key: str, result: Any) -> None:
    """The business events of one successful call, from the rpc's own result (no extra round trip)."""
    recorder = _current.get()
    if recorder is not None and recorder.replayed:
        return
    extractor = BUSINESS.get(key)
    if extractor is not None and isinstance(result, Mapping):
        extractor(result)


def seconds_between(start: Any, end: Any) -> float:
    """Seconds from one ISO timestamp (as PostgREST returns them) to another, never negative."""
    begin, finish = (datetime.fromisoformat(str(v).replace("Z", "+00:00")) for v in (start, end))
    return max(0.0, (finish - begin).total_seconds())


# ---------------------------------------------------------------- business events per function / action
PURCHASE_REFUSALS = {"SOLD_OUT", "INSUFFICIENT_BALANCE", "LIMIT_EXCEEDED"}


def _purchase(result: Mapping[str, Any]) -> None:
    currency = str(result.get("wallet_type") or "UNKNOWN")
    order = result.get("order") or {}
    add("TicketsSold", len(result.get("ticket_numbers") or ()), currency=currency)
    add_money("GMV", order.get("total_amount"), currency=currency)
    if result.get("is_sold_out"):
        add("LotteriesSoldOut", 1)


def _money_event(event: str) -> Callable[[Mapping[str, Any]], None]:
    def record(result: Mapping[str, Any]) -> None:
        currency = str(result.get("currency") or "UNKNOWN")
        add(event, 1, currency=currency)
        add_money(f"{event}Amount", result.get("amount"), currency=currency)

    return record


def _sign_in(result: Mapping[str, Any]) -> None:
    add("SignIns", 1)
    if result.get("is_new_user"):
        add("NewUsers", 1)


def lottery_cancelled(result: Mapping[str, Any], reason: str) -> None:
    add("LotteriesCancelled", 1, reason=reason)
    add("OrdersRefunded", int(result.get("refunded_orders") or 0), reason=reason)


def draw_completed(claim: Mapping[str, Any], completed: Mapping[str, Any]) -> None:
    """DrawsCompleted, and DrawDelay: seconds from the lottery's draw_time to the completed draw."""
    add("DrawsCompleted", 1)
    if claim.get("draw_time") and completed.get("drawn_at"):
        add("DrawDelay", seconds_between(claim["draw_time"], completed["drawn_at"]), Seconds)


def commissions_processed(outcomes: Mapping[str, Mapping[str, Any]], now_iso: str) -> None:
    """CommissionsPaid, CommissionAmountCents, CommissionLag (order created -> paid), CommissionFailures, and the
    counts of commissions recorded PENDING (until the draw) or CANCELLED (refund) when the result has them."""
    for outcome in outcomes.values():
        if not outcome.get("ok"):
            add("CommissionFailures", 1, code=str(outcome.get("code") or "UNKNOWN"))
            continue
        for state in ("pending", "cancelled"):  # commissions held until the draw / dropped on a refund
            if isinstance(outcome.get(state), int) and outcome[state] > 0:
                add(f"Commissions{state.capitalize()}", outcome[state])
        paid = outcome.get("paid") or []
        if not paid:
            continue
        add("CommissionsPaid", len(paid))
        add_money("CommissionAmount", sum(Decimal(str(p.get("amount") or 0)) for p in paid))
        if outcome.get("ordered_at"):
            add("CommissionLag", seconds_between(outcome["ordered_at"], now_iso), Seconds)


BUSINESS: dict[str, Callable[[Mapping[str, Any]], None]] = {
    "lottery-purchase": _purchase,
    "auth-telegram": _sign_in,
    "deposit-request": _money_event("DepositsRequested"),
    "withdrawal-request": _money_event("WithdrawalsRequested"),
    "admin-finance:deposits.approve": _money_event("DepositsApproved"),
    "admin-finance:deposits.reject": _money_event("DepositsRejected"),
    "admin-finance:withdrawals.complete": _money_event("WithdrawalsApproved"),
    "admin-finance:withdrawals.reject": _money_event("WithdrawalsRejected"),
    "admin-lotteries:lotteries.cancel": lambda result: lottery_cancelled(result, "ADMIN"),
}
