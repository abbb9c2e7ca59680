"""A real purchase pays referral commissions through the outbox and the queue (issues 4 + 5 wired together),
but only once its lottery is drawn: a refunded purchase earns nothing (issue 15, item 2)."""

from __future__ import annotations

import threading
import time
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


def test_a_cancellation_and_a_batch_crediting_its_buyer_do_not_deadlock(clean: psycopg.Connection) -> None:
    """The consumer locks outbox rows, then (crediting last) the earners' wallets; a cancellation refunds buyers'
    wallets and cancels the outbox rows' commissions. A referrer who bought tickets of the lottery being cancelled
    with LUCKY_COIN is in both: the cancellation must take the outbox rows first too, or the two deadlock."""
    referrer = sign_in()
    buyer = sign_in(start_param=f"ref_{referrer.user['referral_code']}")
    fund(clean, buyer.user["id"], "100")
    drawn = create_lottery(clean, ticket_price="10.00", total_tickets=10)
    cancelled = create_lottery(clean, ticket_price="10.00", total_tickets=10)
    payable = buy(buyer, drawn["id"], 1)["order"]["id"]  # pays the referrer once drawn
    unsettled = buy(buyer, cancelled["id"], 1)["order"]["id"]  # its outbox row: in the batch and the cancellation
    clean.execute("select public.process_commissions(array[%s]::uuid[])", (unsettled,))  # recorded PENDING
    clean.execute(
        "update lotteries set status = 'COMPLETED', sold_tickets = total_tickets, winning_ticket_number = 1000001 "
        "where id = %s",
        (drawn["id"],),
    )
    coin = clean.execute(
        "select id from wallets where user_id = %s and type = 'LUCKY_COIN'", (referrer.user["id"],)
    ).fetchone()
    assert coin is not None
    # the referrer's own ticket of the lottery being cancelled, paid from the wallet the batch credits
    clean.execute(
        "with o as (insert into orders (user_id, order_number, type, total_amount, payment_method, lottery_id, "
        "quantity, status, paid_at, wallet_id) values (%s, 'R1', 'LOTTERY_PURCHASE', 5, 'LUCKY_COIN', %s, 1, "
        "'PAID', now(), %s) returning id) "
        "select private.wallet_apply(%s, 5, 'ADJUSTMENT', null, null, 'test funds'), "
        "private.wallet_apply(%s, -5, 'LOTTERY_PURCHASE', 'order', o.id, 'tickets', 0, o.id, %s) from o",
        (referrer.user["id"], cancelled["id"], coin[0], coin[0], coin[0], cancelled["id"]),
    )

    dsn = clean.info.dsn
    outcomes: dict[str, Any] = {}
    with (
        psycopg.connect(dsn) as purchase,
        psycopg.connect(dsn, autocommit=True) as canceller,
        psycopg.connect(dsn, autocommit=True) as consumer,
    ):
        for conn in (canceller, consumer):
            conn.execute("set deadlock_timeout = '100ms'")
            conn.execute("set statement_timeout = '20s'")
        # a purchase in flight holds the lottery row: the cancellation stops there, holding what it locked before
        purchase.execute("select 1 from lotteries where id = %s for no key update", (cancelled["id"],))

        def run(name: str, conn: psycopg.Connection, sql: str, arg: Any) -> None:
            try:
                outcomes[name] = conn.execute(sql, (arg,)).fetchone()
            except psycopg.Error as error:
                outcomes[name] = error

        def blocked(conn: psycopg.Connection) -> bool:
            pid = conn.info.backend_pid
            row = clean.execute("select cardinality(pg_blocking_pids(%s)) > 0", (pid,)).fetchone()
            return bool(row and row[0])

        threads = []
        for name, conn, sql, arg in (
            ("cancel", canceller, "select private.lottery_cancel(%s, 'test')", cancelled["id"]),
            ("batch", consumer, "select public.process_commissions(%s::uuid[])", [payable, unsettled]),
        ):
            threads.append(threading.Thread(target=run, args=(name, conn, sql, arg)))
            threads[-1].start()
            deadline = time.monotonic() + 10
            while not blocked(conn) and time.monotonic() < deadline:
                time.sleep(0.02)
            assert blocked(conn), f"{name} should be waiting"
        purchase.commit()
        for thread in threads:
            thread.join(20)

    assert not isinstance(outcomes["cancel"], Exception), outcomes["cancel"]
    assert not isinstance(outcomes["batch"], Exception), outcomes["batch"]
    assert outcomes["cancel"][0]["status"] == "CANCELLED"
    assert [r["ok"] for r in outcomes["batch"][0]["results"]] == [True, True]
    assert sorted(statuses(clean)) == [(1, "CANCELLED", Decimal("0.30")), (1, "PAID", Decimal("0.30"))]
    assert coin_balance(clean, referrer.user["id"]) == Decimal("5.30")  # refunded 5.00 + commission 0.30
    assert check_invariants(clean) == []
