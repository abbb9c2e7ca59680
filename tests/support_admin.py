"""Helpers for the admin tests: call admin-accounts / admin-users in few words and read the audit log."""

from __future__ import annotations

from typing import Any

import psycopg

from tests.support import admin_invoke

ROLES = ("SUPER_ADMIN", "FINANCE", "OPERATIONS", "SUPPORT")


def accounts(action: str, token: str | None, /, **params: Any) -> dict[str, Any]:
    return admin_invoke("admin-accounts", action, params, token=token)


def users(action: str, token: str | None, /, **params: Any) -> dict[str, Any]:
    return admin_invoke("admin-users", action, params, token=token)


def audit_rows(pg: psycopg.Connection, action: str | None = None) -> list[dict[str, Any]]:
    """admin_logs rows, oldest first, with the admin's username."""
    rows = pg.execute(
        "select l.action, l.outcome, l.error_code, a.username, l.target_type, l.target_id, l.request_summary "
        "from admin_logs l left join admins a on a.id = l.admin_id "
        "where %(action)s::text is null or l.action = %(action)s order by l.id",
        {"action": action},
    ).fetchall()
    keys = ("action", "outcome", "error_code", "username", "target_type", "target_id", "request")
    return [dict(zip(keys, row, strict=True)) for row in rows]


def error_code(response: dict[str, Any]) -> tuple[int, str]:
    return int(response["statusCode"]), str(response["error"]["code"])
