"""Commissions through process-commissions in SQS batches of 10 (the real handler, real SQS event shapes, real
stack), every order paying the same two top referrers: messages per second with 1 consumer and with 5 (separate
processes, one batch at a time each, like Lambda's pollers at the production maximumConcurrency), for the
settlement as it was (every referrer wallet of the batch locked up front, held for the whole batch) and as it is
(wallets credited in one pass at the end), alternating on one stack; database round trips per batch."""

from __future__ import annotations

import multiprocessing
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import psycopg

from bench.common import percentile
from infra.local.stack import private_stack
from tests.support import sign_in
from tests.support_commissions import create_lottery

ORDERS = 3_000  # per measurement
BATCH = 10
CONSUMERS = (1, 5)
ROUNDS = 3
LEVEL1_REFERRERS = 20
BUYERS_PER_REFERRER = 5
MIGRATION = "infra/supabase/migrations/20261126001500_commissions.sql"
BASELINE = "254b687"  # main before the end-of-batch credit pass
FUNCTIONS = ("private.apply_commissions", "public.process_commissions")


def definitions(text: str) -> str:
    """The settlement functions' `create or replace` statements out of the migration's text."""
    found = [
        re.search(rf"create or replace function {re.escape(name)}\(.*?\n\$\$;\n", text, re.S) for name in FUNCTIONS
    ]
    assert all(found), "a settlement function is missing from the migration"
    return "\n".join(match.group(0) for match in found if match)


def variants() -> dict[str, str]:
    root = Path(__file__).resolve().parent.parent
    chosen = {"new": definitions((root / MIGRATION).read_text())}
    try:
        old = subprocess.run(
            ["git", "show", f"{BASELINE}:{MIGRATION}"], cwd=root, capture_output=True, text=True, check=True
        ).stdout
        chosen = {"old": definitions(old), **chosen}
    except (OSError, subprocess.CalledProcessError):
        print(f"(baseline {BASELINE} not in this checkout: measuring the current settlement only)")
    return chosen


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


def insert_orders(pg: psycopg.Connection, buyers: list[str], lottery_id: str, tag: str) -> list[str]:
    rows = pg.execute(
        "with o as (insert into orders (user_id, order_number, type, total_amount, payment_method, lottery_id, "
        "  quantity, status, paid_at) "
        "  select (%s::uuid[])[1 + g %% %s], %s || g, 'LOTTERY_PURCHASE', ((g * 7919) %% 49900 + 100) / 100.0, "
        "         'BALANCE', %s, 1, 'PAID', now() from generate_series(1, %s) g returning id) "
        "select id::text from o where private.enqueue_commission(id)",
        (buyers, len(buyers), tag, lottery_id, ORDERS),
    ).fetchall()
    return [order_id for (order_id,) in rows]


def start_consumer() -> None:
    """A consumer process: its log lines and metrics are formatted as on Lambda but not printed here."""
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # the logger holds sys.stdout already
    import functions.process_commissions.handler  # noqa: F401 - imported once, as a warm container


def consume_batch(order_ids: list[str]) -> tuple[float, int]:
    from tests.support_commissions import consume, order_message, sqs_record

    started = time.perf_counter()
    response = consume([sqs_record(order_message(order_id)) for order_id in order_ids])
    return (time.perf_counter() - started) * 1000, len(response["batchItemFailures"])


def measure(pool: Any, order_ids: list[str]) -> tuple[float, list[float]]:
    batches = [order_ids[i : i + BATCH] for i in range(0, len(order_ids), BATCH)]
    started = time.perf_counter()
    outcomes = list(pool.imap_unordered(consume_batch, batches, chunksize=1))
    elapsed = time.perf_counter() - started
    assert all(failures == 0 for _, failures in outcomes), "a batch reported failures"
    return len(order_ids) / elapsed, [latency for latency, _ in outcomes]


def main() -> None:
    chosen = variants()
    ctx = multiprocessing.get_context("spawn")
    with private_stack() as stack, psycopg.connect(stack.database_url, autocommit=True) as pg:
        buyers = build_referral_tree()
        lottery = create_lottery(pg)
        pools = {n: ctx.Pool(n, initializer=start_consumer) for n in CONSUMERS}
        rates: dict[tuple[str, int], list[float]] = {}
        latencies: dict[tuple[str, int], list[float]] = {}
        try:
            for pool in pools.values():  # every process warm before the first measurement
                pool.map(time.sleep, [0.0] * len(pools) * 5, chunksize=1)
            pg.execute("select extensions.pg_stat_statements_reset()")
            batches_sent = 0
            for round_number in range(ROUNDS):
                order = list(chosen) if round_number % 2 == 0 else list(chosen)[::-1]  # neither always first
                for name in order:
                    pg.execute(chosen[name])
                    for n in CONSUMERS:
                        order_ids = insert_orders(pg, buyers, lottery, f"{name}{n}r{round_number}-")
                        rate, batch_ms = measure(pools[n], order_ids)
                        rates.setdefault((name, n), []).append(rate)
                        latencies.setdefault((name, n), []).extend(batch_ms)
                        batches_sent += len(batch_ms)
        finally:
            for pool in pools.values():
                pool.terminate()
            pg.execute(chosen["new"])

        server_calls = pg.execute(
            "select coalesce(sum(calls), 0) from extensions.pg_stat_statements "
            "where query ilike '%process_commissions%' and query not ilike 'create or replace%'"
        ).fetchone()
        commissions, ledger, expected = pg.execute(
            "select (select count(*) from commissions), "
            "(select count(*) from wallet_transactions where type = 'COMMISSION'), "
            # levels whose rate x amount rounds down to 0.00 earn nothing and have no row
            "(select sum((trunc(total_amount * 0.03, 2) > 0)::int + (trunc(total_amount * 0.01, 2) > 0)::int "
            "          + (trunc(total_amount * 0.005, 2) > 0)::int) from orders)"
        ).fetchone() or (0, 0, 0)
        print(f"{ORDERS} orders per measurement in batches of {BATCH}, {ROUNDS} rounds alternating; medians")
        print(f"{'settlement':<11}{'consumers':>10}{'messages/s':>12}{'× 1 consumer':>14}", end="")
        print(f"{'batch p50':>11}{'p99':>9}")
        for name in chosen:
            single = statistics.median(rates[(name, 1)])
            for n in CONSUMERS:
                rate = statistics.median(rates[(name, n)])
                ms = latencies[(name, n)]
                print(
                    f"{name:<11}{n:>10}{rate:>12,.0f}{rate / single:>13.2f}×"
                    f"{statistics.median(ms):>9.1f}ms{percentile(ms, 0.99):>7.1f}ms"
                )
        if "old" in chosen:
            for n in CONSUMERS:
                ratio = statistics.median(rates[("new", n)]) / statistics.median(rates[("old", n)])
                print(f"new / old with {n} consumer{'s' if n > 1 else ''}: {ratio:.2f}×")
        print(
            f"round trips per batch: {int(server_calls[0] if server_calls else 0) / batches_sent:.2f} "
            "(pg_stat_statements)"
        )
        print(f"commissions {commissions}, ledger rows {ledger} (expected {expected} each)")
        assert commissions == ledger == expected


if __name__ == "__main__":
    main()
