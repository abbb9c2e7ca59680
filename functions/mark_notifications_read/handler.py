"""mark-notifications-read: marks the given notifications (or all of them) as read."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from pydantic import AliasChoices, Field, model_validator

from luckymart import responses
from luckymart.api import Body, Call, Endpoint


class MarkReadBody(Body):
    ids: list[UUID] | None = Field(
        None, min_length=1, max_length=100, validation_alias=AliasChoices("ids", "notification_ids")
    )
    all: bool = False

    @model_validator(mode="after")
    def ids_or_all(self) -> MarkReadBody:
        if (self.ids is None) == (not self.all):
            raise ValueError("send either `ids` or `all: true`")
        return self


endpoint = Endpoint(
    "mark-notifications-read",
    response=responses.NotificationsRead,
    body=MarkReadBody,
    summary="Mark notifications read: `ids` (up to 100) or `all: true`; returns the new unread count",
)


@endpoint
def mark_notifications_read(call: Call[MarkReadBody]) -> Any:
    return call.rpc("mark_notifications_read", {"p_ids": None if call.body.all else call.body.ids})


handler = endpoint.handler
