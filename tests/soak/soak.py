"""Soak test: many simulated users at once through the HTTP gateway, admins reviewing, the scheduler and the
queue consumer running, with faults injected — then every invariant must hold.

    python -m tests.soak.soak --seconds 600        # `make soak`
    (a 60-second run is part of `make test`: tests/soak/test_soak.py)

Every loop is bounded by the deadline and by a request budget; all traffic stays on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import logging
import random
import secrets
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psycopg

from infra.local.s3 import local_s3
from infra.local.stack import Stack, private_stack
from tests.invariants import check_invariants
from tests.support import admin_invoke, make_admin, signed_init_data

MAX_REQUESTS = 200_000  # a hard bound on top of the deadline


@dataclass
class SoakUser:
    telegram_id: int
    init_data: str
    token: str
    user_id: str
    referral_code: str


@dataclass
class Report:
    seconds: float
    users: int
    operations: Counter[str] = field(default_factory=Counter)
    faults: Counter[str] = field(default_factory=Counter)
    statuses: Counter[int] = field(default_factory=Counter)
    violations: list[str] = field(default_factory=list)

    def render(self) -> str:
        lines = [f"soak: {self.seconds:.0f} s, {self.users} users, {sum(self.operations.values())} operations"]
        lines += [f"  op     {name:<28} {count}" for name, count in sorted(self.operations.items())]
        lines += [f"  fault  {name:<28} {count}" for name, count in sorted(self.faults.items())]
        lines += [f"  http   {status:<28} {count}" for status, count in sorted(self.statuses.items())]
        lines.append(f"violations = {len(self.violations)}")
        lines += [f"  ! {v}" for v in self.violations[:50]]
        return "\n".join(lines)


class _Capture(logging.Handler):
    """Keeps every log line emitted during the soak, to prove no credential ever reaches a log."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []
        self._lock = threading.Lock()

    def emit(self, record: logging.LogRecord) -> None:
        text = f"{record.getMessage()} {record.__dict__}"
        with self._lock:
            self.lines.append(text)


class Soak:
    def __init__(
        self, stack: Stack, pg: psycopg.Connection, seconds: float, users: int, workers: int, seed: int = 7
    ) -> None:
        self.stack = stack
        self.pg = pg
        self.seconds = seconds
        self.user_count = users
        self.workers = workers
        self.random = random.Random(seed)
        self.report = Report(seconds, users)
        self.users: list[SoakUser] = []
        self.secrets_seen: set[str] = set()
        self.admin_token = make_admin(pg, "SUPER_ADMIN", "soak_admin")
        self.secrets_seen.add(self.admin_token)
        self._lock = threading.Lock()
        self._requests = 0
        self._deadline = 0.0

    # ------------------------------------------------------------------ bookkeeping
    def _count(self, op: str) -> None:
        with self._lock:
            self.report.operations[op] += 1

    def _fault(self, name: str) -> None:
        with self._lock:
            self.report.faults[name] += 1

    def _violation(self, text: str) -> None:
        with self._lock:
            self.report.violations.append(text)

    def _running(self) -> bool:
        with self._lock:
            self._requests += 1
            return time.monotonic() < self._deadline and self._requests < MAX_REQUESTS

    def call(
        self,
        client: httpx.Client,
        name: str,
        body: dict[str, Any],
        user: SoakUser | None = None,
        key: str | None = None,
    ) -> httpx.Response:
        headers = {}
        if user is not None:
            headers["X-Session-Token"] = user.token
        if key is not None:
            headers["Idempotency-Key"] = key
        response = client.post(f"/{name}", json=body, headers=headers)
        with self._lock:
            self.report.statuses[response.status_code] += 1
        if response.status_code >= 500:
            error = response.json().get("error", {})
            if (
                set(error) - {"code", "message", "details"}
                or error.get("code") != "INTERNAL"
                or set(error.get("details") or {}) - {"correlation_id"}
            ):
                self._violation(f"{name}: 5xx body says more than INTERNAL + correlation id: {error}")
        return response

    # ------------------------------------------------------------------ users
    def sign_in(self, client: httpx.Client, telegram_id: int, start_param: str | None) -> SoakUser:
        init_data = signed_init_data(telegram_id, username=f"soak{telegram_id}")
        body: dict[str, Any] = {"initData": init_data}
        if start_param:
            body["startParam"] = start_param
        response = self.call(client, "auth-telegram", body)
        data = response.json()["data"]
        token = data["session"]["token"]
        with self._lock:
            self.secrets_seen.update({init_data, token})
        self._count("sign_in")
        return SoakUser(telegram_id, init_data, token, data["user"]["id"], data["user"]["referral_code"])

    # ------------------------------------------------------------------ operations
    def op_deposit(self, client: httpx.Client, user: SoakUser) -> None:
        amount = self.random.choice([10, 25, 50, 100, 250])
        response = self.call(client, "deposit-request", {"amount": amount, "payment_method": "ALIF_MOBI"}, user)
        self._count("deposit_request")
        if response.status_code != 200:
            return
        action = "deposits.approve" if self.random.random() < 0.85 else "deposits.reject"
        result = admin_invoke(
            "admin-finance", action, {"deposit_id": response.json()["data"]["id"]}, token=self.admin_token
        )
        self._count(action if result["success"] else f"{action}_failed")

    def op_exchange(self, client: httpx.Client, user: SoakUser) -> None:
        key = secrets.token_hex(8)
        body = {"amount": self.random.choice([1, 2.5, 5])}
        first = self.call(client, "exchange-balance", body, user, key)
        self._count("exchange")
        if first.status_code == 200 and self.random.random() < 0.3:
            replay = self.call(client, "exchange-balance", body, user, key)
            for _ in range(3):  # a replay caught by a killed backend is simply replayed again
                if replay.status_code < 500:
                    break
                replay = self.call(client, "exchange-balance", body, user, key)
            self._fault("idempotent_replay")
            if replay.status_code != 200 or replay.json()["data"] != first.json()["data"]:
                self._violation(f"exchange replay differs: {first.json()} vs {replay.json()}")

    def op_withdraw(self, client: httpx.Client, user: SoakUser) -> None:
        body = {
            "amount": self.random.choice([10, 15, 20]),
            "withdrawal_method": "ALIF_MOBI",
            "mobile_wallet_number": "+992900000001",
        }
        response = self.call(client, "withdrawal-request", body, user, secrets.token_hex(8))
        self._count("withdrawal_request")
        if response.status_code != 200:
            return
        action = "withdrawals.complete" if self.random.random() < 0.5 else "withdrawals.reject"
        result = admin_invoke(
            "admin-finance", action, {"withdrawal_id": response.json()["data"]["id"]}, token=self.admin_token
        )
        self._count(action if result["success"] else f"{action}_failed")

    def op_read(self, client: httpx.Client, user: SoakUser) -> None:
        name = self.random.choice(
            ["get-wallet-balance", "get-transactions", "get-notifications", "validate-session"]
        )
        self.call(client, name, {}, user)
        self._count("read")

    def operations(self) -> list[tuple[float, Callable[[httpx.Client, SoakUser], None]]]:
        return [(3, self.op_deposit), (3, self.op_exchange), (2, self.op_withdraw), (2, self.op_read)]

    # ------------------------------------------------------------------ faults
    def kill_backends(self) -> None:
        """A handler killed mid-request: terminate an active PostgREST database connection now and then (the
        transaction in flight rolls back; the caller sees 500 INTERNAL; nothing half-done may remain)."""
        with psycopg.connect(self.stack.database_url, autocommit=True) as conn:
            while time.monotonic() < self._deadline:
                time.sleep(self.random.uniform(1.0, 3.0))
                for _ in range(400):  # poll until a request is caught in flight (bounded: ~2 s)
                    killed = conn.execute(
                        "select count(*) from (select pg_terminate_backend(pid) from pg_stat_activity "
                        "where usename = 'authenticator' and state = 'active' and pid <> pg_backend_pid() "
                        "limit 1) k"
                    ).fetchone()
                    if killed and killed[0]:
                        self._fault("backend_killed_mid_request")
                        break
                    time.sleep(0.005)

    # ------------------------------------------------------------------ run
    def worker(self, index: int) -> None:
        ops = self.operations()
        weights = [w for w, _ in ops]
        with httpx.Client(base_url=f"{self.stack.api_url}/functions/v1", timeout=30) as client:
            while self._running():
                user = self.random.choice(self.users)
                (op,) = self.random.choices([fn for _, fn in ops], weights)
                try:
                    op(client, user)
                except (httpx.HTTPError, ValueError, KeyError) as error:
                    self._violation(f"worker {index}: {type(error).__name__}: {error}")

    def run(self) -> Report:
        capture = _Capture()
        logging.getLogger().addHandler(capture)
        started = time.monotonic()
        try:
            with httpx.Client(base_url=f"{self.stack.api_url}/functions/v1", timeout=30) as client:
                base = 700_000_000 + self.random.randrange(1_000_000) * 100
                for i in range(self.user_count):
                    inviter = self.users[self.random.randrange(len(self.users))] if self.users else None
                    start = f"ref_{inviter.referral_code}" if inviter and self.random.random() < 0.7 else None
                    self.users.append(self.sign_in(client, base + i, start))
            self._deadline = time.monotonic() + self.seconds
            threads = [threading.Thread(target=self.worker, args=(i,), daemon=True) for i in range(self.workers)]
            threads.append(threading.Thread(target=self.kill_backends, daemon=True))
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(self.seconds + 120)
        finally:
            logging.getLogger().removeHandler(capture)
        self.report.seconds = time.monotonic() - started
        self.check(capture.lines)
        return self.report

    def check(self, log_lines: list[str]) -> None:
        for violation in check_invariants(self.pg):
            self._violation(violation)
        logs = "\n".join(log_lines)
        files = "\n".join(p.read_text(errors="replace") for p in Path(self.stack.run_dir).glob("*.log"))
        for secret in self.secrets_seen | {self.stack.service_role_key}:
            if secret in logs or secret in files:
                self._violation(f"a credential appears in the logs: {secret[:6]}…")


@contextmanager
def soak_stack() -> Iterator[tuple[Stack, psycopg.Connection]]:
    with private_stack() as stack, local_s3(), psycopg.connect(stack.database_url, autocommit=True) as pg:
        yield stack, pg


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=600)
    parser.add_argument("--users", type=int, default=40)
    parser.add_argument("--workers", type=int, default=8)
    args = parser.parse_args()
    with soak_stack() as (stack, pg):
        report = Soak(stack, pg, args.seconds, args.users, args.workers).run()
    print(report.render())
    raise SystemExit(1 if report.violations else 0)


if __name__ == "__main__":
    main()
