"""Fairness you can check (issue 18): purchase p50 with and without the receipt signature, inclusion-proof latency
and the chunk layer's cost at 1k/100k/1M tickets, and the verification page's time and JS heap in headless
Chromium for 1k/100k/1M tickets (drawn lotteries on a private stack, pages fetched through the local gateway).

    python -m bench.fairness [--sizes 1000,100000,1000000] [--purchases 300]     (--sizes "": purchases only)
"""

from __future__ import annotations

import argparse
import copy
import os
import random
import statistics
import time
from typing import Any

import psycopg

from bench.common import percentile, raise_rate_limits, timed
from infra.local.events import LocalContext, function_url_event
from infra.local.stack import Stack, private_stack
from luckymart import fairdraw, jsonutil, receipts
from tests.support import sign_in
from tests.support_browser import chromium, run_page
from tests.support_lottery import create_lottery, fund


def purchase_latency(pg: psycopg.Connection, rounds: int, per_round: int) -> None:
    """One buyer, sequential purchases of one ticket through the real handler, alternating blocks with the receipt
    signed and with the signature replaced by a pass-through (same RPC, same response size minus the signature)."""
    from functions.lottery_purchase import handler as module

    lottery = create_lottery(pg, total_tickets=1_000_000, ticket_price="0.01", unlimited_purchase=True)
    buyer = sign_in()
    fund(pg, buyer.user["id"], "100000.00")
    endpoint = copy.copy(module.endpoint)
    body = jsonutil.dumps({"lottery_id": lottery["id"], "quantity": 1, "payment_method": "BALANCE"}).encode()
    headers = {"content-type": "application/json", "x-session-token": buyer.token}

    def buy() -> None:
        response = endpoint.handler(
            function_url_event("POST", headers=headers, body=body), LocalContext("purchase")
        )
        assert int(response["statusCode"]) == 200, response

    signed: list[float] = []
    unsigned: list[float] = []
    issue = receipts.issue
    try:
        for round_ in range(rounds):
            modes = [("signed", signed), ("unsigned", unsigned)]
            for mode, samples in modes if round_ % 2 else modes[::-1]:  # ABBA: no order bias
                receipts.issue = issue if mode == "signed" else (lambda material, order, key: dict(material))
                samples.extend(timed(buy, per_round, warmup=3))
    finally:
        receipts.issue = issue
    material = {
        "lottery_id": lottery["id"],
        "commitment": lottery["draw_commitment"],
        "buyer_ref": "0" * 16,
        "tickets": [{"seq": 1, "ticket_number": 1000001, "ticket_id": "00000000-0000-0000-0000-000000000001"}],
    }
    order = {"id": "o", "order_number": "LT1", "paid_at": "2026-11-30T00:00:00Z"}
    key = receipts.signing_key()
    alone = timed(lambda: receipts.issue(material, order, key), 2000, warmup=50)
    print(
        f"purchase (1 ticket, sequential, n={len(signed)} each): p50 signed {statistics.median(signed):.2f} ms, "
        f"without signature {statistics.median(unsigned):.2f} ms; "
        f"p99 {percentile(signed, 0.99):.2f} / {percentile(unsigned, 0.99):.2f} ms"
    )
    print(f"receipt issue alone (hashes + Ed25519 sign), 1 ticket: p50 {statistics.median(alone) * 1000:.0f} µs")


def generate(pg: psycopg.Connection, lottery_id: str, size: int) -> float:
    """`size` tickets of min(size, 1000) buyers in SQL, then the frozen root set as the last purchase would: the
    chunk layer is built by the trigger in that one statement (the worst case: every chunk at once). Returns its
    duration in seconds."""
    buyers = min(size, 1000)
    pepper = os.environ["REFERRAL_PEPPER"]
    tag = f"F{size}"
    pg.execute(
        "insert into users (telegram_id, referral_code) "
        "select (700000000 + %s + i)::text, %s || lpad(i::text, 7, '0') from generate_series(1, %s) i",
        (size, tag, buyers),
    )
    pg.execute(
        "insert into orders "
        "(user_id, order_number, type, total_amount, payment_method, lottery_id, quantity, status) "
        "select id, %s || telegram_id, 'LOTTERY_PURCHASE', 1, 'BALANCE', %s, 1, 'PAID' from users "
        "where referral_code like %s",
        (tag, lottery_id, f"{tag}%"),
    )
    pg.execute(
        "insert into tickets (lottery_id, user_id, order_id, seq, ticket_number, buyer_ref) "
        "select %s, o.user_id, o.id, s, 1000000 + s, private.buyer_ref(%s, %s, o.user_id) "
        "from generate_series(1, %s) s "
        "join (select id, user_id, row_number() over (order by id) - 1 as k from orders where lottery_id = %s) o "
        "on o.k = s %% %s",
        (lottery_id, pepper, lottery_id, size, lottery_id, buyers),
    )
    frontier = fairdraw.MerkleFrontier()
    with pg.transaction(), pg.cursor(name="entries") as cursor:
        cursor.itersize = 50_000
        cursor.execute("select seq, id, buyer_ref from tickets where lottery_id = %s order by seq", (lottery_id,))
        for seq, ticket_id, buyer_ref in cursor:
            frontier.append(fairdraw.leaf_data(seq, str(ticket_id), buyer_ref))
    started = time.perf_counter()
    pg.execute(
        "update draw_commitments set entries_count = %s, entries_root = %s, frozen_at = now() "
        "where lottery_id = %s",
        (size, frontier.root().hex(), lottery_id),
    )
    chunk_seconds = time.perf_counter() - started
    pg.execute(
        "update lotteries set sold_tickets = total_tickets, status = 'SOLD_OUT', "
        "draw_time = now() - interval '1 s' where id = %s",
        (lottery_id,),
    )
    return chunk_seconds


def get(name: str, query: str) -> dict[str, Any]:
    from infra.local.gateway import load_user_function

    module = load_user_function(name)
    assert module is not None
    response = module.handler(function_url_event("GET", query=query), LocalContext(name))
    assert int(response["statusCode"]) == 200, response
    return dict(jsonutil.loads(response["body"])["data"])


def one_size(stack: Stack, pg: psycopg.Connection, driver: Any, size: int) -> None:
    lottery = create_lottery(pg, total_tickets=size, ticket_price="1.00", unlimited_purchase=True)
    lottery_id = lottery["id"]
    started = time.perf_counter()
    chunk_seconds = generate(pg, lottery_id, size)
    print(
        f"{size:>9,} tickets: setup {time.perf_counter() - started:.1f} s; chunk layer built in one statement "
        f"{chunk_seconds * 1000:.0f} ms ({-(-size // 1024)} chunks; a purchase crossing a chunk boundary pays "
        f"~{chunk_seconds * 1000 / max(1, size // 1024):.1f} ms once per 1,024 tickets)"
    )
    numbers = [random.randint(1_000_001, 1_000_000 + size) for _ in range(40)]
    proof = timed(
        lambda: get("get-ticket-proof", f"lottery_id={lottery_id}&ticket_numbers={numbers.pop()}"), 30, 10
    )
    page = timed(lambda: get("verify-draw", f"lottery_id={lottery_id}&tickets_limit=1000&tickets_offset=0"), 20, 3)
    sql_proof = timed(
        lambda: pg.execute(
            "select public.get_ticket_proofs(%s, array[%s])",
            (lottery_id, random.randint(1_000_001, 1_000_000 + size)),
        ),
        30,
        5,
    )
    naive = timed(
        lambda: pg.execute(
            "select (private.merkle_audit(private.merkle_leaf_hashes(%s, 1, %s), 0)).root", (lottery_id, size)
        ),
        1 if size > 100_000 else 3,
        warmup=0,
    )
    print(
        f"{'':>9}   get-ticket-proof p50 {statistics.median(proof):.1f} ms through the handler, "
        f"{statistics.median(sql_proof):.1f} ms in SQL (chunk layer) vs {statistics.median(naive):.0f} ms to hash "
        f"every leaf in SQL; verify-draw page of 1,000 p50 {statistics.median(page):.1f} ms"
    )
    from functions.auto_lottery_draw.handler import handler

    assert handler({"source": "aws.events", "detail-type": "Scheduled Event"}, None)["drawn"] == [lottery_id]
    result = run_page(driver, f"{stack.api_url}/verify/?lottery={lottery_id}&ticket={1_000_000 + size // 2}", 1800)
    assert result["verdict"] == "valid", result
    print(
        f"{'':>9}   page in headless Chromium: {result['ms'] / 1000:.1f} s for {-(-size // 1000)} pages, "
        f"peak JS heap {result['peakHeap'] / 2**20:.1f} MB, Ed25519 via {result['engine']}: VALID"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000,100000,1000000")
    parser.add_argument("--purchases", type=int, default=300)
    args = parser.parse_args([] if __name__ != "__main__" else None)
    with private_stack() as stack, psycopg.connect(stack.database_url, autocommit=True) as pg:
        raise_rate_limits(stack.database_url)
        purchase_latency(pg, rounds=10, per_round=max(1, args.purchases // 10))
        with chromium() as driver:
            for size in (int(s) for s in args.sizes.split(",") if s):
                one_size(stack, pg, driver, size)


if __name__ == "__main__":
    main()
