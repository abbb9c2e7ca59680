"""A small Telegram Bot API client: sendMessage for pushes and the webhook registration calls.

The base URL is configuration (TELEGRAM_API_BASE_URL, default https://api.telegram.org): locally it points at the
fake server in infra/local/telegram_fake.py. The bot token is part of every URL, so it must never reach a log line:
httpx's request logging is silenced and errors carry only the method name.
"""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from luckymart import jsonutil
from luckymart.config import secret

if TYPE_CHECKING:
    import httpx

DEFAULT_BASE_URL = "https://api.telegram.org"
BASE_URL_ENV = "TELEGRAM_API_BASE_URL"
TIMEOUT_SECONDS = 10.0
MAX_TEXT_CHARS = 4096
_client: httpx.Client | None = None
_lock = threading.Lock()
logging.getLogger("httpx").setLevel(logging.WARNING)  # it logs every URL, and the URL holds the token


@dataclass(frozen=True)
class SendResult:
    """What one sendMessage did. outcome: sent | retry (transient: network before sending, 5xx, 429) |
    unreachable (403, chat not found: never again) | failed (permanent: bad request, or a network error after the
    request may have reached Telegram, where retrying could deliver it twice)."""

    outcome: str
    message_id: int | None = None
    retry_after: int | None = None
    error: str | None = None


def base_url() -> str:
    return os.environ.get(BASE_URL_ENV, DEFAULT_BASE_URL).rstrip("/")


def client() -> httpx.Client:
    global _client  # noqa: PLW0603 - one connection pool per container
    with _lock:
        if _client is None:
            import httpx

            _client = httpx.Client(timeout=httpx.Timeout(TIMEOUT_SECONDS, connect=3.0))
        return _client


def reset() -> None:
    global _client  # noqa: PLW0603
    with _lock:
        if _client is not None:
            _client.close()
        _client = None


def call(method: str, payload: dict[str, Any], token: str | None = None) -> tuple[int, dict[str, Any]]:
    """POSTs one Bot API method; returns (HTTP status, decoded body). Raises httpx errors."""
    bot_token = token or secret("telegram_bot_token")
    response = client().post(
        f"{base_url()}/bot{bot_token}/{method}",
        content=jsonutil.dumps(payload),
        headers={"Content-Type": "application/json"},
    )
    try:
        body = jsonutil.loads(response.content) if response.content else {}
    except ValueError:
        body = {}
    return response.status_code, body if isinstance(body, dict) else {}


def send_message(chat_id: str, text: str, reply_markup: dict[str, Any] | None = None) -> SendResult:
    import httpx

    payload: dict[str, Any] = {
        "chat_id": chat_id,
        "text": text[:MAX_TEXT_CHARS],
        "parse_mode": "HTML",
        "link_preview_options": {"is_disabled": True},
    }
    if reply_markup:
        payload["reply_markup"] = reply_markup
    try:
        status, body = call("sendMessage", payload)
    except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as error:
        return SendResult("retry", error=type(error).__name__)  # never left this machine
    except httpx.HTTPError as error:
        return SendResult("failed", error=f"UNCERTAIN {type(error).__name__}")
    return classify(status, body)


def classify(status: int, body: dict[str, Any]) -> SendResult:
    description = str(body.get("description") or "")[:200]
    if status == 200 and body.get("ok"):
        return SendResult("sent", message_id=int(body.get("result", {}).get("message_id") or 0) or None)
    if status == 429:
        retry_after = int((body.get("parameters") or {}).get("retry_after") or 1)
        return SendResult("retry", retry_after=max(1, retry_after), error=f"429 {description}")
    lowered = description.lower()
    if status == 403 or (status == 400 and ("chat not found" in lowered or "user is deactivated" in lowered)):
        return SendResult("unreachable", error=f"{status} {description}")
    if status >= 500 or status in (401, 404):  # Telegram down, or our token/config wrong: worth retrying
        return SendResult("retry", error=f"{status} {description}")
    return SendResult("failed", error=f"{status} {description}")
