"""JSON with exact money: numbers parse to Decimal/int and Decimals serialise as JSON numbers (never floats)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import simplejson

# Request bodies are hostile until parsed: a 21-byte `1e10000000` becomes a ten-million-digit integer the moment
# a model coerces it to `int`, so numbers are bounded while parsing. numeric(18,2) needs 21 characters.
MAX_NUMBER_CHARS = 40
MAX_EXPONENT = 40


class UnsafeInput(ValueError):
    """Well-formed JSON that a request may still not carry (its message is safe to show)."""


def loads(raw: str | bytes) -> Any:
    return simplejson.loads(raw, use_decimal=True)


def loads_request(raw: str | bytes) -> Any:
    """Parses an untrusted request body: bounded numbers and nesting, no NUL or lone surrogate in any string."""
    try:
        value = simplejson.loads(raw, parse_float=_bounded_decimal, parse_int=_bounded_int)
    except RecursionError:
        raise UnsafeInput("request body is nested too deeply") from None
    check_text(value)
    return value


def check_text(value: Any) -> None:
    """Refuses strings PostgreSQL cannot store (NUL) or UTF-8 cannot encode (lone surrogates), keys included."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if "\x00" in item or (not item.isascii() and not _encodable(item)):
                raise UnsafeInput("text must not contain NUL characters or unpaired surrogates")
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)


def dumps(value: Any) -> str:
    return simplejson.dumps(value, use_decimal=True, ensure_ascii=False, separators=(",", ":"), default=str)


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _bounded_int(text: str) -> int:
    if len(text) > MAX_NUMBER_CHARS:
        raise UnsafeInput("numbers may have at most 40 characters")
    return int(text)


def _bounded_decimal(text: str) -> Decimal:
    if len(text) > MAX_NUMBER_CHARS:
        raise UnsafeInput("numbers may have at most 40 characters")
    number = Decimal(text)
    exponent = number.as_tuple().exponent
    if not isinstance(exponent, int) or abs(exponent) > MAX_EXPONENT:
        raise UnsafeInput("number is out of range")
    return number
