"""get-invited-users: the caller's invited users down to level 3, newest first, one page at a time."""

from __future__ import annotations

from typing import Any

from luckymart import responses
from luckymart.api import Call, Endpoint, PageQuery, page_of

endpoint = Endpoint(
    "get-invited-users",
    response=responses.InvitedUser,
    body=PageQuery,
    read_only=True,
    list_response=True,
    summary="Invited users (levels 1-3) with the commission earned from each and what each has spent",
)


@endpoint
def get_invited_users(call: Call[PageQuery]) -> Any:
    rows = call.rpc("get_invited_users", {"p_limit": call.body.limit, "p_offset": call.body.offset})
    return page_of(rows, call.body)


handler = endpoint.handler
