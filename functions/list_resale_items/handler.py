"""list-resale-items: the public resale market (no session); sellers appear by username only."""

from __future__ import annotations

from typing import Any, Literal
from uuid import UUID

from pydantic import AliasChoices, Field

from luckymart import responses
from luckymart.api import Call, Endpoint, PageQuery, page_of


class MarketQuery(PageQuery):
    status: Literal["ACTIVE", "SOLD", "ALL"] = "ACTIVE"
    sort: Literal["latest", "price_low", "price_high", "discount"] = Field(
        "latest", validation_alias=AliasChoices("sort", "sort_by", "sortBy")
    )
    lottery_id: UUID | None = Field(None, validation_alias=AliasChoices("lottery_id", "lotteryId"))


endpoint = Endpoint(
    "list-resale-items",
    response=responses.MarketItem,
    body=MarketQuery,
    auth="none",
    read_only=True,
    list_response=True,
    summary="Public resale listings: status ACTIVE|SOLD|ALL, sort latest|price_low|price_high|discount",
)


@endpoint
def list_resale_items(call: Call[MarketQuery]) -> Any:
    query = call.body
    rows = call.rpc(
        "list_resale_items",
        {
            "p_status": query.status,
            "p_sort": query.sort,
            "p_lottery_id": query.lottery_id,
            "p_limit": query.limit,
            "p_offset": query.offset,
        },
    )
    return page_of(rows, query)


handler = endpoint.handler
