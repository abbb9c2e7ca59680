"""lottery-purchase on one hot lottery: 32 concurrent in-process clients through the real handler, next to a bare
rpc() round trip under the same concurrency, and next to the old ~10 sequential REST calls of ORIGINAL §1.3
replayed with the supabase client against the same stack (1 and 32 clients). Then the same handler from N separate
processes (one request at a time each, like Lambda containers; no shared GIL), next to N processes of bare rpc(),
the two alternating."""

from __future__ import annotations

import copy
import hashlib
import multiprocessing
import statistics
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg

from bench.common import install_noop_rpc, percentile, raise_rate_limits
from infra.local.events import LocalContext, function_url_event
from infra.local.stack import Stack, private_stack
from luckymart import db, jsonutil
from tests.support import sign_in
from tests.support_lottery import create_lottery, fund

CLIENTS = 32
REQUESTS_PER_CLIENT = 60
OLD_REQUESTS_PER_CLIENT = 10
PROCESSES = (1, 8, 32)
PROCESS_SECONDS = 3.0
PROCESS_ROUNDS = 2


def run_clients(work: Callable[[int], bool], clients: int, per_client: int) -> tuple[list[float], int, float]:
    """Runs `work(client)` per_client times on each client thread; returns latencies (ms), successes, seconds."""
    latencies: list[float] = []
    successes = [0]
    lock = threading.Lock()
    barrier = threading.Barrier(clients)

    def client(index: int) -> None:
        barrier.wait()
        for _ in range(per_client):
            started = time.perf_counter()
            ok = work(index)
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                latencies.append(elapsed)
                successes[0] += ok

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        list(pool.map(client, range(clients)))
    return latencies, successes[0], time.perf_counter() - started


def report(name: str, latencies: list[float], successes: int, seconds: float) -> float:
    rate = successes / seconds
    print(
        f"{name:<44} p50 {statistics.median(latencies):7.2f} ms  p99 {percentile(latencies, 0.99):7.2f} ms  "
        f"{rate:7.1f} ok/s  ({successes}/{len(latencies)} ok)"
    )
    return rate


def handler_purchase(stack: Stack, pg: psycopg.Connection, lottery_id: str, clients: int) -> Callable[[int], bool]:
    from functions.lottery_purchase import handler as module

    sessions = [sign_in() for _ in range(clients)]
    for s in sessions:
        fund(pg, s.user["id"], "100000.00")
    # One Powertools resolver per thread: the resolver keeps the current event on itself.
    endpoints = [copy.copy(module.endpoint) for _ in range(clients)]

    def work(index: int) -> bool:
        body = jsonutil.dumps({"lottery_id": lottery_id, "quantity": 1, "payment_method": "BALANCE"}).encode()
        headers = {"content-type": "application/json", "x-session-token": sessions[index].token}
        response = endpoints[index].handler(
            function_url_event("POST", headers=headers, body=body), LocalContext("lottery-purchase")
        )
        return int(response["statusCode"]) == 200

    return work


def old_pattern(stack: Stack, pg: psycopg.Connection, lottery_id: str, clients: int) -> Callable[[int], bool]:
    """ORIGINAL §1.3 as it ran: reads, then blind writes computed from those reads, no transaction. The supabase
    client's data API (postgrest-py) goes straight to PostgREST, as the Edge Function reached Supabase's."""
    from postgrest import SyncPostgrestClient

    sessions = [sign_in() for _ in range(clients)]
    for s in sessions:
        fund(pg, s.user["id"], "100000.00")
    hashes = [hashlib.sha256(s.token.encode()).hexdigest() for s in sessions]
    key = stack.service_role_key
    sb: Any = SyncPostgrestClient(stack.rest_url, headers={"apikey": key, "Authorization": f"Bearer {key}"})

    def work(index: int) -> bool:
        try:
            session = sb.from_("user_sessions").select("*").eq("token_hash", hashes[index]).single().execute().data
            user = sb.from_("users").select("*").eq("id", session["user_id"]).single().execute().data
            lottery = sb.from_("lotteries").select("*").eq("id", lottery_id).single().execute().data
            sb.from_("tickets").select("id", count="exact").eq("lottery_id", lottery_id).eq(
                "user_id", user["id"]
            ).execute()
            wallet = (
                sb.from_("wallets")
                .select("*")
                .eq("user_id", user["id"])
                .eq("type", "BALANCE")
                .single()
                .execute()
                .data
            )
            price = lottery["ticket_price"]
            order = (
                sb.from_("orders")
                .insert(
                    {
                        "user_id": user["id"],
                        "order_number": f"LT{time.time_ns()}{index}",
                        "type": "LOTTERY_PURCHASE",
                        "total_amount": price,
                        "payment_method": "BALANCE",
                        "lottery_id": lottery_id,
                        "quantity": 1,
                        "status": "PENDING",
                    }
                )
                .execute()
                .data[0]
            )
            seq = lottery["sold_tickets"] + 1
            sb.from_("tickets").insert(
                {
                    "lottery_id": lottery_id,
                    "user_id": user["id"],
                    "order_id": order["id"],
                    "seq": seq,
                    "ticket_number": 1_000_000 + seq,
                    "buyer_ref": "0" * 16,
                }
            ).execute()
            new_balance = round(wallet["balance"] - price, 2)
            sb.from_("wallets").update({"balance": new_balance, "version": wallet["version"] + 1}).eq(
                "id", wallet["id"]
            ).execute()
            sb.from_("wallet_transactions").insert(
                {
                    "wallet_id": wallet["id"],
                    "type": "LOTTERY_PURCHASE",
                    "amount": -price,
                    "balance_before": wallet["balance"],
                    "balance_after": new_balance,
                }
            ).execute()
            sb.from_("orders").update({"status": "PAID"}).eq("id", order["id"]).execute()
            sb.from_("lotteries").update({"sold_tickets": seq}).eq("id", lottery_id).execute()
        except Exception:
            return False  # duplicate ticket numbers under concurrency, as in production
        return True

    return work


def process_worker(args: tuple[str | None, str, float, Any]) -> int:
    """One process: the purchase handler (token given) or a bare rpc() (no token) in a loop; successes."""
    token, lottery_id, seconds, start = args
    from functions.lottery_purchase import handler as module

    body = jsonutil.dumps({"lottery_id": lottery_id, "quantity": 1, "payment_method": "BALANCE"}).encode()
    headers = {"content-type": "application/json", "x-session-token": token or ""}
    db.rpc("bench_noop", {})  # the connection a warm container already has
    start.wait()
    done = 0
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        if token is None:
            done += db.rpc("bench_noop", {}) is not None
        else:
            response = module.handler(
                function_url_event("POST", headers=headers, body=body), LocalContext("lottery-purchase")
            )
            done += int(response["statusCode"]) == 200
    return done


def process_rate(tokens: list[str | None], lottery_id: str) -> float:
    ctx = multiprocessing.get_context("spawn")
    with ctx.Manager() as manager:
        start = manager.Barrier(len(tokens))
        with ctx.Pool(len(tokens)) as pool:
            counts = pool.map(process_worker, [(t, lottery_id, PROCESS_SECONDS, start) for t in tokens])
    return sum(counts) / PROCESS_SECONDS


def processes(pg: psycopg.Connection, lottery_id: str) -> None:
    buyers = [sign_in() for _ in range(max(PROCESSES))]
    for buyer in buyers:
        fund(pg, buyer.user["id"], "100000.00")
    rates: dict[tuple[str, int], list[float]] = {}
    for round_number in range(PROCESS_ROUNDS):
        for n in PROCESSES:
            for kind in ("bare", "purchase") if round_number % 2 == 0 else ("purchase", "bare"):
                tokens: list[str | None] = [b.token for b in buyers[:n]] if kind == "purchase" else [None] * n
                rates.setdefault((kind, n), []).append(process_rate(tokens, lottery_id))
    print(
        f"N separate processes, {PROCESS_SECONDS:.0f} s per point, median of {PROCESS_ROUNDS} rounds "
        "(order alternates)"
    )
    for n in PROCESSES:
        bare = statistics.median(rates[("bare", n)])
        bought = statistics.median(rates[("purchase", n)])
        print(
            f"  N={n:<3} bare rpc() {bare:7.0f}/s   lottery-purchase handler {bought:7.0f}/s"
            f"   ({bought / bare:.2f}x)"
        )


def lost_updates(pg: psycopg.Connection) -> int:
    row = pg.execute(
        "select count(*) from wallets w where w.balance <> "
        "(select coalesce(sum(amount), 0) from wallet_transactions t where t.wallet_id = w.id)"
    ).fetchone()
    return int(row[0]) if row else 0


def main() -> None:
    with private_stack() as stack, psycopg.connect(stack.database_url, autocommit=True) as pg:
        install_noop_rpc(stack)
        raise_rate_limits(stack.database_url)
        db.rpc("bench_noop", {})  # creates the shared client before 32 threads race to create it
        end = (datetime.now(UTC) + timedelta(days=1)).isoformat()
        hot = create_lottery(
            pg, total_tickets=8_000_000, ticket_price="1.00", unlimited_purchase=True, end_time=end
        )
        bare = run_clients(lambda _: db.rpc("bench_noop", {}) is not None, CLIENTS, REQUESTS_PER_CLIENT)
        rpc_rate = report(f"bare rpc() x{CLIENTS}", *bare)
        new = run_clients(handler_purchase(stack, pg, hot["id"], CLIENTS), CLIENTS, REQUESTS_PER_CLIENT)
        new_rate = report(f"lottery-purchase handler x{CLIENTS} (1 hot lottery)", *new)
        single = run_clients(handler_purchase(stack, pg, hot["id"], 1), 1, 200)
        report("lottery-purchase handler x1", *single)

        old_lottery: dict[str, Any] = create_lottery(
            pg, total_tickets=8_000_000, unlimited_purchase=True, end_time=end
        )
        old1 = run_clients(old_pattern(stack, pg, old_lottery["id"], 1), 1, 50)
        old1_rate = report("old ~10 REST calls x1", *old1)
        old_n = run_clients(old_pattern(stack, pg, old_lottery["id"], CLIENTS), CLIENTS, OLD_REQUESTS_PER_CLIENT)
        old_rate = report(f"old ~10 REST calls x{CLIENTS}", *old_n)
        print(f"wallets whose balance != ledger after the old pattern: {lost_updates(pg)}")
        print(
            f"ratios: purchase/bare-rpc p50 {statistics.median(new[0]) / statistics.median(bare[0]):.2f}x, "
            f"throughput {new_rate / rpc_rate:.2f}x of bare rpc; vs old pattern: p50 "
            f"{statistics.median(old1[0]) / statistics.median(single[0]):.1f}x faster (1 client), "
            f"{new_rate / max(old_rate, 0.001):.1f}x the successful/s (x{CLIENTS}); old x1 {old1_rate:.1f}/s"
        )
        processes(pg, hot["id"])


if __name__ == "__main__":
    main()
