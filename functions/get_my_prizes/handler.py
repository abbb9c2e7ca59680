"""get-my-prizes: the caller's prizes, newest first, with lottery, winning ticket, shipping and resale listing."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from luckymart import player_texts, responses
from luckymart.api import Call, Endpoint, PageQuery, page_of

PrizeStatus = Literal["PENDING", "SHIPPING", "SHIPPED", "DELIVERED", "RESELLING", "RESOLD"]


class MyPrizesQuery(PageQuery):
    limit: int = Field(50, ge=1, le=100)
    status: PrizeStatus | None = None


endpoint = Endpoint(
    "get-my-prizes",
    response=responses.Prize,
    body=MyPrizesQuery,
    read_only=True,
    list_response=True,
    summary="The caller's prizes (newest first) with lottery, winning ticket number, shipping and resale listing",
)


@endpoint
def get_my_prizes(call: Call[MyPrizesQuery]) -> Any:
    query = call.body
    rows = call.rpc("get_my_prizes", {"p_status": query.status, "p_limit": query.limit, "p_offset": query.offset})
    items = [{**p, "shipping": player_texts.labelled_shipping(p.get("shipping"))} for p in rows.get("items") or []]
    return page_of({**rows, "items": items}, query)


handler = endpoint.handler
