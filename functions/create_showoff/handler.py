"""create-showoff: the owner of a prize posts text and up to 9 https images; the post waits for review."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import AfterValidator, Field

from luckymart import responses
from luckymart.api import Call, Endpoint
from luckymart.prize_fields import PrizeRef

MAX_IMAGES = 9
MAX_CONTENT = 2000
MAX_URL = 2048


def https_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme != "https" or not parts.hostname or any(c.isspace() for c in value):
        raise ValueError("images must be https URLs")
    return value


ImageUrl = Annotated[str, Field(min_length=9, max_length=MAX_URL), AfterValidator(https_url)]


class CreateShowoffBody(PrizeRef):
    content: str = Field(min_length=1, max_length=MAX_CONTENT)
    images: list[ImageUrl] = Field(default_factory=list, max_length=MAX_IMAGES)


endpoint = Endpoint(
    "create-showoff",
    response=responses.Showoff,
    body=CreateShowoffBody,
    summary="Post a showoff for one's prize (content <= 2,000 chars, up to 9 https images); PENDING review",
)


@endpoint
def create_showoff(call: Call[CreateShowoffBody]) -> Any:
    body = call.body
    return call.rpc(
        "create_showoff", {"p_prize_id": body.prize_id, "p_content": body.content, "p_images": body.images}
    )


handler = endpoint.handler
