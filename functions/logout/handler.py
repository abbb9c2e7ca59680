"""logout: revokes the caller's session at once, or with `{all: true}` every session of the caller."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Strict

from luckymart import responses
from luckymart.api import Body, Call, Endpoint


class LogoutBody(Body):
    all: Annotated[bool, Strict()] = False


endpoint = Endpoint(
    "logout",
    response=responses.LoggedOut,
    body=LogoutBody,
    summary="Revoke the current session, or every session of the user with all=true",
)


@endpoint
def logout(call: Call[LogoutBody]) -> Any:
    return call.rpc("logout", {"p_all": call.body.all})


handler = endpoint.handler
