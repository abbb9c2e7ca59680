"""admin-users on the real stack: look-up, ban (sessions revoked at once, sign-in refused), unban, and the
read-only order and prize lists support uses."""

from __future__ import annotations

import uuid

import psycopg
import pytest

from tests.support import invoke, make_admin, sign_in, signed_init_data
from tests.support_admin import audit_rows, error_code, users
from tests.support_prizes import win_prize

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean")]


def test_show_by_id_or_telegram_id(clean: psycopg.Connection) -> None:
    support = make_admin(clean, "SUPPORT")
    user = sign_in(username="zarina")
    by_id = users("users.show", support, user_id=user.user["id"])["data"]
    assert by_id["user"]["telegram_username"] == "zarina"
    assert [w["type"] for w in by_id["wallets"]] == ["BALANCE", "LUCKY_COIN", "BONUS"]
    assert by_id["active_sessions"] == 1
    assert by_id["counts"] == {
        "orders": 0,
        "prizes": 0,
        "invited_users": 0,
        "pending_deposits": 0,
        "pending_withdrawals": 0,
    }
    by_telegram = users("users.show", support, telegram_id=int(user.user["telegram_id"]))["data"]
    assert by_telegram["user"]["id"] == user.user["id"]
    assert users("users.show", support, telegram_id=user.user["telegram_id"])["success"]
    assert error_code(users("users.show", support, user_id=str(uuid.uuid4()))) == (404, "NOT_FOUND")
    assert error_code(users("users.show", support))[0] == 400
    both = users("users.show", support, user_id=user.user["id"], telegram_id=user.user["telegram_id"])
    assert error_code(both)[0] == 400
    assert error_code(users("users.show", support, telegram_id="12ab"))[0] == 400


def test_ban_revokes_sessions_at_once_and_unban_needs_a_new_sign_in(clean: psycopg.Connection) -> None:
    root = make_admin(clean, "SUPER_ADMIN")
    user = sign_in()
    second_device = sign_in(telegram_id=int(user.user["telegram_id"]))
    bystander = sign_in()
    banned = users("users.ban", root, user_id=user.user["id"], reason="chargeback fraud")
    assert banned["data"]["revoked_sessions"] == 2
    assert banned["data"]["user"]["status"] == "BANNED"
    assert banned["data"]["user"]["ban_reason"] == "chargeback fraud"
    for session in (user, second_device):
        assert invoke("validate-session", token=session.token).status == 401
    assert invoke("validate-session", token=bystander.token).status == 200
    again = invoke("auth-telegram", {"initData": signed_init_data(int(user.user["telegram_id"]))})
    assert (again.status, again.code) == (403, "FORBIDDEN")
    assert error_code(users("users.ban", root, user_id=user.user["id"])) == (409, "ALREADY_PROCESSED")

    unbanned = users("users.unban", root, user_id=user.user["id"])["data"]["user"]
    assert (unbanned["status"], unbanned["ban_reason"], unbanned["banned_at"]) == ("ACTIVE", None, None)
    assert invoke("validate-session", token=user.token).status == 401  # old sessions stay revoked
    assert sign_in(telegram_id=int(user.user["telegram_id"])).token
    assert error_code(users("users.unban", root, user_id=user.user["id"])) == (409, "ALREADY_PROCESSED")
    assert error_code(users("users.ban", root, user_id=str(uuid.uuid4()))) == (404, "NOT_FOUND")
    assert error_code(users("users.ban", root, user_id=user.user["id"], reason="x" * 501))[0] == 400
    logged = [(r["action"], r["outcome"], r["target_id"]) for r in audit_rows(clean, "users.ban")]
    assert logged[:2] == [("users.ban", "SUCCESS", user.user["id"]), ("users.ban", "FAILED", user.user["id"])]


def test_orders_and_prizes_lists_for_support(clean: psycopg.Connection) -> None:
    support = make_admin(clean, "SUPPORT")
    winner, other = sign_in(), sign_in()
    first = win_prize(clean, winner, title="Phone")
    win_prize(clean, winner, title="Laptop")
    win_prize(clean, other, title="Kettle")

    orders = users("orders.list", support, user_id=winner.user["id"])["data"]
    assert orders["total"] == 2
    assert {o["lottery"]["title"] for o in orders["items"]} == {"Phone", "Laptop"}
    assert all(o["user"]["id"] == winner.user["id"] for o in orders["items"])
    assert users("orders.list", support)["data"]["total"] == 3
    paged = users("orders.list", support, limit=1, offset=2)["data"]
    assert paged["total"] == 3 and len(paged["items"]) == 1

    prizes = users("prizes.list", support, user_id=winner.user["id"], status="pending")["data"]
    assert prizes["total"] == 2
    assert first["prize_id"] in {p["id"] for p in prizes["items"]}
    assert users("prizes.list", support, status="SHIPPED")["data"] == {"items": [], "total": 0}
    assert error_code(users("prizes.list", support, status="LOST"))[0] == 400
    assert error_code(users("orders.list", support, user_id="nope"))[0] == 400
    assert error_code(users("orders.list", support, limit=0))[0] == 400
