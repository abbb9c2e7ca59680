"""A real purchase pays referral commissions through the outbox and the queue (issues 4 + 5 wired together),
but only once its lottery is drawn: a refunded purchase earns nothing (issue 15, item 2)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import psycopg
import pytest

from functions.auto_lottery_draw.handler import handler as scheduled_job
from infra.local.events import LocalContext, scheduled_event
from luckymart import commission_queue
from tests.invariants import check_invariants
from tests.support import invoke, sign_in
from tests.support_commissions import Queues, coin_balance, consume, queues
from tests.support_lottery import balance, create_lottery, force_draw_time_passed, fund

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean")]
__all__ = ["queues"]  # the fixture, imported for pytest


def buy(buyer: Any, lottery_id: str, quantity: int) -> dict[str, Any]:
    result = invoke(
        "lottery-purchase",
        {"lottery_id": lottery_id, "quantity": quantity, "payment_method": "BALANCE"},
        token=buyer.token,
    )
    assert result.status == 200, result.body
    return dict(result.data)


def statuses(pg: psycopg.Connection) -> list[tuple[int, str, Decimal]]:
    rows = pg.execute("select level, status, amount from commissions order by level, created_at").fetchall()
    return [(level, status, Decimal(amount)) for level, status, amount in rows]


def test_commissions_are_pending_until_the_draw_then_paid_once(clean: psycopg.Connection, queues: Queues) -> None:
    referrer = sign_in()
    buyer = sign_in(start_param=f"ref_{referrer.user['referral_code']}")
    loner = sign_in()
    lottery = create_lottery(clean, ticket_price="10.00", total_tickets=10)
    for user in (buyer, loner):
        fund(clean, user.user["id"], "1000")

    data = buy(buyer, lottery["id"], 5)  # 50.00 → level 1 earns 3% = 1.50, once the lottery is drawn
    assert "commission_queued" not in data
    buy(loner, lottery["id"], 1)  # no referrer: no outbox row, no message
    assert clean.execute("select count(*) from commission_outbox").fetchone() == (1,)

    messages = queues.receive()
    assert [commission_queue.parse_message(m["Body"]) for m in messages] == [
        commission_queue.parse_message(commission_queue.message_body(data["order"]["id"]))
    ]
    for _ in range(2):  # delivered twice: recorded once, PENDING, nothing credited
        assert consume(queues.records(messages))["batchItemFailures"] == []
    assert statuses(clean) == [(1, "PENDING", Decimal("1.50"))]
    assert coin_balance(clean, referrer.user["id"]) == Decimal("0.00")
    stats = invoke("get-user-referral-stats", {}, token=referrer.token).data
    assert (stats["pending_commission"], stats["paid_commission"]) == (Decimal("1.50"), Decimal("0"))

    buy(loner, lottery["id"], 4)  # sold out
    force_draw_time_passed(clean, lottery["id"])
    run = scheduled_job(scheduled_event(), LocalContext("auto-lottery-draw"))
    assert run["drawn"] == [lottery["id"]]
    released = queues.receive()  # the draw hands the order to the consumer at once
    assert [str(commission_queue.parse_message(m["Body"])) for m in released] == [data["order"]["id"]]
    for _ in range(2):
        assert consume(queues.records(released))["batchItemFailures"] == []
    assert statuses(clean) == [(1, "PAID", Decimal("1.50"))]
    assert coin_balance(clean, referrer.user["id"]) == Decimal("1.50")
    assert check_invariants(clean) == []


def test_a_refunded_purchase_earns_no_commission(clean: psycopg.Connection, queues: Queues) -> None:
    """The hostile review's ring: three levels buy N-1 tickets of a lottery that ends unsold and get refunded
    100%. Before the fix the 4.5% of commissions stayed PAID: free money, repeatable."""
    top = sign_in()
    middle = sign_in(start_param=f"ref_{top.user['referral_code']}")
    inviter = sign_in(start_param=f"ref_{middle.user['referral_code']}")
    buyer = sign_in(start_param=f"ref_{inviter.user['referral_code']}")
    ring = (top, middle, inviter, buyer)
    for user in ring:
        fund(clean, user.user["id"], "1000")
    lottery = create_lottery(clean, ticket_price="100.00", total_tickets=10)

    buy(buyer, lottery["id"], 9)  # 900.00: 3% + 1% + 0.5% = 40.50 once drawn
    consume(queues.records(queues.receive()))
    assert [s for _, s, _ in statuses(clean)] == ["PENDING"] * 3

    clean.execute(
        "update lotteries set start_time = now() - interval '2 minutes', end_time = now() - interval '1 second' "
        "where id = %s",
        (lottery["id"],),
    )
    assert scheduled_job(scheduled_event(), LocalContext("auto-lottery-draw"))["cancelled"] == [lottery["id"]]
    # a late redelivery of the purchase message changes nothing either
    consume(
        [
            queues.records(
                [{"Body": commission_queue.message_body(o), "MessageId": "late", "ReceiptHandle": "r"}]
            )[0]
            for (o,) in clean.execute("select order_id::text from commission_outbox").fetchall()
        ]
    )

    assert [s for _, s, _ in statuses(clean)] == ["CANCELLED"] * 3
    assert [balance(clean, u.user["id"]) for u in ring] == [Decimal("1000.00")] * 4
    assert [coin_balance(clean, u.user["id"]) for u in ring] == [Decimal("0.00")] * 4
    assert check_invariants(clean) == []


def test_a_settlement_racing_the_cancellation_leaves_nothing_pending(clean: psycopg.Connection) -> None:
    """The consumer records PENDING rows while the lottery is being cancelled: the outbox row lock makes the
    cancellation wait for it, so those rows are cancelled too (without the lock they would stay PENDING)."""
    referrer = sign_in()
    buyer = sign_in(start_param=f"ref_{referrer.user['referral_code']}")
    fund(clean, buyer.user["id"], "100")
    lottery = create_lottery(clean, ticket_price="10.00", total_tickets=10)
    order_id = buy(buyer, lottery["id"], 2)["order"]["id"]

    dsn = clean.info.dsn
    with psycopg.connect(dsn) as consumer, psycopg.connect(dsn, autocommit=True) as canceller:
        consumer.execute("select public.process_commissions(array[%s]::uuid[])", (order_id,))  # not committed
        canceller.execute("set statement_timeout = '10s'")
        import threading

        done: list[Any] = []
        worker = threading.Thread(
            target=lambda: done.append(
                canceller.execute("select private.lottery_cancel(%s, 'test')", (lottery["id"],)).fetchone()
            )
        )
        worker.start()
        worker.join(0.5)
        assert not done, "the cancellation must wait for the settlement in flight"
        consumer.commit()
        worker.join(10)
    assert done and done[0][0]["status"] == "CANCELLED"
    assert statuses(clean) == [(1, "CANCELLED", Decimal("0.60"))]
    assert check_invariants(clean) == []


def test_publish_failure_after_commit_is_recovered_by_the_scheduled_job(
    clean: psycopg.Connection, queues: Queues, monkeypatch: pytest.MonkeyPatch
) -> None:
    referrer = sign_in()
    buyer = sign_in(start_param=f"ref_{referrer.user['referral_code']}")
    lottery = create_lottery(clean, ticket_price="10.00", total_tickets=100)
    fund(clean, buyer.user["id"], "1000")

    real_url = queues.queue_url
    monkeypatch.setenv("COMMISSION_QUEUE_URL", real_url + "-missing")  # SQS refuses the send after commit
    order_id = buy(buyer, lottery["id"], 2)["order"]["id"]
    monkeypatch.setenv("COMMISSION_QUEUE_URL", real_url)
    assert queues.receive() == []

    clean.execute("update commission_outbox set created_at = now() - interval '2 minutes'")
    assert scheduled_job(scheduled_event(), LocalContext("auto-lottery-draw"))["commissions_republished"] == 1
    messages = queues.receive()
    assert len(messages) == 1 and str(commission_queue.parse_message(messages[0]["Body"])) == order_id
    consume(queues.records(messages))
    assert statuses(clean) == [(1, "PENDING", Decimal("0.60"))]
    assert scheduled_job(scheduled_event(), LocalContext("auto-lottery-draw"))["commissions_republished"] == 0
