"""Handler p50 / bare rpc() p50 for the user functions on realistic data (a user with 200 ledger rows and full
pages, a market page of 20 listings, a purchase without and with a referrer, the latter also publishing to SQS:
moto in this process), each handler call interleaved with a bare no-op rpc() so both see the same load."""

from __future__ import annotations

import contextlib
import io
import os
import statistics
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import psycopg

from bench.common import handler_call, install_noop_rpc, install_page_floor, page_floor_call, percentile
from infra.local.aws import local_aws
from infra.local.stack import private_stack
from luckymart import commission_queue, db
from tests.support import invoke, sign_in
from tests.support_lottery import create_lottery
from tests.support_lottery import fund as fund_wallet
from tests.support_prizes import fund, win_prize

RUNS = 300
WARMUP = 20
TARGET = 1.5


def interleaved(call: Callable[[], object], runs: int = RUNS) -> tuple[list[float], list[float]]:
    """(handler samples, bare rpc samples), alternating one of each."""
    handler, bare = [], []
    for i in range(runs + WARMUP):
        started = time.perf_counter()
        call()
        middle = time.perf_counter()
        db.rpc("bench_noop", {})
        ended = time.perf_counter()
        if i >= WARMUP:
            handler.append((middle - started) * 1000)
            bare.append((ended - middle) * 1000)
    return handler, bare


def main() -> None:
    with (
        private_stack() as stack,
        psycopg.connect(stack.database_url, autocommit=True) as pg,
        local_aws(),
    ):
        commission_queue.reset()
        install_noop_rpc(stack)
        install_page_floor(stack)
        # measure the handlers, not the per-user write limiter (no bucket: no limit)
        pg.execute("update system_config set value = '{}'::jsonb where key = 'rate_limits'")
        referrer = sign_in(username="bench_referrer")
        user = sign_in(username="bench_user", start_param=f"ref_{referrer.user['referral_code']}")
        fund_wallet(pg, user.user["id"], "1000000")
        for _ in range(100):  # history: 200 ledger rows (100 exchanges = a debit and a credit each)
            invoke("exchange-balance", {"amount": 1}, token=user.token)
        seller = sign_in(username="bench_seller")
        for _ in range(20):  # a full market page
            prize = win_prize(pg, seller, total_tickets=2)["prize_id"]
            invoke("create-resale", {"prize_id": prize, "price": 20}, token=seller.token)
        fund(pg, user, "LUCKY_COIN", Decimal(1000))
        for i in range(30):  # a full notifications page (nothing above notifies this user)
            pg.execute(
                "select private.notify(%s, 'PAYMENT_SUCCESS', 'Deposit approved', %s, %s::jsonb)",
                (user.user["id"], f"Your deposit #{i} of 100.00 was credited.", '{"amount": 100.00}'),
            )
        loner = sign_in(username="bench_loner")  # no referrer: no outbox row, no SQS publish
        fund_wallet(pg, loner.user["id"], "1000000")
        lottery = create_lottery(pg, ticket_price="1.00", total_tickets=1_000_000)

        cases: list[tuple[str, Callable[[], Any]]] = [
            ("validate-session", handler_call("validate-session", {}, user.token)),
            ("get-wallet-balance", handler_call("get-wallet-balance", {}, user.token)),
            ("get-transactions (20 of 200)", handler_call("get-transactions", {"limit": 20}, user.token)),
            ("exchange-balance", handler_call("exchange-balance", {"amount": 1}, user.token, idempotent=True)),
            (
                "lottery-purchase",
                handler_call(
                    "lottery-purchase",
                    {"lottery_id": lottery["id"], "quantity": 1, "payment_method": "BALANCE"},
                    loner.token,
                    idempotent=True,
                ),
            ),
            (
                "lottery-purchase + SQS publish",
                handler_call(
                    "lottery-purchase",
                    {"lottery_id": lottery["id"], "quantity": 1, "payment_method": "BALANCE"},
                    user.token,
                    idempotent=True,
                ),
            ),
            ("list-resale-items (20)", handler_call("list-resale-items", {"limit": 20})),
            ("get-my-tickets (20)", handler_call("get-my-tickets", {"limit": 20}, user.token)),
            ("get-notifications (20)", handler_call("get-notifications", {"limit": 20}, user.token)),
            ("get-my-orders (20)", handler_call("get-my-orders", {"limit": 20}, user.token)),
            ("get-my-prizes (20)", handler_call("get-my-prizes", {"limit": 20}, seller.token)),
        ]
        print(f"in-process handler vs bare rpc() interleaved, {RUNS} samples each, p50 (p99) in ms")
        print(
            f"  (EMF metrics {'off' if os.environ.get('POWERTOOLS_METRICS_DISABLED') == 'true' else 'on'}; "
            "the last row is validate-session with them on, printed into a buffer)"
        )

        def with_metrics() -> object:
            saved = os.environ.pop("POWERTOOLS_METRICS_DISABLED", None)
            try:
                with contextlib.redirect_stdout(io.StringIO()):
                    return cases[0][1]()
            finally:
                if saved is not None:
                    os.environ["POWERTOOLS_METRICS_DISABLED"] = saved

        layer = 0.0  # what the handler layer adds to a request whose SQL does nothing (validate-session)
        for name, call in [*cases, ("validate-session, metrics on", with_metrics)]:
            handler, bare = interleaved(call)
            ratio = statistics.median(handler) / statistics.median(bare)
            verdict = "ok" if ratio <= TARGET else "over"
            print(
                f"  {name:<32} handler {statistics.median(handler):6.2f} ({percentile(handler, 0.99):6.2f})"
                f"   bare {statistics.median(bare):5.2f}   ratio {ratio:4.2f}x {verdict}"
            )
            if name == "validate-session":
                layer = statistics.median(handler) - statistics.median(bare)
        print(
            "the floor of a list page: an rpc() that returns the same page JSON from a table (no SQL work), "
            f"interleaved with a bare rpc(); + the handler layer ({layer:.2f} ms, validate-session - bare)"
        )
        for name, call in cases:
            if "(20)" not in name:
                continue
            response = call()
            floor, bare = interleaved(page_floor_call(pg, name, response))
            size = len(response["body"]) / 1024
            json_only = statistics.median(floor) / statistics.median(bare)
            print(
                f"  {name:<32} {size:5.1f} KB   page JSON alone {json_only:4.2f}x bare"
                f"   floor with the layer {(statistics.median(floor) + layer) / statistics.median(bare):4.2f}x"
            )


if __name__ == "__main__":
    main()
