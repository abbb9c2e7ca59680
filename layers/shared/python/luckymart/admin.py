"""Admin functions: no Function URL, reached only by `lambda:InvokeFunction` with IAM credentials, and
additionally authenticated by an admin API token and authorised per action inside the SQL function
(`private.admin_begin`), which also writes the audit row in the action's own transaction.

    admin = AdminFunction("admin-finance")

    class Approve(AdminParams):
        deposit_id: UUID

    @admin.action("deposits.approve", Approve, target="deposit")
    def approve(call: AdminCall[Approve]) -> Any:
        return call.rpc("admin_approve_deposit", {"p_deposit_id": call.params.deposit_id})

    handler = admin.handler

Invocation payload: {"admin_token": "...", "action": "deposits.approve", "params": {...}}.
Response: {"statusCode": 200, "success": true, "data": ...} or
          {"statusCode": 4xx/5xx, "success": false, "error": {"code", "message", "details"?}}.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field, Strict, ValidationError

from luckymart import db, metrics, tracing
from luckymart.errors import (
    AppError,
    NotConfigured,
    Unavailable,
    not_configured,
    unauthenticated,
    unavailable,
    validation_error,
)
from luckymart.log import lambda_context, logger

SECRET_PARAM_NAMES = {"token", "admin_token", "password", "secret"}
# Every admin list pages alike, newest first (SQL: private.admin_page_limit clamps direct callers the same way).
ADMIN_PAGE_DEFAULT, ADMIN_PAGE_MAX = 50, 200


class AdminParams(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)


class NoParams(AdminParams):
    pass


class AdminPage(AdminParams):
    """The paging of every admin list action: `limit` 1..200 (default 50), `offset` >= 0; newest first."""

    limit: Annotated[int, Strict(), Field(ge=1, le=ADMIN_PAGE_MAX)] = ADMIN_PAGE_DEFAULT
    offset: Annotated[int, Strict(), Field(ge=0, le=10_000_000)] = 0

    def page_args(self) -> dict[str, int]:
        return {"p_limit": self.limit, "p_offset": self.offset}


P = TypeVar("P", bound=AdminParams)


def hash_admin_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class AdminCall(Generic[P]):
    action: str
    params: P
    admin_hash: str
    summary: dict[str, Any]

    def rpc(self, function: str, params: dict[str, Any] | None = None) -> Any:
        """Calls an admin SQL function with the token hash (`p_admin`) and the audit summary (`p_request`)."""
        return db.rpc(function, {"p_admin": self.admin_hash, "p_request": self.summary, **(params or {})})


@dataclass(frozen=True)
class _Action(Generic[P]):
    name: str
    params: type[P]
    target: str | None
    target_field: str | None  # the param naming the target; default "<target>_id"
    logic: Callable[[AdminCall[P]], Any]


class AdminFunction:
    def __init__(self, name: str) -> None:
        self.name = name
        self.actions: dict[str, _Action[Any]] = {}
        self.handler: Callable[[dict[str, Any], Any], dict[str, Any]] = tracing.instrument(
            lambda_context(self._invoke)
        )

    def action(
        self, name: str, params: type[P], *, target: str | None = None, target_field: str | None = None
    ) -> Callable[[Callable[[AdminCall[P]], Any]], Callable[[AdminCall[P]], Any]]:
        def register(logic: Callable[[AdminCall[P]], Any]) -> Callable[[AdminCall[P]], Any]:
            field = target_field or (f"{target}_id" if target else None)
            self.actions[name] = _Action(name, params, target, field, logic)
            return logic

        return register

    def _invoke(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        with metrics.invocation(self.name), db.acting_as("admin"):
            response = self._handle(event, context)
            error = response.get("error") or {}
            metrics.record_request(int(response["statusCode"]), error.get("code"))
            if response["success"]:
                metrics.record_result(f"{self.name}:{event.get('action')}", response["data"])
        return response

    def _handle(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        action_name = str(event.get("action") or "")
        raw_params = event.get("params") or {}
        token = event.get("admin_token")
        admin_hash = hash_admin_token(token) if isinstance(token, str) and token else ""
        summary = _summary(raw_params)
        target_id: str | None = None
        try:
            if not admin_hash:
                raise unauthenticated("admin_token is required")
            action = self.actions.get(action_name)
            if action is None:
                raise AppError("NOT_FOUND", f"{self.name} has no action {action_name!r}", 404)
            try:
                params = action.params.model_validate(raw_params)
            except ValidationError as exc:
                fields = [{"field": ".".join(map(str, e["loc"])), "message": e["msg"]} for e in exc.errors()]
                raise validation_error("params are invalid", fields) from None
            target_id = _target_id(params, action.target_field)
            try:
                data = action.logic(AdminCall(action_name, params, admin_hash, summary))
            except NotConfigured as missing:
                logger.error("not configured: refused before any change", extra={"setting": missing.setting})
                raise not_configured() from None
            except Unavailable as failure:
                logger.warning("dependency unavailable; may be repeated", extra={"reason": str(failure)})
                raise unavailable() from None
            return {"statusCode": 200, "success": True, "data": data}
        except AppError as error:
            outcome = "DENIED" if error.status in (401, 403) else "FAILED"
            known_admin = self._audit_failure(
                admin_hash=admin_hash,
                action=action_name,
                target_id=target_id,
                summary=summary,
                outcome=outcome,
                code=error.code,
            )
            if not known_admin and error.status != 401:  # say nothing about the action to a stranger
                error = unauthenticated("admin token is invalid, revoked or disabled")
            payload: dict[str, Any] = {"code": error.code, "message": error.message}
            if error.details is not None:
                payload["details"] = error.details
            return {"statusCode": error.status, "success": False, "error": payload}
        except Exception:
            logger.exception("admin action failed", extra={"action": action_name})
            self._audit_failure(
                admin_hash=admin_hash,
                action=action_name,
                target_id=target_id,
                summary=summary,
                outcome="FAILED",
                code="INTERNAL",
            )
            return {
                "statusCode": 500,
                "success": False,
                "error": {
                    "code": "INTERNAL",
                    "message": "internal error",
                    "details": {"correlation_id": getattr(context, "aws_request_id", None)},
                },
            }

    def _audit_failure(
        self,
        *,
        admin_hash: str,
        action: str,
        target_id: str | None,
        summary: dict[str, Any],
        outcome: str,
        code: str,
    ) -> bool:
        """Records the failure; returns whether the token belongs to an active admin."""
        action_spec = self.actions.get(action)
        try:
            return bool(
                db.rpc(
                    "admin_log_failure",
                    {
                        "p_admin": admin_hash,
                        "p_action": action or "(none)",
                        "p_target_type": action_spec.target if action_spec else None,
                        "p_target_id": target_id,
                        "p_request": summary,
                        "p_outcome": outcome,
                        "p_error_code": code,
                    },
                )
            )
        except Exception:  # the audit of a failure must not hide the failure itself
            logger.exception("could not record admin failure", extra={"action": action})
            return False


def _summary(raw: Any) -> dict[str, Any]:
    """The request as recorded in admin_logs: scalars only, secrets removed, long values cut."""
    if not isinstance(raw, dict):
        return {}
    summary: dict[str, Any] = {}
    for raw_key, value in list(raw.items())[:30]:
        key = str(raw_key)[:64]
        if key.lower() in SECRET_PARAM_NAMES:
            summary[key] = "[REDACTED]"
        elif isinstance(value, str | int | bool) or value is None:
            summary[key] = value[:200] if isinstance(value, str) else value
        else:
            summary[key] = str(value)[:200]
    return summary


def _target_id(params: AdminParams, field: str | None) -> str | None:
    if field is None:
        return None
    value = getattr(params, field, None)
    return None if value is None else str(value)
