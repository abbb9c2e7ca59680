"""Over HTTP through the local gateway, like the Mini App."""

from __future__ import annotations

import httpx
import psycopg
import pytest

from tests.support import signed_init_data

pytestmark = pytest.mark.e2e


def test_sign_in_validate_logout(api: httpx.Client) -> None:
    signed = api.post("/auth-telegram", json={"initData": signed_init_data(3001, username="e2e")})
    assert signed.status_code == 200
    body = signed.json()
    assert body["success"] is True and body["data"]["is_new_user"] is True
    token = body["data"]["session"]["token"]

    # the old frontend sends the anon JWT as Authorization and the session in the body
    valid = api.post("/validate-session", json={"session_token": token})
    assert valid.status_code == 200 and valid.json()["data"]["user"]["telegram_username"] == "e2e"
    assert api.get("/validate-session", headers={"X-Session-Token": token}).status_code == 200

    assert api.post("/logout", headers={"X-Session-Token": token}).status_code == 200
    after = api.post("/validate-session", headers={"X-Session-Token": token})
    assert after.status_code == 401
    assert after.json() == {
        "success": False,
        "error": {"code": "UNAUTHENTICATED", "message": "session is missing, invalid or signed out"},
    }


def test_tampered_init_data_is_401_and_creates_no_user(api: httpx.Client, clean: psycopg.Connection) -> None:
    forged = signed_init_data(3002, first_name="Alice").replace("Alice", "Mallory")
    response = api.post("/auth-telegram", json={"initData": forged})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "UNAUTHENTICATED"
    assert clean.execute("select count(*) from users").fetchone() == (0,)


def test_bad_json_and_unknown_function(api: httpx.Client) -> None:
    bad = api.post("/auth-telegram", content=b"{not json", headers={"content-type": "application/json"})
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "VALIDATION_ERROR"
    assert api.post("/no-such-function").status_code == 404


def test_cors_preflight_allowed_and_disallowed_origin(api: httpx.Client) -> None:
    allowed = api.options(
        "/validate-session",
        headers={
            "Origin": "https://app.luckymart.test",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "x-session-token, idempotency-key",
        },
    )
    assert allowed.status_code == 204
    assert allowed.headers["access-control-allow-origin"] == "https://app.luckymart.test"
    assert "x-session-token" in allowed.headers["access-control-allow-headers"].lower()
    denied = api.options(
        "/validate-session", headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"}
    )
    assert "access-control-allow-origin" not in denied.headers


def test_rest_proxy_serves_postgrest(api: httpx.Client, stack: object) -> None:
    response = httpx.get(
        f"{api.base_url.scheme}://{api.base_url.host}:{api.base_url.port}/rest/v1/payment_configs",
        headers={"apikey": api.headers["apikey"], "Authorization": api.headers["Authorization"]},
        params={"select": "method,min_amount"},
    )
    assert response.status_code == 200
    assert {row["method"] for row in response.json()} == {"ALIF_MOBI", "DC_BANK", "BANK_TRANSFER", "OTHER"}


def test_a_429_says_when_to_retry_in_a_header_the_browser_can_read(api: httpx.Client) -> None:
    init_data, origin = signed_init_data(3003), {"Origin": "https://app.luckymart.test"}
    statuses = [api.post("/auth-telegram", json={"initData": init_data}, headers=origin) for _ in range(11)]
    refused = statuses[-1]  # sign-ins are limited to 10 a minute per Telegram user
    assert refused.status_code == 429 and refused.json()["error"]["code"] == "RATE_LIMITED"
    wait = refused.json()["error"]["details"]["retry_after_seconds"]
    assert refused.headers["retry-after"] == str(wait) and 1 <= wait <= 60
    assert "retry-after" in refused.headers["access-control-expose-headers"].lower()
    assert "retry-after" not in statuses[0].headers  # only a refusal says when to come back
