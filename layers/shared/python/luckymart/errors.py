"""Application errors: a stable code, an HTTP status and a safe English message (SPEC §4)."""

from __future__ import annotations

from typing import Any


class AppError(Exception):
    """An error whose code and message may be shown to the caller as they are."""

    def __init__(self, code: str, message: str, status: int = 409, details: Any = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status
        self.details = details


def validation_error(message: str, details: Any = None) -> AppError:
    return AppError("VALIDATION_ERROR", message, 400, details)


def unauthenticated(message: str = "a valid session token is required") -> AppError:
    return AppError("UNAUTHENTICATED", message, 401)


def forbidden(message: str = "not allowed") -> AppError:
    return AppError("FORBIDDEN", message, 403)


def not_found(message: str = "not found") -> AppError:
    return AppError("NOT_FOUND", message, 404)
