"""cancel-resale: the seller withdraws an ACTIVE listing; the prize goes back to PENDING."""

from __future__ import annotations

from typing import Any

from luckymart import responses
from luckymart.api import Call, Endpoint
from luckymart.prize_fields import ResaleRef

endpoint = Endpoint(
    "cancel-resale",
    response=responses.CancelledResale,
    body=ResaleRef,
    summary="Cancel one's ACTIVE listing; the prize is PENDING again",
)


@endpoint
def cancel_resale(call: Call[ResaleRef]) -> Any:
    return call.rpc("cancel_resale", {"p_resale_id": call.body.resale_id})


handler = endpoint.handler
