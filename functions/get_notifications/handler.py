"""get-notifications: the caller's notifications, newest first, plus the unread count. Title and content are
rendered in the user's language from the same templates as the Telegram push (luckymart/push_templates.py), with
the notification's stored parameters, so the app and the push say the same thing."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from luckymart import push_templates, responses
from luckymart.api import Call, Endpoint, PageQuery, page_of


class NotificationsQuery(PageQuery):
    unread_only: bool = False


endpoint = Endpoint(
    "get-notifications",
    response=responses.Notification,
    body=NotificationsQuery,
    read_only=True,
    list_response=True,
    summary="The caller's notifications (newest first) in their language; the envelope adds `unread_count`",
)


def rendered(item: dict[str, Any]) -> dict[str, Any]:
    template, subject = item.pop("template", None), item.pop("subject", None)
    data = dict(item.get("data") or {})
    if subject is not None:
        data["subject"] = subject
    texts = push_templates.render_in_app(str(template), str(item["language"]), data) if template else None
    if texts is not None:
        item["title"], item["content"] = texts
    return item


@endpoint
def get_notifications(call: Call[NotificationsQuery]) -> Any:
    query = call.body
    rows = call.rpc(
        "get_notifications",
        {"p_unread_only": query.unread_only, "p_limit": query.limit, "p_offset": query.offset},
    )
    items = [rendered(dict(item)) for item in rows.get("items") or []]
    return replace(page_of({**rows, "items": items}, query), extra={"unread_count": rows["unread_count"]})


handler = endpoint.handler
