"""deposit-request, withdrawal-request and their admin review (admin-finance) on the real stack."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import boto3
import psycopg
import pytest

from infra.local.s3 import LOCAL_BUCKET, LOCAL_REGION, local_s3
from infra.local.stack import Stack
from tests.invariants import check_invariants
from tests.support import invoke, make_admin, sign_in
from tests.support_wallets import credit, deposit, finance, ledger_count, wallet, withdraw

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean")]


def proof_key(user_id: str, ext: str = "jpg") -> str:
    return f"deposits/{user_id}/{uuid.uuid4()}.{ext}"


@pytest.fixture(scope="module")
def s3(stack: Stack) -> Iterator[Any]:
    """moto's S3 with the uploads bucket: deposit-request checks that each proof object exists."""
    with local_s3():
        yield boto3.client("s3", region_name=LOCAL_REGION)


def uploaded(s3: Any, key: str) -> str:
    s3.put_object(Bucket=LOCAL_BUCKET, Key=key, Body=b"proof", ContentType="image/jpeg")
    return key


# ---------------------------------------------------------------- deposits
def test_deposit_request_with_legacy_field_names(clean: psycopg.Connection, s3: Any) -> None:
    user = sign_in()
    key = uploaded(s3, proof_key(user.user["id"]))
    url_key = uploaded(s3, proof_key(user.user["id"]))
    result = invoke(
        "deposit-request",
        {
            "userId": str(uuid.uuid4()),  # ignored: identity comes from the session only
            "amount": 150.5,
            "currency": "TJS",
            "paymentMethod": "alif_mobi",
            "paymentProofImages": [
                key,
                f"https://uploads.s3.eu-central-1.amazonaws.com/{url_key}",
            ],
            "paymentReference": "TX-42",
            "payerName": "Dilnoza",
            "payerAccount": "+992 90 000 0000",
        },
        token=user.token,
    )
    assert result.status == 200, result.body
    data = result.data
    assert data["status"] == "PENDING" and data["amount"] == Decimal("150.50")
    assert data["payment_method"] == "ALIF_MOBI" and data["payer_name"] == "Dilnoza"
    assert data["payment_proof_images"][0] == key
    assert data["payment_proof_images"][1] == url_key
    assert data["order_number"].startswith("DP")
    (owner,) = clean.execute("select user_id::text from deposits").fetchone()  # type: ignore[misc]
    assert owner == user.user["id"]
    assert wallet(clean, user.user["id"])["balance"] == 0  # nothing credited before review


@pytest.mark.parametrize(
    ("amount", "method"),
    [
        (9.99, "ALIF_MOBI"),
        (10000.01, "ALIF_MOBI"),
        (49, "DC_BANK"),
        (50000.01, "DC_BANK"),
        ("10", "ALIF_MOBI"),
        (0, "ALIF_MOBI"),
        (-5, "ALIF_MOBI"),
        (10.001, "ALIF_MOBI"),
        (100, "PAYPAL"),
        (100, ""),
        (100, None),
    ],
)
def test_deposit_bad_input_is_400_and_creates_nothing(
    clean: psycopg.Connection, amount: object, method: object
) -> None:
    user = sign_in()
    result = invoke("deposit-request", {"amount": amount, "payment_method": method}, token=user.token)
    assert (result.status, result.code) == (400, "VALIDATION_ERROR"), result.body
    assert clean.execute("select count(*) from deposits").fetchone() == (0,)


def test_deposit_limits_are_reported(clean: psycopg.Connection) -> None:
    result = deposit(sign_in(), 60000, "DC_BANK")
    assert result.body["error"]["details"] == {"min_amount": 50, "max_amount": 50000}


def test_deposit_proof_images_must_be_own_uploads(clean: psycopg.Connection, s3: Any) -> None:
    user, other = sign_in(), sign_in()
    for images in (
        [uploaded(s3, proof_key(other.user["id"]))],  # exists, but somebody else's
        [f"deposits/{user.user['id']}/../{other.user['id']}/x.jpg"],
        [f"deposits/{user.user['id']}/{uuid.uuid4()}.exe"],
        ["https://evil.example/cat.jpg"],
        [proof_key(user.user["id"]) for _ in range(6)],
        [123],
    ):
        result = deposit(user, 100, payment_proof_images=images)
        assert (result.status, result.code) == (400, "VALIDATION_ERROR"), images
    assert clean.execute("select count(*) from deposits").fetchone() == (0,)


def test_pending_deposits_are_capped(clean: psycopg.Connection) -> None:
    user = sign_in()
    for _ in range(5):
        assert deposit(user, 20).status == 200
    sixth = deposit(user, 20)
    assert (sixth.status, sixth.code) == (409, "LIMIT_EXCEEDED")


def test_deposit_idempotency_key(clean: psycopg.Connection) -> None:
    user = sign_in()
    headers = {"idempotency-key": "dep-1"}
    first = invoke(
        "deposit-request", {"amount": 20, "paymentMethod": "ALIF_MOBI"}, token=user.token, headers=headers
    )
    again = invoke(
        "deposit-request", {"amount": 20, "paymentMethod": "ALIF_MOBI"}, token=user.token, headers=headers
    )
    assert first.data == again.data
    other = invoke(
        "deposit-request", {"amount": 21, "paymentMethod": "ALIF_MOBI"}, token=user.token, headers=headers
    )
    assert (other.status, other.code) == (409, "IDEMPOTENCY_KEY_REUSED")
    assert clean.execute("select count(*) from deposits").fetchone() == (1,)


def test_approve_deposit_credits_once_and_notifies(clean: psycopg.Connection) -> None:
    admin = make_admin(clean, "FINANCE")
    user = sign_in()
    deposit_id = deposit(user, 200).data["id"]

    listed = finance("deposits.list", admin, status="PENDING")
    assert listed["success"] is True and listed["data"]["total"] == 1
    assert listed["data"]["items"][0]["user"]["id"] == user.user["id"]

    approved = finance("deposits.approve", admin, deposit_id=deposit_id, note="ok")
    assert approved["statusCode"] == 200, approved
    assert approved["data"]["status"] == "APPROVED" and approved["data"]["balance"] == Decimal("200.00")
    again = finance("deposits.approve", admin, deposit_id=deposit_id)
    assert (again["statusCode"], again["error"]["code"]) == (409, "ALREADY_PROCESSED")
    rejected_after = finance("deposits.reject", admin, deposit_id=deposit_id)
    assert rejected_after["error"]["code"] == "ALREADY_PROCESSED"

    money = wallet(clean, user.user["id"])
    assert (money["balance"], money["total_deposits"]) == (Decimal("200.00"), Decimal("200.00"))
    assert clean.execute(
        "select type, title from notifications where related_id = %s", (deposit_id,)
    ).fetchall() == [("PAYMENT_SUCCESS", "Deposit approved")]
    balance = invoke("get-wallet-balance", {}, token=user.token).data
    assert balance["wallets"][0]["balance"] == Decimal("200.00")
    assert check_invariants(clean) == []


def test_reject_deposit_credits_nothing(clean: psycopg.Connection) -> None:
    admin = make_admin(clean, "FINANCE")
    user = sign_in()
    deposit_id = deposit(user, 200).data["id"]
    rejected = finance("deposits.reject", admin, deposit_id=deposit_id, note="no transfer found")
    assert rejected["data"]["status"] == "REJECTED"
    assert finance("deposits.approve", admin, deposit_id=deposit_id)["error"]["code"] == "ALREADY_PROCESSED"
    assert wallet(clean, user.user["id"])["balance"] == 0
    (content,) = clean.execute("select content from notifications where type = 'PAYMENT_FAILED'").fetchone()  # type: ignore[misc]
    assert "no transfer found" in content
    assert check_invariants(clean) == []


def test_admin_review_errors(clean: psycopg.Connection) -> None:
    admin = make_admin(clean, "FINANCE")
    support = make_admin(clean, "SUPPORT")
    deposit_id = deposit(sign_in(), 200).data["id"]
    missing = finance("deposits.approve", admin, deposit_id=str(uuid.uuid4()))
    assert (missing["statusCode"], missing["error"]["code"]) == (404, "NOT_FOUND")
    bad = finance("deposits.approve", admin, deposit_id="not-a-uuid")
    assert (bad["statusCode"], bad["error"]["code"]) == (400, "VALIDATION_ERROR")
    too_long = finance("deposits.approve", admin, deposit_id=deposit_id, note="x" * 1001)
    assert (too_long["statusCode"], too_long["error"]["code"]) == (400, "VALIDATION_ERROR")
    denied = finance("deposits.approve", support, deposit_id=deposit_id)
    assert (denied["statusCode"], denied["error"]["code"]) == (403, "FORBIDDEN")
    nobody = finance("deposits.approve", "lma_wrong", deposit_id=deposit_id)
    assert nobody["statusCode"] == 401
    assert clean.execute("select status from deposits").fetchone() == ("PENDING",)
    outcomes = clean.execute(
        "select outcome, count(*) from admin_logs where action = 'deposits.approve' group by 1 order by 1"
    ).fetchall()
    assert outcomes == [("DENIED", 2), ("FAILED", 3)]


def test_admin_lists_filter_and_page(clean: psycopg.Connection) -> None:
    admin = make_admin(clean, "FINANCE")
    user = sign_in()
    ids = [deposit(user, 10 + i).data["id"] for i in range(3)]
    finance("deposits.reject", admin, deposit_id=ids[0])
    page = finance("deposits.list", admin, limit=1, offset=1)["data"]
    assert page["total"] == 3 and [d["id"] for d in page["items"]] == [ids[1]]
    assert finance("deposits.list", admin, status="rejected")["data"]["total"] == 1
    assert finance("deposits.list", admin, status="LOST")["statusCode"] == 400
    assert finance("deposits.list", admin, user_id="x")["statusCode"] == 400  # unknown params refused


# ---------------------------------------------------------------- withdrawals
def test_withdrawal_freezes_then_complete_pays_out(clean: psycopg.Connection) -> None:
    admin = make_admin(clean, "FINANCE")
    user = sign_in()
    credit(clean, user.user["id"], "100")
    result = invoke(
        "withdrawal-request",
        {
            "amount": 40,
            "withdrawalMethod": "DC_BANK",
            "bankName": "DC",
            "bankAccountNumber": "123",
            "bankAccountName": "D",
            "mobileWalletNumber": None,
            "idCardNumber": "A1",
            "phoneNumber": "+992",
        },
        token=user.token,
    )
    assert result.status == 200, result.body
    data = result.data
    assert (
        data["status"] == "PENDING"
        and data["bank_account_number"] == "123"
        and data["order_number"].startswith("WD")
    )
    assert (data["balance"], data["frozen_balance"]) == (Decimal("60.00"), Decimal("40.00"))
    money = wallet(clean, user.user["id"])
    assert (money["balance"], money["frozen"]) == (Decimal("60.00"), Decimal("40.00"))

    listed = finance("withdrawals.list", admin, status="PENDING")["data"]
    assert listed["total"] == 1 and listed["items"][0]["bank_account_number"] == "123"
    done = finance("withdrawals.complete", admin, withdrawal_id=data["id"], transfer_reference="BANK-9")
    assert done["statusCode"] == 200, done
    assert done["data"]["status"] == "COMPLETED" and done["data"]["transfer_reference"] == "BANK-9"
    assert finance("withdrawals.reject", admin, withdrawal_id=data["id"])["error"]["code"] == "ALREADY_PROCESSED"
    assert finance("withdrawals.complete", admin, withdrawal_id=data["id"])["error"]["code"] == "ALREADY_PROCESSED"
    money = wallet(clean, user.user["id"])
    assert (money["balance"], money["frozen"], money["total_withdrawals"]) == (
        Decimal("60.00"),
        Decimal("0.00"),
        Decimal("40.00"),
    )
    assert clean.execute("select type from notifications").fetchall() == [("PAYMENT_SUCCESS",)]
    assert check_invariants(clean) == []


def test_withdrawal_reject_returns_the_money(clean: psycopg.Connection) -> None:
    admin = make_admin(clean, "FINANCE")
    user = sign_in()
    credit(clean, user.user["id"], "100")
    withdrawal_id = withdraw(user, 100).data["id"]
    assert wallet(clean, user.user["id"])["balance"] == 0
    rejected = finance("withdrawals.reject", admin, withdrawal_id=withdrawal_id, note="wrong account")
    assert rejected["data"]["status"] == "REJECTED"
    money = wallet(clean, user.user["id"])
    assert (money["balance"], money["frozen"], money["total_withdrawals"]) == (Decimal("100.00"), 0, 0)
    assert (
        finance("withdrawals.reject", admin, withdrawal_id=withdrawal_id)["error"]["code"] == "ALREADY_PROCESSED"
    )
    assert wallet(clean, user.user["id"])["balance"] == Decimal("100.00")
    assert check_invariants(clean) == []


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"amount": "10"}, "VALIDATION_ERROR"),
        ({"amount": 0}, "VALIDATION_ERROR"),
        ({"amount": -5}, "VALIDATION_ERROR"),
        ({"amount": 0.001}, "VALIDATION_ERROR"),
        ({"amount": 9.99}, "VALIDATION_ERROR"),
        ({"amount": 50000.01}, "VALIDATION_ERROR"),
        ({"amount": 20, "withdrawal_method": "WESTERN_UNION"}, "VALIDATION_ERROR"),
        ({"amount": 20, "mobile_wallet_number": None}, "VALIDATION_ERROR"),
        ({"amount": 20, "withdrawal_method": "BANK_TRANSFER"}, "VALIDATION_ERROR"),  # no bank account
        ({"amount": 20, "currency": "USD"}, "VALIDATION_ERROR"),
        ({"amount": 100.01}, "INSUFFICIENT_BALANCE"),
    ],
)
def test_withdrawal_bad_input_changes_nothing(
    clean: psycopg.Connection, body: dict[str, object], code: str
) -> None:
    user = sign_in()
    credit(clean, user.user["id"], "100")
    before = ledger_count(clean)
    full = {"withdrawal_method": "ALIF_MOBI", "mobile_wallet_number": "+992900000000", **body}
    result = invoke("withdrawal-request", full, token=user.token)
    assert result.code == code, result.body
    assert result.status == (400 if code == "VALIDATION_ERROR" else 409)
    assert ledger_count(clean) == before
    assert clean.execute("select count(*) from withdrawals").fetchone() == (0,)
    assert wallet(clean, user.user["id"])["balance"] == Decimal("100.00")


def test_fourth_pending_withdrawal_is_refused(clean: psycopg.Connection) -> None:
    admin = make_admin(clean, "FINANCE")
    user = sign_in()
    credit(clean, user.user["id"], "1000")
    ids = [withdraw(user, 10).data["id"] for _ in range(3)]
    fourth = withdraw(user, 10)
    assert (fourth.status, fourth.code) == (409, "LIMIT_EXCEEDED")
    assert wallet(clean, user.user["id"])["balance"] == Decimal("970.00")
    finance("withdrawals.complete", admin, withdrawal_id=ids[0])
    assert withdraw(user, 10).status == 200  # a slot freed up
    assert check_invariants(clean) == []


def test_withdrawal_idempotency_key_freezes_once(clean: psycopg.Connection) -> None:
    user = sign_in()
    credit(clean, user.user["id"], "100")
    first = withdraw(user, 30, key="wd-1")
    again = withdraw(user, 30, key="wd-1")
    assert first.data == again.data
    assert withdraw(user, 31, key="wd-1").code == "IDEMPOTENCY_KEY_REUSED"
    assert wallet(clean, user.user["id"])["balance"] == Decimal("70.00")
    assert clean.execute("select count(*) from withdrawals").fetchone() == (1,)


def test_withdrawal_needs_a_session_and_ignores_user_id(clean: psycopg.Connection) -> None:
    victim, attacker = sign_in(), sign_in()
    credit(clean, victim.user["id"], "100")
    body = {
        "amount": 50,
        "withdrawal_method": "ALIF_MOBI",
        "mobile_wallet_number": "1",
        "user_id": victim.user["id"],
    }
    assert invoke("withdrawal-request", body).status == 401
    assert invoke("withdrawal-request", body, token=attacker.token).code == "INSUFFICIENT_BALANCE"
    assert wallet(clean, victim.user["id"])["balance"] == Decimal("100.00")
