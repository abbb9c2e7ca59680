"""exchange-balance: BALANCE -> LUCKY_COIN at the configured exchange_rate (one way, no reverse)."""

from __future__ import annotations

from typing import Any

from luckymart import responses
from luckymart.api import Body, Call, Endpoint
from luckymart.money import Money


class ExchangeBody(Body):
    amount: Money


endpoint = Endpoint(
    "exchange-balance",
    response=responses.Exchange,
    body=ExchangeBody,
    idempotent=True,
    summary="Exchange BALANCE into LUCKY_COIN; returns the new balances",
)


@endpoint
def exchange_balance(call: Call[ExchangeBody]) -> Any:
    return call.rpc("exchange_balance", {"p_amount": call.body.amount})


handler = endpoint.handler
