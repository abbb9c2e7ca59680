"""validate-session in-process (handler, real event, real stack) next to one bare rpc() round trip."""

from __future__ import annotations

import statistics

from bench.common import bare_rpc_ms, install_noop_rpc, summary, timed
from infra.local.stack import private_stack
from tests.support import invoke, sign_in

RUNS = 1000


def main() -> None:
    with private_stack() as stack:
        install_noop_rpc(stack)
        session = sign_in()
        bare = bare_rpc_ms(RUNS)
        handler = timed(lambda: invoke("validate-session", {}, token=session.token), RUNS)
        print(summary("bare rpc()", bare))
        print(summary("validate-session handler", handler))
        print(f"ratio p50 handler / bare rpc: {statistics.median(handler) / statistics.median(bare):.2f}x")


if __name__ == "__main__":
    main()
