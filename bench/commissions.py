"""Commissions for 10,000 paid orders through process-commissions in batches of 10 (SQS event shape, handler
in-process, real stack): messages per second, batch latency, and database round trips per batch, counted
both at the client (`db.rpc` calls) and in PostgreSQL (pg_stat_statements). Then the same 10,000 messages
again, as a redelivery storm, which must pay nothing more; 4 consumers at once on fresh orders; and the SQL
function alone, called from psycopg, for the share of the time the database itself takes."""

from __future__ import annotations

import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import psycopg

from bench.common import percentile
from infra.local.sqs import sqs_event
from infra.local.stack import private_stack
from luckymart import commission_queue, db
from tests.invariants import check_invariants
from tests.support_commissions import PAY_FOR_ORDERS, lottery, referral_chain

ORDERS = 10_000
BATCH = 10
CHAINS = 20  # buyers, each with 3 referrers above them
CONCURRENT_CONSUMERS = 4
DIRECT_ORDERS = 2_000


def create_orders(pg: psycopg.Connection, buyers: list[str], lottery_id: str, count: int) -> list[str]:
    """PAID orders of 10.00 .. 1,000.00 spread over the buyers, each with its outbox row (enqueue_commission)."""
    rows = pg.execute(
        "with made as (insert into orders (user_id, order_number, type, total_amount, payment_method, wallet_id, "
        "lottery_id, quantity, status, paid_at) select buyer, 'B' || md5(random()::text || i), "
        "'LOTTERY_PURCHASE', 10.00 * (1 + i %% 100), 'BALANCE', private.wallet_id(buyer, 'BALANCE'), %s, 1, "
        "'PAID', now() from (select (%s::uuid[])[1 + i %% %s] as buyer, i from generate_series(1, %s) i) s "
        "returning id) select id::text from made",
        (lottery_id, buyers, len(buyers), count),
    ).fetchall()
    ids = [order_id for (order_id,) in rows]
    pg.execute(PAY_FOR_ORDERS, (ids,))
    pg.execute("select private.enqueue_commission(id) from unnest(%s::uuid[]) id", (ids,))
    return ids


def batches_of(order_ids: list[str]) -> list[dict[str, Any]]:
    events = []
    for start in range(0, len(order_ids), BATCH):
        messages: list[Any] = [
            {
                "MessageId": f"m{start + i}",
                "ReceiptHandle": f"r{start + i}",
                "Body": commission_queue.message_body(order_id),
                "Attributes": {"ApproximateReceiveCount": "1"},
                "MD5OfBody": "",
            }
            for i, order_id in enumerate(order_ids[start : start + BATCH])
        ]
        events.append(sqs_event(messages, "arn:aws:sqs:eu-central-1:000000000000:luckymart-commissions"))
    return events


class RoundTrips:
    """Counts db.rpc calls (the consumer's only way to the database)."""

    def __init__(self) -> None:
        self.calls = 0
        self._rpc = db.rpc

    def __enter__(self) -> RoundTrips:
        def counted(function: str, params: dict[str, Any]) -> Any:
            self.calls += 1
            return self._rpc(function, params)

        db.rpc = counted
        return self

    def __exit__(self, *_: object) -> None:
        db.rpc = self._rpc


def statement_calls(pg: psycopg.Connection) -> int:
    row = pg.execute(
        "select coalesce(sum(calls), 0) from extensions.pg_stat_statements "
        "where query ilike '%%process_commissions%%' and query not ilike '%%pg_stat_statements%%'"
    ).fetchone()
    assert row is not None
    return int(row[0])


def run(handler: Any, events: list[dict[str, Any]], consumers: int = 1) -> tuple[float, list[float]]:
    def one(event: dict[str, Any]) -> float:
        started = time.perf_counter()
        result = handler(event, None)
        assert result == {"batchItemFailures": []}, result
        return (time.perf_counter() - started) * 1000

    started = time.perf_counter()
    with ThreadPoolExecutor(consumers) as pool:
        latencies = list(pool.map(one, events))
    return time.perf_counter() - started, latencies


def report(name: str, seconds: float, latencies: list[float], messages: int, round_trips: int) -> None:
    print(
        f"{name:<34} {messages / seconds:8.0f} msg/s   batch p50 {statistics.median(latencies):6.2f} ms"
        f"   p99 {percentile(latencies, 0.99):6.2f} ms   round trips/batch {round_trips / len(latencies):.2f}"
    )


def main() -> None:
    from functions.process_commissions.handler import handler

    with private_stack() as stack, psycopg.connect(stack.database_url, autocommit=True) as pg:
        buyers = [referral_chain(4, prefix=f"c{n}_")[-1].user["id"] for n in range(CHAINS)]
        lottery_id = lottery(pg)
        orders = create_orders(pg, buyers, lottery_id, ORDERS)
        events = batches_of(orders)
        handler(batches_of(create_orders(pg, buyers, lottery_id, BATCH))[0], None)  # warm up the client
        pg.execute("select extensions.pg_stat_statements_reset()")

        with RoundTrips() as trips:
            seconds, latencies = run(handler, events)
        in_postgres = statement_calls(pg)
        report(f"{ORDERS} orders, batches of {BATCH}", seconds, latencies, ORDERS, trips.calls)
        print(f"{'':<34} pg_stat_statements: {in_postgres} process_commissions calls for {len(events)} batches")
        (credits,) = pg.execute("select count(*) from wallet_transactions where type = 'COMMISSION'").fetchone()  # type: ignore[misc]

        with RoundTrips() as trips:
            seconds, latencies = run(handler, events)
        report("the same 10,000 redelivered", seconds, latencies, ORDERS, trips.calls)
        (after,) = pg.execute("select count(*) from wallet_transactions where type = 'COMMISSION'").fetchone()  # type: ignore[misc]
        print(f"{'':<34} commission credits: {credits} after the first pass, {after} after the redelivery")

        fresh = batches_of(create_orders(pg, buyers, lottery_id, ORDERS // 2))
        with RoundTrips() as trips:
            seconds, latencies = run(handler, fresh, CONCURRENT_CONSUMERS)
        report(
            f"{ORDERS // 2} orders, {CONCURRENT_CONSUMERS} consumers at once",
            seconds,
            latencies,
            ORDERS // 2,
            trips.calls,
        )
        # the same SQL called straight from psycopg: what the database itself costs, without HTTP and Python
        direct = create_orders(pg, buyers, lottery_id, DIRECT_ORDERS)
        latencies = []
        started = time.perf_counter()
        for start in range(0, len(direct), BATCH):
            began = time.perf_counter()
            pg.execute("select public.process_commissions(%s::uuid[])", (direct[start : start + BATCH],))
            latencies.append((time.perf_counter() - began) * 1000)
        report(
            f"{DIRECT_ORDERS} orders, SQL only (psycopg)",
            time.perf_counter() - started,
            latencies,
            DIRECT_ORDERS,
            len(latencies),
        )
        violations = check_invariants(pg)
        print(f"{'':<34} invariant violations: {len(violations)}")


if __name__ == "__main__":
    main()
