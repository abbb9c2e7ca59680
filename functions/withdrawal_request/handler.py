"""withdrawal-request: freezes the amount (balance -> frozen_balance) and files a payout for admin review."""

from __future__ import annotations

from typing import Any

from pydantic import AliasChoices, Field

from luckymart import responses
from luckymart.api import Body, Call, Endpoint
from luckymart.finance import Currency, PaymentMethod, ShortText
from luckymart.money import Money

# Payout destination fields, each also accepted under the old frontend's camelCase name.
DESTINATION_FIELDS = {
    "bank_name": "bankName",
    "bank_account_number": "bankAccountNumber",
    "bank_account_name": "bankAccountName",
    "bank_branch": "bankBranch",
    "id_card_number": "idCardNumber",
    "id_card_name": "idCardName",
    "phone_number": "phoneNumber",
    "mobile_wallet_number": "mobileWalletNumber",
    "mobile_wallet_name": "mobileWalletName",
}


def _text(name: str) -> Any:
    return Field(None, validation_alias=AliasChoices(name, DESTINATION_FIELDS[name]))


class WithdrawalBody(Body):
    amount: Money
    withdrawal_method: PaymentMethod = Field(
        validation_alias=AliasChoices("withdrawal_method", "withdrawalMethod", "method")
    )
    currency: Currency = "TJS"
    bank_name: ShortText | None = _text("bank_name")
    bank_account_number: ShortText | None = _text("bank_account_number")
    bank_account_name: ShortText | None = _text("bank_account_name")
    bank_branch: ShortText | None = _text("bank_branch")
    id_card_number: ShortText | None = _text("id_card_number")
    id_card_name: ShortText | None = _text("id_card_name")
    phone_number: ShortText | None = _text("phone_number")
    mobile_wallet_number: ShortText | None = _text("mobile_wallet_number")
    mobile_wallet_name: ShortText | None = _text("mobile_wallet_name")


endpoint = Endpoint(
    "withdrawal-request",
    response=responses.Withdrawal,
    body=WithdrawalBody,
    idempotent=True,
    summary="Request a withdrawal from BALANCE; the amount is frozen until an admin pays or rejects it",
)


@endpoint
def withdrawal_request(call: Call[WithdrawalBody]) -> Any:
    body = call.body
    details = {name: getattr(body, name) for name in DESTINATION_FIELDS if getattr(body, name)}
    return call.rpc(
        "withdrawal_request",
        {
            "p_amount": body.amount,
            "p_withdrawal_method": body.withdrawal_method,
            "p_currency": body.currency,
            "p_details": details,
        },
    )


handler = endpoint.handler
