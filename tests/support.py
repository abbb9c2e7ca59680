"""Helpers shared by the test suites: signing initData with an independent library, calling handlers
in-process with real Function URL events, and reading the database as the superuser."""

from __future__ import annotations

import importlib
import json
import time
import uuid
from dataclasses import dataclass
from typing import Any

from init_data_py import sign
from pydantic import ValidationError

from infra.local.events import LocalContext, function_url_event
from infra.local.secrets import LOCAL_BOT_TOKEN
from luckymart import jsonutil


def signed_init_data(
    telegram_id: int,
    *,
    username: str | None = None,
    first_name: str = "Test",
    bot_token: str = LOCAL_BOT_TOKEN,
    auth_date: int | None = None,
    extra: dict[str, str] | None = None,
) -> str:
    user = {"id": telegram_id, "first_name": first_name, "language_code": "ru"}
    if username:
        user["username"] = username
    fields = {
        "query_id": f"Q{telegram_id}",
        "user": json.dumps(user, separators=(",", ":"), ensure_ascii=False),
        **(extra or {}),
    }
    return sign(fields, bot_token, auth_date=int(time.time()) if auth_date is None else auth_date)


@dataclass
class Result:
    status: int
    body: Any
    headers: dict[str, str]

    @property
    def data(self) -> Any:
        assert self.body.get("success") is True, self.body
        return self.body["data"]

    @property
    def code(self) -> str:
        return str(self.body["error"]["code"])


def invoke(
    name: str,
    body: Any = None,
    *,
    method: str = "POST",
    token: str | None = None,
    headers: dict[str, str] | None = None,
    query: str = "",
    idempotency_key: bool = True,
) -> Result:
    """Calls functions/<name>/handler.py in-process with a real payload-2.0 event. A money-moving function gets a
    fresh Idempotency-Key unless the test gives one (as the typed client does); `idempotency_key=False` sends
    none."""
    module = importlib.import_module(f"functions.{name.replace('-', '_')}.handler")
    all_headers = {"content-type": "application/json", **(headers or {})}
    if token:
        all_headers["x-session-token"] = token
    given = any(k.lower() == "idempotency-key" for k in all_headers) or (
        isinstance(body, dict) and "idempotency_key" in body
    )
    if idempotency_key and getattr(module.endpoint, "idempotent", False) and not given:
        all_headers["idempotency-key"] = str(uuid.uuid4())
    raw = body if isinstance(body, bytes) else (None if body is None else jsonutil.dumps(body).encode())
    event = function_url_event(method, headers=all_headers, body=raw, query=query)
    response = module.handler(event, LocalContext(function_name=name))
    result = Result(
        int(response["statusCode"]),
        jsonutil.loads(response["body"]) if response.get("body") else None,
        dict(response.get("headers") or {}),
    )
    if result.status == 200:
        assert_documented_shape(module.endpoint, result.body["data"])
    return result


def assert_documented_shape(endpoint: Any, data: Any) -> None:
    """Every successful response any test produces must match the model openapi.json (and the TypeScript client)
    documents for it: a field the SQL returns but the model lacks, or a wrong type, fails the test."""
    model = endpoint.response_model
    assert model is not None, f"{endpoint.name} documents no response model"
    try:
        for item in data if endpoint.list_response else [data]:
            model.model_validate(item)
    except ValidationError as exc:
        raise AssertionError(
            f"{endpoint.name} answered a shape its response model does not document: {exc}"
        ) from None


@dataclass
class SignedIn:
    token: str
    user: dict[str, Any]
    wallets: list[dict[str, Any]]


_next_telegram_id = [int(time.time()) * 1000]


def sign_in(
    *, telegram_id: int | None = None, start_param: str | None = None, username: str | None = None
) -> SignedIn:
    if telegram_id is None:
        _next_telegram_id[0] += 1
        telegram_id = _next_telegram_id[0]
    body: dict[str, Any] = {"initData": signed_init_data(telegram_id, username=username)}
    if start_param:
        body["startParam"] = start_param
    result = invoke("auth-telegram", body)
    assert result.status == 200, result.body
    return SignedIn(result.data["session"]["token"], result.data["user"], result.data["wallets"])


def make_admin(pg: Any, role: str, username: str | None = None) -> str:
    """Creates an ACTIVE admin with `role` directly in the database; returns its API token (shown once)."""
    import hashlib
    import secrets

    token = "lma_" + secrets.token_urlsafe(32)
    name = username or f"{role.lower()}_{secrets.token_hex(4)}"
    pg.execute(
        "insert into admins (username, role_name, token_hash, token_created_at) values (%s, %s, %s, now())",
        (name, role, hashlib.sha256(token.encode()).hexdigest()),
    )
    return token


def admin_event(action: str, params: dict[str, Any] | None = None, *, token: str | None) -> dict[str, Any]:
    """The payload the admin CLI sends an admin function."""
    return {"admin_token": token, "action": action, "params": params or {}}


def admin_invoke(
    function: str, action: str, params: dict[str, Any] | None = None, *, token: str | None
) -> dict[str, Any]:
    """Invokes an admin Lambda handler in-process with the payload the admin CLI sends."""
    module = importlib.import_module(f"functions.{function.replace('-', '_')}.handler")
    event = admin_event(action, params, token=token)
    result: dict[str, Any] = module.handler(
        jsonutil.loads(jsonutil.dumps(event)), LocalContext(function_name=function)
    )
    return result
