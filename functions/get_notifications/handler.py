"""get-notifications: the caller's notifications, newest first, plus the unread count."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from luckymart import responses
from luckymart.api import Call, Endpoint, PageQuery, page_of


class NotificationsQuery(PageQuery):
    unread_only: bool = False


endpoint = Endpoint(
    "get-notifications",
    response=responses.Notification,
    body=NotificationsQuery,
    read_only=True,
    list_response=True,
    summary="The caller's notifications (newest first); the envelope adds `unread_count`",
)


@endpoint
def get_notifications(call: Call[NotificationsQuery]) -> Any:
    query = call.body
    rows = call.rpc(
        "get_notifications",
        {"p_unread_only": query.unread_only, "p_limit": query.limit, "p_offset": query.offset},
    )
    return replace(page_of(rows, query), extra={"unread_count": rows["unread_count"]})


handler = endpoint.handler
