"""get-user-referral-stats: invited counts per level, commission totals and the first-deposit bonus state."""

from __future__ import annotations

from typing import Any

from luckymart import responses
from luckymart.api import Call, EmptyBody, Endpoint

endpoint = Endpoint(
    "get-user-referral-stats",
    response=responses.ReferralStats,
    body=EmptyBody,
    read_only=True,
    summary="Referral statistics: invited users per level (1-3), total/pending/paid commission, "
    "first-deposit bonus status, amount, expiry and activation progress",
)


@endpoint
def get_user_referral_stats(call: Call[EmptyBody]) -> Any:
    return call.rpc("get_user_referral_stats")


handler = endpoint.handler
