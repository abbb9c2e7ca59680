"""How each Bot API answer is classified (what the consumer then does with the notification and the message),
and that the bot token never reaches a log line."""

from __future__ import annotations

import logging

import pytest

from luckymart.telegram_bot import SendResult, classify

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        (200, {"ok": True, "result": {"message_id": 42}}, SendResult("sent", message_id=42)),
        (
            429,
            {"ok": False, "description": "Too Many Requests: retry after 7", "parameters": {"retry_after": 7}},
            SendResult("retry", retry_after=7, error="429 Too Many Requests: retry after 7"),
        ),
        (429, {"ok": False}, SendResult("retry", retry_after=1, error="429 ")),
        (
            403,
            {"ok": False, "description": "Forbidden: bot was blocked by the user"},
            SendResult("unreachable", error="403 Forbidden: bot was blocked by the user"),
        ),
        (
            403,
            {"ok": False, "description": "Forbidden: user is deactivated"},
            SendResult("unreachable", error="403 Forbidden: user is deactivated"),
        ),
        (
            400,
            {"ok": False, "description": "Bad Request: chat not found"},
            SendResult("unreachable", error="400 Bad Request: chat not found"),
        ),
        (
            400,
            {"ok": False, "description": "Bad Request: can't parse entities"},
            SendResult("failed", error="400 Bad Request: can't parse entities"),
        ),
        (502, {}, SendResult("retry", error="502 ")),
        (401, {"ok": False, "description": "Unauthorized"}, SendResult("retry", error="401 Unauthorized")),
    ],
)
def test_answers_are_classified(status: int, body: dict[str, object], expected: SendResult) -> None:
    assert classify(status, body) == expected


def test_httpx_request_logging_is_off() -> None:
    # httpx logs "HTTP Request: POST https://api.telegram.org/bot<token>/sendMessage" at INFO
    assert logging.getLogger("httpx").getEffectiveLevel() >= logging.WARNING
