"""Database access: one lazily created HTTP client for PostgREST per container, and `rpc()`, the only way
handlers touch the database. `rpc()` is a POST to PostgREST's /rpc/<function> endpoint, so the client is a plain
httpx.Client: the postgrest-py wrapper around it was never used for anything but its session and cost several
times httpx's import on the first request (bench.cold_start_request). Numbers come back as Decimal, SQL errors
raised with private.fail() become AppError, and anything else becomes an opaque failure (no SQL text leaks)."""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING, Any

from luckymart import jsonutil, tracing
from luckymart.config import secret, settings
from luckymart.errors import AppError

if TYPE_CHECKING:
    import httpx

logger = logging.getLogger("luckymart.db")
_client: httpx.Client | None = None
_client_lock = threading.Lock()
RPC_TIMEOUT_SECONDS = 15.0


class DatabaseError(Exception):
    """A database failure that is not a business rule; shown to callers only as 500 INTERNAL."""


def client() -> httpx.Client:
    """The container's PostgREST client, created on first use (keeps httpx out of the handler's import)."""
    global _client  # noqa: PLW0603 - one client per Lambda container is the point
    if _client is not None:
        return _client
    with _client_lock:  # threads of one process (local gateway, soak) must not build two clients
        if _client is not None:
            return _client
        import httpx

        key = secret("supabase_service_role_key")
        headers = {"apikey": key, "Authorization": f"Bearer {key}"}
        _client = httpx.Client(base_url=settings().supabase_rest_url, headers=headers, timeout=RPC_TIMEOUT_SECONDS)
    return _client


def reset() -> None:
    global _client  # noqa: PLW0603
    if _client is not None:
        _client.close()
    _client = None


def rpc(function: str, params: dict[str, Any]) -> Any:
    """Calls one SQL function through PostgREST (POST /rpc/<function>), never retried: money functions are
    made safe to repeat by idempotency keys, not by the transport."""
    with tracing.span(f"rpc {function}"):
        response = client().post(
            f"/rpc/{function}",
            content=jsonutil.dumps(params),
            headers={"Content-Type": "application/json", "Accept": "application/json"},
        )
    if response.status_code < 400:
        return jsonutil.loads(response.content) if response.content else None
    raise _error_from(function, response.status_code, response.content)


def _error_from(function: str, http_status: int, raw: bytes) -> Exception:
    try:
        body = jsonutil.loads(raw)
    except ValueError:
        body = {}
    code = str(body.get("code") or "")
    if code.startswith("LM") and code[2:].isdigit():
        details = body.get("hint") or None
        if details:
            try:
                details = jsonutil.loads(details)
            except ValueError:
                details = None
        return AppError(str(body.get("message")), str(body.get("details") or ""), int(code[2:]), details)
    # Log the SQLSTATE only: PostgREST messages can quote parameter values.
    logger.error("rpc failed", extra={"rpc": function, "http_status": http_status, "sqlstate": code})
    return DatabaseError(f"rpc {function} failed with {code or http_status}")
