"""validate-session in-process (handler, real event, real stack) next to one bare rpc() round trip."""

from __future__ import annotations

import statistics

from bench.common import install_noop_rpc, interleaved, summary
from infra.local.stack import private_stack
from tests.support import invoke, sign_in

RUNS = 1000


def main() -> None:
    with private_stack() as stack:
        install_noop_rpc(stack)
        session = sign_in()
        # interleaved: each handler call is followed by a bare rpc(), so both see the same load
        handler, bare = interleaved(lambda: invoke("validate-session", {}, token=session.token), RUNS)
        print(summary("bare rpc()", bare))
        print(summary("validate-session handler", handler))
        print(f"ratio p50 handler / bare rpc: {statistics.median(handler) / statistics.median(bare):.2f}x")


if __name__ == "__main__":
    main()
