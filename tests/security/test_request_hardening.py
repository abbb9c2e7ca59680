"""Hostile request bodies are refused before any work is done (issue 15, items 1, 5, 6, 7).

Each case failed on 2664dce: huge numbers pinned the CPU for seconds before a 400, deep nesting and a non-ASCII
initData hash were 500s, NUL bytes and lone surrogates reached PostgreSQL (500), and GET accepted the session
token from the query string."""

from __future__ import annotations

import logging
import time
from typing import Any

import pytest

from tests.support import invoke, sign_in

pytestmark = pytest.mark.integration

# Parsing any of these must take microseconds; a second is a generous bound on a busy 2-core machine
# (before the fix the first one took seconds and 1e40000000 about a minute).
HUGE_NUMBERS = [
    b'{"limit":1e10000000}',
    b'{"limit":1E+9999999,"offset":0}',
    b'{"offset":-1e10000000}',
    b'{"limit":' + b"9" * 60_000 + b"}",
    b'{"limit":0.' + b"0" * 60_000 + b"1}",
]


@pytest.mark.parametrize("body", HUGE_NUMBERS, ids=lambda b: b[:24].decode())
def test_huge_numbers_are_refused_at_parse_time(stack: Any, body: bytes) -> None:
    started = time.perf_counter()
    result = invoke("list-resale-items", body)
    elapsed = time.perf_counter() - started
    assert result.status == 400 and result.code == "VALIDATION_ERROR", result.body
    assert elapsed < 1.0, f"took {elapsed:.2f} s"


def test_huge_numbers_in_every_int_and_money_field(stack: Any, clean: Any) -> None:
    user = sign_in()
    started = time.perf_counter()
    cases = [
        ("verify-draw", b'{"lottery_id":"00000000-0000-4000-8000-000000000000","tickets_limit":1e10000000}'),
        ("exchange-balance", b'{"amount":1e10000000}'),
        ("deposit-request", b'{"amount":1e-10000000,"payment_method":"ALIF_MOBI"}'),
        ("lottery-purchase", b'{"lottery_id":"00000000-0000-4000-8000-000000000000","quantity":1e999999}'),
    ]
    for name, body in cases:
        result = invoke(name, body, token=user.token, headers={"idempotency-key": "k-" + name})
        assert result.status == 400 and result.code == "VALIDATION_ERROR", (name, result.body)
    assert time.perf_counter() - started < 2.0


def test_ordinary_numbers_still_parse_exactly(stack: Any) -> None:
    result = invoke("list-resale-items", b'{"limit":20,"offset":0.0e0}')
    assert result.status == 200, result.body


def test_deeply_nested_json_is_a_400_without_a_traceback(stack: Any, caplog: pytest.LogCaptureFixture) -> None:
    body = b'{"x":' + b"[" * 30_000 + b"]" * 30_000 + b"}"
    with caplog.at_level(logging.ERROR):
        result = invoke("list-resale-items", body)
        bare = invoke("list-resale-items", b"[" * 30_000 + b"]" * 30_000)
    assert result.status == 400 and result.code == "VALIDATION_ERROR", result.body
    assert bare.status == 400, bare.body
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


@pytest.mark.parametrize("hash_value", ["%C3%A9", "%E2%82%AC" * 22, "%00"])
def test_non_ascii_init_data_hash_is_401(stack: Any, caplog: pytest.LogCaptureFixture, hash_value: str) -> None:
    with caplog.at_level(logging.ERROR):
        result = invoke("auth-telegram", {"initData": f"auth_date=1&user=%7B%7D&hash={hash_value}"})
    assert result.status == 401 and result.code == "UNAUTHENTICATED", result.body
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


@pytest.mark.parametrize(
    "body",
    [
        b'{"amount":"10","payment_method":"ALIF_MOBI","payer_name":"a\\u0000b"}',
        b'{"amount":"10","payment_method":"ALIF_MOBI","payer_name":"a\\ud800b"}',
        b'{"amount":"10","payment_method":"ALIF_MOBI","idempotency_key":"k\\u0000"}',
        b'{"amount":"10","payment_method":"ALIF_MOBI","idempotency_key":"\\udfff"}',
        b'{"amount":"10","payment_method":"ALIF_MOBI","pa\\u0000yer":"x"}',
    ],
)
def test_nul_and_lone_surrogates_are_400_and_change_nothing(stack: Any, clean: Any, body: bytes) -> None:
    user = sign_in()
    result = invoke("deposit-request", body, token=user.token, headers={"idempotency-key": "nul-test"})
    assert result.status == 400 and result.code == "VALIDATION_ERROR", result.body
    assert clean.execute("select count(*) from public.deposits").fetchone()[0] == 0


def test_nul_in_a_query_string_is_400(stack: Any) -> None:
    result = invoke("list-resale-items", method="GET", query="status=AC%00TIVE")
    assert result.status == 400 and result.code == "VALIDATION_ERROR", result.body


def test_session_token_is_not_accepted_from_the_query_string(stack: Any, clean: Any) -> None:
    user = sign_in()
    from_query = invoke("validate-session", method="GET", query=f"session_token={user.token}")
    assert from_query.status == 401 and from_query.code == "UNAUTHENTICATED", from_query.body
    from_header = invoke("validate-session", method="GET", token=user.token)
    assert from_header.status == 200, from_header.body
    from_body = invoke("validate-session", {"session_token": user.token})
    assert from_body.status == 200, from_body.body
