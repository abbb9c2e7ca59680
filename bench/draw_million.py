"""The draw of a 1,000,000-ticket lottery: wall time and peak memory of the drawing Lambda process.

Setup (not measured): the lottery through the admin path, 1,000 buyers and 1,000,000 tickets generated in SQL,
the entries root computed by streaming the tickets (as the purchase frontier would have), SOLD_OUT with its
draw_time passed. Measured: a fresh process running the auto-lottery-draw handler (claim, seed, HMAC loop,
signature, completion with prize, result and 1,000 notifications). Targets: < 5 s and < 256 MB."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time

import psycopg

from infra.local.stack import private_stack
from luckymart import fairdraw
from tests.support_lottery import create_lottery

TICKETS = 1_000_000
BUYERS = 1_000


def generate(pg: psycopg.Connection, lottery_id: str) -> None:
    pepper = os.environ["REFERRAL_PEPPER"]
    pg.execute(
        "insert into users (telegram_id, referral_code) "
        "select (800000000 + i)::text, 'BENCH' || lpad(i::text, 6, '0') from generate_series(1, %s) i",
        (BUYERS,),
    )
    pg.execute(
        "insert into orders "
        "(user_id, order_number, type, total_amount, payment_method, lottery_id, quantity, status) "
        "select id, 'BENCH' || telegram_id, 'LOTTERY_PURCHASE', 1000, 'BALANCE', %s, 100, 'PAID' from users "
        "where referral_code like 'BENCH%%'",
        (lottery_id,),
    )
    pg.execute(
        "insert into tickets (lottery_id, user_id, order_id, seq, ticket_number, buyer_ref) "
        "select %s, o.user_id, o.id, s, 1000000 + s, private.buyer_ref(%s, %s, o.user_id) "
        "from generate_series(1, %s) s "
        "join (select id, user_id, row_number() over (order by id) - 1 as k from orders where lottery_id = %s) o "
        "on o.k = s %% %s",
        (lottery_id, pepper, lottery_id, TICKETS, lottery_id, BUYERS),
    )
    frontier = fairdraw.MerkleFrontier()
    with pg.transaction(), pg.cursor(name="entries") as cursor:
        cursor.itersize = 50_000
        cursor.execute("select seq, id, buyer_ref from tickets where lottery_id = %s order by seq", (lottery_id,))
        for seq, ticket_id, buyer_ref in cursor:
            frontier.append(fairdraw.leaf_data(seq, str(ticket_id), buyer_ref))
    pg.execute(
        "update draw_commitments set entries_count = %s, entries_root = %s, frozen_at = now() "
        "where lottery_id = %s",
        (TICKETS, frontier.root().hex(), lottery_id),
    )
    pg.execute(
        "update lotteries set sold_tickets = total_tickets, status = 'SOLD_OUT', "
        "draw_time = now() - interval '1 s' where id = %s",
        (lottery_id,),
    )


def peak_rss_mb() -> float:
    """This process's own peak RSS (VmHWM belongs to its address space, which exec replaced). ru_maxrss is not:
    Linux carries the parent's peak into a child across fork and exec, so it reported the benchmark parent's."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # not Linux


def draw_in_this_process() -> None:
    """The child: what the Lambda does on its scheduled tick."""
    started = time.perf_counter()
    from functions.auto_lottery_draw.handler import handler

    imported = time.perf_counter()
    result = handler({"source": "aws.events", "detail-type": "Scheduled Event"}, None)
    done = time.perf_counter()
    peak_mb = peak_rss_mb()
    print(
        json.dumps(
            {"result": result, "import_s": imported - started, "draw_s": done - imported, "peak_mb": peak_mb}
        )
    )


def main() -> None:
    with private_stack() as stack, psycopg.connect(stack.database_url, autocommit=True) as pg:
        lottery = create_lottery(pg, total_tickets=TICKETS, ticket_price="1.00", unlimited_purchase=True)
        started = time.perf_counter()
        generate(pg, lottery["id"])
        print(f"setup: {TICKETS:,} tickets generated and hashed in {time.perf_counter() - started:.1f} s")
        child = subprocess.run(
            [sys.executable, "-m", "bench.draw_million", "--draw"], capture_output=True, text=True, check=True
        )
        measured = json.loads(child.stdout.strip().splitlines()[-1])
        assert measured["result"]["drawn"] == [lottery["id"]], measured
        status = pg.execute("select status from lotteries where id = %s", (lottery["id"],)).fetchone()
        print(
            f"draw of {TICKETS:,} tickets: {measured['draw_s']:.2f} s wall "
            f"(imports {measured['import_s']:.2f} s), "
            f"peak RSS {measured['peak_mb']:.0f} MB; lottery {status[0] if status else '?'}"
        )


if __name__ == "__main__":
    if "--draw" in sys.argv:
        draw_in_this_process()
    else:
        main()
