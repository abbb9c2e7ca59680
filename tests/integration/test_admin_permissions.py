"""Who may do what. (1) For EVERY action of the admin CLI's table, the permissions data grants it to exactly the
roles the issue names — checked through private.admin_begin itself, so the contract and the data cannot drift
apart unnoticed. (2) The role x action matrix on the real stack for admin-accounts and admin-users: allowed
roles get past authorisation, the others get 403 and one DENIED audit row each."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any

import psycopg
import pytest

from luckymart.admin import hash_admin_token
from luckymart_cli.commands import COMMANDS
from tests.support import admin_invoke, make_admin, sign_in
from tests.support_admin import ROLES, audit_rows

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean")]

# The issues: SUPER_ADMIN everything (config, admin accounts, bans, the audit log); FINANCE deposits, withdrawals,
# payment methods, the ledger, commissions (and their DLQ), referral trees; OPERATIONS lotteries, draws, shipping,
# showoffs, the resale market, broadcasts; SUPPORT read-only search and lists of users, orders, prizes, listings,
# commissions and referral trees. Statistics: FINANCE and OPERATIONS; finding a user: every role.
GRANTED_BY_GROUP = {
    "deposits": {"FINANCE"},
    "withdrawals": {"FINANCE"},
    "commissions": {"FINANCE"},
    "payments": {"FINANCE"},
    "ledger": {"FINANCE"},
    "lotteries": {"OPERATIONS"},
    "shipping": {"OPERATIONS"},
    "showoffs": {"OPERATIONS"},
    "resales": {"OPERATIONS"},
    "notifications": {"OPERATIONS"},
    "admins": set(),
    "audit": set(),
    "config": set(),
}
GRANTED_BY_ACTION = {
    "users.show": {"SUPPORT"},
    "users.search": {"SUPPORT", "FINANCE", "OPERATIONS"},
    "users.list": {"SUPPORT"},
    "orders.list": {"SUPPORT"},
    "prizes.list": {"SUPPORT"},
    "resales.list": {"OPERATIONS", "SUPPORT"},
    "commissions.list": {"FINANCE", "SUPPORT"},
    "referrals.tree": {"FINANCE", "SUPPORT"},
    "stats.summary": {"FINANCE", "OPERATIONS"},
    "users.ban": set(),
    "users.unban": set(),
}


def expected_roles(action: str) -> set[str]:
    granted = GRANTED_BY_ACTION.get(action, GRANTED_BY_GROUP.get(action.split(".", maxsplit=1)[0]))
    assert granted is not None, f"{action}: the issue names no role for it"
    return {"SUPER_ADMIN", *granted}


def allowed_roles(pg: psycopg.Connection, tokens: dict[str, str], action: str) -> set[str]:
    """The roles private.admin_begin lets through for `action` (each attempt rolled back)."""
    allowed = set()
    for role, token in tokens.items():
        try:
            with pg.transaction(force_rollback=True):
                pg.execute(
                    "select private.admin_begin(%s, %s, null, null, '{}'::jsonb)",
                    (hash_admin_token(token), action),
                )
            allowed.add(role)
        except psycopg.DatabaseError as error:
            assert error.sqlstate == "LM403", (role, action, error.sqlstate)
    return allowed


def test_every_cli_action_is_granted_to_exactly_the_roles_the_issue_names(clean: psycopg.Connection) -> None:
    tokens = {role: make_admin(clean, role) for role in ROLES}
    drift = {
        command.action: (
            sorted(allowed_roles(clean, tokens, command.action)),
            sorted(expected_roles(command.action)),
        )
        for command in COMMANDS
    }
    assert {action: pair for action, pair in drift.items() if pair[0] != pair[1]} == {}
    assert clean.execute("select count(*) from admin_logs").fetchone() == (0,)  # all rolled back


def _throwaway_admin(pg: psycopg.Connection) -> str:
    name = f"tmp_{secrets.token_hex(4)}"
    make_admin(pg, "SUPPORT", name)
    return name


def _disabled_admin(pg: psycopg.Connection) -> str:
    name = _throwaway_admin(pg)
    pg.execute("update admins set status = 'DISABLED' where username = %s", (name,))
    return name


# action -> (function, params factory); ids and names that exist so an allowed role gets a real answer
MATRIX: dict[str, tuple[str, Callable[[psycopg.Connection, dict[str, Any]], dict[str, Any]]]] = {
    "admins.add": ("admin-accounts", lambda pg, w: {"username": f"new_{secrets.token_hex(4)}", "role": "SUPPORT"}),
    "admins.list": ("admin-accounts", lambda pg, w: {}),
    "admins.disable": ("admin-accounts", lambda pg, w: {"username": _throwaway_admin(pg)}),
    "admins.rotate_token": ("admin-accounts", lambda pg, w: {"username": _throwaway_admin(pg)}),
    "audit.list": ("admin-accounts", lambda pg, w: {"limit": 5}),
    "users.show": ("admin-users", lambda pg, w: {"user_id": w["user"]["id"]}),
    "users.ban": ("admin-users", lambda pg, w: {"user_id": sign_in().user["id"], "reason": "matrix"}),
    "users.unban": ("admin-users", lambda pg, w: {"user_id": w["banned"]}),
    "admins.enable": ("admin-accounts", lambda pg, w: {"username": _disabled_admin(pg)}),
    "admins.set_role": ("admin-accounts", lambda pg, w: {"username": _throwaway_admin(pg), "role": "FINANCE"}),
    "config.show": ("admin-accounts", lambda pg, w: {"key": "resale"}),
    "config.set": ("admin-accounts", lambda pg, w: {"key": "lottery", "value": {"draw_delay_seconds": 180}}),
    "users.search": ("admin-users", lambda pg, w: {"q": w["user"]["telegram_id"]}),
    "users.list": ("admin-users", lambda pg, w: {"sort": "spend"}),
    "orders.list": ("admin-users", lambda pg, w: {"user_id": w["user"]["id"]}),
    "prizes.list": ("admin-users", lambda pg, w: {"status": "PENDING"}),
}


def test_role_action_matrix_on_the_real_stack(clean: psycopg.Connection) -> None:
    tokens = {role: make_admin(clean, role, role.lower()) for role in ROLES}
    banned_user = sign_in().user["id"]
    clean.execute("update users set status = 'BANNED' where id = %s", (banned_user,))
    world: dict[str, Any] = {"user": sign_in().user, "banned": banned_user}
    assert set(MATRIX) == {c.action for c in COMMANDS if c.function in ("admin-accounts", "admin-users")}
    for action, (function, make_params) in MATRIX.items():
        for role, token in tokens.items():
            before = len(audit_rows(clean, action))
            response = admin_invoke(function, action, make_params(clean, world), token=token)
            rows = audit_rows(clean, action)[before:]
            if role in expected_roles(action):
                assert response["success"], (role, action, response)
                assert [(r["outcome"], r["username"]) for r in rows] == [("SUCCESS", role.lower())]
            else:
                assert (response["statusCode"], response["error"]["code"]) == (403, "FORBIDDEN"), (role, action)
                assert [(r["outcome"], r["username"], r["error_code"]) for r in rows] == [
                    ("DENIED", role.lower(), "FORBIDDEN")
                ], (role, action)


def test_unknown_missing_or_forged_tokens_are_401_and_logged(clean: psycopg.Connection) -> None:
    make_admin(clean, "SUPER_ADMIN")
    for token in (None, "", "lma_forged", "x" * 500):
        response = admin_invoke("admin-accounts", "admins.list", {}, token=token)
        assert (response["statusCode"], response["error"]["code"]) == (401, "UNAUTHENTICATED")
    rows = audit_rows(clean, "admins.list")
    assert [(r["outcome"], r["username"]) for r in rows] == [("DENIED", None)] * 4
    # a stranger learns nothing about which actions exist
    unknown = admin_invoke("admin-accounts", "admins.destroy", {}, token="lma_forged")
    assert (unknown["statusCode"], unknown["error"]["code"]) == (401, "UNAUTHENTICATED")
