"""get-user-referral-stats and get-invited-users on the real stack: counts per level, commission sums, the
first-deposit bonus as every reader must see it, pagination, and nobody else's data."""

from __future__ import annotations

from decimal import Decimal

import psycopg
import pytest

from tests.support import invoke, sign_in
from tests.support_commissions import paid_order, referral_chain

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean")]


def pay(pg: psycopg.Connection, *order_ids: str) -> None:
    """Runs the consumer's SQL for these orders (the SQS path is covered in test_commissions)."""
    pg.execute("select public.process_commissions(%s::uuid[])", (list(order_ids),))


def test_stats_count_three_levels_and_sum_commissions(clean: psycopg.Connection) -> None:
    top, level1, level2, level3, level4 = referral_chain(5)
    sign_in(start_param=f"ref_{top.user['referral_code']}")  # a second direct invite
    pay(
        clean,
        paid_order(clean, level1, "100.00")[0],  # top earns 3.00
        paid_order(clean, level2, "100.00")[0],  # top earns 1.00
        paid_order(clean, level3, "100.00")[0],  # top earns 0.50
        paid_order(clean, level4, "100.00")[0],  # top earns nothing (4th level)
    )
    clean.execute(
        "insert into commissions (user_id, from_user_id, level, amount, rate, source_amount, related_order_id, "
        "status) select %s, user_id, 2, 7.25, 0.03, 241.67, id, 'PENDING' from orders where user_id = %s",
        (top.user["id"], level1.user["id"]),
    )  # a PENDING one: no code path creates them today, but the sums must split by status
    stats = invoke("get-user-referral-stats", {}, token=top.token)
    assert stats.status == 200, stats.body
    data = stats.data
    assert (data["level1_referrals"], data["level2_referrals"], data["level3_referrals"]) == (2, 1, 1)
    assert (data["total_referrals"], data["total_invites"]) == (4, 2)
    assert (data["paid_commission"], data["pending_commission"], data["total_commission"]) == (
        Decimal("4.50"),
        Decimal("7.25"),
        Decimal("11.75"),
    )
    assert data["referral_code"] == top.user["referral_code"]

    leaf = invoke("get-user-referral-stats", {}, method="GET", token=level4.token).data
    assert (leaf["total_referrals"], leaf["total_commission"]) == (0, 0)


def test_stats_show_the_effective_first_deposit_bonus(clean: psycopg.Connection) -> None:
    user = sign_in()
    none = invoke("get-user-referral-stats", {}, token=user.token).data
    assert none["first_deposit_bonus_status"] == "none"
    assert none["first_deposit_bonus"]["activation_progress"] == {"invited": 0, "required": 1, "complete": False}

    clean.execute(
        "update users set first_deposit_bonus_status = 'pending', first_deposit_bonus_amount = 2.50, "
        "first_deposit_bonus_expire_at = now() + interval '3 days' where id = %s",
        (user.user["id"],),
    )
    sign_in(start_param=f"ref_{user.user['referral_code']}")
    pending = invoke("get-user-referral-stats", {}, token=user.token).data
    assert (pending["first_deposit_bonus_status"], pending["first_deposit_bonus_amount"]) == (
        "pending",
        Decimal("2.5"),
    )
    assert pending["first_deposit_bonus_expire_at"] is not None
    assert (pending["activation_invite_count"], pending["activation_required_invites"]) == (1, 1)
    assert pending["first_deposit_bonus"]["activation_progress"]["complete"] is True

    clean.execute(
        "update users set first_deposit_bonus_expire_at = now() - interval '1 second' where id = %s",
        (user.user["id"],),
    )
    expired = invoke("get-user-referral-stats", {}, token=user.token).data
    assert expired["first_deposit_bonus_status"] == "expired"  # whether or not anything swept the row


def test_invited_users_by_level_with_earnings_and_spending(clean: psycopg.Connection) -> None:
    top, level1, level2, level3, level4 = referral_chain(5)
    pay(
        clean,
        paid_order(clean, level1, "200.00")[0],
        paid_order(clean, level1, "50.00")[0],
        paid_order(clean, level3, "1000.00")[0],
        paid_order(clean, level4, "80.00")[0],
    )
    refunded, _ = paid_order(clean, level2, "30.00")
    clean.execute("update orders set status = 'REFUNDED' where id = %s", (refunded,))

    result = invoke("get-invited-users", {}, token=top.token)
    assert result.status == 200, result.body
    assert result.body["page"] == {"limit": 20, "offset": 0, "total": 3}
    rows = [
        (r["id"], r["level"], r["telegram_username"], r["commission_earned"], r["total_spent"])
        for r in result.data
    ]
    assert rows == [
        (level1.user["id"], 1, "u1", Decimal("7.50"), Decimal("250.00")),
        (level2.user["id"], 2, "u2", 0, 0),  # a refunded order is not spending
        (level3.user["id"], 3, "u3", Decimal("5.00"), Decimal("1000.00")),
    ]
    assert set(result.data[0]) >= {"avatar_url", "created_at", "username"}

    second = invoke("get-invited-users", {"level": 3}, token=level1.token).data
    assert [(r["id"], r["commission_earned"]) for r in second] == [(level4.user["id"], Decimal("0.40"))]

    page = invoke("get-invited-users", method="GET", query="limit=1&offset=1", token=top.token)
    assert [r["id"] for r in page.data] == [level2.user["id"]]
    assert page.body["page"] == {"limit": 1, "offset": 1, "total": 3}


def test_invited_users_input_and_auth(clean: psycopg.Connection) -> None:
    user = sign_in()
    for body in ({"level": 4}, {"level": 0}, {"limit": 101}, {"offset": -1}, {"level": "x"}):
        result = invoke("get-invited-users", body, token=user.token)
        assert (result.status, result.code) == (400, "VALIDATION_ERROR"), body
    assert invoke("get-invited-users", {}).status == 401
    assert invoke("get-user-referral-stats", {}, token="x" * 43).status == 401
    assert invoke("get-invited-users", {"user_id": user.user["id"]}, token=sign_in().token).data == []
