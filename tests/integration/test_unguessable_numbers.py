"""Issue 15 item 10: referral codes come from a keyed permutation (the old public multiplier decodes them to
nothing consecutive), every code already issued stays valid, and deposit/withdrawal numbers use no global
sequence."""

from __future__ import annotations

import os
import re
from itertools import pairwise

import psycopg
import pytest

from tests.support import sign_in
from tests.support_wallets import credit, deposit, withdraw

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean")]

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
MODULUS = 2**35
OLD_MULTIPLIER, OLD_OFFSET = 2654435761, 104729  # the scheme before issue 15: public, so codes decoded


def code_value(code: str) -> int:
    value = 0
    for symbol in code.removeprefix("LM"):
        value = value * 32 + ALPHABET.index(symbol)
    return value


def code_of(value: int) -> str:
    symbols = ""
    for _ in range(7):
        symbols = ALPHABET[value % 32] + symbols
        value //= 32
    return "LM" + symbols


def old_scheme_sequence(code: str) -> int:
    return ((code_value(code) - OLD_OFFSET) * pow(OLD_MULTIPLIER, -1, MODULUS)) % MODULUS


def test_codes_do_not_decode_to_the_user_sequence(clean: psycopg.Connection) -> None:
    codes = [sign_in().user["referral_code"] for _ in range(6)]
    assert all(re.fullmatch(r"LM[0-9A-HJKMNP-TV-Z]{7}", c) for c in codes), codes
    decoded = [old_scheme_sequence(c) for c in codes]
    steps = {b - a for a, b in pairwise(decoded)}
    assert steps != {1}, "codes still decode to consecutive sequence numbers"
    assert max(decoded) > 10**6  # not small counters either


def test_old_scheme_codes_stay_valid_and_are_never_reissued(clean: psycopg.Connection) -> None:
    old_code = code_of((1 * OLD_MULTIPLIER + OLD_OFFSET) % MODULUS)  # the very first code of the old scheme
    (old_user,) = clean.execute(
        "insert into users (telegram_id, referral_code) values ('777000001', %s) returning id::text", (old_code,)
    ).fetchone()  # type: ignore[misc]
    invited = sign_in(start_param=f"ref_{old_code}")
    assert invited.user["referred_by_id"] == old_user

    # The value the next new code would take is already somebody's (old) code: it is skipped, not reused.
    key = os.environ["REFERRAL_CODE_KEY"]
    (taken,) = clean.execute(
        "select private.referral_permute((select last_value + 1 from private.referral_code_seq), %s)", (key,)
    ).fetchone()  # type: ignore[misc]
    clean.execute("insert into users (telegram_id, referral_code) values ('777000002', %s)", (code_of(taken),))
    fresh = sign_in()
    assert fresh.user["referral_code"] != code_of(taken)


def test_the_permutation_is_keyed_and_collision_free(clean: psycopg.Connection) -> None:
    rows = clean.execute(
        "select private.referral_permute(i, %s), private.referral_permute(i, %s) from generate_series(0, 4999) i",
        ("a" * 64, "b" * 64),
    ).fetchall()
    first, second = [r[0] for r in rows], [r[1] for r in rows]
    assert len(set(first)) == len(set(second)) == 5000
    assert all(0 <= v < MODULUS for v in first + second)
    assert sum(a == b for a, b in zip(first, second, strict=True)) < 5  # another key, another code sequence


def test_deposit_and_withdrawal_numbers_have_no_sequence(clean: psycopg.Connection) -> None:
    users = [sign_in() for _ in range(3)]
    numbers = [deposit(u, 100).data["order_number"] for u in users]
    for u in users:
        credit(clean, u.user["id"], "50")
    numbers += [withdraw(u, 20).data["order_number"] for u in users]
    for number in numbers:
        assert re.fullmatch(r"(DP|WD)\d{8}[0-9A-F]{12}", number), number
    suffixes = [int(n[10:], 16) for n in numbers]
    assert len(set(suffixes)) == len(suffixes)
    assert not any(abs(a - b) < 1000 for a, b in pairwise(suffixes))
