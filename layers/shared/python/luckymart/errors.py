"""Application errors: a stable code, an HTTP status and a safe English message.

Two kinds of failure are not the caller's fault and are answered with 503, never 500:
- `NotConfigured`: a secret or setting the function needs is missing or malformed. The function checks what it
  needs before it touches the database, so such a request changes nothing; the log names the setting, not its
  value.
- `Unavailable`: a transient failure (the database or PostgREST unreachable, a killed backend, a timeout, SSM
  throttling). The request may be repeated as it was, with the same Idempotency-Key: a money call that did commit
  is then answered from its stored result instead of running twice.
"""

from __future__ import annotations

from typing import Any

# How long a client should wait before repeating a request that met a transient failure (seconds).
TRANSIENT_RETRY_AFTER_SECONDS = 1


class AppError(Exception):
    """An error whose code and message may be shown to the caller as they are."""

    def __init__(self, code: str, message: str, status: int = 409, details: Any = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status
        self.details = details


class NotConfigured(RuntimeError):
    """A secret or setting is missing or malformed. `setting` is its name (safe to log); the value never is."""

    def __init__(self, setting: str, reason: str = "is not configured") -> None:
        super().__init__(f"{setting} {reason}")
        self.setting = setting


class Unavailable(RuntimeError):
    """A transient failure of something the request depends on; the message says what, never a value."""


def validation_error(message: str, details: Any = None) -> AppError:
    return AppError("VALIDATION_ERROR", message, 400, details)


def unauthenticated(message: str = "a valid session token is required") -> AppError:
    return AppError("UNAUTHENTICATED", message, 401)


def forbidden(message: str = "not allowed") -> AppError:
    return AppError("FORBIDDEN", message, 403)


def not_found(message: str = "not found") -> AppError:
    return AppError("NOT_FOUND", message, 404)


def not_configured() -> AppError:
    return AppError("NOT_CONFIGURED", "this service is not configured yet; nothing was changed", 503)


def unavailable() -> AppError:
    return AppError(
        "UNAVAILABLE",
        "the service is briefly unavailable; repeat the request with the same Idempotency-Key",
        503,
        {"retry_after_seconds": TRANSIENT_RETRY_AFTER_SECONDS},
    )
