"""like-showoff: toggles the caller's like on an approved showoff; returns the exact likes_count."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from pydantic import AliasChoices, Field

from luckymart import responses
from luckymart.api import Body, Call, Endpoint


class LikeBody(Body):
    showoff_id: UUID = Field(validation_alias=AliasChoices("showoff_id", "showoffId", "post_id"))


endpoint = Endpoint(
    "like-showoff", response=responses.Like, body=LikeBody, summary="Like or unlike (toggle) an approved showoff"
)


@endpoint
def like_showoff(call: Call[LikeBody]) -> Any:
    return call.rpc("like_showoff", {"p_showoff_id": call.body.showoff_id})


handler = endpoint.handler
