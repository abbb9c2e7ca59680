"""Admin account changes under concurrency: one bootstrap wins, a rotation stops even a request already waiting
on it, and two super admins disabling each other end with exactly one disabled (no deadlock, no 500)."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest

from infra.local.stack import Stack
from luckymart.admin_tokens import new_admin_token
from tests.support import make_admin
from tests.support_admin import accounts

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean")]


def bootstrap_once(database_url: str, username: str) -> str:
    with psycopg.connect(database_url) as conn:
        try:
            conn.execute("select private.admin_bootstrap(%s, %s)", (username, new_admin_token().token_hash))
        except psycopg.DatabaseError as error:
            return str(error.sqlstate)
    return "ok"


def test_concurrent_bootstraps_create_one_admin(stack: Stack, clean: psycopg.Connection) -> None:
    with ThreadPoolExecutor(4) as pool:
        outcomes = list(pool.map(lambda i: bootstrap_once(stack.database_url, f"root{i}"), range(4)))
    assert sorted(outcomes) == ["LM409", "LM409", "LM409", "ok"]
    assert clean.execute("select count(*) from admins").fetchone() == (1,)


def wait_for_lock_waiter(pg: psycopg.Connection) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        row = pg.execute("select count(*) from pg_stat_activity where wait_event_type = 'Lock'").fetchone()
        if row and row[0] > 0:
            return
        time.sleep(0.02)
    raise AssertionError("the admin action never waited for the rotation")


def test_rotation_stops_a_request_already_in_flight(stack: Stack, clean: psycopg.Connection) -> None:
    root = make_admin(clean, "SUPER_ADMIN", "root")
    helper = accounts("admins.add", root, username="helper", role="SUPER_ADMIN")["data"]["token"]
    replacement = new_admin_token()
    with psycopg.connect(stack.database_url) as rotating, ThreadPoolExecutor(1) as pool:
        rotating.execute(
            "update admins set token_hash = %s, token_created_at = now() where username = 'helper'",
            (replacement.token_hash,),
        )
        in_flight = pool.submit(accounts, "admins.list", helper)  # blocks on the helper's row
        wait_for_lock_waiter(clean)
        rotating.commit()
        response = in_flight.result(timeout=30)
    assert (response["statusCode"], response["error"]["code"]) == (401, "UNAUTHENTICATED")
    assert accounts("admins.list", replacement.token)["success"]


def test_two_super_admins_disabling_each_other(clean: psycopg.Connection) -> None:
    for round_ in range(5):
        names = (f"alice{round_}", f"bob{round_}")
        tokens = [make_admin(clean, "SUPER_ADMIN", name) for name in names]
        with ThreadPoolExecutor(2) as pool:
            first = pool.submit(accounts, "admins.disable", tokens[0], username=names[1])
            second = pool.submit(accounts, "admins.disable", tokens[1], username=names[0])
            statuses = sorted([first.result(timeout=30)["statusCode"], second.result(timeout=30)["statusCode"]])
        assert statuses == [200, 401], statuses
        active = clean.execute(
            "select count(*) from admins where username = any(%s) and status = 'ACTIVE'", (list(names),)
        ).fetchone()
        assert active == (1,)
