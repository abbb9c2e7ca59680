"""`luckymart-admin bootstrap`: the first SUPER_ADMIN, created with database credentials (the only way in before
any admin exists). Runs private.admin_bootstrap, which refuses once any admin exists."""

from __future__ import annotations

from typing import Any

from luckymart.admin_tokens import NewAdminToken, new_admin_token


class BootstrapError(Exception):
    pass


def bootstrap(database_url: str, username: str) -> tuple[dict[str, Any], NewAdminToken]:
    import psycopg

    new = new_admin_token()
    try:
        with psycopg.connect(database_url, connect_timeout=10) as conn:
            row = conn.execute("select private.admin_bootstrap(%s, %s)", (username, new.token_hash)).fetchone()
    except psycopg.OperationalError as error:
        raise BootstrapError(f"cannot connect to the database: {error}") from None
    except psycopg.DatabaseError as error:
        if (error.sqlstate or "").startswith("LM"):  # private.fail: code and a safe message
            raise BootstrapError(f"{error.diag.message_primary}: {error.diag.message_detail}") from None
        raise BootstrapError(f"database error {error.sqlstate}") from None
    assert row is not None
    admin: dict[str, Any] = row[0]
    return admin, new
