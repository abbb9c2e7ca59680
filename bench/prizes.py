"""Resale market and social feed in-process (handler, real event, real stack): purchase-resale end to end
(list + buy, so each sample sells a fresh listing), the public market page, the showoff feed and a like toggle."""

from __future__ import annotations

import statistics
from decimal import Decimal

import psycopg

from bench.common import bare_rpc_ms, install_noop_rpc, raise_rate_limits, summary, timed
from infra.local.stack import private_stack
from tests.support import invoke, sign_in
from tests.support_prizes import approved_showoff, fund, win_prize

RUNS = 200
MARKET_PAGE = 50


def main() -> None:
    with private_stack() as stack, psycopg.connect(stack.database_url, autocommit=True) as pg:
        raise_rate_limits(stack.database_url)
        install_noop_rpc(stack)
        seller, buyer = sign_in(username="bench_seller"), sign_in(username="bench_buyer")
        prizes = [win_prize(pg, seller, total_tickets=2)["prize_id"] for _ in range(RUNS + 20)]
        fund(pg, buyer, "LUCKY_COIN", Decimal(30) * len(prizes))
        listings = iter(
            invoke("create-resale", {"prize_id": p, "price": 20}, token=seller.token).data["id"] for p in prizes
        )

        def buy() -> None:
            result = invoke("purchase-resale", {"resale_id": next(listings)}, token=buyer.token)
            assert result.status == 200, result.body

        showoff = approved_showoff(pg, seller, win_prize(pg, seller)["prize_id"])
        bare = bare_rpc_ms(RUNS)
        purchase = timed(buy, RUNS)
        for _ in range(MARKET_PAGE):  # a full first page of active listings for the market read
            invoke(
                "create-resale", {"prize_id": win_prize(pg, seller)["prize_id"], "price": 80}, token=seller.token
            )
        market = timed(lambda: invoke("list-resale-items", {"limit": MARKET_PAGE}), RUNS)
        feed = timed(lambda: invoke("list-showoffs", {}, token=buyer.token), RUNS)
        like = timed(lambda: invoke("like-showoff", {"showoff_id": showoff}, token=buyer.token), RUNS)
        print(summary("bare rpc()", bare))
        print(summary("create-resale + purchase", purchase))
        print(summary("list-resale-items (50)", market))
        print(summary("list-showoffs", feed))
        print(summary("like-showoff", like))
        print(f"ratio p50 like-showoff / bare rpc: {statistics.median(like) / statistics.median(bare):.2f}x")


if __name__ == "__main__":
    main()
