"""get-payment-config: the enabled deposit or withdrawal methods with instructions (zh/ru/tg) and limits.
Public data (anon may read it through PostgREST too), so no session is needed."""

from __future__ import annotations

from typing import Any

from pydantic import AliasChoices, Field

from luckymart import responses
from luckymart.api import Body, Call, Endpoint
from luckymart.finance import PaymentKind


class PaymentConfigQuery(Body):
    type: PaymentKind = Field("DEPOSIT", validation_alias=AliasChoices("type", "config_type", "configType"))


endpoint = Endpoint(
    "get-payment-config",
    response=responses.PaymentMethods,
    body=PaymentConfigQuery,
    auth="none",
    read_only=True,
    summary="Enabled payment methods of a type (DEPOSIT|WITHDRAWAL): account, instructions, min/max, fee",
)


@endpoint
def get_payment_config(call: Call[PaymentConfigQuery]) -> Any:
    return call.rpc("get_payment_config", {"p_type": call.body.type})


handler = endpoint.handler
