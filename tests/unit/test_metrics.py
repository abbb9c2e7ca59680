"""Every business event and every request outcome emits its CloudWatch metric. The EMF lines Powertools prints
are captured from stdout (Powertools' documented way to test metrics) and read back as metrics."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import pytest

from infra.local.events import LocalContext, function_url_event
from luckymart import db, metrics
from luckymart.api import Body, Call, Endpoint
from luckymart.errors import AppError

pytestmark = pytest.mark.unit
ORDER = "6f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f"


@pytest.fixture(autouse=True)
def _metrics_on(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("POWERTOOLS_METRICS_DISABLED", raising=False)
    monkeypatch.delenv("POWERTOOLS_DEV", raising=False)
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "LuckyMart/test")


def emitted(capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    """One entry per (metric, value) in the EMF lines printed so far: name, value, unit, dimensions."""
    found = []
    for line in capsys.readouterr().out.splitlines():
        if not line.startswith("{") or "_aws" not in line:
            continue
        blob = json.loads(line)
        directive = blob["_aws"]["CloudWatchMetrics"][0]
        assert directive["Namespace"] == "LuckyMart/test"
        dimensions = {name: blob[name] for name in directive["Dimensions"][0]}
        assert set(dimensions) <= {"service", "function", "code", "currency", "reason", "outcome"}
        for definition in directive["Metrics"]:
            values = blob[definition["Name"]]
            for value in values if isinstance(values, list) else [values]:
                found.append(
                    {"name": definition["Name"], "value": value, "unit": definition["Unit"], **dimensions}
                )
    return found


def one(found: list[dict[str, Any]], name: str) -> dict[str, Any]:
    matches = [m for m in found if m["name"] == name]
    assert len(matches) == 1, (name, found)
    return matches[0]


PURCHASE = {
    "order": {"id": ORDER, "total_amount": Decimal("15.00"), "currency": "TJS"},
    "ticket_numbers": [1000001, 1000002, 1000003],
    "participation_codes": ["1000001", "1000002", "1000003"],
    "remaining_balance": Decimal("85.00"),
    "wallet_type": "LUCKY_COIN",
    "is_sold_out": True,
}
MONEY = {"id": ORDER, "amount": Decimal("150.00"), "currency": "TJS", "status": "PENDING"}

# (table key, rpc result) -> the metrics it must emit: (name, value, extra dimensions)
BUSINESS_CASES: list[tuple[str, dict[str, Any], list[tuple[str, float, dict[str, str]]]]] = [
    (
        "lottery-purchase",
        PURCHASE,
        [
            ("TicketsSold", 3, {"currency": "LUCKY_COIN"}),
            ("GMVCents", 1500, {"currency": "LUCKY_COIN"}),
            ("LotteriesSoldOut", 1, {}),
        ],
    ),
    ("auth-telegram", {"is_new_user": True}, [("SignIns", 1, {}), ("NewUsers", 1, {})]),
    (
        "deposit-request",
        MONEY,
        [
            ("DepositsRequested", 1, {"currency": "TJS"}),
            ("DepositsRequestedAmountCents", 15000, {"currency": "TJS"}),
        ],
    ),
    (
        "withdrawal-request",
        MONEY,
        [
            ("WithdrawalsRequested", 1, {"currency": "TJS"}),
            ("WithdrawalsRequestedAmountCents", 15000, {"currency": "TJS"}),
        ],
    ),
    (
        "admin-finance:deposits.approve",
        MONEY,
        [
            ("DepositsApproved", 1, {"currency": "TJS"}),
            ("DepositsApprovedAmountCents", 15000, {"currency": "TJS"}),
        ],
    ),
    (
        "admin-finance:deposits.reject",
        MONEY,
        [
            ("DepositsRejected", 1, {"currency": "TJS"}),
            ("DepositsRejectedAmountCents", 15000, {"currency": "TJS"}),
        ],
    ),
    (
        "admin-finance:withdrawals.complete",
        MONEY,
        [
            ("WithdrawalsApproved", 1, {"currency": "TJS"}),
            ("WithdrawalsApprovedAmountCents", 15000, {"currency": "TJS"}),
        ],
    ),
    (
        "admin-finance:withdrawals.reject",
        MONEY,
        [
            ("WithdrawalsRejected", 1, {"currency": "TJS"}),
            ("WithdrawalsRejectedAmountCents", 15000, {"currency": "TJS"}),
        ],
    ),
    (
        "admin-lotteries:lotteries.cancel",
        {"status": "CANCELLED", "refunded_orders": 4},
        [("LotteriesCancelled", 1, {"reason": "ADMIN"}), ("OrdersRefunded", 4, {"reason": "ADMIN"})],
    ),
]


def test_every_business_table_entry_is_tested() -> None:
    assert {key for key, _, _ in BUSINESS_CASES} == set(metrics.BUSINESS)


@pytest.mark.parametrize(("key", "result", "expected"), BUSINESS_CASES, ids=[c[0] for c in BUSINESS_CASES])
def test_each_business_event_emits_its_metric(
    capsys: pytest.CaptureFixture[str], key: str, result: dict[str, Any], expected: list[tuple[str, float, Any]]
) -> None:
    function = key.split(":", maxsplit=1)[0]
    with metrics.invocation(function):
        metrics.record_result(key, result)
    found = [m for m in emitted(capsys) if m["name"] != "ColdStart"]
    assert len(found) == len(expected), found
    for name, value, dimensions in expected:
        metric = one(found, name)
        assert metric["value"] == value
        assert metric["function"] == function and metric["service"] == "luckymart"
        for dim, dim_value in dimensions.items():
            assert metric[dim] == dim_value


def test_a_replay_counts_itself_and_none_of_its_business_events(capsys: pytest.CaptureFixture[str]) -> None:
    with metrics.invocation("lottery-purchase"):
        metrics.replayed()
        metrics.record_result("lottery-purchase", PURCHASE)
    found = [m for m in emitted(capsys) if m["name"] != "ColdStart"]
    assert [(m["name"], m["value"], m["function"]) for m in found] == [
        ("IdempotentReplays", 1, "lottery-purchase")
    ]


def test_draw_completed_emits_the_count_and_the_delay(capsys: pytest.CaptureFixture[str]) -> None:
    with metrics.invocation("auto-lottery-draw"):
        metrics.draw_completed(
            {"draw_time": "2026-11-30T10:00:00+00:00"}, {"drawn_at": "2026-11-30T10:00:42.500Z"}
        )
    found = emitted(capsys)
    assert one(found, "DrawsCompleted")["value"] == 1
    delay = one(found, "DrawDelay")
    assert delay["value"] == 42.5 and delay["unit"] == "Seconds"


def test_expired_lottery_cancellation_is_counted_with_its_refunds(capsys: pytest.CaptureFixture[str]) -> None:
    with metrics.invocation("auto-lottery-draw"):
        metrics.lottery_cancelled({"refunded_orders": 2}, "EXPIRED")
    found = emitted(capsys)
    assert one(found, "LotteriesCancelled")["reason"] == "EXPIRED"
    assert one(found, "OrdersRefunded")["value"] == 2


def test_commissions_emit_paid_amount_lag_and_failures(capsys: pytest.CaptureFixture[str]) -> None:
    outcomes = {
        "a": {
            "ok": True,
            "ordered_at": "2026-11-30T10:00:00+00:00",
            "paid": [{"level": 1, "amount": Decimal("0.30")}, {"level": 2, "amount": Decimal("0.10")}],
        },
        "b": {"ok": True, "paid": []},  # a redelivery: nothing paid, nothing counted
        "d": {"ok": True, "paid": [], "pending": 2, "cancelled": 0},  # held until the lottery is drawn
        "c": {"ok": False, "code": "NOT_FOUND"},
    }
    with metrics.invocation("process-commissions"):
        metrics.commissions_processed(outcomes, "2026-11-30T10:00:03Z")
    found = emitted(capsys)
    assert one(found, "CommissionsPaid")["value"] == 2
    assert one(found, "CommissionAmountCents")["value"] == 40
    assert one(found, "CommissionLag")["value"] == 3.0
    assert one(found, "CommissionFailures")["code"] == "NOT_FOUND"
    assert one(found, "CommissionsPending")["value"] == 2
    assert not [m for m in found if m["name"] == "CommissionsCancelled"]


class _Body(Body):
    fail: str | None = None


def _endpoint(name: str) -> Callable[[dict[str, Any]], dict[str, Any]]:
    endpoint = Endpoint(name, body=_Body, auth="none")

    @endpoint
    def logic(call: Call[_Body]) -> Any:
        if call.body.fail == "refused":
            raise AppError("SOLD_OUT", "sold out", 409)
        if call.body.fail == "crash":
            raise RuntimeError("boom")
        return PURCHASE

    def call(body: dict[str, Any]) -> dict[str, Any]:
        event = function_url_event(
            "POST", headers={"content-type": "application/json"}, body=json.dumps(body).encode()
        )
        return endpoint.handler(event, LocalContext(function_name=name))

    return call


@pytest.fixture
def purchase_endpoint(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[dict[str, Any]], dict[str, Any]]]:
    # Every endpoint checks its database keys before it runs (these logic functions never call the database).
    monkeypatch.setenv("SUPABASE_USER_KEY", "user-class key")
    monkeypatch.setenv("SUPABASE_ANON_KEY", "anon key")
    yield _endpoint("lottery-purchase")
    db.reset()


def test_a_request_counts_once_and_its_business_events(
    capsys: pytest.CaptureFixture[str], purchase_endpoint: Callable[[dict[str, Any]], dict[str, Any]]
) -> None:
    assert purchase_endpoint({})["statusCode"] == 200
    found = emitted(capsys)
    assert one(found, "Requests")["function"] == "lottery-purchase"
    assert one(found, "Successes")["value"] == 1
    assert one(found, "TicketsSold")["value"] == 3
    assert not [m for m in found if m["name"] in ("Errors", "ServerErrors")]


def test_a_refused_purchase_counts_its_error_code_and_refusal_reason(
    capsys: pytest.CaptureFixture[str], purchase_endpoint: Callable[[dict[str, Any]], dict[str, Any]]
) -> None:
    assert purchase_endpoint({"fail": "refused"})["statusCode"] == 409
    found = emitted(capsys)
    assert one(found, "Errors")["code"] == "SOLD_OUT"
    assert one(found, "PurchasesRefused")["reason"] == "SOLD_OUT"
    assert not [m for m in found if m["name"] in ("ServerErrors", "TicketsSold")]


def test_an_unexpected_error_is_a_server_error(
    capsys: pytest.CaptureFixture[str], purchase_endpoint: Callable[[dict[str, Any]], dict[str, Any]]
) -> None:
    assert purchase_endpoint({"fail": "crash"})["statusCode"] == 500
    found = emitted(capsys)
    assert one(found, "Errors")["code"] == "INTERNAL"
    assert one(found, "ServerErrors")["value"] == 1


def test_cold_start_is_counted_once_per_function(capsys: pytest.CaptureFixture[str]) -> None:
    call = _endpoint("cold-start-probe")
    call({})
    call({})
    assert len([m for m in emitted(capsys) if m["name"] == "ColdStart"]) == 1


def test_metrics_are_silent_when_disabled(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "true")
    with metrics.invocation("validate-session"):
        metrics.record_request(200, None)
    assert emitted(capsys) == []
