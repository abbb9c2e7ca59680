"""The typed TypeScript client (clients/typescript) where it runs: compiled with its usage example, then the same
player flow (clients/typescript/flows/player.ts: sign in, restore, balance, buy, a replayed Idempotency-Key, my
tickets, a typed error, logout) in Node.js and in real headless Chromium, cross-origin against the local gateway as
the Mini App calls it. Node's fetch forgives what a browser refuses, so the browser run is the one that counts.
Also the API explorer the gateway serves at its root."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from urllib.parse import urlencode

import psycopg
import pytest
from selenium.webdriver.support.ui import WebDriverWait

from infra.local.stack import Stack
from tests.support import sign_in, signed_init_data
from tests.support_browser import StaticSite, chromium
from tests.support_lottery import create_lottery, fund

pytestmark = pytest.mark.e2e
CLIENT = Path(__file__).resolve().parents[2] / "clients" / "typescript"
FLOW_STEPS = ["sign in", "restore", "balance", "buy", "replayed key", "my tickets", "typed error", "logout"]


def _player(clean: psycopg.Connection, telegram_id: int) -> dict[str, str]:
    """A funded user (signed up before the client signs in) and an active lottery, as the flow expects."""
    player = sign_in(telegram_id=telegram_id)
    fund(clean, player.user["id"], "100")
    lottery = create_lottery(clean, ticket_price="1.00", total_tickets=200)
    return {"initData": signed_init_data(telegram_id), "lotteryId": lottery["id"]}


@pytest.fixture(scope="module")
def built_client() -> Path:
    run = subprocess.run(
        ["npx", "--no-install", "tsc", "-p", "tsconfig.json"],
        cwd=CLIENT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    return CLIENT / "dist"


def test_typed_client_in_node(stack: Stack, clean: psycopg.Connection, built_client: Path) -> None:
    player = _player(clean, 7_700_000_001)
    env = {
        **os.environ,
        "LUCKYMART_URL": stack.api_url,
        "LUCKYMART_ANON_KEY": stack.anon_key,
        "LUCKYMART_INIT_DATA": player["initData"],
        "LUCKYMART_LOTTERY_ID": player["lotteryId"],
    }
    run = subprocess.run(
        ["node", "--test", "dist/test/"],
        cwd=CLIENT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    output = run.stdout + run.stderr
    assert run.returncode == 0, output
    assert "# pass 2" in output and "# fail 0" in output and "# skipped 0" in output, output


def test_typed_client_in_chromium(stack: Stack, clean: psycopg.Connection, built_client: Path) -> None:
    player = _player(clean, 7_700_000_002)
    settings = {"url": stack.api_url, "anonKey": stack.anon_key, **player}
    folders = {"/browser/": CLIENT / "browser", "/": built_client}
    with StaticSite(stack.page_port, folders), chromium() as driver:
        driver.get(f"{stack.page_origin}/browser/index.html#{urlencode(settings)}")
        result = WebDriverWait(driver, 120, poll_frequency=0.2).until(
            lambda d: d.execute_script("return window.__flow || null")
        )
        stored = driver.execute_script("return window.localStorage.getItem('luckymart.session')")
    assert result == {"ok": True, "steps": FLOW_STEPS}, result
    assert stored, "the session lived in localStorage (the flow's last step stores the revoked token again)"


def test_the_gateway_root_opens_the_api_explorer_in_chromium(stack: Stack) -> None:
    with chromium() as driver:
        driver.get(f"{stack.api_url}/")
        operations = WebDriverWait(driver, 60, poll_frequency=0.2).until(
            lambda d: d.execute_script(
                "const ops = document.querySelectorAll('.opblock-summary-path');"
                "return ops.length ? Array.from(ops, (o) => o.textContent) : null"
            )
        )
        server = driver.execute_script("return window.explorer.specSelectors.servers().toJS()[0].url")
    assert "/functions/v1/lottery-purchase" in operations
    assert server == stack.api_url  # "Try it out" calls this stack, whatever its port
