"""The HTTP contract of every function URL (SPEC §4), so each function only declares its model and logic.

    endpoint = Endpoint("exchange-balance", body=ExchangeBody, idempotent=True, summary="...")

    @endpoint
    def exchange(call: Call[ExchangeBody]) -> Any:
        return call.rpc("exchange_balance", {"p_amount": call.body.amount})

    handler = endpoint.handler

The endpoint parses the Function URL event (payload 2.0) with Powertools, answers CORS, authenticates the
session token (hashed here, checked inside the SQL function: one round trip), validates the body with pydantic,
passes the Idempotency-Key, and wraps results and errors in the envelope.

Failures and their answers:
- a secret or setting the function declares (`secrets=`, `settings=`) or the database keys are missing: checked
  first on every call, so the answer is 503 NOT_CONFIGURED and nothing is touched;
- a transient failure (database, PostgREST, SSM): 503 UNAVAILABLE with Retry-After; repeating the request with the
  same Idempotency-Key is safe whether or not it had committed;
- anything else unexpected: 500 INTERNAL with a correlation id and nothing else (a bug: its alarm means something).
Work after the commit (a receipt, a queue message) goes through `after_commit`, which can never fail the answer.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, Literal, TypeVar

from aws_lambda_powertools.logging import correlation_paths
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from luckymart import db, frontdoor, jsonutil, metrics, tracing
from luckymart.config import require, settings
from luckymart.errors import (
    AppError,
    NotConfigured,
    Unavailable,
    not_configured,
    unauthenticated,
    unavailable,
    validation_error,
)
from luckymart.function_url import CORSConfig, LambdaFunctionUrlResolver, Response
from luckymart.log import correlation_id, lambda_context, logger
from luckymart.sessions import extract_token, hash_token, is_well_formed

ALLOWED_HEADERS = [
    "authorization",
    "x-client-info",
    "apikey",
    "content-type",
    "x-session-token",
    "idempotency-key",
]
# Response headers a browser script may read besides the CORS-safelisted ones (a 429's wait).
EXPOSED_HEADERS = ["Retry-After"]
MAX_BODY_BYTES = 64 * 1024
MAX_IDEMPOTENCY_KEY = 255
REPLAYED = "replayed"  # private.idempotency_begin's marker on a replayed answer (never sent to the caller)


class Body(BaseModel):
    """Base of every request model: unknown fields (a `user_id`, say) are ignored, never trusted."""

    # defer_build: a model's validator is built when it first validates, so a function builds only its own
    # (the layer defines many; building them all at import would cost every cold start).
    model_config = ConfigDict(
        extra="ignore", populate_by_name=True, str_strip_whitespace=True, frozen=True, defer_build=True
    )


class EmptyBody(Body):
    pass


class PageQuery(Body):
    limit: int = Field(20, ge=1, le=100)
    offset: int = Field(0, ge=0, le=1_000_000)


@dataclass(frozen=True)
class Page:
    """A list result: `data` is the items, plus `page: {limit, offset, total}` and any `extra` keys."""

    items: list[Any]
    limit: int
    offset: int
    total: int
    extra: Mapping[str, Any] = field(default_factory=dict)  # more top-level keys (e.g. unread_count)


# Cache-Control values. Every response is `no-store` unless the logic returns `Cached(...)`: API answers depend on
# sessions and money, so a CDN or browser may keep only what a function explicitly declares public.
NO_STORE = "no-store"
PRIVATE = "private, no-store"  # depends on the caller's session
# What a shared copy depends on: CORS echoes the Origin, and a session (header or Bearer) changes the answer.
PUBLIC_VARY = "Origin, Authorization, X-Session-Token"


def public_cache(max_age: int, *, immutable: bool = False) -> str:
    """A response any cache may share for `max_age` seconds (e.g. a completed lottery: a year, immutable)."""
    return f"public, max-age={max_age}" + (", immutable" if immutable else "")


@dataclass(frozen=True)
class Cached:
    """A result (plain data or a Page) plus the Cache-Control header of its response."""

    result: Any
    cache_control: str


B = TypeVar("B", bound=Body)
R = TypeVar("R")
Auth = Literal["required", "optional", "none"]


def after_commit(step: str, work: Callable[[], R], fallback: R) -> R:
    """Runs `work` after the request's transaction has committed. A failure is logged and counted
    (`PostCommitFailures`, dimension `reason`) and `fallback` is returned: the caller must still get the committed
    answer. Each step has its repair (the outbox re-publishes, an idempotent replay re-issues the receipt)."""
    try:
        return work()
    except Exception:
        logger.exception("post-commit step failed; the committed answer is returned", extra={"step": step})
        metrics.add("PostCommitFailures", 1, reason=step)
        return fallback


@dataclass(frozen=True)
class Call(Generic[B]):
    """One validated request as the function's logic sees it."""

    body: B
    session_hash: str | None
    idempotency_key: str | None
    request_hash: str
    idempotent: bool
    source_ip: str | None
    user_agent: str | None

    def rpc(self, function: str, params: Mapping[str, Any] | None = None) -> Any:
        """Calls the function's SQL function with the session hash (and idempotency key) added."""
        full = dict(params or {})
        if self.session_hash is not None:
            full["p_session"] = self.session_hash
        if self.idempotent:
            full["p_idempotency_key"] = self.idempotency_key
            full["p_request_hash"] = self.request_hash
        result = db.rpc(function, full)
        if self.idempotent and isinstance(result, dict) and result.pop(REPLAYED, False):
            metrics.replayed()  # the stored answer of an earlier request: no new business event
        return result

    def cached(self, result: Any, public: str) -> Cached:
        """`result` with Cache-Control `public` when no session was given, else private: a session-dependent
        answer must never be shared."""
        return Cached(result, PRIVATE if self.session_hash is not None else public)


class Endpoint(Generic[B]):
    def __init__(
        self,
        name: str,
        *,
        body: type[B],
        auth: Auth = "required",
        read_only: bool = False,
        idempotent: bool = False,
        response: type[BaseModel] | None = None,
        list_response: bool = False,
        summary: str = "",
        secrets: tuple[str, ...] = (),
        settings: tuple[str, ...] = (),
    ) -> None:
        """`secrets` / `settings` (environment variable names): what the logic reads besides the database keys;
        all are checked before anything else on every call. `idempotent`: a money-moving function, which then
        requires an Idempotency-Key."""
        self.name = name
        self.body_model = body
        self.auth = auth
        self.methods = ["GET", "POST"] if read_only else ["POST"]
        self.idempotent = idempotent
        self.response_model = response
        self.list_response = list_response
        self.summary = summary
        self.secrets = secrets
        self.settings = settings
        self._logic: Callable[[Call[B]], Any] | None = None
        # Lambda runs one request per container, but the local gateway and the soak test run many at once in one
        # process, so each thread gets its own resolver (keeping its own current event: luckymart.function_url).
        self._per_thread = threading.local()

    def __call__(self, logic: Callable[[Call[B]], Any]) -> Callable[[Call[B]], Any]:
        self._logic = logic
        return logic

    # ------------------------------------------------------------------ Lambda entry point
    def handler(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        refusal = _front_door_refusal(event)
        if refusal is not None:
            return refusal
        entry = getattr(self._per_thread, "entry", None)
        if entry is None:
            entry = self._per_thread.entry = self._build_entry()
        with metrics.invocation(self.name), db.acting_as("user"):
            result: dict[str, Any] = entry(event, context)
        return result

    def _build_entry(self) -> Callable[[dict[str, Any], Any], dict[str, Any]]:
        origins = list(settings().cors_origins) or ["*"]
        cors = CORSConfig(
            allow_origin=origins[0],
            extra_origins=origins[1:],
            allow_headers=ALLOWED_HEADERS,
            expose_headers=EXPOSED_HEADERS,
            max_age=600,
        )
        app = LambdaFunctionUrlResolver(cors=cors)

        def respond() -> Response:
            return self._respond(app)

        app.route("/", method=self.methods)(respond)
        # Through the front door the path is kept (/functions/v1/<name>): it is part of CloudFront's cache key.
        app.route(f"/functions/v1/{self.name}", method=self.methods)(respond)
        app.not_found(lambda _exc: _error_response(AppError("NOT_FOUND", "no such route", 404)))
        return tracing.instrument(
            lambda_context(app.resolve, correlation_id_path=correlation_paths.LAMBDA_FUNCTION_URL)
        )

    # ------------------------------------------------------------------ one request
    def _respond(self, app: LambdaFunctionUrlResolver) -> Response:
        try:
            result = self._run(app)
        except AppError as error:
            if error.status >= 500:
                logger.error("request failed", extra={"code": error.code})
            metrics.record_request(error.status, error.code)
            metrics.record_refusal(self.name, error.code)
            return _error_response(error)
        except NotConfigured as missing:
            logger.error("not configured: refused before any change", extra={"setting": missing.setting})
            metrics.record_request(503, "NOT_CONFIGURED")
            return _error_response(not_configured())
        except Unavailable as failure:
            logger.warning("dependency unavailable; the caller may retry", extra={"reason": str(failure)})
            metrics.record_request(503, "UNAVAILABLE")
            return _error_response(unavailable())
        except Exception:
            logger.exception("unexpected error")
            metrics.record_request(500, "INTERNAL")
            details = {"correlation_id": correlation_id()}
            return _error_response(AppError("INTERNAL", "internal error", 500, details))
        metrics.record_request(200, None)
        after_commit(
            "metrics",
            lambda: metrics.record_result(self.name, result.result if isinstance(result, Cached) else result),
            None,
        )
        return _ok(result)

    def _run(self, app: LambdaFunctionUrlResolver) -> Any:
        # Everything the request needs is resolved before it can change anything.
        require(self.secrets, self.settings)
        db.client()
        event = app.current_event
        raw = self._raw_input(event)
        headers = {k.lower(): v for k, v in (event.headers or {}).items()}

        session_hash: str | None = None
        if self.auth != "none":
            # Never from a GET query string: URLs end up in access logs and browser history.
            token = extract_token(headers, None if event.request_context.http.method == "GET" else raw)
            if token is not None:
                if not is_well_formed(token):
                    raise unauthenticated("session token is malformed")
                session_hash = hash_token(token)
            elif self.auth == "required":
                raise unauthenticated()

        try:
            body = self.body_model.model_validate(raw)
        except ValidationError as exc:
            raise validation_error("request is invalid", _safe_errors(exc)) from None

        key = headers.get("idempotency-key") or raw.get("idempotency_key")
        if key is not None and (not isinstance(key, str) or not 0 < len(key) <= MAX_IDEMPOTENCY_KEY):
            raise validation_error("Idempotency-Key must be 1..255 characters")
        if key is None and self.idempotent:
            # Money moves only under a key: a double tap, a client retry or a repeat after 503 UNAVAILABLE with
            # the same key is answered from the first request's result instead of paying twice.
            raise AppError(
                "IDEMPOTENCY_KEY_REQUIRED",
                "this request moves money: send an Idempotency-Key header (one new key per user action)",
                400,
            )
        _check_text(key)
        request_hash = hashlib.sha256(
            jsonutil.dumps(body.model_dump(mode="json")).encode() + self.name.encode()
        ).hexdigest()
        http = event.request_context.http
        assert self._logic is not None, f"endpoint {self.name} has no logic"
        return self._logic(
            Call(
                body=body,
                session_hash=session_hash,
                idempotency_key=key,
                request_hash=request_hash,
                idempotent=self.idempotent,
                source_ip=frontdoor.viewer_ip(headers) or http.source_ip,
                user_agent=http.user_agent,
            )
        )

    def _raw_input(self, event: Any) -> dict[str, Any]:
        if event.request_context.http.method == "GET":
            query = dict(event.query_string_parameters or {})
            _check_text(query)
            return query
        try:
            text = event.decoded_body or ""
        except UnicodeDecodeError:
            raise validation_error("request body is not UTF-8 JSON") from None
        if len(text) > MAX_BODY_BYTES:
            raise validation_error("request body is too large")
        if not text.strip():
            return {}
        try:
            raw = jsonutil.loads_request(text)
        except jsonutil.UnsafeInput as exc:
            raise validation_error(str(exc)) from None
        except ValueError:
            raise validation_error("request body is not valid JSON") from None
        if not isinstance(raw, dict):
            raise validation_error("request body must be a JSON object")
        return raw


def _check_text(value: Any) -> None:
    try:
        jsonutil.check_text(value)
    except jsonutil.UnsafeInput as exc:
        raise validation_error(str(exc)) from None


def _ok(result: Any) -> Response:
    cache_control = NO_STORE
    if isinstance(result, Cached):
        result, cache_control = result.result, result.cache_control
    if isinstance(result, Page):
        envelope = {
            "success": True,
            "data": result.items,
            "page": {"limit": result.limit, "offset": result.offset, "total": result.total},
            **result.extra,
        }
    else:
        envelope = {"success": True, "data": result}
    headers = {"Cache-Control": cache_control}
    if cache_control.startswith("public"):
        headers["Vary"] = PUBLIC_VARY
    return Response(200, "application/json", jsonutil.dumps(envelope), headers)


def _error_response(error: AppError) -> Response:
    payload: dict[str, Any] = {"code": error.code, "message": error.message}
    if error.details is not None:
        payload["details"] = error.details
    headers = {"Cache-Control": NO_STORE}
    wait = error.details.get("retry_after_seconds") if isinstance(error.details, Mapping) else None
    if error.status in {429, 503} and isinstance(wait, int):  # the body's wait (whole seconds), as clients expect
        headers["Retry-After"] = str(max(1, wait))
    body = jsonutil.dumps({"success": False, "error": payload})
    return Response(error.status, "application/json", body, headers)


def _safe_errors(exc: ValidationError) -> list[dict[str, Any]]:
    """Pydantic errors without the offending input (it may be a secret or huge)."""
    return [{"field": ".".join(str(p) for p in e["loc"]), "message": e["msg"]} for e in exc.errors()]


def page_of(rows: Mapping[str, Any], query: PageQuery) -> Page:
    """Builds a Page from an SQL result shaped {"items": [...], "total": n}."""
    return Page(
        items=list(rows.get("items") or []),
        limit=query.limit,
        offset=query.offset,
        total=int(rows.get("total") or 0),
    )


def _front_door_refusal(event: dict[str, Any]) -> dict[str, Any] | None:
    """The response for a request that did not come through the front door (checked before anything else runs),
    or None to go on."""
    try:
        if frontdoor.admitted(event.get("headers")):
            return None
        logger.warning("refused: no valid origin secret (a direct Function URL call?)")
        error = AppError("FRONT_DOOR_REQUIRED", "call this API through its domain, not the function URL", 403)
    except NotConfigured as missing:
        logger.error("not configured: refused before any change", extra={"setting": missing.setting})
        error = not_configured()
    except Unavailable as failure:
        logger.warning("origin secret unavailable; the caller may retry", extra={"reason": str(failure)})
        error = unavailable()
    except Exception:
        logger.exception("origin secret check failed")
        error = AppError("INTERNAL", "internal error", 500)
    response = _error_response(error)
    return {"statusCode": response.status_code, "headers": response.headers, "body": response.body}
