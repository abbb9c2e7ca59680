"""Request models of the prize functions: legacy aliases, nested shipping_info, image URLs, ids-or-all."""

from __future__ import annotations

import importlib
import uuid
from typing import Any

import pytest
from pydantic import ValidationError

pytestmark = pytest.mark.unit
PRIZE = str(uuid.uuid4())


def model(function: str, name: str) -> Any:
    return getattr(importlib.import_module(f"functions.{function}.handler"), name)


def test_shipping_accepts_flat_camel_and_nested_shapes() -> None:
    body = model("request_shipping", "ShippingBody")
    flat = body.model_validate({"prize_id": PRIZE, "recipient_name": "A", "phone": "+992 1", "address": "X 1"})
    camel = body.model_validate(
        {"prizeId": PRIZE, "recipientName": "A", "recipientPhone": "+992 1", "recipientAddress": "X 1"}
    )
    nested = body.model_validate(
        {"prize_id": PRIZE, "shipping_info": {"recipient_name": "A", "phone": "+992 1", "address": "X 1"}}
    )
    assert flat == camel == nested
    assert str(nested.prize_id) == PRIZE and nested.country is None


def test_shipping_top_level_fields_win_over_nested_ones() -> None:
    body = model("request_shipping", "ShippingBody")
    parsed = body.model_validate(
        {
            "prize_id": PRIZE,
            "recipient_name": "Top",
            "shipping_info": {"recipient_name": "Nested", "phone": "+992 1", "address": "X 1"},
        }
    )
    assert parsed.recipient_name == "Top"


@pytest.mark.parametrize(
    "url",
    [
        "http://a.test/x.jpg",
        "ftp://a.test/x",
        "https://",
        "https:///x.jpg",
        "https://a.test/x y.jpg",
        "//a.test/x",
    ],
)
def test_showoff_images_must_be_https_urls(url: str) -> None:
    with pytest.raises(ValidationError):
        model("create_showoff", "CreateShowoffBody").model_validate(
            {"prize_id": PRIZE, "content": "c", "images": [url]}
        )


def test_showoff_limits() -> None:
    body = model("create_showoff", "CreateShowoffBody")
    ok = body.model_validate({"prize_id": PRIZE, "content": "x" * 2000, "images": ["https://a.test/1.jpg"] * 9})
    assert len(ok.images) == 9
    with pytest.raises(ValidationError):
        body.model_validate({"prize_id": PRIZE, "content": "x", "images": ["https://a.test/1.jpg"] * 10})
    with pytest.raises(ValidationError):
        body.model_validate({"prize_id": PRIZE, "content": "x" * 2001})


def test_purchase_aliases_and_default_method() -> None:
    body = model("purchase_resale", "PurchaseResaleBody")
    resale = str(uuid.uuid4())
    assert body.model_validate({"resale_item_id": resale}).payment_method == "LUCKY_COIN"
    assert body.model_validate({"resaleId": resale, "paymentMethod": "BALANCE"}).payment_method == "BALANCE"
    with pytest.raises(ValidationError):
        body.model_validate({"resale_id": resale, "payment_method": "BONUS"})


def test_mark_read_needs_ids_or_all_but_not_both() -> None:
    body = model("mark_notifications_read", "MarkReadBody")
    assert body.model_validate({"all": True}).ids is None
    assert len(body.model_validate({"ids": [str(uuid.uuid4())]}).ids) == 1
    for bad in ({}, {"all": False}, {"all": True, "ids": [str(uuid.uuid4())]}):
        with pytest.raises(ValidationError):
            body.model_validate(bad)


def test_admin_reward_is_a_decimal_string_and_zero_means_none() -> None:
    approve = model("admin_prizes", "Approve")
    showoff = str(uuid.uuid4())
    assert approve.model_validate({"showoff_id": showoff, "reward_coins": "0"}).reward_coins is None
    assert str(approve.model_validate({"showoff_id": showoff, "reward_coins": "12.50"}).reward_coins) == "12.50"
    with pytest.raises(ValidationError):
        approve.model_validate({"showoff_id": showoff, "reward_coins": 1.5})
    with pytest.raises(ValidationError):
        approve.model_validate({"showoff_id": showoff, "unexpected": 1})
