"""Referral commissions on the real stack, with SQS on moto in-process: the outbox, the consumer's exactly-once
payment under duplicates, poison messages, publish failures and the sweeper, and the referral math."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any

import psycopg
import pytest

from infra.local.sqs import CommissionQueues, SqsPoller, sqs_client, sqs_event
from luckymart import commission_queue
from tests.invariants import check_invariants
from tests.support import sign_in
from tests.support_commissions import (
    age_outbox,
    commission_credits,
    commissions_of,
    lucky_coins,
    mocked_queues,
    outbox,
    paid_order,
    referral_chain,
)

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean")]


@pytest.fixture
def queues() -> Any:
    with mocked_queues() as created:
        yield created


def drain(queues: CommissionQueues) -> int:
    """Delivers everything in the queue to the consumer, as Lambda's trigger would; returns messages handled."""
    poller = SqsPoller(sqs_client(), queues)
    handled = 0
    while received := poller.poll_once(wait_seconds=0):
        handled += received
    return handled


def received_messages(queues: CommissionQueues) -> list[Any]:
    messages: list[Any] = []
    while batch := sqs_client().receive_message(QueueUrl=queues.url, MaxNumberOfMessages=10).get("Messages"):
        messages.extend(batch)
    return messages


def invoke_consumer(queues: CommissionQueues, bodies: list[str]) -> dict[str, Any]:
    """Invokes process-commissions with one SQS event holding these bodies (message ids m0, m1, ...)."""
    from infra.local.sqs import consumer

    messages: list[Any] = [
        {"MessageId": f"m{i}", "ReceiptHandle": f"r{i}", "Body": body, "Attributes": {}, "MD5OfBody": ""}
        for i, body in enumerate(bodies)
    ]
    return consumer()(sqs_event(messages, queues.arn), None)


def test_three_levels_round_down_and_the_fourth_earns_nothing(clean: psycopg.Connection, queues: Any) -> None:
    top, level3, level2, level1, buyer = referral_chain(5)
    order_id, queued = paid_order(clean, buyer, "333.33")
    assert queued
    assert commission_queue.publish_after_commit(order_id)
    assert drain(queues) == 1

    # 3% of 333.33 = 9.9999 -> 9.99; 1% = 3.3333 -> 3.33; 0.5% = 1.66665 -> 1.66 (down, never half-up)
    assert commissions_of(clean, order_id) == [
        (1, level1.user["id"], Decimal("9.99"), "PAID"),
        (2, level2.user["id"], Decimal("3.33"), "PAID"),
        (3, level3.user["id"], Decimal("1.66"), "PAID"),
    ]
    assert [lucky_coins(clean, u) for u in (level1, level2, level3, top, buyer)] == [
        Decimal("9.99"),
        Decimal("3.33"),
        Decimal("1.66"),
        0,
        0,
    ]
    rows = clean.execute(
        "select c.level, c.rate, c.source_amount, t.amount, t.related_order_id::text, n.type, n.data->>'amount' "
        "from commissions c join wallet_transactions t "
        "on t.reference_type = 'commission' and t.reference_id = c.id "
        "join notifications n on n.related_id = c.id where c.related_order_id = %s order by c.level",
        (order_id,),
    ).fetchall()
    assert rows == [
        (1, Decimal("0.0300"), Decimal("333.33"), Decimal("9.99"), order_id, "COMMISSION", "9.99"),
        (2, Decimal("0.0100"), Decimal("333.33"), Decimal("3.33"), order_id, "COMMISSION", "3.33"),
        (3, Decimal("0.0050"), Decimal("333.33"), Decimal("1.66"), order_id, "COMMISSION", "1.66"),
    ]
    assert clean.execute(
        "select count(*) from notifications where user_id = %s", (top.user["id"],)
    ).fetchone() == (0,)
    state = outbox(clean, order_id)
    assert state is not None and state["processed_at"] is not None
    assert check_invariants(clean) == []


def test_duplicate_deliveries_pay_each_level_once(clean: psycopg.Connection, queues: Any) -> None:
    _, level2, level1, buyer = referral_chain(4)
    order_id, _ = paid_order(clean, buyer, "100.00")
    for _ in range(3):
        assert commission_queue.publish_after_commit(order_id)
    body = commission_queue.message_body(order_id)
    twice_in_one_batch = invoke_consumer(queues, [body, body])
    assert twice_in_one_batch == {"batchItemFailures": []}
    assert drain(queues) == 3
    assert invoke_consumer(queues, [body]) == {"batchItemFailures": []}  # a late redelivery

    assert commission_credits(clean) == 3
    assert (lucky_coins(clean, level1), lucky_coins(clean, level2)) == (Decimal("3.00"), Decimal("1.00"))
    assert check_invariants(clean) == []


def test_concurrent_consumers_of_the_same_orders_pay_once(clean: psycopg.Connection, queues: Any) -> None:
    buyers = referral_chain(4)
    orders = [paid_order(clean, buyers[-1], f"{10 + i}.00")[0] for i in range(10)]
    bodies = [commission_queue.message_body(o) for o in orders]
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda _: invoke_consumer(queues, bodies), range(4)))
    assert results == [{"batchItemFailures": []}] * 4
    assert commission_credits(clean) == 30
    # 3% + 1% + 0.5% of 10.00 + 11.00 + ... + 19.00 = 145.00
    assert lucky_coins(clean, buyers[2]) == Decimal("4.35")
    assert check_invariants(clean) == []


def test_a_poison_message_fails_alone(clean: psycopg.Connection, queues: Any) -> None:
    _, referrer, buyer = referral_chain(3)
    good, _ = paid_order(clean, buyer, "50.00")
    bodies = [
        commission_queue.message_body(good),
        commission_queue.message_body(uuid.uuid4()),  # no such order
        "not json",
        '{"order": "x"}',
        '{"order_id": "not-a-uuid"}',
    ]
    result = invoke_consumer(queues, bodies)
    assert result == {"batchItemFailures": [{"itemIdentifier": f"m{i}"} for i in (1, 2, 3, 4)]}
    assert lucky_coins(clean, referrer) == Decimal("1.50")
    assert commission_credits(clean) == 2


def test_a_batch_that_cannot_reach_the_database_fails_every_message(
    clean: psycopg.Connection, queues: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, buyer = referral_chain(2)
    order_id, _ = paid_order(clean, buyer, "50.00")

    def unreachable(*_: Any) -> Any:
        raise OSError("connection refused")

    monkeypatch.setattr("luckymart.db.rpc", unreachable)
    result = invoke_consumer(queues, [commission_queue.message_body(order_id)])
    assert result == {"batchItemFailures": [{"itemIdentifier": "m0"}]}


def test_publish_failure_after_commit_is_repaired_by_the_sweeper_exactly_once(
    clean: psycopg.Connection, queues: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, level1, buyer = referral_chain(3)
    order_id, _ = paid_order(clean, buyer, "200.00")
    monkeypatch.setenv("COMMISSION_QUEUE_URL", queues.url + "-missing")
    assert commission_queue.publish_after_commit(order_id) is False  # logged, not raised
    monkeypatch.setenv("COMMISSION_QUEUE_URL", queues.url)
    assert received_messages(queues) == []

    assert commission_queue.republish_stale() == commission_queue.Republished(0, 0)  # not 60 s old yet
    age_outbox(clean)
    assert commission_queue.republish_stale() == commission_queue.Republished(1, 1)
    assert commission_queue.republish_stale() == commission_queue.Republished(0, 0)  # sent once only
    state = outbox(clean, order_id)
    assert state is not None and state["publish_attempts"] == 1 and state["published_at"] is not None

    assert drain(queues) == 1
    assert lucky_coins(clean, level1) == Decimal("6.00")
    age_outbox(clean, 600)
    assert commission_queue.republish_stale() == commission_queue.Republished(0, 0)  # processed rows stay put
    assert commission_credits(clean) == 2


def test_sweeper_retries_when_sqs_is_down_and_skips_processed_rows(
    clean: psycopg.Connection, queues: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, buyer = referral_chain(2)
    lost, _ = paid_order(clean, buyer, "10.00")
    delivered, _ = paid_order(clean, buyer, "20.00")
    assert commission_queue.publish_after_commit(delivered)
    assert drain(queues) == 1
    age_outbox(clean)

    monkeypatch.setenv("COMMISSION_QUEUE_URL", queues.url + "-missing")
    assert commission_queue.republish_stale() == commission_queue.Republished(1, 0)
    monkeypatch.setenv("COMMISSION_QUEUE_URL", queues.url)
    assert commission_queue.republish_stale() == commission_queue.Republished(0, 0)  # leased for 60 s
    age_outbox(clean)
    assert commission_queue.republish_stale() == commission_queue.Republished(1, 1)
    state = outbox(clean, lost)
    assert state is not None and state["publish_attempts"] == 2
    assert drain(queues) == 1
    assert commission_credits(clean) == 2


def test_only_orders_with_a_referrer_are_enqueued(clean: psycopg.Connection) -> None:
    loner = sign_in()
    order_id, queued = paid_order(clean, loner, "10.00")
    assert (queued, outbox(clean, order_id)) == (False, None)
    invited = sign_in(start_param=f"ref_{loner.user['referral_code']}")
    order_id, queued = paid_order(clean, invited, "10.00")
    assert queued and outbox(clean, order_id) is not None
    clean.execute("update orders set status = 'PENDING' where id = %s", (order_id,))
    with pytest.raises(psycopg.DatabaseError) as refused:  # a wiring mistake must fail the purchase loudly
        clean.execute("select private.enqueue_commission(%s)", (order_id,))
    assert refused.value.diag.sqlstate == "LM500"


def test_levels_that_round_to_zero_get_no_commission(clean: psycopg.Connection, queues: Any) -> None:
    level3, buyer = referral_chain(5)[1::3]
    order_id, _ = paid_order(clean, buyer, "1.99")  # 0.0597 -> 0.05; 0.0199 -> 0.01; 0.00995 -> 0.00
    assert invoke_consumer(queues, [commission_queue.message_body(order_id)]) == {"batchItemFailures": []}
    assert [(level, amount) for level, _, amount, _ in commissions_of(clean, order_id)] == [
        (1, Decimal("0.05")),
        (2, Decimal("0.01")),
    ]
    assert lucky_coins(clean, level3) == 0
    assert clean.execute(
        "select count(*) from notifications where user_id = %s", (level3.user["id"],)
    ).fetchone() == (0,)


def test_rates_come_from_configuration_and_a_bad_rate_changes_nothing(
    clean: psycopg.Connection, queues: Any
) -> None:
    _, level3, level2, level1, buyer = referral_chain(5)
    order_id, _ = paid_order(clean, buyer, "100.00")
    body = commission_queue.message_body(order_id)
    try:
        clean.execute(
            'update system_config set value = \'{"1": 0.00125, "2": 0.01, "3": 0.005}\' '
            "where key = 'referral_commission_rates'"
        )
        assert invoke_consumer(queues, [body]) == {"batchItemFailures": [{"itemIdentifier": "m0"}]}
        assert commission_credits(clean) == 0
        state = outbox(clean, order_id)
        assert state is not None and state["processed_at"] is None

        clean.execute(
            'update system_config set value = \'{"1": 0.05, "2": 0, "3": 0.0125}\' '
            "where key = 'referral_commission_rates'"
        )
        assert invoke_consumer(queues, [body]) == {"batchItemFailures": []}
        assert [lucky_coins(clean, u) for u in (level1, level2, level3)] == [Decimal("5.00"), 0, Decimal("1.25")]
    finally:
        clean.execute(
            'update system_config set value = \'{"1": 0.03, "2": 0.01, "3": 0.005}\' '
            "where key = 'referral_commission_rates'"
        )


def test_refunded_or_unknown_orders_pay_nothing(clean: psycopg.Connection, queues: Any) -> None:
    _, referrer, buyer = referral_chain(3)
    order_id, _ = paid_order(clean, buyer, "40.00")
    clean.execute("update orders set status = 'REFUNDED', refunded_at = now() where id = %s", (order_id,))
    assert invoke_consumer(queues, [commission_queue.message_body(order_id)]) == {"batchItemFailures": []}
    assert lucky_coins(clean, referrer) == 0
    state = outbox(clean, order_id)
    assert state is not None and state["processed_at"] is not None  # settled: the sweeper leaves it alone


def test_referral_cycles_are_refused_even_between_concurrent_updates(
    clean: psycopg.Connection, stack: Any
) -> None:
    first, second = sign_in(), sign_in()
    a, b = first.user["id"], second.user["id"]
    with pytest.raises(psycopg.errors.CheckViolation):
        clean.execute("update users set referred_by_id = id, referrer_id = id where id = %s", (a,))

    # A -> B in one open transaction; B -> A from another must wait for it and then see the cycle
    with psycopg.connect(stack.database_url) as holder, ThreadPoolExecutor(1) as pool:
        holder.execute("update users set referred_by_id = %s, referrer_id = %s where id = %s", (b, b, a))

        def close_cycle() -> str:
            with psycopg.connect(stack.database_url, autocommit=True) as other:
                try:
                    other.execute(
                        "update users set referred_by_id = %s, referrer_id = %s where id = %s", (a, a, b)
                    )
                except psycopg.errors.CheckViolation as error:
                    return str(error)
                return "updated"

        pending = pool.submit(close_cycle)
        with pytest.raises(TimeoutError):
            pending.result(timeout=0.5)  # blocked on the referral graph lock
        holder.commit()
        assert "referral cycle" in pending.result(timeout=10)
    assert clean.execute("select referred_by_id::text from users where id = %s", (b,)).fetchone() == (None,)
    with pytest.raises(psycopg.errors.CheckViolation):  # and a referrer, once set, never changes
        clean.execute("update users set referred_by_id = null, referrer_id = null where id = %s", (a,))


def test_a_poison_message_is_received_5_times_then_dead_lettered(clean: psycopg.Connection, queues: Any) -> None:
    from infra.local.sqs import consumer

    seen: list[str] = []

    def counting(event: dict[str, Any], context: Any) -> dict[str, Any]:
        seen.extend(record["messageId"] for record in event["Records"])
        return consumer()(event, context)

    assert commission_queue.publish_after_commit(uuid.uuid4())  # an order that does not exist
    poller = SqsPoller(sqs_client(), queues, counting)
    for _ in range(8):
        poller.poll_once(wait_seconds=0)
    assert len(seen) == 5 and len(set(seen)) == 1
    dead = sqs_client().receive_message(QueueUrl=queues.dlq_url, MaxNumberOfMessages=10).get("Messages", [])
    assert [m["MessageId"] for m in dead] == seen[:1]


def test_a_batch_larger_than_one_call_is_settled_in_chunks(clean: psycopg.Connection, queues: Any) -> None:
    referrer, buyer = referral_chain(2)
    orders = [paid_order(clean, buyer, "10.00")[0] for _ in range(120)]  # a batching window could deliver this
    result = invoke_consumer(queues, [commission_queue.message_body(o) for o in orders])
    assert result == {"batchItemFailures": []}
    assert lucky_coins(clean, referrer) == Decimal("36.00")


def test_the_commission_invariant_notices_a_credit_that_does_not_match(
    clean: psycopg.Connection, queues: Any
) -> None:
    referrer, buyer = referral_chain(2)
    order_id, _ = paid_order(clean, buyer, "100.00")
    invoke_consumer(queues, [commission_queue.message_body(order_id)])
    assert check_invariants(clean) == []
    clean.execute("update commissions set amount = 3.01 where related_order_id = %s", (order_id,))
    assert any(v.startswith("commission not credited exactly once") for v in check_invariants(clean))
    clean.execute(
        "update commissions set amount = 3.00, status = 'CANCELLED' where related_order_id = %s", (order_id,)
    )
    assert any(v.startswith("commission not credited exactly once") for v in check_invariants(clean))
    assert lucky_coins(clean, referrer) == Decimal("3.00")
