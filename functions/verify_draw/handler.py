"""verify-draw (public): the fair-draw commitment of a lottery; from sell-out the frozen entries (root, count) and
a page of the ticket list; after the draw the signed record; and the operator's and the receipt key's public keys.
`scripts/verify_draw.py` and the page under /verify/ check the output independently (docs/fairness.md)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from pydantic import AliasChoices, Field

from luckymart import draws, receipts, responses
from luckymart.api import Body, Call, Endpoint, public_cache

# At most 1,000 tickets (~120 KB) per unauthenticated request (issue 15 #14; it was 10,000 = 1.19 MB).
MAX_TICKETS_PAGE = 1_000


class VerifyQuery(Body):
    lottery_id: UUID = Field(validation_alias=AliasChoices("lottery_id", "lotteryId"))
    tickets_limit: int = Field(1000, ge=1, le=MAX_TICKETS_PAGE)
    tickets_offset: int = Field(0, ge=0, le=9_000_000)


endpoint = Endpoint(
    "verify-draw",
    response=responses.DrawVerification,
    body=VerifyQuery,
    auth="none",
    read_only=True,
    summary="Public fair-draw data: commitment; from sell-out the frozen entries and a ticket page "
    "(tickets_limit <= 1000, tickets_offset); after the draw the signed record; operator and receipt public keys",
)


@endpoint
def verify_draw(call: Call[VerifyQuery]) -> Any:
    keys = {"operator_public_key": draws.operator_public_key(), "receipt_public_key": receipts.public_key()}
    result = call.rpc(
        "verify_draw",
        {
            "p_lottery_id": call.body.lottery_id,
            "p_tickets_limit": call.body.tickets_limit,
            "p_tickets_offset": call.body.tickets_offset,
        },
    )
    data = {**result, **keys}
    if result.get("status") == "COMPLETED":  # a drawn lottery's proof never changes: any cache may keep it
        return call.cached(data, public_cache(365 * 24 * 3600, immutable=True))
    return data


handler = endpoint.handler
