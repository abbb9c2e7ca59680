"""list-showoffs: the public feed of approved showoffs; with a session each item carries `is_liked`."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import AliasChoices, Field

from luckymart import responses
from luckymart.api import Call, Endpoint, PageQuery, page_of


class ShowoffFeedQuery(PageQuery):
    sort: Literal["newest", "most_liked"] = Field(
        "newest", validation_alias=AliasChoices("sort", "sort_by", "sortBy")
    )


endpoint = Endpoint(
    "list-showoffs",
    response=responses.Showoff,
    body=ShowoffFeedQuery,
    auth="optional",
    read_only=True,
    list_response=True,
    summary="Approved showoffs, newest or most liked; `is_liked` is set when a session is given",
)


@endpoint
def list_showoffs(call: Call[ShowoffFeedQuery]) -> Any:
    query = call.body
    rows = call.rpc("list_showoffs", {"p_sort": query.sort, "p_limit": query.limit, "p_offset": query.offset})
    return page_of(rows, query)


handler = endpoint.handler
