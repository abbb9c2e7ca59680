"""admin-accounts on the real stack: tokens shown once and stored hashed, rotation and disabling take effect at
once, guard rails on disabling, the audit log reader, and the database-only bootstrap."""

from __future__ import annotations

import hashlib
import re

import psycopg
import pytest

from luckymart.admin_tokens import new_admin_token
from tests.support import make_admin
from tests.support_admin import accounts, audit_rows, error_code, users

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean")]

TOKEN_SHAPE = re.compile(r"^lma_[A-Za-z0-9_-]{43}$")  # 32 random bytes, base64url


def stored_hash(pg: psycopg.Connection, username: str) -> str:
    row = pg.execute("select token_hash from admins where username = %s", (username,)).fetchone()
    assert row is not None
    return str(row[0])


def test_add_returns_the_token_once_and_stores_only_its_hash(clean: psycopg.Connection) -> None:
    root = make_admin(clean, "SUPER_ADMIN", "root")
    added = accounts("admins.add", root, username="cashier", role="finance")
    assert added["success"], added
    token = added["data"]["token"]
    assert TOKEN_SHAPE.match(token)
    assert added["data"]["admin"]["role"] == "FINANCE"
    assert added["data"]["admin"]["created_by"] == "root"
    assert stored_hash(clean, "cashier") == hashlib.sha256(token.encode()).hexdigest()
    # the token is nowhere in the database, and listing never shows a token or a hash
    dump = clean.execute("select row_to_json(a)::text from admins a").fetchall()
    logs = clean.execute("select request_summary::text from admin_logs").fetchall()
    assert token not in repr(dump) + repr(logs)
    listed = accounts("admins.list", root)["data"]
    assert listed["total"] == 2
    assert {a["username"] for a in listed["items"]} == {"root", "cashier"}
    assert all("token" not in key for item in listed["items"] for key in item if key != "token_created_at")
    # the new admin can act at once, within its role
    assert accounts("admins.list", token)["statusCode"] == 403


def test_add_refuses_duplicates_unknown_roles_and_bad_names(clean: psycopg.Connection) -> None:
    root = make_admin(clean, "SUPER_ADMIN", "root")
    assert accounts("admins.add", root, username="ops1", role="OPERATIONS")["success"]
    assert error_code(accounts("admins.add", root, username="ops1", role="SUPPORT")) == (409, "ALREADY_EXISTS")
    assert error_code(accounts("admins.add", root, username="x1y", role="JANITOR")) == (400, "VALIDATION_ERROR")
    assert error_code(accounts("admins.add", root, username="No Spaces!", role="SUPPORT"))[0] == 400
    assert error_code(accounts("admins.add", root, username="ok_name"))[0] == 400  # role missing
    assert error_code(accounts("admins.add", root, username="ok_name", role="SUPPORT", token="x"))[0] == 400
    count = clean.execute("select count(*) from admins").fetchone()
    assert count == (2,)


def test_rotation_invalidates_the_old_token_at_once(clean: psycopg.Connection) -> None:
    root = make_admin(clean, "SUPER_ADMIN", "root")
    old = accounts("admins.add", root, username="helper", role="SUPER_ADMIN")["data"]["token"]
    assert accounts("admins.list", old)["success"]
    rotated = accounts("admins.rotate_token", root, username="helper")
    new = rotated["data"]["token"]
    assert TOKEN_SHAPE.match(new) and new != old
    assert error_code(accounts("admins.list", old)) == (401, "UNAUTHENTICATED")
    assert accounts("admins.list", new)["success"]
    # an admin may rotate their own token; the one used for the call stops working after it
    own = accounts("admins.rotate_token", new, username="helper")["data"]["token"]
    assert error_code(accounts("admins.list", new)) == (401, "UNAUTHENTICATED")
    assert accounts("admins.list", own)["success"]
    assert error_code(accounts("admins.rotate_token", root, username="ghost")) == (404, "NOT_FOUND")


def test_disabled_admin_cannot_act_and_attempts_are_logged(clean: psycopg.Connection) -> None:
    root = make_admin(clean, "SUPER_ADMIN", "root")
    token = accounts("admins.add", root, username="leaver", role="SUPPORT")["data"]["token"]
    disabled = accounts("admins.disable", root, username="leaver")
    assert disabled["data"]["status"] == "DISABLED"
    assert error_code(accounts("admins.list", token)) == (401, "UNAUTHENTICATED")
    assert error_code(users("users.show", token, telegram_id=1)) == (401, "UNAUTHENTICATED")
    denied = audit_rows(clean, "users.show")
    assert [(r["outcome"], r["username"], r["error_code"]) for r in denied] == [
        ("DENIED", "leaver", "UNAUTHENTICATED")
    ]
    assert error_code(accounts("admins.disable", root, username="leaver")) == (409, "ALREADY_PROCESSED")
    assert error_code(accounts("admins.rotate_token", root, username="leaver")) == (409, "INVALID_STATE")
    assert error_code(accounts("admins.disable", root, username="ghost")) == (404, "NOT_FOUND")


def test_no_one_disables_themselves_or_the_last_super_admin(clean: psycopg.Connection) -> None:
    root = make_admin(clean, "SUPER_ADMIN", "root")
    assert error_code(accounts("admins.disable", root, username="root")) == (409, "INVALID_STATE")
    other = accounts("admins.add", root, username="root2", role="SUPER_ADMIN")["data"]["token"]
    assert accounts("admins.disable", other, username="root")["success"]
    assert error_code(accounts("admins.disable", other, username="root2")) == (409, "INVALID_STATE")
    assert clean.execute("select count(*) from admins where status = 'ACTIVE'").fetchone() == (1,)


def test_audit_list_filters_and_shows_outcomes(clean: psycopg.Connection) -> None:
    root = make_admin(clean, "SUPER_ADMIN", "root")
    support = accounts("admins.add", root, username="desk", role="SUPPORT")["data"]["token"]
    accounts("admins.list", support)  # denied
    audit = accounts("audit.list", root, username="desk")["data"]
    assert [(i["action"], i["outcome"], i["error_code"]) for i in audit["items"]] == [
        ("admins.list", "DENIED", "FORBIDDEN")
    ]
    everything = accounts("audit.list", root, limit=2)["data"]
    # add, the denied list, the audit.list above and this one
    assert everything["total"] == 4 and len(everything["items"]) == 2
    assert everything["items"][0]["action"] == "audit.list"  # newest first, itself included
    added = accounts("audit.list", root, action="admins.add", outcome="success")["data"]["items"]
    assert added[0]["request"] == {"username": "desk", "role": "SUPPORT"}
    assert added[0]["target_id"] == "desk"
    assert error_code(accounts("audit.list", root, outcome="MAYBE"))[0] == 400
    assert error_code(accounts("audit.list", support)) == (403, "FORBIDDEN")


def test_bootstrap_only_from_the_database_and_only_once(clean: psycopg.Connection) -> None:
    first = new_admin_token()
    created = clean.execute("select private.admin_bootstrap('founder', %s)", (first.token_hash,)).fetchone()
    assert created is not None and created[0]["role"] == "SUPER_ADMIN"
    assert accounts("admins.list", first.token)["data"]["total"] == 1
    with pytest.raises(psycopg.DatabaseError) as info:
        clean.execute("select private.admin_bootstrap('second', %s)", (new_admin_token().token_hash,))
    assert (info.value.diag.sqlstate, info.value.diag.message_primary) == ("LM409", "ALREADY_EXISTS")
    assert [(r["action"], r["username"]) for r in audit_rows(clean, "admins.bootstrap")] == [
        ("admins.bootstrap", "founder")
    ]
    # not reachable through PostgREST with the service-role key either (schema private is not exposed)
    from luckymart import db
    from luckymart.errors import AppError

    with pytest.raises((AppError, db.DatabaseError)):
        db.rpc("admin_bootstrap", {"p_username": "sneaky", "p_token_hash": new_admin_token().token_hash})
