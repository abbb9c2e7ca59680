"""`make dev`'s own configuration (infra/local/dev.py, on free ports) holds a burst: 100 clients connecting at the
same instant all get their answer, none is reset (the gateway's listen backlog was 5), and handlers reach
PostgREST directly rather than through the gateway they are served by."""

from __future__ import annotations

import http.client
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from infra.local.gateway import Gateway
from infra.local.stack import ROOT

pytestmark = pytest.mark.e2e

BURST = 100


@pytest.fixture(scope="module")
def dev() -> Iterator[tuple[int, str]]:
    """`python -m infra.local.dev --free-ports DIR`: (gateway port, a demo session token)."""
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
        assert port and token and direct, text[-3000:]
        assert direct.group(1) != port.group(1)  # PostgREST itself, not the gateway's /rest/v1
        yield int(port.group(1)), token.group(1)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(run_dir, ignore_errors=True)


def call(port: int, token: str, start: threading.Barrier) -> int:
    """One client on its own new connection, released together with the others."""
    start.wait()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request(
            "POST", "/functions/v1/get-wallet-balance", body=b"{}", headers={"X-Session-Token": token}
        )
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def test_burst_of_100_connections_is_answered_without_resets(dev: tuple[int, str]) -> None:
    assert Gateway.request_queue_size >= 2 * BURST
    port, token = dev
    for _round in range(3):
        start = threading.Barrier(BURST)
        with ThreadPoolExecutor(max_workers=BURST) as pool:
            futures = [pool.submit(call, port, token, start) for _ in range(BURST)]
            outcomes: list[int | str] = []
            for future in futures:
                try:
                    outcomes.append(future.result())
                except OSError as error:  # a reset or refused connection
                    outcomes.append(type(error).__name__)
        assert outcomes == [200] * BURST, sorted(map(str, outcomes))
