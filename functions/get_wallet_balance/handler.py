"""get-wallet-balance: the caller's BALANCE, LUCKY_COIN and BONUS wallets and the first-deposit bonus state."""

from __future__ import annotations

from typing import Any

from luckymart import responses
from luckymart.api import Call, EmptyBody, Endpoint

endpoint = Endpoint(
    "get-wallet-balance",
    response=responses.WalletBalance,
    body=EmptyBody,
    read_only=True,
    summary="The caller's wallets (balance, frozen, totals) and the first-deposit bonus status",
)


@endpoint
def get_wallet_balance(call: Call[EmptyBody]) -> Any:
    return call.rpc("get_wallet_balance")


handler = endpoint.handler
