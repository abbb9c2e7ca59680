"""Issue 15 item 12: every function that changes two wallets locks them in id order. The test plays a refund
(lottery_cancel locks buyers' wallets in id order) against exchange-balance on the same user, forcing the
interleaving that deadlocked: the refund holds the lower-id wallet (LUCKY_COIN here) while the exchange starts."""

from __future__ import annotations

import threading
import time
from typing import Any

import psycopg
import pytest

from infra.local.stack import Stack
from tests.support import invoke, sign_in
from tests.support_wallets import credit, wallet

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean")]

LOW = "00000000-0000-4000-8000-000000000001"
HIGH = "ffffffff-ffff-4fff-bfff-ffffffffffff"


def waiting_backends(pg: psycopg.Connection) -> int:
    row = pg.execute(
        "select count(*) from pg_stat_activity where wait_event_type = 'Lock' and query ilike '%exchange_balance%'"
    ).fetchone()
    assert row is not None
    return int(row[0])


def test_exchange_does_not_deadlock_with_a_refund_locking_in_id_order(
    stack: Stack, clean: psycopg.Connection
) -> None:
    user = sign_in()
    uid = user.user["id"]
    # LUCKY_COIN gets the lower id, so a refund locking in id order takes it before BALANCE.
    clean.execute("update wallets set id = %s where user_id = %s and type = 'LUCKY_COIN'", (LOW, uid))
    clean.execute("update wallets set id = %s where user_id = %s and type = 'BALANCE'", (HIGH, uid))
    credit(clean, uid, "10.00")

    result: dict[str, Any] = {}
    with psycopg.connect(stack.database_url) as refund:
        refund.execute("set deadlock_timeout = '200ms'")
        refund.execute("select 1 from wallets where id = %s for update", (LOW,))  # the refund's first lock
        exchange = threading.Thread(
            target=lambda: result.setdefault("r", invoke("exchange-balance", {"amount": 5}, token=user.token))
        )
        exchange.start()
        deadline = time.monotonic() + 10
        while waiting_backends(clean) == 0 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert waiting_backends(clean) == 1, "the exchange should be waiting for the refund's lock"
        refund.execute("set local lock_timeout = '5s'")
        # The refund's second lock: with the exchange holding BALANCE this was a deadlock (40P01).
        refund.execute("select 1 from wallets where id = %s for update", (HIGH,))
        refund.commit()
        exchange.join(20)
    assert result["r"].status == 200, result["r"].body
    assert wallet(clean, uid)["balance"] == 5
    assert wallet(clean, uid, "LUCKY_COIN")["balance"] == 5
