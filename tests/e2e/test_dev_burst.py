"""`make dev`'s own configuration (infra/local/dev.py, on free ports) holds a burst: 100 clients connecting at the
same instant all get their answer, none is reset (the gateway's listen backlog was 5), 100 buyers at once all get
their ticket (they got 500s when handlers reached PostgREST through the gateway), and handlers reach PostgREST
directly rather than through the gateway they are served by. Both bursts fail with the old configuration."""

from __future__ import annotations

import functools
import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest

from infra.local.gateway import Gateway
from infra.local.stack import ROOT
from tests.support import signed_init_data

pytestmark = pytest.mark.e2e

BURST = 100
Answer = tuple[int, dict[str, Any]]


@dataclass(frozen=True)
class Dev:
    port: int
    token: str  # a demo user's session
    database_url: str
    lottery_id: str  # the first demo lottery (120 tickets)


@pytest.fixture(scope="module")
def dev() -> Iterator[Dev]:
    """`python -m infra.local.dev --free-ports DIR`, as its banner describes it."""
    run_dir = Path(tempfile.mkdtemp(prefix="luckymart-dev-"))
    env = {k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "LANG", "PG_BIN"}}
    env["PYTHONPATH"] = f"{ROOT / 'layers' / 'shared' / 'python'}:{ROOT}"
    process = subprocess.Popen(
        [sys.executable, "-m", "infra.local.dev", "--free-ports", str(run_dir)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        banner = []
        assert process.stdout is not None
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line:
                break
            banner.append(line)
            if line.lstrip().startswith("handlers use"):
                break
        text = "".join(banner)
        port = re.search(r"API gateway\s+http://127\.0\.0\.1:(\d+)", text)
        token = re.search(r"demo_dilnoza\s+(\S+)", text)
        direct = re.search(r"handlers use\s+http://127\.0\.0\.1:(\d+)", text)
        database = re.search(r"PostgreSQL\s+(postgresql://\S+)", text)
        lottery = re.search(r"Demo lotteries.*\n\s+([0-9a-f-]{36})\s", text)
        assert port and token and direct and database and lottery, text[-3000:]
        assert direct.group(1) != port.group(1)  # PostgREST itself, not the gateway's /rest/v1
        yield Dev(int(port.group(1)), token.group(1), database.group(1), lottery.group(1))
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(run_dir, ignore_errors=True)


def post(port: int, function: str, body: dict[str, Any], token: str | None = None) -> Answer:
    """One request on its own new connection."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        headers = {
            "content-type": "application/json",
            "Idempotency-Key": str(uuid.uuid4()),  # one per request: each is a new user action
            **({"X-Session-Token": token} if token else {}),
        }
        connection.request("POST", f"/functions/v1/{function}", body=json.dumps(body).encode(), headers=headers)
        response = connection.getresponse()
        return response.status, json.loads(response.read() or b"{}")
    finally:
        connection.close()


def burst(requests: list[Callable[[], Answer]]) -> list[int | str]:
    """Releases every request at the same instant; each outcome is a status or the connection error's name."""
    start = threading.Barrier(len(requests))

    def released(request: Callable[[], Answer]) -> int | str:
        start.wait()
        try:
            return request()[0]
        except OSError as error:  # a reset or refused connection
            return type(error).__name__

    with ThreadPoolExecutor(max_workers=len(requests)) as pool:
        return list(pool.map(released, requests))


def test_burst_of_100_connections_is_answered_without_resets(dev: Dev) -> None:
    assert Gateway.request_queue_size >= 2 * BURST
    for _round in range(3):
        outcomes = burst([functools.partial(post, dev.port, "get-wallet-balance", {}, dev.token)] * BURST)
        assert outcomes == [200] * BURST, sorted(map(str, outcomes))


def test_burst_of_100_buyers_sells_100_tickets(dev: Dev) -> None:
    first_id = int(time.time() * 1000) % 10**12
    with ThreadPoolExecutor(max_workers=10) as pool:
        signed = list(
            pool.map(
                lambda t: post(dev.port, "auth-telegram", {"initData": signed_init_data(t)}),
                range(first_id, first_id + BURST),
            )
        )
    assert {status for status, _ in signed} == {200}
    buyers = [(body["data"]["user"]["id"], body["data"]["session"]["token"]) for _, body in signed]
    order = {"lottery_id": dev.lottery_id, "quantity": 1, "payment_method": "BALANCE"}
    sold = "select sold_tickets from lotteries where id = %s"
    with psycopg.connect(dev.database_url, autocommit=True) as pg:
        for user_id, _ in buyers:
            pg.execute(
                "select private.wallet_apply(private.wallet_id(%s, 'BALANCE'), 10, 'ADJUSTMENT', null, null, 'x')",
                (user_id,),
            )
        (before,) = pg.execute(sold, (dev.lottery_id,)).fetchone()  # type: ignore[misc]
        outcomes = burst(
            [functools.partial(post, dev.port, "lottery-purchase", order, token) for _, token in buyers]
        )
        assert outcomes == [200] * BURST, sorted(map(str, outcomes))
        (after,) = pg.execute(sold, (dev.lottery_id,)).fetchone()  # type: ignore[misc]
    assert after - before == BURST
