"""The public catalogue in-process (handler, real event, real stack) on a catalogue of 60 lotteries (20 of them
drawn): list-lotteries' first page of 20 and get-lottery, anonymous and with a session, next to a bare rpc().
Samples are interleaved (every request once per round, in a shuffled order, RUNS rounds), so a shared machine's
load swings hit all alike;
validate-session is the reference for what the handler layer alone adds."""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Callable

import psycopg

from bench.common import handler_call, install_noop_rpc, summary
from infra.local.stack import private_stack
from luckymart import db
from tests.support import sign_in
from tests.support_lottery import create_lottery
from tests.support_prizes import win_prize

RUNS = 300


def interleaved(requests: dict[str, Callable[[], object]], runs: int) -> dict[str, list[float]]:
    samples: dict[str, list[float]] = {name: [] for name in requests}
    order = list(requests)
    for i in range(runs + 20):
        random.shuffle(order)  # no request always follows the heavy list page (its garbage, its cache misses)
        for name in order:
            started = time.perf_counter()
            requests[name]()
            if i >= 20:  # warm-up
                samples[name].append((time.perf_counter() - started) * 1000)
    return samples


def main() -> None:
    with private_stack() as stack, psycopg.connect(stack.database_url, autocommit=True) as pg:
        install_noop_rpc(stack)
        user = sign_in(username="bench_catalogue")
        drawn = [win_prize(pg, user)["lottery_id"] for _ in range(20)]
        for _ in range(40):
            create_lottery(pg)
        drawn_id, token = drawn[0], user.token
        pg.execute("select extensions.pg_stat_statements_reset()")
        samples = interleaved(
            {
                "bare rpc()": lambda: db.rpc("bench_noop", {}),
                # reference: the simplest session handler (README: 1.42x bare on a quiet machine)
                "validate-session": handler_call("validate-session", {}, token),
                "list-lotteries (20 of 60)": handler_call("list-lotteries", {}),
                "list-lotteries ACTIVE+session": handler_call("list-lotteries", {"status": "ACTIVE"}, token),
                "get-lottery (drawn)": handler_call("get-lottery", {"lottery_id": drawn_id}),
                "get-lottery (drawn, session)": handler_call("get-lottery", {"lottery_id": drawn_id}, token),
            },
            RUNS,
        )
        floor = statistics.median(samples["bare rpc()"])
        for name, runs in samples.items():
            print(f"{summary(name, runs)}   {statistics.median(runs) / floor:5.2f}x bare")
        # server side, load-independent-ish: the SQL each request runs (mean ms, statements per request)
        for function in ("bench_noop", "validate_session", "list_lotteries", "get_lottery"):
            row = pg.execute(
                "select coalesce(sum(calls), 0), coalesce(sum(total_exec_time) / nullif(sum(calls), 0), 0) "
                "from extensions.pg_stat_statements where query ilike %s and query not ilike '%%pg_stat%%'",
                (f'%"{function}"(%',),
            ).fetchone()
            assert row is not None
            print(f"SQL {function:<18} mean {float(row[1]):6.3f} ms   calls {int(row[0])}")


if __name__ == "__main__":
    main()
