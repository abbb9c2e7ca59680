"""The generated TypeScript client (clients/typescript) compiles with its usage example and walks a player's main
screens against the local gateway over real HTTP (issue 19)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import psycopg
import pytest

from infra.local.stack import Stack
from tests.support import sign_in, signed_init_data
from tests.support_lottery import create_lottery, fund

pytestmark = pytest.mark.e2e
CLIENT = Path(__file__).resolve().parents[2] / "clients" / "typescript"


def test_typed_client_walks_the_main_screens(stack: Stack, clean: psycopg.Connection) -> None:
    telegram_id = 7_700_000_001
    player = sign_in(telegram_id=telegram_id)  # the user exists (and is funded) before the client signs in
    fund(clean, player.user["id"], "100")
    lottery = create_lottery(clean, ticket_price="1.00", total_tickets=200)

    env = {
        **os.environ,
        "LUCKYMART_URL": stack.api_url,
        "LUCKYMART_ANON_KEY": stack.anon_key,
        "LUCKYMART_INIT_DATA": signed_init_data(telegram_id),
        "LUCKYMART_LOTTERY_ID": lottery["id"],
    }
    run = subprocess.run(
        ["npm", "test", "--silent"], cwd=CLIENT, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    output = run.stdout + run.stderr
    assert run.returncode == 0, output
    assert "# pass 1" in output and "# fail 0" in output and "# skipped 0" in output, output
