"""request-shipping: the owner of a PENDING prize asks for delivery; the prize becomes SHIPPING atomically."""

from __future__ import annotations

from typing import Any

from pydantic import AliasChoices, Field, model_validator

from luckymart import player_texts, responses
from luckymart.api import Call, Endpoint
from luckymart.prize_fields import PrizeRef

# The old frontend nested the address as shipping_info {recipient_name, phone, address, city, postal_code, notes}.
NESTED_SHIPPING_INFO = "shipping_info"


def _text(*names: str, min_length: int = 0, max_length: int = 100, required: bool = False) -> Any:
    alias = AliasChoices(*names)
    if required:
        return Field(validation_alias=alias, min_length=min_length, max_length=max_length)
    return Field(None, validation_alias=alias, max_length=max_length)


class ShippingBody(PrizeRef):
    recipient_name: str = _text("recipient_name", "recipientName", min_length=1, required=True)
    phone: str = _text("phone", "recipient_phone", "recipientPhone", min_length=3, max_length=32, required=True)
    address: str = _text(
        "address", "recipient_address", "recipientAddress", min_length=1, max_length=500, required=True
    )
    city: str | None = _text("city", "recipient_city", "recipientCity")
    region: str | None = _text("region", "recipient_region", "recipientRegion")
    postal_code: str | None = _text("postal_code", "recipient_postal_code", "recipientPostalCode", max_length=20)
    country: str | None = _text("country", "recipient_country", "recipientCountry", max_length=64)
    notes: str | None = _text("notes", max_length=500)

    @model_validator(mode="before")
    @classmethod
    def flatten_shipping_info(cls, raw: Any) -> Any:
        nested = raw.get(NESTED_SHIPPING_INFO) if isinstance(raw, dict) else None
        if isinstance(nested, dict):
            return {**nested, **{k: v for k, v in raw.items() if k != NESTED_SHIPPING_INFO}}
        return raw


endpoint = Endpoint(
    "request-shipping",
    response=responses.ShippingRequested,
    body=ShippingBody,
    summary="Request delivery of a PENDING prize (country defaults to Tajikistan); the prize becomes SHIPPING",
)


@endpoint
def request_shipping(call: Call[ShippingBody]) -> Any:
    body = call.body
    result = call.rpc(
        "request_shipping",
        {
            "p_prize_id": body.prize_id,
            "p_recipient_name": body.recipient_name,
            "p_recipient_phone": body.phone,
            "p_recipient_address": body.address,
            "p_recipient_city": body.city,
            "p_recipient_region": body.region,
            "p_recipient_postal_code": body.postal_code,
            "p_recipient_country": body.country or None,
            "p_notes": body.notes,
        },
    )
    return {**result, "shipping": player_texts.labelled_shipping(result.get("shipping"))}


handler = endpoint.handler
