"""initData verification against data signed by an independent library (init-data-py)."""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest
from init_data_py import sign

from luckymart.errors import AppError
from luckymart.telegram import verify_init_data

pytestmark = pytest.mark.unit
TOKEN = "123456:TEST-TOKEN"
NOW = 1_800_000_000


def signed(user: dict[str, object], *, token: str = TOKEN, auth_date: int = NOW, **extra: str) -> str:
    fields = {"query_id": "AAH", "user": json.dumps(user, separators=(",", ":"), ensure_ascii=False), **extra}
    return sign(fields, token, auth_date=auth_date)


def verify(init_data: str, *, token: str = TOKEN, now: float = NOW) -> dict[str, object]:
    return verify_init_data(init_data, token, 3600, now=now)


def rejected(init_data: str, **kwargs: object) -> str:
    with pytest.raises(AppError) as info:
        verify(init_data, **kwargs)  # type: ignore[arg-type]
    assert info.value.status == 401 and info.value.code == "UNAUTHENTICATED"
    return info.value.message


@pytest.mark.parametrize(
    "first_name",
    ["Dilnoza", "Дилноза Рахимова", "王小明 🎉", "Tom & Jerry", "a=b", "100% real", "x&hash=deadbeef"],
)
def test_genuine_data_with_unicode_and_reserved_characters(first_name: str) -> None:
    user = {"id": 42, "first_name": first_name, "username": "u_42"}
    result = verify(signed(user))
    assert result["user"] == user
    assert result["auth_date"] == NOW


def test_signature_field_stays_in_the_checked_string() -> None:
    assert verify(signed({"id": 1}, signature="c2lnbmF0dXJl"))["signature"] == "c2lnbmF0dXJl"


def test_tampered_field() -> None:
    data = signed({"id": 42, "first_name": "Ann"})
    assert "signature mismatch" in rejected(data.replace("Ann", "Bob"))


def test_tampered_user_id() -> None:
    data = signed({"id": 42, "first_name": "Ann"})
    assert "signature mismatch" in rejected(data.replace("%3A42", "%3A43"))


def test_wrong_bot_token() -> None:
    assert "signature mismatch" in rejected(signed({"id": 1}, token="999:OTHER"))


def test_expired() -> None:
    assert "expired" in rejected(signed({"id": 1}, auth_date=NOW - 3601))


def test_just_within_ttl() -> None:
    assert verify(signed({"id": 1}, auth_date=NOW - 3599))["user"] == {"id": 1}


def test_two_minutes_in_the_future() -> None:
    assert "future" in rejected(signed({"id": 1}, auth_date=NOW + 120))


def test_duplicate_user_key_placed_first() -> None:
    genuine = signed({"id": 1, "first_name": "Victim"})
    forged_user = quote(json.dumps({"id": 666}, separators=(",", ":")))
    assert "duplicate" in rejected(f"user={forged_user}&{genuine}")


def test_missing_hash() -> None:
    data = "&".join(p for p in signed({"id": 1}).split("&") if not p.startswith("hash="))
    assert "missing hash" in rejected(data)


@pytest.mark.parametrize("data", ["", "   ", "no-equals-sign", "a=1&&b=2"])
def test_empty_or_malformed(data: str) -> None:
    rejected(data)


def test_user_without_numeric_id() -> None:
    assert "no id" in rejected(signed({"id": "42"}))


def test_error_never_contains_the_expected_hash() -> None:
    data = signed({"id": 1}, token="999:OTHER")
    message = rejected(data)
    assert len(message) < 60 and not any(len(word) >= 32 for word in message.split())
