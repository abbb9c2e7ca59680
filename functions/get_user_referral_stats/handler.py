"""get-user-referral-stats: the caller's referral counts per level, commissions (total, pending, paid) and the
first-deposit bonus with its activation progress (invited users vs the required number)."""

from __future__ import annotations

from typing import Any

from luckymart.api import Call, EmptyBody, Endpoint

endpoint = Endpoint(
    "get-user-referral-stats",
    body=EmptyBody,
    read_only=True,
    summary="Referral counts per level (1-3), total/pending/paid commission and the first-deposit bonus state",
)


@endpoint
def get_user_referral_stats(call: Call[EmptyBody]) -> Any:
    return call.rpc("get_user_referral_stats")


handler = endpoint.handler
