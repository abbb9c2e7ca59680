"""validate-session: tells whether the caller's session is valid and who it belongs to."""

from __future__ import annotations

from typing import Any

from luckymart import responses
from luckymart.api import Call, EmptyBody, Endpoint

endpoint = Endpoint(
    "validate-session",
    response=responses.SessionCheck,
    body=EmptyBody,
    read_only=True,
    summary="Check the session token; returns the user and the session's expiry",
)


@endpoint
def validate_session(call: Call[EmptyBody]) -> Any:
    return call.rpc("validate_session")


handler = endpoint.handler
