"""purchase-resale: buys a listing; the seller is paid the price less the fee in the same wallet type and the
buyer gets a new PENDING prize. Idempotency-Key makes a retry return the first result."""

from __future__ import annotations

from typing import Any

from pydantic import AliasChoices, Field

from luckymart import responses
from luckymart.api import Call, Endpoint
from luckymart.prize_fields import ResalePaymentMethod, ResaleRef


class PurchaseResaleBody(ResaleRef):
    # The old frontend sent no method and the old function charged LUCKY_COIN: keep that default.
    payment_method: ResalePaymentMethod = Field(
        "LUCKY_COIN", validation_alias=AliasChoices("payment_method", "paymentMethod")
    )


endpoint = Endpoint(
    "purchase-resale",
    response=responses.ResaleBought,
    body=PurchaseResaleBody,
    idempotent=True,
    summary="Buy a resale listing with BALANCE or LUCKY_COIN (default LUCKY_COIN); Idempotency-Key supported",
)


@endpoint
def purchase_resale(call: Call[PurchaseResaleBody]) -> Any:
    return call.rpc(
        "purchase_resale", {"p_resale_id": call.body.resale_id, "p_payment_method": call.body.payment_method}
    )


handler = endpoint.handler
