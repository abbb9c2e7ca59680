"""Session-token extraction from each location, and money parsing (SPEC §4)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from infra.local.stack import make_jwt
from luckymart import jsonutil
from luckymart.money import parse_amount
from luckymart.sessions import extract_token, hash_token, is_well_formed, new_token

pytestmark = pytest.mark.unit
TOKEN = "tok_" + "a" * 40


def test_header_x_session_token() -> None:
    assert extract_token({"x-session-token": TOKEN}, None) == TOKEN


def test_bearer_session_token() -> None:
    assert extract_token({"authorization": f"Bearer {TOKEN}"}, None) == TOKEN


def test_bearer_supabase_jwt_is_not_a_session_and_body_is_used() -> None:
    headers = {"authorization": f"Bearer {make_jwt('anon')}"}
    assert extract_token(headers, None) is None
    assert extract_token(headers, {"session_token": TOKEN}) == TOKEN


def test_body_session_token() -> None:
    assert extract_token({}, {"session_token": TOKEN}) == TOKEN


def test_header_wins_over_body() -> None:
    assert extract_token({"x-session-token": TOKEN}, {"session_token": "other" * 5}) == TOKEN


def test_non_string_body_token_ignored() -> None:
    assert extract_token({}, {"session_token": 12345}) is None


def test_new_tokens_are_256_bit_and_hash_is_sha256() -> None:
    token = new_token()
    assert len(token) == 43 and is_well_formed(token) and token != new_token()
    assert len(hash_token(token)) == 64


@pytest.mark.parametrize(
    "raw, expected",
    [("10", "10.00"), ("0.01", "0.01"), ("12.5", "12.50"), ("49999.99", "49999.99"), ("1.10", "1.10")],
)
def test_valid_amounts_from_json(raw: str, expected: str) -> None:
    assert parse_amount(jsonutil.loads(raw)) == Decimal(expected)


@pytest.mark.parametrize(
    "raw", ['"10"', "0", "-5", "0.001", "1e309", "NaN", "Infinity", "true", "null", "[1]", "1e17"]
)
def test_invalid_amounts_rejected(raw: str) -> None:
    with pytest.raises(ValueError):
        parse_amount(jsonutil.loads(raw))


def test_decimal_round_trip_never_goes_through_float() -> None:
    value = jsonutil.loads('{"a": 1234567890123456.78}')["a"]
    assert value == Decimal("1234567890123456.78")
    assert jsonutil.dumps({"a": value}) == '{"a":1234567890123456.78}'
