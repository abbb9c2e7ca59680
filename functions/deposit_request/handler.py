"""deposit-request: files a manual deposit (bank / mobile-wallet transfer) for admin review."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AliasChoices, Field, StringConstraints

from luckymart import responses
from luckymart.api import Body, Call, Endpoint
from luckymart.finance import Currency, PaymentMethod, ShortText
from luckymart.money import Money
from luckymart.uploads import object_key, require_uploaded, tag_after_commit

ProofImage = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1024)]


class DepositBody(Body):
    amount: Money
    payment_method: PaymentMethod = Field(
        validation_alias=AliasChoices("payment_method", "paymentMethod", "method")
    )
    currency: Currency = "TJS"
    payment_proof_images: list[ProofImage] = Field(
        default_factory=list,
        max_length=5,
        validation_alias=AliasChoices("payment_proof_images", "paymentProofImages", "proof_images"),
    )
    payment_reference: ShortText | None = Field(
        None, validation_alias=AliasChoices("payment_reference", "paymentReference")
    )
    payer_name: ShortText | None = Field(None, validation_alias=AliasChoices("payer_name", "payerName"))
    payer_account: ShortText | None = Field(None, validation_alias=AliasChoices("payer_account", "payerAccount"))


endpoint = Endpoint(
    "deposit-request",
    response=responses.Deposit,
    body=DepositBody,
    idempotent=True,
    summary="Request a deposit; proof images are object keys from create-upload-url (at most 5)",
)


@endpoint
def deposit_request(call: Call[DepositBody]) -> Any:
    body = call.body
    keys = [object_key(image) for image in body.payment_proof_images]
    require_uploaded(keys)  # read-only: nothing is tagged before SQL has confirmed whose keys these are
    deposit = call.rpc(
        "deposit_request",
        {
            "p_amount": body.amount,
            "p_payment_method": body.payment_method,
            "p_currency": body.currency,
            "p_proof_images": keys,
            "p_payment_reference": body.payment_reference,
            "p_payer_name": body.payer_name,
            "p_payer_account": body.payer_account,
        },
    )
    # committed: every key is the caller's own (SQL), so the proofs may now be kept; a failure here is retried
    # by the scheduled sweep (the deposit's transaction queued them), an idempotent replay tags again
    tag_after_commit(keys)
    return deposit


handler = endpoint.handler
