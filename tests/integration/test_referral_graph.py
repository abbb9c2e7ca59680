"""The referral graph in the database: no self-referral, no cycle even from two concurrent UPDATEs, and a
referrer, once set, never changes or disappears."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest

from infra.local.stack import Stack
from tests.support import sign_in

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean")]
SET_REFERRER = "update users set referred_by_id = %s, referrer_id = %s where id = %s"


def test_no_self_referral_and_no_cycle_through_a_chain(clean: psycopg.Connection) -> None:
    top = sign_in()
    middle = sign_in(start_param=f"ref_{top.user['referral_code']}")
    bottom = sign_in(start_param=f"ref_{middle.user['referral_code']}")
    a = top.user["id"]
    with pytest.raises(psycopg.errors.CheckViolation):
        clean.execute(SET_REFERRER, (a, a, a))
    with pytest.raises(psycopg.errors.CheckViolation, match="referral cycle"):
        clean.execute(SET_REFERRER, (bottom.user["id"], bottom.user["id"], a))
    assert clean.execute("select referred_by_id from users where id = %s", (a,)).fetchone() == (None,)


def test_two_concurrent_updates_cannot_close_a_cycle(clean: psycopg.Connection, stack: Stack) -> None:
    a, b = sign_in().user["id"], sign_in().user["id"]
    with psycopg.connect(stack.database_url) as holder, ThreadPoolExecutor(1) as pool:
        holder.execute(SET_REFERRER, (b, b, a))  # A -> B, not yet committed

        def close_cycle() -> str:
            with psycopg.connect(stack.database_url, autocommit=True) as other:
                try:
                    other.execute(SET_REFERRER, (a, a, b))  # B -> A
                except psycopg.errors.CheckViolation as error:
                    return str(error)
                return "updated"

        pending = pool.submit(close_cycle)
        with pytest.raises(TimeoutError):
            pending.result(timeout=0.5)  # waits on the referral graph lock
        holder.commit()
        assert "referral cycle" in pending.result(timeout=10)
    assert clean.execute("select referred_by_id::text from users where id = %s", (a,)).fetchone() == (b,)
    assert clean.execute("select referred_by_id from users where id = %s", (b,)).fetchone() == (None,)


def test_a_referrer_is_never_changed_or_cleared(clean: psycopg.Connection) -> None:
    top, other = sign_in(), sign_in()
    invited = sign_in(start_param=f"ref_{top.user['referral_code']}")
    me = invited.user["id"]
    for new_referrer in (other.user["id"], None):
        with pytest.raises(psycopg.errors.CheckViolation, match="immutable"):
            clean.execute(SET_REFERRER, (new_referrer, new_referrer, me))
    assert clean.execute("select referred_by_id::text from users where id = %s", (me,)).fetchone() == (
        top.user["id"],
    )
