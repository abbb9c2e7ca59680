"""The origin check (luckymart.frontdoor): with ORIGIN_SECRET_REQUIRED on, a user function answers only requests
that carry the origin secret the front door adds (CloudFront on AWS, the local gateway here). A request without it
— what a direct call to the public Function URL is — gets 403 FRONT_DOOR_REQUIRED before anything else runs."""

from __future__ import annotations

import importlib
from collections.abc import Iterator

import httpx
import psycopg
import pytest

from infra.local.events import LocalContext, function_url_event
from infra.local.stack import Stack
from luckymart import frontdoor
from tests.support import invoke, signed_init_data

pytestmark = pytest.mark.e2e

SECRET = "current-origin-secret-for-tests"
PREVIOUS = "previous-origin-secret-for-tests"


@pytest.fixture
def enforced(monkeypatch: pytest.MonkeyPatch, clean: psycopg.Connection) -> Iterator[psycopg.Connection]:
    monkeypatch.setenv("ORIGIN_SECRET_REQUIRED", "true")
    monkeypatch.setenv("ORIGIN_SECRET", SECRET)
    monkeypatch.setenv("ORIGIN_SECRET_PREVIOUS", PREVIOUS)
    yield clean


def _users(pg: psycopg.Connection) -> int:
    row = pg.execute("select count(*) from users").fetchone()
    assert row is not None
    return int(row[0])


def test_through_the_gateway_every_function_is_reached(stack: Stack, enforced: psycopg.Connection) -> None:
    functions = f"{stack.api_url}/functions/v1"
    headers = {"apikey": stack.anon_key, "Authorization": f"Bearer {stack.anon_key}"}
    config = httpx.post(f"{functions}/get-payment-config", json={"type": "DEPOSIT"}, headers=headers, timeout=30)
    assert config.status_code == 200, config.text
    signed_in = httpx.post(
        f"{functions}/auth-telegram", json={"initData": signed_init_data(7001)}, headers=headers, timeout=30
    )
    assert signed_in.status_code == 200, signed_in.text
    # A caller cannot replace the secret the front door adds: the gateway (like CloudFront) overwrites it.
    forged = httpx.post(
        f"{functions}/get-payment-config",
        json={"type": "DEPOSIT"},
        headers={**headers, frontdoor.HEADER: "guessed"},
        timeout=30,
    )
    assert forged.status_code == 200, forged.text


def test_a_direct_call_without_the_secret_is_refused_before_anything_runs(enforced: psycopg.Connection) -> None:
    # What a direct Function URL call looks like: the same event, without the front door's header.
    result = invoke("auth-telegram", {"initData": signed_init_data(7002)})
    assert (result.status, result.code) == (403, "FRONT_DOOR_REQUIRED")
    assert _users(enforced) == 0  # no sign-in happened
    # Refused before parsing too: a broken body is not even a 400.
    assert invoke("get-payment-config", b"{not json").status == 403
    assert invoke("get-payment-config", {"type": "DEPOSIT"}, method="GET").status == 403


@pytest.mark.parametrize("presented", ["", "wrong", SECRET[:-1], SECRET + "x", SECRET.upper()])
def test_a_wrong_secret_is_refused(enforced: psycopg.Connection, presented: str) -> None:
    result = invoke("get-payment-config", {"type": "DEPOSIT"}, headers={frontdoor.HEADER: presented})
    assert (result.status, result.code) == (403, "FRONT_DOOR_REQUIRED")


@pytest.mark.parametrize("presented", [SECRET, PREVIOUS])
def test_the_current_and_the_previous_secret_are_accepted(enforced: psycopg.Connection, presented: str) -> None:
    result = invoke("auth-telegram", {"initData": signed_init_data(7003)}, headers={"X-Origin-Verify": presented})
    assert result.status == 200, result.body
    assert _users(enforced) == 1


def test_the_front_door_path_reaches_the_function(enforced: psycopg.Connection) -> None:
    # CloudFront keeps /functions/v1/<name> as the path (it is part of the cache key); the function accepts it.
    module = importlib.import_module("functions.get_payment_config.handler")
    headers = {"content-type": "application/json", frontdoor.HEADER: SECRET}
    event = function_url_event(
        "POST", path="/functions/v1/get-payment-config", headers=headers, body=b'{"type": "DEPOSIT"}'
    )
    assert module.handler(event, LocalContext("get-payment-config"))["statusCode"] == 200
    other = function_url_event("POST", path="/functions/v1/logout", headers=headers, body=b"{}")
    assert module.handler(other, LocalContext("get-payment-config"))["statusCode"] == 404


def _session_ips(pg: psycopg.Connection) -> list[str]:
    return [row[0] for row in pg.execute("select ip_address from user_sessions order by created_at").fetchall()]


def test_sessions_record_the_callers_address_as_the_front_door_saw_it(
    stack: Stack, enforced: psycopg.Connection
) -> None:
    # Through the gateway: its own view of the caller, whatever the caller claims.
    response = httpx.post(
        f"{stack.api_url}/functions/v1/auth-telegram",
        json={"initData": signed_init_data(7004)},
        headers={frontdoor.VIEWER_IP_HEADER: "203.0.113.66"},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    # As CloudFront's router hands it on: the Function URL's own sourceIp would be CloudFront's.
    headers = {frontdoor.HEADER: SECRET, frontdoor.VIEWER_IP_HEADER: "198.51.100.23"}
    assert invoke("auth-telegram", {"initData": signed_init_data(7005)}, headers=headers).status == 200
    assert _session_ips(enforced) == ["127.0.0.1", "198.51.100.23"]


def test_without_the_setting_direct_calls_work(clean: psycopg.Connection, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ORIGIN_SECRET_REQUIRED", raising=False)
    assert invoke("get-payment-config", {"type": "DEPOSIT"}).status == 200
    # and a claimed address is not trusted without the origin check
    headers = {frontdoor.VIEWER_IP_HEADER: "198.51.100.23"}
    assert invoke("auth-telegram", {"initData": signed_init_data(7006)}, headers=headers).status == 200
    assert _session_ips(clean) == ["127.0.0.1"]
