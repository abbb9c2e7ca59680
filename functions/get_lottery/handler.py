"""get-lottery (public, session optional): one lottery of the catalogue; once drawn, the winning ticket, the
winner's masked name and where to verify the draw; with a session the caller's ticket count and numbers.

A COMPLETED lottery never changes again, so its anonymous answer is cacheable for a year (immutable); an open one
only briefly; a session answer is private."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from pydantic import AliasChoices, Field

from luckymart import responses
from luckymart.api import Body, Call, Endpoint, public_cache

OPEN_MAX_AGE = 5  # seconds: sold_tickets moves with every purchase
COMPLETED_MAX_AGE = 365 * 24 * 3600


class LotteryQuery(Body):
    lottery_id: UUID = Field(validation_alias=AliasChoices("lottery_id", "lotteryId", "id"))


endpoint = Endpoint(
    "get-lottery",
    response=responses.LotteryDetail,
    body=LotteryQuery,
    auth="optional",
    read_only=True,
    summary="One public lottery: details, progress, commitment hash; after the draw the winning ticket, the "
    "winner's masked name and verify info; `my_ticket_count`/`my_ticket_numbers` with a session",
)


@endpoint
def get_lottery(call: Call[LotteryQuery]) -> Any:
    lottery = call.rpc("get_lottery", {"p_lottery_id": call.body.lottery_id})
    if lottery.get("status") == "COMPLETED":
        return call.cached(lottery, public_cache(COMPLETED_MAX_AGE, immutable=True))
    return call.cached(lottery, public_cache(OPEN_MAX_AGE))


handler = endpoint.handler
