"""Soak test: many simulated users at once through the HTTP gateway, admins reviewing, the scheduler and the
queue consumer running, with faults injected — then every invariant must hold.

    python -m tests.soak.soak --seconds 600        # `make soak`
    (a 60-second run is part of `make test`: tests/soak/test_soak.py)

Every loop is bounded by the deadline and by a request budget; all traffic stays on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import logging
import os
import random
import secrets
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import psycopg

from infra.local.aws import LocalAws, local_aws
from infra.local.secrets import LOCAL_BOT_TOKEN
from infra.local.stack import Stack, private_stack
from infra.local.telegram_fake import FakeTelegram
from luckymart import jsonutil, telegram_bot
from scripts import verify_draw
from tests.invariants import check_invariants
from tests.support import admin_invoke, make_admin, signed_init_data

MAX_REQUESTS = 200_000  # a hard bound on top of the deadline
COMMISSION_POLLERS = 2  # concurrent consumer batches, as the event source mapping runs when the queue backs up
DRAIN_STALL_SECONDS = 60  # the drain fails when the backlog has not shrunk for this long...
DRAIN_LIMIT_SECONDS = 300  # ...or has not emptied by then


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
        self,
        stack: Stack,
        pg: psycopg.Connection,
        aws: LocalAws,
        telegram: FakeTelegram,
        seconds: float,
        users: int,
        workers: int,
        seed: int = 7,
    ) -> None:
        self.stack = stack
        self.aws = aws
        self.telegram = telegram
        self.lotteries: list[str] = []
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
        headers["Content-Type"] = "application/json"
        response = client.post(f"/{name}", content=jsonutil.dumps(body), headers=headers)
        with self._lock:
            self.report.statuses[response.status_code] += 1
        if response.status_code >= 500:
            error = response.json().get("error", {})
            # 503 UNAVAILABLE (a killed backend) says only when to retry; anything else is a 500 with a
            # correlation id and nothing more
            expected = (
                ("UNAVAILABLE", {"retry_after_seconds"})
                if response.status_code == 503
                else ("INTERNAL", {"correlation_id"})
            )
            if (
                set(error) - {"code", "message", "details"}
                or error.get("code") != expected[0]
                or set(error.get("details") or {}) - expected[1]
            ):
                self._violation(f"{name}: {response.status_code} body says more than it should: {error}")
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
        body = {"amount": amount, "payment_method": "ALIF_MOBI"}
        response = self.call(client, "deposit-request", body, user, secrets.token_hex(8))
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

    def create_lottery(self) -> str:
        # One lottery in five is large and ends within seconds, unsold: the scheduler cancels and refunds it, so
        # the commissions of its referred buyers must end CANCELLED, never PAID (issue 15).
        short_lived = self.random.random() < 0.2
        lifetime = timedelta(seconds=self.random.uniform(3, 6)) if short_lived else timedelta(days=1)
        params = {
            "title": f"Soak prize {secrets.token_hex(3)}",
            "ticket_price": self.random.choice(["1.00", "2.50"]),
            "total_tickets": 5000 if short_lived else self.random.choice([10, 25, 40]),
            "end_time": (datetime.now(UTC) + lifetime).isoformat(),
        }
        for attempt in range(5):  # a backend killed mid-request fails the create as a whole: just try again
            result = admin_invoke("admin-lotteries", "lotteries.create", params, token=self.admin_token)
            if result["success"]:
                break
            self._count("lottery_create_failed")
            time.sleep(0.2 * (attempt + 1))  # PostgREST answers 503 (PGRST002) while it reloads its schema cache
        else:
            raise RuntimeError(f"could not create a lottery: {result['error']}")
        self._count("lottery_created")
        return str(result["data"]["id"])

    def op_buy(self, client: httpx.Client, user: SoakUser) -> None:
        with self._lock:
            lottery_id = self.random.choice(self.lotteries)
        key = secrets.token_hex(8)
        body = {
            "lottery_id": lottery_id,
            "quantity": self.random.choice([1, 1, 2, 3]),
            "payment_method": self.random.choice(["BALANCE", "LUCKY_COIN"]),
        }
        response = self.call(client, "lottery-purchase", body, user, key)
        self._count("purchase" if response.status_code == 200 else f"purchase_{response.status_code}")
        if response.status_code == 200 and self.random.random() < 0.2:
            replay = self.call(client, "lottery-purchase", body, user, key)
            self._fault("idempotent_replay")
            first, again = (
                response.json()["data"],
                replay.json().get("data") if replay.status_code == 200 else None,
            )
            if again is not None and again != first:
                differing = sorted(k for k in set(first) | set(again) if first.get(k) != again.get(k))
                self._violation(f"purchase replay differs from the first response in {differing}: "
                                f"{[(first.get(k), again.get(k)) for k in differing]}")  # fmt: skip
        ended = response.status_code == 409 and response.json()["error"]["code"] == "LOTTERY_NOT_ACTIVE"
        if ended or (response.status_code == 200 and response.json()["data"]["is_sold_out"]):
            new_lottery = self.create_lottery()
            with self._lock:
                if lottery_id in self.lotteries:  # another worker may have replaced it already
                    self.lotteries = [lot for lot in self.lotteries if lot != lottery_id] + [new_lottery]

    def pending_prize(self, user: SoakUser) -> str | None:
        row = self.pg.execute(
            "select id from prizes where user_id = %s and status = 'PENDING' limit 1", (user.user_id,)
        ).fetchone()
        return str(row[0]) if row else None

    def op_resale(self, client: httpx.Client, user: SoakUser) -> None:
        with self._lock:  # one thread at a time reads prizes on the shared connection
            prize = self.pending_prize(user)
        if prize is None:
            return
        listing = self.call(client, "create-resale", {"prize_id": prize, "price": 0}, user)  # refused: bad price
        value = self.pg_value("select prize_value from prizes where id = %s", prize)
        listing = self.call(client, "create-resale", {"prize_id": prize, "price": value}, user)
        self._count("resale_listed" if listing.status_code == 200 else f"resale_list_{listing.status_code}")
        if listing.status_code != 200:
            return
        buyer = self.random.choice([u for u in self.users if u is not user])
        bought = self.call(
            client,
            "purchase-resale",
            {"resale_id": listing.json()["data"]["id"], "payment_method": "BALANCE"},
            buyer,
            secrets.token_hex(8),
        )
        self._count("resale_bought" if bought.status_code == 200 else f"resale_buy_{bought.status_code}")

    def op_showoff(self, client: httpx.Client, user: SoakUser) -> None:
        with self._lock:
            prize = self.pending_prize(user)
        if prize is None:
            return
        post = self.call(
            client,
            "create-showoff",
            {"prize_id": prize, "content": "Look what I won!", "images": ["https://img.example/p.jpg"]},
            user,
        )
        self._count("showoff_posted" if post.status_code == 200 else f"showoff_{post.status_code}")
        if post.status_code == 200:
            result = admin_invoke(
                "admin-prizes",
                "showoffs.approve",
                {"showoff_id": post.json()["data"]["id"], "reward_coins": "5"},
                token=self.admin_token,
            )
            self._count("showoff_approved" if result["success"] else "showoff_approve_failed")

    def pg_value(self, sql: str, *params: Any) -> Any:
        with self._lock:
            row = self.pg.execute(sql, params).fetchone()
        return row[0] if row else None

    def operations(self) -> list[tuple[float, Callable[[httpx.Client, SoakUser], None]]]:
        return [
            (3, self.op_deposit),
            (2, self.op_exchange),
            (1, self.op_withdraw),
            (2, self.op_read),
            (5, self.op_buy),
            (1, self.op_resale),
            (1, self.op_showoff),
        ]

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

    def break_publishing(self) -> None:
        """An SQS publish failure after commit: for a moment the queue URL points nowhere, so purchases commit but
        their messages are lost; the outbox re-publish must deliver them (exactly once in effect)."""
        real = os.environ["COMMISSION_QUEUE_URL"]
        while time.monotonic() < self._deadline:
            time.sleep(self.random.uniform(4.0, 8.0))
            os.environ["COMMISSION_QUEUE_URL"] = real + "-unreachable"
            time.sleep(0.5)
            os.environ["COMMISSION_QUEUE_URL"] = real
            self._fault("sqs_publish_failure_window")

    def drain(self) -> None:
        """After the load: the outbox re-publishes what was lost (its minute is time-warped), the consumer pays
        it and the scheduler draws what sold out. Fails when the backlog stops shrinking, or is not gone within
        DRAIN_LIMIT_SECONDS."""
        started = progressed = time.monotonic()
        left: Any = None
        smallest: int | None = None
        while (now := time.monotonic()) - progressed < DRAIN_STALL_SECONDS and now - started < DRAIN_LIMIT_SECONDS:
            with self._lock:
                # Rows whose last publish is older than the consumer's visibility timeout are made a minute old,
                # so the next scheduled run re-publishes them; rows published just now are left alone, else
                # every round would send each of them again and bury the consumer in duplicates. Locked in
                # order_id order, as the draw's re-arm (private.rearm_commissions), the cancellation and a
                # consumer batch lock them; a deadlock is still caught (the next round retries).
                try:
                    self.pg.execute(
                        "update commission_outbox x set created_at = now() - interval '2 minutes', "
                        "published_at = null from (select order_id from commission_outbox "
                        "where processed_at is null "
                        "and coalesce(published_at, created_at) < now() - interval '10 seconds' "
                        "order by order_id for update) o where x.order_id = o.order_id"
                    )
                except psycopg.errors.DeadlockDetected:
                    time.sleep(0.2)
                    continue
                self.pg.execute("update lotteries set draw_time = now() where status = 'SOLD_OUT'")
                # a draw whose backend was killed mid-way is re-claimed after 5 minutes: age its claim (with
                # triggers off, since the touch trigger would reset updated_at)
                self.pg.execute("set session_replication_role = replica")
                self.pg.execute(
                    "update lotteries set updated_at = now() - interval '10 minutes' where status = 'DRAWING'"
                )
                self.pg.execute("set session_replication_role = origin")
                left = self.pg.execute(
                    "select (select count(*) from commission_outbox where processed_at is null)"
                    " + (select count(*) from lotteries where status in ('SOLD_OUT', 'DRAWING'))"
                ).fetchone()
            if left == (0,):
                self.report.operations["drain_seconds"] = round(time.monotonic() - started)
                return
            if smallest is None or left[0] < smallest:
                smallest, progressed = left[0], time.monotonic()
            time.sleep(1)
        self._violation(f"drain did not finish: {left} outbox rows / lotteries left; {self.diagnose_stuck()}")

    def diagnose_stuck(self) -> str:
        """Why the drain did not finish: each stuck outbox row's state, what settling it now would answer (in a
        transaction rolled back), the commission queue's depth and whether the poller and scheduler still run."""
        with self._lock:
            rows = self.pg.execute(
                "select x.order_id, x.created_at, x.published_at, x.publish_attempts, o.status, l.status "
                "from commission_outbox x join orders o on o.id = x.order_id "
                "join lotteries l on l.id = o.lottery_id "
                "where x.processed_at is null order by x.order_id limit 5"
            ).fetchall()
            parts = []
            for order_id, created, published, attempts, order_status, lottery_status in rows:
                with self.pg.transaction(force_rollback=True):
                    outcome = self.pg.execute(
                        "select public.process_commissions(array[%s]::uuid[])", (order_id,)
                    ).fetchone()
                parts.append(
                    f"order {order_id} ({order_status}, lottery {lottery_status}, created {created:%T}, "
                    f"published {published and f'{published:%T}'}, attempts {attempts}): settling now -> "
                    f"{outcome[0] if outcome else None}"
                )
        depth = self.aws.queue_depth()
        alive = {thread.name: thread.is_alive() for thread in threading.enumerate() if thread.daemon}
        return f"{'; '.join(parts)}; queue {depth}; threads {alive}"

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
                except Exception as error:  # a worker that dies would silently shrink the load
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
            self.pg.execute(
                "update system_config set value = jsonb_set(value, '{draw_delay_seconds}', '1') "
                "where key = 'lottery'"
            )  # draw a second after sell-out, not three minutes
            self.lotteries = [self.create_lottery() for _ in range(3)]
            self.aws.duplicate_deliveries = lambda: self.random.random() < 0.2
            self.aws.run_poller(COMMISSION_POLLERS)
            self.aws.run_notification_poller()
            self.aws.run_scheduler(1.0)
            self._deadline = time.monotonic() + self.seconds
            threads = [threading.Thread(target=self.worker, args=(i,), daemon=True) for i in range(self.workers)]
            threads.append(threading.Thread(target=self.kill_backends, daemon=True))
            threads.append(threading.Thread(target=self.break_publishing, daemon=True))
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(self.seconds + 120)
            self.drain()
        finally:
            self.aws.stop.set()
            logging.getLogger().removeHandler(capture)
        self.report.seconds = time.monotonic() - started
        self.report.faults["sqs_duplicate_deliveries"] = self.aws.duplicated
        self.report.operations["sqs_messages_consumed"] = self.aws.delivered
        self.report.operations["telegram_messages_sent"] = len(self.telegram.sent())
        self.check(capture.lines)
        return self.report

    def check(self, log_lines: list[str]) -> None:
        for violation in check_invariants(self.pg):
            self._violation(violation)
        self.check_lotteries()
        self.check_commissions()
        logs = "\n".join(log_lines)
        files = "\n".join(p.read_text(errors="replace") for p in Path(self.stack.run_dir).glob("*.log"))
        for secret in self.secrets_seen | {self.stack.service_role_key}:
            if secret in logs or secret in files:
                self._violation(f"a credential appears in the logs: {secret[:6]}…")

    def check_lotteries(self) -> None:
        rows = self.pg.execute(
            "select l.id, l.status, l.sold_tickets, (select count(*) from tickets t where t.lottery_id = l.id),"
            " (select count(*) from prizes p where p.lottery_id = l.id and p.acquired_via = 'DRAW'),"
            " (select count(*) from lottery_results r where r.lottery_id = l.id),"
            " (select count(*) from tickets t where t.lottery_id = l.id and t.is_winning) from lotteries l"
        ).fetchall()
        for lottery_id, status, sold, tickets, prizes, results, winners in rows:
            if sold != tickets:
                self._violation(f"lottery {lottery_id}: sold_tickets {sold} but {tickets} ticket rows")
            drawn = status == "COMPLETED"
            if (prizes, results, winners) != ((1, 1, 1) if drawn else (0, 0, 0)):
                self._violation(
                    f"lottery {lottery_id} ({status}): {prizes} prizes, {results} results, {winners} "
                    "winning tickets"
                )
            if drawn:
                self.report.operations["lottery_drawn"] += 1
                # every page of the entries (at most 1,000 tickets per verify-draw answer)
                document = verify_draw.fetch(f"{self.stack.api_url}/functions/v1/verify-draw", str(lottery_id))
                report = verify_draw.verify(document, document["operator_public_key"])
                if not report.ok:
                    self._violation(f"lottery {lottery_id}: draw record does not verify: {report.problems}")

    def check_commissions(self) -> None:
        """Every paid order of a referred buyer was processed once: one commission row per level that earns
        something; each PAID one credited by exactly one ledger row, PENDING and CANCELLED ones by none; no
        commission PAID on a refunded order (tests/invariants.py checks that too)."""
        unprocessed = self.pg.execute(
            "select count(*) from commission_outbox where processed_at is null"
        ).fetchone()
        if unprocessed != (0,):
            self._violation(f"{unprocessed} commission outbox rows never processed")
        checks = {
            "commission credited other than exactly once when PAID, or credited when not PAID": (
                "select c.id, c.status from commissions c where (select count(*) from wallet_transactions t where "
                "t.type = 'COMMISSION' and t.reference_id = c.id and t.amount = c.amount) "
                "<> (c.status = 'PAID')::int"
            ),
            "paid order of a referred buyer without its level-1 commission": (
                "select o.order_id, ord.status, ord.total_amount from commission_outbox o "
                "join orders ord on ord.id = o.order_id where ord.status = 'PAID' "
                "and trunc(ord.total_amount * 0.03, 2) > 0 and not exists (select 1 from commissions c "
                "where c.related_order_id = o.order_id and c.level = 1)"
            ),
        }
        for label, sql in checks.items():
            for row in self.pg.execute(sql + " limit 5").fetchall():
                self._violation(f"{label}: {row}")
        for status in ("PAID", "PENDING", "CANCELLED"):
            self.report.operations[f"commissions_{status.lower()}"] = int(
                self.pg_value(f"select count(*) from commissions where status = '{status}'")
            )
        self.report.operations["lotteries_cancelled"] = int(
            self.pg_value("select count(*) from lotteries where status = 'CANCELLED'")
        )


@contextmanager
def soak_stack() -> Iterator[tuple[Stack, psycopg.Connection, LocalAws, FakeTelegram]]:
    """The private stack, local AWS and a fake Telegram Bot API: every push is delivered, as in production (an
    unconsumed notification queue would only grow, and the SQS stand-in slows down with its length)."""
    with private_stack() as stack, local_aws() as aws, psycopg.connect(stack.database_url, autocommit=True) as pg:
        telegram = FakeTelegram(LOCAL_BOT_TOKEN)
        telegram.serve_in_thread()
        os.environ["TELEGRAM_API_BASE_URL"] = telegram.base_url
        telegram_bot.reset()
        try:
            yield stack, pg, aws, telegram
        finally:
            telegram.stop()
            telegram_bot.reset()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=600)
    parser.add_argument("--users", type=int, default=40)
    parser.add_argument("--workers", type=int, default=8)
    args = parser.parse_args()
    with soak_stack() as (stack, pg, aws, telegram):
        report = Soak(stack, pg, aws, telegram, args.seconds, args.users, args.workers).run()
    print(report.render())
    raise SystemExit(1 if report.violations else 0)


if __name__ == "__main__":
    main()
