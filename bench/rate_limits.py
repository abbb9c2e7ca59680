"""What the hardening adds to a request (issue 15): a write handler (mark-notifications-read) with and without its
`write` rate limit, sign-in with and without its two limits and the session cap, and the SQL limiter alone."""

from __future__ import annotations

import json
import statistics
import time

import psycopg

from bench.common import summary, timed
from infra.local.stack import private_stack
from tests.support import invoke, sign_in, signed_init_data

RUNS = 500


def main() -> None:
    with private_stack() as stack, psycopg.connect(stack.database_url, autocommit=True) as pg:
        generous = {
            name: {"limit": 10**9, "window_seconds": 60} for name in ("write", "sign_in_user", "sign_in_ip")
        }
        pg.execute("update system_config set value = %s::jsonb where key = 'rate_limits'", (json.dumps(generous),))
        session = sign_in()
        limited = timed(lambda: invoke("mark-notifications-read", {"all": True}, token=session.token), RUNS)
        init_data = signed_init_data(424242)
        sign_ins = timed(lambda: invoke("auth-telegram", {"initData": init_data}), RUNS)
        pg.execute("update system_config set value = '{}'::jsonb where key = 'rate_limits'")  # no bucket: no limit
        pg.execute(
            "update system_config set value = '{\"max_active_per_user\": 1000000}'::jsonb where key = 'sessions'"
        )
        unlimited = timed(lambda: invoke("mark-notifications-read", {"all": True}, token=session.token), RUNS)
        bare_sign_ins = timed(lambda: invoke("auth-telegram", {"initData": init_data}), RUNS)
        started = time.perf_counter()
        pg.execute("select private.rate_limit('bench', 'k' || (i % 1000), 1000000000, 60) "
                   "from generate_series(1, 20000) i")  # fmt: skip
        per_call_us = (time.perf_counter() - started) / 20000 * 1e6
        print(summary("mark-notifications-read, write limit on", limited))
        print(summary("mark-notifications-read, no limit", unlimited))
        print(summary("auth-telegram, 2 limits + session cap", sign_ins))
        print(summary("auth-telegram, no limits, no cap", bare_sign_ins))
        print(f"ratio p50 write limit on/off: {statistics.median(limited) / statistics.median(unlimited):.2f}x")
        print(f"private.rate_limit in SQL: {per_call_us:.1f} µs per call (20,000 calls over 1,000 keys)")


if __name__ == "__main__":
    main()
