"""activate-first-deposit-bonus: credits the PENDING first-deposit bonus to the BONUS wallet, once, when the
caller has invited enough users and the bonus has not expired."""

from __future__ import annotations

from typing import Any

from luckymart import responses
from luckymart.api import Call, EmptyBody, Endpoint

endpoint = Endpoint(
    "activate-first-deposit-bonus",
    response=responses.BonusActivation,
    body=EmptyBody,
    idempotent=True,
    summary="Activate the pending first-deposit bonus (needs an invited user); credits the BONUS wallet",
)


@endpoint
def activate_first_deposit_bonus(call: Call[EmptyBody]) -> Any:
    return call.rpc("activate_first_deposit_bonus")


handler = endpoint.handler
