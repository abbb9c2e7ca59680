"""Telegram Mini App initData verification (first-party HMAC check, notes/telegram.md).

initData is a bearer credential until it expires: never log it, never echo the expected hash."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import time
from typing import Any
from urllib.parse import parse_qsl

from luckymart.errors import AppError

FUTURE_SKEW_SECONDS = 60
MAX_INIT_DATA_LENGTH = 8192
_HEX_SHA256 = re.compile(r"[0-9a-fA-F]{64}")


def _invalid(reason: str) -> AppError:
    return AppError("UNAUTHENTICATED", f"invalid Telegram initData: {reason}", 401)


def verify_init_data(
    init_data: str, bot_token: str, max_age_seconds: int, now: float | None = None
) -> dict[str, Any]:
    """Returns the verified fields (with `user` parsed) or raises AppError 401."""
    if not init_data or len(init_data) > MAX_INIT_DATA_LENGTH:
        raise _invalid("missing or too long")
    try:
        pairs = parse_qsl(init_data, keep_blank_values=True, strict_parsing=True)
    except ValueError:
        raise _invalid("malformed") from None
    fields: dict[str, str] = {}
    for key, value in pairs:
        if key in fields:
            raise _invalid("duplicate key")
        fields[key] = value
    received_hash = fields.pop("hash", None)
    if not received_hash:
        raise _invalid("missing hash")
    if not _HEX_SHA256.fullmatch(received_hash):  # compare_digest raises on non-ASCII text
        raise _invalid("malformed hash")

    data_check_string = "\n".join(f"{k}={v}" for k, v in sorted(fields.items()))
    secret_key = hmac.new(b"WebAppData", bot_token.encode(), hashlib.sha256).digest()
    expected = hmac.new(secret_key, data_check_string.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, received_hash.lower()):
        raise _invalid("signature mismatch")

    try:
        auth_date = int(fields.get("auth_date", ""))
    except ValueError:
        raise _invalid("missing auth_date") from None
    age = (time.time() if now is None else now) - auth_date
    if age > max_age_seconds:
        raise _invalid("expired")
    if age < -FUTURE_SKEW_SECONDS:
        raise _invalid("auth_date is in the future")

    try:
        user = json.loads(fields.get("user", ""))
    except ValueError:
        raise _invalid("user is not JSON") from None
    if not isinstance(user, dict) or not isinstance(user.get("id"), int) or isinstance(user.get("id"), bool):
        raise _invalid("user has no id")
    return {**fields, "user": user, "auth_date": auth_date}
