"""list-lotteries (public, session optional): the lottery catalogue, paged; with a session each item carries the
caller's ticket count. Anonymous answers may be cached briefly (sold counts move); session answers are private."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AliasChoices, BeforeValidator, Field

from luckymart import responses
from luckymart.api import Call, Endpoint, PageQuery, page_of, public_cache
from luckymart.finance import upper

LIST_MAX_AGE = 10  # seconds: a new purchase shows up within this on a CDN

CatalogueStatus = Annotated[Literal["ACTIVE", "SOLD_OUT", "COMPLETED", "UPCOMING", "ALL"], BeforeValidator(upper)]
CatalogueSort = Literal["start_time", "newest", "ending_soon", "price_low", "price_high", "progress"]


class CatalogueQuery(PageQuery):
    status: CatalogueStatus = "ALL"
    sort: CatalogueSort = Field("start_time", validation_alias=AliasChoices("sort", "sort_by", "sortBy"))


endpoint = Endpoint(
    "list-lotteries",
    response=responses.CatalogueLottery,
    body=CatalogueQuery,
    auth="optional",
    read_only=True,
    list_response=True,
    summary="Public lotteries by status (ACTIVE, SOLD_OUT, COMPLETED, UPCOMING, ALL) and sort; "
    "`my_ticket_count` when a session is given",
)


@endpoint
def list_lotteries(call: Call[CatalogueQuery]) -> Any:
    query = call.body
    rows = call.rpc(
        "list_lotteries",
        {"p_status": query.status, "p_sort": query.sort, "p_limit": query.limit, "p_offset": query.offset},
    )
    return call.cached(page_of(rows, query), public_cache(LIST_MAX_AGE))


handler = endpoint.handler
