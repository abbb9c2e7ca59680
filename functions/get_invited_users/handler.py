"""get-invited-users: the users the caller invited, directly (level 1) or through them (levels 2 and 3), with
what the caller earned from each one's orders and what each one spent."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from luckymart.api import Call, Endpoint, PageQuery, page_of


class InvitedUsersQuery(PageQuery):
    level: int | None = Field(None, ge=1, le=3)


endpoint = Endpoint(
    "get-invited-users",
    body=InvitedUsersQuery,
    read_only=True,
    list_response=True,
    summary="Invited users by level (then newest first) with commission_earned and total_spent",
)


@endpoint
def get_invited_users(call: Call[InvitedUsersQuery]) -> Any:
    query = call.body
    rows = call.rpc(
        "get_invited_users", {"p_level": query.level, "p_limit": query.limit, "p_offset": query.offset}
    )
    return page_of(rows, query)


handler = endpoint.handler
