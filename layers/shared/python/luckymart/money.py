"""Money: Decimal with at most two decimals, never float. Input must be a JSON number (SPEC §4)."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from pydantic import BeforeValidator, PlainSerializer, WithJsonSchema

CENT = Decimal("0.01")
MAX_AMOUNT = Decimal("9999999999999999.99")  # numeric(18,2)


def parse_amount(value: Any) -> Decimal:
    """A positive amount with at most 2 decimals; rejects strings, booleans, floats' artefacts, NaN, inf."""
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise ValueError("amount must be a JSON number")
    amount = Decimal(value)
    if not amount.is_finite():
        raise ValueError("amount must be a finite number")
    if amount <= 0:
        raise ValueError("amount must be greater than 0")
    if amount > MAX_AMOUNT:
        raise ValueError("amount is too large")
    if amount != amount.quantize(CENT):
        raise ValueError("amount must have at most 2 decimal places")
    return amount.quantize(CENT)


Money = Annotated[
    Decimal,
    BeforeValidator(parse_amount),
    PlainSerializer(lambda d: d, return_type=Decimal),
    WithJsonSchema({"type": "number", "exclusiveMinimum": 0, "description": "a JSON number, at most 2 decimals"}),
]


def parse_admin_amount(value: Any) -> Decimal:
    """Admin payloads arrive through the Lambda runtime's JSON parser (floats), so amounts are sent as strings:
    "12.50" or an integer; a float is refused rather than trusted."""
    if isinstance(value, str):
        try:
            value = Decimal(value.strip())
        except ArithmeticError:
            raise ValueError('amount must be a decimal string such as "12.50"') from None
    return parse_amount(value)


AdminMoney = Annotated[
    Decimal, BeforeValidator(parse_admin_amount), PlainSerializer(lambda d: d, return_type=Decimal)
]
