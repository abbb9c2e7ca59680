"""Races on the real stack: whatever the interleaving, no overdraft, every transition once, ledger = balance."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any

import psycopg
import pytest

from tests.invariants import check_invariants
from tests.support import invoke, make_admin, sign_in
from tests.support_wallets import credit, deposit, finance, wallet, withdraw

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean")]

PARALLEL_REQUESTS = 50


def run_parallel(calls: list[Any]) -> list[Any]:
    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(lambda call: call(), calls))


def test_50_parallel_withdrawals_and_exchanges_never_overdraw(clean: psycopg.Connection) -> None:
    user = sign_in()
    user_id = user.user["id"]
    credit(clean, user_id, "500")
    withdrawal = {"amount": 40, "withdrawal_method": "ALIF_MOBI", "mobile_wallet_number": "+992900000000"}
    calls: list[Any] = []
    for i in range(PARALLEL_REQUESTS // 2):
        calls.append(
            lambda i=i: (
                "W",
                invoke("withdrawal-request", withdrawal, token=user.token, headers={"idempotency-key": f"w{i}"}),
            )
        )
        calls.append(
            lambda i=i: (
                "X",
                invoke("exchange-balance", {"amount": 30}, token=user.token, headers={"idempotency-key": f"x{i}"}),
            )
        )
    results = run_parallel(calls)

    ok = {"W": 0, "X": 0}
    refusals = set()
    for kind, result in results:
        if result.status == 200:
            ok[kind] += 1
        else:
            assert result.status == 409, result.body
            refusals.add(result.code)
    assert refusals <= {"INSUFFICIENT_BALANCE", "LIMIT_EXCEEDED"}
    assert "INSUFFICIENT_BALANCE" in refusals  # 25 x 30 + 3 x 40 > 500: the race was real
    assert ok["W"] <= 3
    money = wallet(clean, user_id)
    assert money["balance"] == Decimal(500 - 40 * ok["W"] - 30 * ok["X"]) >= 0
    assert money["frozen"] == Decimal(40 * ok["W"])
    assert wallet(clean, user_id, "LUCKY_COIN")["balance"] == Decimal(30 * ok["X"])
    assert check_invariants(clean) == []


def test_same_idempotency_key_raced_moves_money_once(clean: psycopg.Connection) -> None:
    user = sign_in()
    credit(clean, user.user["id"], "100")
    results = run_parallel(
        [
            lambda: invoke(
                "exchange-balance", {"amount": 7}, token=user.token, headers={"idempotency-key": "same"}
            )
            for _ in range(10)
        ]
    )
    assert {r.status for r in results} == {200}
    assert len({str(r.data) for r in results}) == 1
    assert wallet(clean, user.user["id"])["balance"] == Decimal("93.00")
    assert check_invariants(clean) == []


def test_parallel_approvals_credit_a_deposit_once(clean: psycopg.Connection) -> None:
    admins = [make_admin(clean, "FINANCE"), make_admin(clean, "SUPER_ADMIN")]
    user = sign_in()
    deposit_ids = [deposit(user, 100 + i).data["id"] for i in range(5)]
    for deposit_id in deposit_ids:
        results = run_parallel(
            [lambda a=a, d=deposit_id: finance("deposits.approve", a, deposit_id=d) for a in admins]
        )
        assert sorted(r["statusCode"] for r in results) == [200, 409]
    # approve against reject: exactly one wins
    contested = deposit(user, 50).data["id"]
    results = run_parallel(
        [
            lambda: finance("deposits.approve", admins[0], deposit_id=contested),
            lambda: finance("deposits.reject", admins[1], deposit_id=contested),
        ]
    )
    assert sorted(r["statusCode"] for r in results) == [200, 409]
    approved_contested = any(r["statusCode"] == 200 and r["data"]["status"] == "APPROVED" for r in results)
    expected = Decimal(sum(100 + i for i in range(5)) + (50 if approved_contested else 0))
    assert wallet(clean, user.user["id"])["balance"] == expected
    assert check_invariants(clean) == []


def test_parallel_withdrawal_reviews_settle_once(clean: psycopg.Connection) -> None:
    admin = make_admin(clean, "FINANCE")
    user = sign_in()
    credit(clean, user.user["id"], "300")
    withdrawal_ids = [withdraw(user, 100).data["id"] for _ in range(3)]
    for withdrawal_id in withdrawal_ids:
        results = run_parallel(
            [
                lambda: finance("withdrawals.complete", admin, withdrawal_id=withdrawal_id),
                lambda: finance("withdrawals.reject", admin, withdrawal_id=withdrawal_id),
                lambda: finance("withdrawals.complete", admin, withdrawal_id=withdrawal_id),
            ]
        )
        assert sorted(r["statusCode"] for r in results) == [200, 409, 409]
    money = wallet(clean, user.user["id"])
    assert money["frozen"] == 0
    assert money["balance"] + money["total_withdrawals"] == Decimal("300.00")
    assert check_invariants(clean) == []


def test_bonus_activation_raced_20_times_credits_once(clean: psycopg.Connection) -> None:
    admin = make_admin(clean, "FINANCE")
    user = sign_in()
    finance("deposits.approve", admin, deposit_id=deposit(user, 100).data["id"])
    sign_in(start_param=f"ref_{user.user['referral_code']}")
    results = run_parallel(
        [
            lambda i=i: invoke(
                "activate-first-deposit-bonus",
                {},
                token=user.token,
                headers={"idempotency-key": f"b{i}"} if i % 2 else None,
            )
            for i in range(20)
        ]
    )
    assert sorted(r.status for r in results) == [200] + [409] * 19
    assert {r.code for r in results if r.status == 409} == {"ALREADY_PROCESSED"}
    assert wallet(clean, user.user["id"], "BONUS")["balance"] == Decimal("2.50")
    assert check_invariants(clean) == []
