"""The first-deposit bonus: PENDING on the first approved deposit >= 10 TJS, 2.5 TJS, 7 days, activated once
with at least one invited user, credited to BONUS, EXPIRED after 7 days in every read, sweep or not."""

from __future__ import annotations

from decimal import Decimal

import psycopg
import pytest

from tests.invariants import check_invariants
from tests.support import Result, SignedIn, invoke, make_admin, sign_in
from tests.support_wallets import deposit, finance, wallet

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean")]


def approved_deposit(admin: str, user: SignedIn, amount: object) -> None:
    deposit_id = deposit(user, amount).data["id"]
    assert finance("deposits.approve", admin, deposit_id=deposit_id)["statusCode"] == 200


def bonus(user: SignedIn) -> dict[str, object]:
    state: dict[str, object] = invoke("get-wallet-balance", {}, token=user.token).data["first_deposit_bonus"]
    return state


def activate(user: SignedIn, key: str | None = None) -> Result:
    return invoke(
        "activate-first-deposit-bonus", {}, token=user.token, headers={"idempotency-key": key} if key else None
    )


def test_first_qualifying_deposit_makes_bonus_pending_once(clean: psycopg.Connection) -> None:
    admin = make_admin(clean, "FINANCE")
    user = sign_in()
    clean.execute("update payment_configs set min_amount = 5 where config_key = 'deposit_alif_mobi'")
    try:
        approved_deposit(admin, user, 9.99)  # below min_deposit: no bonus
        assert bonus(user)["status"] == "none"
        approved_deposit(admin, user, 10)
    finally:
        clean.execute("update payment_configs set min_amount = 10 where config_key = 'deposit_alif_mobi'")
    state = bonus(user)
    assert state["status"] == "pending" and state["amount"] == Decimal("2.50")
    (expire_at,) = clean.execute(
        "select first_deposit_bonus_expire_at - now() between interval '6 days 23 hours' and interval '7 days' "
        "from users"
    ).fetchone()  # type: ignore[misc]
    assert expire_at is True
    clean.execute("update users set first_deposit_bonus_expire_at = now() + interval '1 hour'")
    approved_deposit(admin, user, 500)  # a later deposit does not restart the bonus
    assert clean.execute(
        "select first_deposit_bonus_expire_at < now() + interval '2 hours' from users"
    ).fetchone() == (True,)


def test_activation_needs_an_invited_user_then_credits_bonus_once(clean: psycopg.Connection) -> None:
    admin = make_admin(clean, "FINANCE")
    user = sign_in()
    approved_deposit(admin, user, 100)
    early = activate(user)
    assert (early.status, early.code) == (409, "CONDITIONS_NOT_MET")
    assert early.body["error"]["details"] == {"invited_users": 0, "required_invites": 1}

    sign_in(start_param=f"ref_{user.user['referral_code']}")
    assert bonus(user)["invited_users"] == 1
    done = activate(user, key="bonus-1")
    assert done.status == 200, done.body
    assert done.data["bonus_amount"] == Decimal("2.50")
    assert activate(user, key="bonus-1").data == done.data
    again = activate(user)
    assert (again.status, again.code) == (409, "ALREADY_PROCESSED")
    assert wallet(clean, user.user["id"], "BONUS")["balance"] == Decimal("2.50")
    assert bonus(user)["status"] == "activated"
    assert clean.execute("select type from notifications where type = 'BONUS_ACTIVATED'").fetchall() == [
        ("BONUS_ACTIVATED",)
    ]
    rows = invoke("get-transactions", {"wallet_type": "BONUS"}, token=user.token).data
    assert [(r["type"], r["amount"]) for r in rows] == [("BONUS", Decimal("2.50"))]
    assert check_invariants(clean) == []


def test_bonus_reads_expired_after_expiry_without_any_sweep(clean: psycopg.Connection) -> None:
    admin = make_admin(clean, "FINANCE")
    user = sign_in()
    approved_deposit(admin, user, 100)
    sign_in(start_param=f"ref_{user.user['referral_code']}")
    clean.execute(
        "update users set first_deposit_bonus_expire_at = now() - interval '1 second' where id = %s",
        (user.user["id"],),
    )
    assert clean.execute(
        "select first_deposit_bonus_status from users where id = %s", (user.user["id"],)
    ).fetchone() == ("pending",)  # no sweep ran
    assert bonus(user)["status"] == "expired"
    late = activate(user)
    assert (late.status, late.code) == (409, "BONUS_EXPIRED")
    assert wallet(clean, user.user["id"], "BONUS")["balance"] == 0


def test_no_bonus_without_deposit(clean: psycopg.Connection) -> None:
    user = sign_in()
    sign_in(start_param=f"ref_{user.user['referral_code']}")
    result = activate(user)
    assert (result.status, result.code) == (409, "NOT_ELIGIBLE")
    assert invoke("activate-first-deposit-bonus", {}).status == 401
