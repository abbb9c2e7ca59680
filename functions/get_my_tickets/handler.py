"""get-my-tickets: the caller's tickets, newest first, optionally of one lottery."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from pydantic import AliasChoices, Field

from luckymart import responses
from luckymart.api import Call, Endpoint, PageQuery, page_of


class TicketsQuery(PageQuery):
    lottery_id: UUID | None = Field(None, validation_alias=AliasChoices("lottery_id", "lotteryId"))


endpoint = Endpoint(
    "get-my-tickets",
    response=responses.Ticket,
    body=TicketsQuery,
    read_only=True,
    list_response=True,
    summary="The caller's lottery tickets (7-digit numbers, winning flag, lottery summary), paginated",
)


@endpoint
def get_my_tickets(call: Call[TicketsQuery]) -> Any:
    rows = call.rpc(
        "get_my_tickets",
        {"p_lottery_id": call.body.lottery_id, "p_limit": call.body.limit, "p_offset": call.body.offset},
    )
    return page_of(rows, call.body)


handler = endpoint.handler
