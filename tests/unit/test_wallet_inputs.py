"""Pure parsing rules of the wallet functions: proof-image references, payment method names, legacy aliases."""

from __future__ import annotations

from decimal import Decimal

import pytest
from pydantic import ValidationError

from functions.deposit_request.handler import DepositBody
from functions.withdrawal_request.handler import WithdrawalBody
from luckymart.uploads import object_key

pytestmark = pytest.mark.unit
USER = "6f1c2e0a-1111-4222-8333-944455556666"
KEY = f"deposits/{USER}/0b0c0d0e-aaaa-4bbb-8ccc-0d0e0f101112.png"


@pytest.mark.parametrize(
    "reference",
    [
        KEY,
        f"https://luckymart-uploads.s3.eu-central-1.amazonaws.com/{KEY}",
        f"https://s3.eu-central-1.amazonaws.com/luckymart-uploads/{KEY}?X-Amz-Signature=abc",
        f"http://127.0.0.1:5000/luckymart-local-uploads/{KEY.replace('/', '%2F')}",
    ],
)
def test_object_key_from_key_or_any_url_form(reference: str) -> None:
    assert object_key(reference) == KEY


def test_object_key_leaves_foreign_urls_for_sql_to_refuse() -> None:
    assert object_key("https://evil.example/cat.jpg") == "https://evil.example/cat.jpg"


def test_deposit_accepts_old_frontend_names_and_ignores_user_id() -> None:
    body = DepositBody.model_validate(
        {
            "amount": Decimal("10.5"),
            "paymentMethod": " alif_mobi ",
            "paymentProofImages": [KEY],
            "paymentReference": "R",
            "payerName": "N",
            "payerAccount": "A",
            "userId": "someone-else",
        }
    )
    assert (body.payment_method, body.payment_proof_images, body.payer_name) == ("ALIF_MOBI", [KEY], "N")
    assert not hasattr(body, "userId") and not hasattr(body, "user_id")


@pytest.mark.parametrize(
    "bad",
    [
        {"paymentProofImages": [KEY] * 6},
        {"paymentMethod": "alif mobi; drop"},
        {"currency": "USD"},
        {"payerName": "x" * 201},
    ],
)
def test_deposit_rejects_malformed_fields(bad: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        DepositBody.model_validate({"amount": 10, "paymentMethod": "ALIF_MOBI", **bad})


def test_withdrawal_accepts_camel_case_destination() -> None:
    body = WithdrawalBody.model_validate(
        {
            "amount": 20,
            "withdrawalMethod": "DC_BANK",
            "bankName": "DC",
            "bankAccountNumber": "123",
            "bankAccountName": "D",
            "bankBranch": None,
            "idCardNumber": "A1",
            "idCardName": "D",
            "phoneNumber": "+992",
            "mobileWalletNumber": None,
            "mobileWalletName": None,
        }
    )
    assert (body.withdrawal_method, body.bank_account_number, body.id_card_number) == ("DC_BANK", "123", "A1")
