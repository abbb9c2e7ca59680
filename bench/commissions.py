"""Commissions for 10,000 paid orders through process-commissions in SQS batches of 10 (in-process handler,
real SQS event shapes, real stack): messages per second and database round trips per batch, counted both
at `db.rpc` and by pg_stat_statements on the server."""

from __future__ import annotations

import statistics
import time
from typing import Any

import psycopg

from bench.common import percentile
from infra.local.stack import private_stack
from luckymart import db
from tests.support import sign_in
from tests.support_commissions import consume, create_lottery, order_message, sqs_record

ORDERS = 10_000
BATCH = 10
LEVEL1_REFERRERS = 20
BUYERS_PER_REFERRER = 5


def build_referral_tree() -> list[str]:
    """top <- middle <- 20 level-1 referrers <- 5 buyers each: every order pays 3 levels."""
    top = sign_in()
    middle = sign_in(start_param=f"ref_{top.user['referral_code']}")
    buyers = []
    for _ in range(LEVEL1_REFERRERS):
        referrer = sign_in(start_param=f"ref_{middle.user['referral_code']}")
        for _ in range(BUYERS_PER_REFERRER):
            buyers.append(sign_in(start_param=f"ref_{referrer.user['referral_code']}").user["id"])
    return buyers


def insert_orders(pg: psycopg.Connection, buyers: list[str], lottery_id: str) -> list[str]:
    rows = pg.execute(
        "with o as (insert into orders (user_id, order_number, type, total_amount, payment_method, lottery_id, "
        "  quantity, status, paid_at) "
        "  select (%s::uuid[])[1 + g %% %s], 'B' || g, 'LOTTERY_PURCHASE', ((g * 7919) %% 49900 + 100) / 100.0, "
        "         'BALANCE', %s, 1, 'PAID', now() from generate_series(1, %s) g returning id) "
        "select id::text from o where private.enqueue_commission(id)",
        (buyers, len(buyers), lottery_id, ORDERS),
    ).fetchall()
    return [order_id for (order_id,) in rows]


def main() -> None:
    with private_stack() as stack, psycopg.connect(stack.database_url, autocommit=True) as pg:
        buyers = build_referral_tree()
        order_ids = insert_orders(pg, buyers, create_lottery(pg))
        assert len(order_ids) == ORDERS

        calls: list[str] = []
        real_rpc = db.rpc

        def counting_rpc(function: str, params: dict[str, Any]) -> Any:
            calls.append(function)
            return real_rpc(function, params)

        db.rpc = counting_rpc
        pg.execute("select extensions.pg_stat_statements_reset()")
        batches = [order_ids[i : i + BATCH] for i in range(0, ORDERS, BATCH)]
        latencies = []
        started = time.perf_counter()
        for batch in batches:
            t0 = time.perf_counter()
            response = consume([sqs_record(order_message(order_id)) for order_id in batch])
            latencies.append((time.perf_counter() - t0) * 1000)
            assert response["batchItemFailures"] == [], response
        elapsed = time.perf_counter() - started
        db.rpc = real_rpc

        server_calls = pg.execute(
            "select coalesce(sum(calls), 0) from extensions.pg_stat_statements "
            "where query ilike '%process_commissions%'"
        ).fetchone()
        commissions, ledger, expected = pg.execute(
            "select (select count(*) from commissions), "
            "(select count(*) from wallet_transactions where type = 'COMMISSION'), "
            # levels whose rate x amount rounds down to 0.00 earn nothing and have no row
            "(select sum((trunc(total_amount * 0.03, 2) > 0)::int + (trunc(total_amount * 0.01, 2) > 0)::int "
            "          + (trunc(total_amount * 0.005, 2) > 0)::int) from orders)"
        ).fetchone() or (0, 0, 0)
        print(f"orders {ORDERS} in batches of {BATCH}: {elapsed:.1f} s, {ORDERS / elapsed:,.0f} messages/s")
        print(f"batch latency p50 {statistics.median(latencies):.2f} ms  p99 {percentile(latencies, 0.99):.2f} ms")
        print(
            f"round trips per batch: {len(calls) / len(batches):.2f} (db.rpc), "
            f"{int(server_calls[0] if server_calls else 0) / len(batches):.2f} (pg_stat_statements)"
        )
        print(f"commissions {commissions}, ledger rows {ledger} (expected {expected} each)")
        assert commissions == ledger == expected


if __name__ == "__main__":
    main()
