"""create-resale: lists the caller's PENDING prize on the market at 0.5x-1.5x its value; the prize becomes
RESELLING."""

from __future__ import annotations

from typing import Any

from luckymart import responses
from luckymart.api import Call, Endpoint
from luckymart.money import Money
from luckymart.prize_fields import PrizeRef


class CreateResaleBody(PrizeRef):
    price: Money


endpoint = Endpoint(
    "create-resale",
    response=responses.Resale,
    body=CreateResaleBody,
    summary="List a PENDING prize for resale; price within the configured band of the prize value",
)


@endpoint
def create_resale(call: Call[CreateResaleBody]) -> Any:
    return call.rpc("create_resale", {"p_prize_id": call.body.prize_id, "p_price": call.body.price})


handler = endpoint.handler
