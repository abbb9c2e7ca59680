"""Issue 15 item 3 (and the rate limit of item 4): 429 RATE_LIMITED decided inside the SQL call, the cap on active
sessions, "log out everywhere" and the retention sweep of the scheduled function."""

from __future__ import annotations

import importlib
import json
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest

from infra.local.events import LocalContext, function_url_event, scheduled_event
from infra.local.s3 import local_s3
from infra.local.stack import Stack
from luckymart import jsonutil
from tests.support import Result, invoke, sign_in, signed_init_data
from tests.support_prizes import win_prize

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean")]


@pytest.fixture
def config(clean: psycopg.Connection) -> Iterator[Any]:
    """Sets system_config values for one test and restores them afterwards (the table outlives tests)."""
    saved: dict[str, Any] = dict(clean.execute("select key, value from system_config").fetchall())

    def put(key: str, value: Any) -> None:
        clean.execute("update system_config set value = %s::jsonb where key = %s", (json.dumps(value), key))

    yield put
    for key, value in saved.items():
        clean.execute("update system_config set value = %s::jsonb where key = %s", (json.dumps(value), key))


def sign_in_from(telegram_id: int, source_ip: str) -> Result:
    module = importlib.import_module("functions.auth_telegram.handler")
    body = jsonutil.dumps({"initData": signed_init_data(telegram_id)}).encode()
    event = function_url_event(
        "POST", headers={"content-type": "application/json"}, body=body, source_ip=source_ip
    )
    response = module.handler(event, LocalContext(function_name="auth-telegram"))
    return Result(int(response["statusCode"]), jsonutil.loads(response["body"]), {})


def sessions_of(pg: psycopg.Connection, telegram_id: int) -> tuple[int, int]:
    row = pg.execute(
        "select count(*) filter (where s.is_active), count(*) from user_sessions s "
        "join users u on u.id = s.user_id where u.telegram_id = %s",
        (str(telegram_id),),
    ).fetchone()
    assert row is not None
    return int(row[0]), int(row[1])


def test_replayed_init_data_is_rate_limited_per_telegram_user(clean: psycopg.Connection) -> None:
    init_data = signed_init_data(31001)
    results = [invoke("auth-telegram", {"initData": init_data}) for _ in range(12)]
    assert [r.status for r in results] == [200] * 10 + [429] * 2
    assert results[-1].code == "RATE_LIMITED"
    assert results[-1].body["error"]["details"]["retry_after_seconds"] > 0
    assert sessions_of(clean, 31001) == (10, 10)  # the refused sign-ins created nothing
    assert sign_in(telegram_id=31002).token  # another user is not affected


def test_sign_in_is_rate_limited_per_source_ip(clean: psycopg.Connection, config: Any) -> None:
    config("rate_limits", {"sign_in_ip": {"limit": 3, "window_seconds": 60}})
    assert [sign_in_from(32000 + i, "198.51.100.7").status for i in range(3)] == [200] * 3
    refused = sign_in_from(32010, "198.51.100.7")
    assert (refused.status, refused.body["error"]["code"]) == (429, "RATE_LIMITED")
    assert clean.execute("select count(*) from users where telegram_id = '32010'").fetchone() == (0,)
    assert sign_in_from(32011, "203.0.113.9").status == 200  # another address is not affected


def test_active_sessions_are_capped_oldest_revoked(clean: psycopg.Connection, config: Any) -> None:
    config("sessions", {"max_active_per_user": 3})
    tokens = [sign_in(telegram_id=33001).token for _ in range(5)]
    assert sessions_of(clean, 33001) == (3, 5)
    assert [invoke("validate-session", {}, token=t).status for t in tokens] == [401, 401, 200, 200, 200]


def test_logout_all_revokes_every_session_of_the_user(clean: psycopg.Connection) -> None:
    first, second = sign_in(telegram_id=34001), sign_in(telegram_id=34001)
    other = sign_in(telegram_id=34002)
    result = invoke("logout", {"all": True}, token=second.token)
    assert result.status == 200 and result.data == {"logged_out": True, "sessions_revoked": 2}
    assert invoke("validate-session", {}, token=first.token).status == 401
    assert invoke("validate-session", {}, token=second.token).status == 401
    assert invoke("validate-session", {}, token=other.token).status == 200
    assert invoke("logout", {"all": "yes"}, token=other.token).status == 400


def test_writes_are_rate_limited_per_user(clean: psycopg.Connection, config: Any) -> None:
    config("rate_limits", {"write": {"limit": 3, "window_seconds": 60}})
    user, other = sign_in(), sign_in()
    statuses = [invoke("mark-notifications-read", {"all": True}, token=user.token).status for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    refused = invoke("exchange-balance", {"amount": 1}, token=user.token)
    assert refused.code == "RATE_LIMITED"
    assert invoke("get-wallet-balance", {}, token=user.token).status == 200  # reads are not writes
    assert invoke("mark-notifications-read", {"all": True}, token=other.token).status == 200


def test_upload_urls_are_rate_limited_per_user(stack: Stack, clean: psycopg.Connection, config: Any) -> None:
    config("rate_limits", {"upload_url": {"limit": 2, "window_seconds": 3600}})
    user = sign_in()
    with local_s3():
        statuses = [invoke("create-upload-url", {"content_type": "image/png"}, token=user.token) for _ in range(3)]
    assert [r.status for r in statuses] == [200, 200, 429]
    assert statuses[-1].code == "RATE_LIMITED"


def test_sliding_window_counts_the_previous_window(clean: psycopg.Connection) -> None:
    # A burst in the previous minute still weighs on this one (by the part of it the sliding window overlaps:
    # at least 1/600 even in the last 0.1 s, so 100,000 requests always exceed 5) ...
    clean.execute(
        "insert into rate_limits (bucket, key, window_start, count, expires_at) values "
        "('t', 'recent', date_trunc('minute', now()) - interval '1 minute', 100000, now() + interval '1 minute'), "
        "('t', 'old', date_trunc('minute', now()) - interval '2 minutes', 100000, now() + interval '1 minute')"
    )
    with pytest.raises(psycopg.Error) as info:
        clean.execute("select private.rate_limit('t', 'recent', 5, 60)")
    assert info.value.sqlstate == "LM429"
    # ... a burst two windows ago does not.
    clean.execute("select private.rate_limit('t', 'old', 5, 60)")
    assert clean.execute("select count, previous_count from rate_limits where key = 'old'").fetchone() == (1, 0)


def test_retention_sweep_deletes_old_rows_in_bounded_batches(clean: psycopg.Connection, config: Any) -> None:
    user = sign_in()
    uid = user.user["id"]
    win_prize(clean, user)
    config(
        "retention",
        {
            "batch_size": 2,
            "sessions_days": 7,
            "idempotency_hours": 24,
            "outbox_days": 7,
            "read_notifications_days": 90,
        },
    )
    for i in range(3):  # expired 8 days ago
        clean.execute(
            "insert into user_sessions (user_id, token_hash, expires_at, created_at) "
            "values (%s, %s, now() - interval '8 days', now() - interval '15 days')",
            (uid, f"{i:064x}"),
        )
    clean.execute(
        "insert into user_sessions (user_id, token_hash, expires_at, is_active, revoked_at) "
        "values (%s, %s, now() + interval '1 day', false, now() - interval '8 days')",
        (uid, "f" * 64),
    )
    clean.execute(
        "insert into idempotency_keys (user_id, scope, key, request_hash, created_at) values "
        "(%s, 's', 'old', 'h', now() - interval '25 hours'), (%s, 's', 'new', 'h', now())",
        (uid, uid),
    )
    clean.execute(
        "insert into notifications (user_id, type, title, is_read, read_at) values "
        "(%s, 'T', 'old read', true, now() - interval '91 days'), (%s, 'T', 'unread', false, null), "
        "(%s, 'T', 'recent read', true, now())",
        (uid, uid, uid),
    )
    clean.execute(
        "insert into rate_limits (bucket, key, window_start, count, expires_at) "
        "values ('t', 'gone', now() - interval '1 hour', 1, now() - interval '1 minute')"
    )
    clean.execute(
        "insert into commission_outbox (order_id, processed_at) select id, now() - interval '8 days' from orders"
    )  # the order win_prize made, processed long ago
    from functions.auto_lottery_draw.handler import handler as scheduled_job

    first = scheduled_job(scheduled_event(), LocalContext("auto-lottery-draw"))["retention"]
    assert first["sessions"] == 2 and first["idempotency_keys"] == 1 and first["notifications"] == 1
    assert first["commission_outbox"] == 1
    assert first["rate_limits"] >= 1
    second = scheduled_job(scheduled_event(), LocalContext("auto-lottery-draw"))["retention"]
    assert second["sessions"] == 2
    assert clean.execute("select count(*) from user_sessions").fetchone() == (1,)  # the live one
    assert invoke("validate-session", {}, token=user.token).status == 200
    assert clean.execute("select key from idempotency_keys").fetchall() == [("new",)]
    assert sorted(t for (t,) in clean.execute("select title from notifications").fetchall()) == [
        "recent read",
        "unread",
    ]
