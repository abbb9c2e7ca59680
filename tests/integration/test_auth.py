"""auth-telegram, validate-session and logout against the real stack."""

from __future__ import annotations

import hashlib
import time

import psycopg
import pytest

from tests.support import invoke, sign_in, signed_init_data

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean")]


def test_new_user_gets_three_wallets_once_and_a_hashed_session(clean: psycopg.Connection) -> None:
    first = invoke("auth-telegram", {"initData": signed_init_data(5001, username="alice")})
    assert first.status == 200
    assert first.data["is_new_user"] is True
    assert sorted(w["type"] for w in first.data["wallets"]) == ["BALANCE", "BONUS", "LUCKY_COIN"]
    assert all(w["balance"] == 0 for w in first.data["wallets"])
    token = first.data["session"]["token"]

    second = invoke("auth-telegram", {"initData": signed_init_data(5001, username="alice2")})
    assert second.data["is_new_user"] is False
    assert second.data["user"]["id"] == first.data["user"]["id"]
    assert second.data["user"]["telegram_username"] == "alice2"
    assert clean.execute("select count(*) from wallets").fetchone() == (3,)

    stored = [r[0] for r in clean.execute("select token_hash from user_sessions").fetchall()]
    assert len(stored) == 2
    assert token not in stored
    assert hashlib.sha256(token.encode()).hexdigest() in stored


def test_validate_session_accepts_each_token_location() -> None:
    session = sign_in()
    for kwargs in (
        {"token": session.token},
        {"headers": {"authorization": f"Bearer {session.token}"}},
        {"body": {"session_token": session.token}},
    ):
        body = kwargs.pop("body", None)
        result = invoke("validate-session", body, **kwargs)
        assert result.status == 200, result.body
        assert result.data["user"]["id"] == session.user["id"]


def test_get_works_for_read_only_function() -> None:
    session = sign_in()
    assert invoke("validate-session", method="GET", token=session.token).status == 200


def test_missing_or_unknown_token_is_401() -> None:
    assert invoke("validate-session", {}).code == "UNAUTHENTICATED"
    unknown = invoke("validate-session", {}, token="x" * 43)
    assert (unknown.status, unknown.code) == (401, "UNAUTHENTICATED")


def test_expired_session_is_401_session_expired(clean: psycopg.Connection) -> None:
    session = sign_in()
    clean.execute("update user_sessions set expires_at = now() - interval '1 second'")
    result = invoke("validate-session", {}, token=session.token)
    assert (result.status, result.code) == (401, "SESSION_EXPIRED")


def test_logout_revokes_at_once() -> None:
    session = sign_in()
    assert invoke("logout", {}, token=session.token).status == 200
    assert invoke("validate-session", {}, token=session.token).status == 401
    assert invoke("logout", {}, token=session.token).status == 401


def test_banned_user_cannot_use_sessions_or_sign_in(clean: psycopg.Connection) -> None:
    session = sign_in(telegram_id=7007)
    clean.execute("update users set status = 'BANNED' where telegram_id = '7007'")
    assert invoke("validate-session", {}, token=session.token).status == 403
    again = invoke("auth-telegram", {"initData": signed_init_data(7007)})
    assert (again.status, again.code) == (403, "FORBIDDEN")
    assert clean.execute("select count(*) from user_sessions").fetchone() == (1,)


def test_referrer_linked_once_never_self_never_later(clean: psycopg.Connection) -> None:
    referrer = sign_in(telegram_id=8001)
    code = referrer.user["referral_code"]
    invited = sign_in(telegram_id=8002, start_param=f"ref_{code}")
    assert invited.user["referred_by_id"] == referrer.user["id"]

    # an existing user without a referrer cannot gain one later
    loner = sign_in(telegram_id=8003)
    again = sign_in(telegram_id=8003, start_param=f"ref_{code}")
    assert loner.user["referred_by_id"] is None and again.user["referred_by_id"] is None

    # unknown codes are ignored; a code in any case works
    stranger = sign_in(telegram_id=8004, start_param="ref_NOPE0000")
    assert stranger.user["referred_by_id"] is None
    lower = sign_in(telegram_id=8005, start_param=f"ref_{code.lower()}")
    assert lower.user["referred_by_id"] == referrer.user["id"]


def test_database_refuses_self_referral_and_cycles(clean: psycopg.Connection) -> None:
    a = sign_in(telegram_id=9001)
    b = sign_in(telegram_id=9002, start_param=f"ref_{a.user['referral_code']}")
    c = sign_in(telegram_id=9003, start_param=f"ref_{b.user['referral_code']}")
    with pytest.raises(psycopg.errors.CheckViolation):
        clean.execute("update users set referred_by_id = id, referrer_id = id where telegram_id = '9001'")
    with pytest.raises(psycopg.errors.CheckViolation):  # a -> c would close a -> c -> b -> a
        clean.execute(
            "update users set referred_by_id = %s, referrer_id = %s where id = %s",
            (c.user["id"], c.user["id"], a.user["id"]),
        )
    with pytest.raises(psycopg.errors.CheckViolation):  # once set, a referrer never changes
        clean.execute(
            "update users set referred_by_id = %s, referrer_id = %s where id = %s",
            (a.user["id"], a.user["id"], c.user["id"]),
        )


def test_referral_codes_are_unique_for_neighbouring_telegram_ids(clean: psycopg.Connection) -> None:
    codes = {sign_in(telegram_id=123456789 + i).user["referral_code"] for i in range(30)}
    assert len(codes) == 30


@pytest.mark.parametrize("mutate", ["tamper", "wrong_token", "expired", "future"])
def test_bad_init_data_is_401_and_creates_nothing(clean: psycopg.Connection, mutate: str) -> None:
    now = int(time.time())
    if mutate == "tamper":
        init_data = signed_init_data(6001).replace("Test", "Evil")
    elif mutate == "wrong_token":
        init_data = signed_init_data(6001, bot_token="999:OTHER")
    elif mutate == "expired":
        init_data = signed_init_data(6001, auth_date=now - 3601)
    else:
        init_data = signed_init_data(6001, auth_date=now + 120)
    result = invoke("auth-telegram", {"initData": init_data})
    assert (result.status, result.code) == (401, "UNAUTHENTICATED")
    assert clean.execute("select count(*) from users").fetchone() == (0,)


def test_concurrent_first_sign_ins_create_one_user(clean: psycopg.Connection) -> None:
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda _: invoke("auth-telegram", {"initData": signed_init_data(4242)}), range(8)))
    assert all(r.status == 200 for r in results)
    assert sum(r.data["is_new_user"] for r in results) == 1
    assert clean.execute("select count(*) from users").fetchone() == (1,)
    assert clean.execute("select count(*) from wallets").fetchone() == (3,)
