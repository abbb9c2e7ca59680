"""Database access: one lazily created HTTP client for PostgREST per container and database class, and `rpc()`,
the only way handlers touch the database. `rpc()` is a POST to PostgREST's /rpc/<function> endpoint, so the client
is a plain httpx.Client: the postgrest-py wrapper around it was never used for anything but its session and cost
several times httpx's import on the first request (bench.cold_start_request). Numbers come back as Decimal, SQL
errors raised with private.fail() become AppError, and anything else becomes an opaque failure (no SQL text leaks).

Each class of function reaches the database as its own role (`user`, `system`, `admin`: a JWT per class, secret
`supabase_<class>_key`, whose `role` claim PostgREST switches to); the role may execute only that class's SQL
functions. The entry points say which class they are (`acting_as`): Endpoint → user, AdminFunction → admin, the
scheduler and the queue consumer → system. On AWS a function can read only its own class's key (IAM).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, Literal

from luckymart import jsonutil, tracing
from luckymart.config import secret, settings
from luckymart.errors import AppError, Unavailable

if TYPE_CHECKING:
    import httpx

logger = logging.getLogger("luckymart.db")
DbClass = Literal["user", "system", "admin"]
_clients: dict[str, httpx.Client] = {}
_client_lock = threading.Lock()
_acting_as: ContextVar[DbClass] = ContextVar("luckymart_db_class", default="user")
RPC_TIMEOUT_SECONDS = 15.0


class DatabaseError(Exception):
    """A database failure that is not a business rule and not transient (a bug); shown as 500 INTERNAL."""


# Answers of PostgREST (or Supabase's gateway in front of it) that mean "not now" rather than "wrong": no
# connection to PostgreSQL (503 PGRST000/PGRST001), schema cache not loaded (PGRST002), no pool connection in
# time (504 PGRST003), a gateway between us and PostgREST failing (502).
TRANSIENT_HTTP_STATUSES = {502, 503, 504}
# SQLSTATEs after which the transaction was rolled back and the same request can simply be repeated: connection
# exceptions, serialization failures and deadlocks, resource exhaustion, a lock wait or statement cancelled by its
# timeout, a backend terminated by an administrator or a restart.
TRANSIENT_SQLSTATE_CLASSES = ("08", "53")
TRANSIENT_SQLSTATES = {"40001", "40P01", "55P03", "57014", "57P01", "57P02", "57P03"}


def is_transient(http_status: int, sqlstate: str, lost_connection: bool = False) -> bool:
    """`lost_connection`: PostgREST reported a database error that carries no SQLSTATE. PostgreSQL gives every
    error it raises a SQLSTATE; an error without one comes from the client library when the backend went away
    mid-statement (PostgREST answers it as a bare 400), so it is a lost connection, not a bad request."""
    return (
        lost_connection
        or http_status in TRANSIENT_HTTP_STATUSES
        or sqlstate in TRANSIENT_SQLSTATES
        or sqlstate.startswith(TRANSIENT_SQLSTATE_CLASSES)
    )


@contextmanager
def acting_as(db_class: DbClass) -> Iterator[None]:
    """Every rpc() inside the block uses the `db_class` role's key (least privilege by default: user)."""
    token = _acting_as.set(db_class)
    try:
        yield
    finally:
        _acting_as.reset(token)


def client() -> httpx.Client:
    """The container's PostgREST client of the current class, created on first use (keeps httpx out of the
    handler's import)."""
    name = _acting_as.get()
    existing = _clients.get(name)
    if existing is not None:
        return existing
    with _client_lock:  # threads of one process (local gateway, soak) must not build two clients
        existing = _clients.get(name)
        if existing is not None:
            return existing
        import httpx

        key = secret(f"supabase_{name}_key")
        # apikey: what Supabase's API gateway admits (the public anon/publishable key); the role is the JWT's.
        headers = {"apikey": secret("supabase_anon_key"), "Authorization": f"Bearer {key}"}
        created = httpx.Client(base_url=settings().supabase_rest_url, headers=headers, timeout=RPC_TIMEOUT_SECONDS)
        _clients[name] = created
    return created


def reset() -> None:
    for existing in _clients.values():
        existing.close()
    _clients.clear()


def rpc(function: str, params: dict[str, Any]) -> Any:
    """Calls one SQL function through PostgREST (POST /rpc/<function>), never retried here: money functions are
    made safe to repeat by idempotency keys, not by the transport. A failure that may pass (the connection, a
    timeout, a killed backend) raises Unavailable: the caller is told to repeat the request with the same key,
    which is right whether or not the transaction had committed."""
    import httpx

    http = client()
    with tracing.span(f"rpc {function}"):
        try:
            response = http.post(
                f"/rpc/{function}",
                content=jsonutil.dumps(params),
                headers={"Content-Type": "application/json", "Accept": "application/json"},
            )
        except httpx.TransportError as error:  # connect/read/write errors and timeouts
            logger.warning("rpc unavailable", extra={"rpc": function, "error": type(error).__name__})
            raise Unavailable(f"rpc {function}: {type(error).__name__}") from None
    if response.status_code < 400:
        push = response.headers.get("x-luckymart-push")
        if push:  # the transaction created pushable notifications; it has committed, so publish them now
            try:
                from luckymart import notification_queue

                notification_queue.publish_after_commit(push)
            except Exception:  # the outbox re-publishes; a committed change must never look failed
                logger.exception("notification publish failed")
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
    lost_connection = isinstance(body, dict) and not code and bool(body.get("message"))
    if is_transient(http_status, code, lost_connection):
        logger.warning("rpc unavailable", extra={"rpc": function, "http_status": http_status, "sqlstate": code})
        return Unavailable(f"rpc {function} failed with {code or http_status}")
    logger.error("rpc failed", extra={"rpc": function, "http_status": http_status, "sqlstate": code})
    return DatabaseError(f"rpc {function} failed with {code or http_status}")
