"""logout: revokes the caller's session at once."""

from __future__ import annotations

from typing import Any

from luckymart import responses
from luckymart.api import Call, EmptyBody, Endpoint

endpoint = Endpoint(
    "logout",
    response=responses.LoggedOut,
    body=EmptyBody,
    summary="Revoke the current session",
)


@endpoint
def logout(call: Call[EmptyBody]) -> Any:
    return call.rpc("logout")


handler = endpoint.handler
