"""lottery-purchase: buys 1..100 tickets of one lottery with one wallet, in one SQL transaction."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import AliasChoices, BeforeValidator, Field, Strict

from luckymart import receipts, responses
from luckymart.api import Body, Call, Endpoint, after_commit
from luckymart.commission_queue import publish_after_commit
from luckymart.config import secret

# Values the old frontend and orders table used (ORIGINAL §1.3).
LEGACY_PAYMENT_METHODS = {"BALANCE_WALLET": "BALANCE", "LUCKY_COIN_WALLET": "LUCKY_COIN"}


def _payment_method(value: Any) -> Any:
    return LEGACY_PAYMENT_METHODS.get(value, value) if isinstance(value, str) else value


class PurchaseBody(Body):
    lottery_id: UUID = Field(validation_alias=AliasChoices("lottery_id", "lotteryId"))
    quantity: Annotated[int, Strict(), Field(ge=1, le=100)]
    payment_method: Annotated[Literal["BALANCE", "LUCKY_COIN", "BONUS"], BeforeValidator(_payment_method)] = Field(
        validation_alias=AliasChoices("payment_method", "paymentMethod")
    )


endpoint = Endpoint(
    "lottery-purchase",
    body=PurchaseBody,
    idempotent=True,
    secrets=("referral_pepper", "receipt_signing_key"),
    response=responses.Purchase,
    summary="Buy lottery tickets with the BALANCE, LUCKY_COIN or BONUS wallet (Idempotency-Key supported)",
)


@endpoint
def purchase(call: Call[PurchaseBody]) -> Any:
    receipt_key = receipts.signing_key()  # before the RPC: a purchase never commits without a key to sign it
    result = call.rpc(
        "lottery_purchase",
        {
            "p_lottery_id": call.body.lottery_id,
            "p_quantity": call.body.quantity,
            "p_payment_method": call.body.payment_method,
            "p_pepper": secret("referral_pepper"),
        },
    )
    # After commit nothing may fail the answer. A lost publish is re-sent from the outbox by the scheduled job (a
    # duplicate pays nothing twice); a receipt that could not be signed is null, and a replay with the same
    # Idempotency-Key signs it again (it is deterministic).
    if result.pop("commission_queued", False):
        order_id = result["order"]["id"]
        after_commit("commission_publish", lambda: publish_after_commit(order_id), False)
    material = result.pop("receipt")
    return {
        **result,
        "receipt": after_commit("receipt", lambda: receipts.issue(material, result["order"], receipt_key), None),
    }


handler = endpoint.handler
