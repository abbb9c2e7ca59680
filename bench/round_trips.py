"""Every user function in-process on the real stack: p50/p99 latency next to a bare rpc(), and the number of
database round trips (PostgREST calls) per request, counted at the one place handlers reach the database."""

from __future__ import annotations

import statistics
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import psycopg

from bench.common import bare_rpc_ms, install_noop_rpc, percentile, timed
from infra.local.s3 import local_s3
from infra.local.stack import private_stack
from luckymart import db
from scripts.openapi import endpoints
from tests.support import SignedIn, invoke, sign_in
from tests.support_lottery import create_lottery
from tests.support_prizes import approved_showoff, fund, win_prize

RUNS = 200


def sample_requests(pg: psycopg.Connection, user: SignedIn) -> dict[str, Callable[[], Any]]:
    """One representative, valid request per user function (read-only or repeatable without running dry)."""
    fund(pg, user, "BALANCE", Decimal(100_000))
    prize = win_prize(pg, user)["prize_id"]
    won = win_prize(pg, user)
    showoff = approved_showoff(pg, user, won["prize_id"])
    drawn, open_lottery = won["lottery_id"], create_lottery(pg)["id"]
    token = user.token
    return {
        "validate-session": lambda: invoke("validate-session", {}, token=token),
        "get-wallet-balance": lambda: invoke("get-wallet-balance", {}, token=token),
        "get-transactions": lambda: invoke("get-transactions", {"limit": 20}, token=token),
        "get-payment-config": lambda: invoke("get-payment-config", {"type": "DEPOSIT"}),
        "exchange-balance": lambda: invoke("exchange-balance", {"amount": 1}, token=token),
        "create-upload-url": lambda: invoke("create-upload-url", {"content_type": "image/png"}, token=token),
        "get-my-prizes": lambda: invoke("get-my-prizes", {}, token=token),
        "list-resale-items": lambda: invoke("list-resale-items", {}),
        "list-showoffs": lambda: invoke("list-showoffs", {}, token=token),
        "like-showoff": lambda: invoke("like-showoff", {"showoff_id": showoff}, token=token),
        "get-notifications": lambda: invoke("get-notifications", {}, token=token),
        "mark-notifications-read": lambda: invoke("mark-notifications-read", {"all": True}, token=token),
        "get-user-referral-stats": lambda: invoke("get-user-referral-stats", {}, token=token),
        "get-invited-users": lambda: invoke("get-invited-users", {}, token=token),
        "list-lotteries": lambda: invoke("list-lotteries", {}),
        "list-lotteries (session)": lambda: invoke("list-lotteries", {}, token=token),
        "get-lottery": lambda: invoke("get-lottery", {"lottery_id": drawn}),
        "get-lottery (session)": lambda: invoke("get-lottery", {"lottery_id": open_lottery}, token=token),
        # two requests per sample: list the prize, then take it back
        "create-resale + cancel-resale": lambda: invoke(
            "cancel-resale",
            {"resale_id": invoke("create-resale", {"prize_id": prize, "price": 100}, token=token).data["id"]},
            token=token,
        ),
    }


def main() -> None:
    calls = {"n": 0}
    real_rpc = db.rpc

    def counting_rpc(function: str, params: dict[str, Any]) -> Any:
        calls["n"] += 1
        return real_rpc(function, params)

    with private_stack() as stack, local_s3(), psycopg.connect(stack.database_url, autocommit=True) as pg:
        install_noop_rpc(stack)
        samples = sample_requests(pg, sign_in(username="bench_round_trips"))
        bare = bare_rpc_ms(RUNS)
        floor = statistics.median(bare)
        print(f"{'function':<30} {'p50 ms':>8} {'p99 ms':>8} {'x bare':>7} {'db trips':>9}")
        print(f"{'bare rpc()':<30} {floor:8.2f} {percentile(bare, 0.99):8.2f} {1:7.2f} {1:9}")
        db.rpc = counting_rpc
        try:
            names = sorted({ep.name for ep in endpoints()} | set(samples))
            for name in names:
                if name not in samples:
                    print(f"{name:<30} {'(no sample request here)':>35}")
                    continue
                calls["n"] = 0
                runs = timed(samples[name], RUNS, warmup=5)
                trips = calls["n"] / (RUNS + 5) / (name.count("+") + 1)
                p50 = statistics.median(runs)
                print(f"{name:<30} {p50:8.2f} {percentile(runs, 0.99):8.2f} {p50 / floor:7.2f} {trips:9.2f}")
        finally:
            db.rpc = real_rpc


if __name__ == "__main__":
    main()
