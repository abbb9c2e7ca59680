"""JSON with exact money: numbers parse to Decimal/int and Decimals serialise as JSON numbers (never floats)."""

from __future__ import annotations

from typing import Any

import simplejson


def loads(raw: str | bytes) -> Any:
    return simplejson.loads(raw, use_decimal=True)


def dumps(value: Any) -> str:
    return simplejson.dumps(value, use_decimal=True, ensure_ascii=False, separators=(",", ":"), default=str)
