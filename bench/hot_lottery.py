"""The purchase SQL on one hot lottery, straight through psycopg from N separate processes (the database alone, no
HTTP): purchases/s at N = 1, 8, 32 with the foreign keys to `lotteries` checked at once (each order and ledger row
takes a key-share lock on the hot row before its UPDATE: multixacts) and deferred to commit (the check then finds
the row already locked by the same transaction). Both variants alternate in one run on one stack."""

from __future__ import annotations

import hashlib
import multiprocessing
import statistics
import time
from typing import Any

import psycopg

from bench.common import raise_rate_limits
from infra.local.stack import private_stack
from tests.support import sign_in
from tests.support_lottery import create_lottery, fund

SECONDS = 3.0
PROCESSES = (1, 8, 32)
ROUNDS = 4
# the foreign keys whose checks run before the purchase locks the lottery row
EARLY_FKS = (
    ("orders", "orders_lottery_id_fkey"),
    ("wallet_transactions", "wallet_transactions_related_lottery_id_fkey"),
)


def set_deferred(database_url: str, deferred: bool) -> None:
    mode = "deferrable initially deferred" if deferred else "not deferrable"
    with psycopg.connect(database_url, autocommit=True) as conn:
        for table, name in EARLY_FKS:
            conn.execute(f"alter table public.{table} alter constraint {name} {mode}")


def worker(args: tuple[str, str, str, str, float, Any]) -> int:
    database_url, session_hash, lottery_id, pepper, seconds, start = args
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("set role service_role")
        start.wait()
        done = 0
        deadline = time.perf_counter() + seconds
        while time.perf_counter() < deadline:
            conn.execute(
                "select public.lottery_purchase(%s, %s, 1, 'BALANCE', %s)", (session_hash, lottery_id, pepper)
            )
            done += 1
        return done


def rate(database_url: str, sessions: list[str], lottery_id: str, processes: int) -> float:
    ctx = multiprocessing.get_context("spawn")
    with ctx.Manager() as manager:
        start = manager.Barrier(processes)
        with ctx.Pool(processes) as pool:
            jobs = [
                (database_url, sessions[i], lottery_id, "bench-pepper", SECONDS, start) for i in range(processes)
            ]
            counts = pool.map(worker, jobs)
    return sum(counts) / SECONDS


def main() -> None:
    with private_stack() as stack, psycopg.connect(stack.database_url, autocommit=True) as pg:
        users = [sign_in() for _ in range(max(PROCESSES))]
        raise_rate_limits(stack.database_url)
        for user in users:
            fund(pg, user.user["id"], "1000000")
        sessions = [hashlib.sha256(user.token.encode()).hexdigest() for user in users]
        lottery = create_lottery(pg, ticket_price="1.00", total_tickets=5_000_000)
        results: dict[tuple[bool, int], list[float]] = {}
        for round_number in range(ROUNDS):
            # the tables grow with every purchase: alternate which variant goes first so neither always runs on
            # the bigger tables
            for deferred in (False, True) if round_number % 2 == 0 else (True, False):
                set_deferred(stack.database_url, deferred)
                for n in PROCESSES:
                    purchases = rate(stack.database_url, sessions, lottery["id"], n)
                    results.setdefault((deferred, n), []).append(purchases)
        print(
            f"lottery_purchase SQL via psycopg, {SECONDS:.0f} s per point, median of {ROUNDS} runs "
            "(the variant that goes first alternates)"
        )
        for n in PROCESSES:
            before = statistics.median(results[(False, n)])
            after = statistics.median(results[(True, n)])
            print(
                f"  N={n:<3} FK checks at once {before:7.0f}/s   deferred to commit {after:7.0f}/s   "
                f"({after / before:.2f}x)"
            )


if __name__ == "__main__":
    main()
