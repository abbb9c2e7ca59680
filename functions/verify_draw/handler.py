"""verify-draw (public): the fair-draw commitment of a lottery, and after its draw the signed record and a page
of its entries, plus the operator's public key. `scripts/verify_draw.py` checks the output independently."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from pydantic import AliasChoices, Field

from luckymart import draws
from luckymart.api import Body, Call, Endpoint, public_cache

MAX_TICKETS_PAGE = 10_000


class VerifyQuery(Body):
    lottery_id: UUID = Field(validation_alias=AliasChoices("lottery_id", "lotteryId"))
    tickets_limit: int = Field(1000, ge=1, le=MAX_TICKETS_PAGE)
    tickets_offset: int = Field(0, ge=0, le=9_000_000)


endpoint = Endpoint(
    "verify-draw",
    body=VerifyQuery,
    auth="none",
    read_only=True,
    summary="Public fair-draw data: commitment, signed record, entries page (tickets_limit/offset), public key",
)


@endpoint
def verify_draw(call: Call[VerifyQuery]) -> Any:
    result = call.rpc(
        "verify_draw",
        {
            "p_lottery_id": call.body.lottery_id,
            "p_tickets_limit": call.body.tickets_limit,
            "p_tickets_offset": call.body.tickets_offset,
        },
    )
    data = {**result, "operator_public_key": draws.operator_public_key()}
    if result.get("status") == "COMPLETED":  # a drawn lottery's proof never changes: any cache may keep it
        return call.cached(data, public_cache(365 * 24 * 3600, immutable=True))
    return data


handler = endpoint.handler
