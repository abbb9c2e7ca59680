"""exchange-balance in-process (handler, real event, real stack, real ledger writes) next to one bare no-op
rpc() and next to the same SQL function called with a bare rpc() (what the handler adds on top of its SQL)."""

from __future__ import annotations

import statistics
from decimal import Decimal

import psycopg

from bench.common import bare_rpc_ms, install_noop_rpc, raise_rate_limits, summary, timed
from infra.local.stack import private_stack
from luckymart import db
from luckymart.sessions import hash_token
from tests.support import invoke, sign_in
from tests.support_wallets import credit

RUNS = 1000


def main() -> None:
    with private_stack() as stack:
        install_noop_rpc(stack)
        raise_rate_limits(stack.database_url)
        session = sign_in()
        with psycopg.connect(stack.database_url, autocommit=True) as pg:
            credit(pg, session.user["id"], "1000000")

        def exchange() -> None:
            result = invoke("exchange-balance", {"amount": 1}, token=session.token)
            assert result.status == 200, result.body

        params = {"p_session": hash_token(session.token), "p_amount": Decimal(1), "p_idempotency_key": None}
        bare = bare_rpc_ms(RUNS)
        sql_only = timed(lambda: db.rpc("exchange_balance", {**params, "p_request_hash": "bench"}), RUNS)
        handler = timed(exchange, RUNS)
        print(summary("bare no-op rpc()", bare))
        print(summary("exchange_balance rpc()", sql_only))
        print(summary("exchange-balance handler", handler))
        print(f"ratio p50 handler / bare no-op rpc: {statistics.median(handler) / statistics.median(bare):.2f}x")
        print(
            f"ratio p50 handler / its own rpc:    {statistics.median(handler) / statistics.median(sql_only):.2f}x"
        )


if __name__ == "__main__":
    main()
