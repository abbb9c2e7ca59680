"""Admin actions in-process (the path `luckymart-admin --local` takes and the Lambda runs): an authorised read
(users.show), a denied attempt (403 + its audit row in a second round trip), admins.list, against a bare `rpc()`;
and the CLI's own start-up (`luckymart-admin --help`, a fresh process)."""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

import psycopg

from bench.common import bare_rpc_ms, install_noop_rpc, summary, timed
from infra.local.stack import private_stack
from tests.support import admin_invoke, make_admin, sign_in

RUNS = 200
CLI_RUNS = 5


def cli_start_ms() -> list[float]:
    cli = str(Path(sys.executable).with_name("luckymart-admin"))
    samples = []
    for _ in range(CLI_RUNS):
        started = time.perf_counter()
        subprocess.run([cli, "--help"], check=True, capture_output=True)
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def main() -> None:
    with private_stack() as stack, psycopg.connect(stack.database_url, autocommit=True) as pg:
        install_noop_rpc(stack)
        support, finance = make_admin(pg, "SUPPORT"), make_admin(pg, "FINANCE")
        root = make_admin(pg, "SUPER_ADMIN")
        user = sign_in(username="bench_user").user["id"]
        bare = bare_rpc_ms(RUNS)
        show = timed(lambda: admin_invoke("admin-users", "users.show", {"user_id": user}, token=support), RUNS)
        denied = timed(lambda: admin_invoke("admin-users", "users.show", {"user_id": user}, token=finance), RUNS)
        admins = timed(lambda: admin_invoke("admin-accounts", "admins.list", {}, token=root), RUNS)
        print(summary("bare rpc()", bare))
        print(summary("users.show (SUPPORT)", show))
        print(summary("users.show denied (403)", denied))
        print(summary("admins.list", admins))
        print(f"ratio p50 users.show / bare rpc: {statistics.median(show) / statistics.median(bare):.2f}x")
    print(summary("luckymart-admin --help", cli_start_ms()))


if __name__ == "__main__":
    main()
