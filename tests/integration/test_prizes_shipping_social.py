"""Shipping, showoffs, likes and notifications on the real stack, with the admin-prizes function."""

from __future__ import annotations

import hashlib
import uuid
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any

import psycopg
import pytest

from luckymart import db
from tests.support import admin_invoke, invoke, make_admin, sign_in
from tests.support_prizes import (
    approved_showoff,
    balance,
    ledger,
    ledger_matches_balances,
    prize_status,
    win_prize,
)

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean")]

ADDRESS = {"recipient_name": "Ali", "phone": "+992900000001", "address": "Rudaki 1", "city": "Dushanbe"}


def notification_types(pg: psycopg.Connection, user_id: str) -> list[str]:
    rows = pg.execute("select type from notifications where user_id = %s order by created_at, id", (user_id,))
    return [kind for (kind,) in rows.fetchall()]


def test_shipping_flow_with_admin_steps_and_notifications(clean: psycopg.Connection) -> None:
    winner = sign_in()
    prize = win_prize(clean, winner)
    requested = invoke("request-shipping", {"prize_id": prize["prize_id"], **ADDRESS}, token=winner.token)
    assert requested.status == 200, requested.body
    shipping_id = requested.data["shipping_id"]
    assert requested.data["shipping"]["recipient_country"] == "Tajikistan"
    assert prize_status(clean, prize["prize_id"]) == "SHIPPING"
    twice = invoke("request-shipping", {"prize_id": prize["prize_id"], **ADDRESS}, token=winner.token)
    assert (twice.status, twice.code) == (409, "INVALID_STATE")

    ops = make_admin(clean, "OPERATIONS")
    listed = admin_invoke("admin-prizes", "shipping.list", {"status": "PENDING"}, token=ops)
    assert listed["success"] and listed["data"]["total"] == 1
    assert listed["data"]["items"][0]["user"]["id"] == winner.user["id"]
    early = admin_invoke("admin-prizes", "shipping.deliver", {"shipping_id": shipping_id}, token=ops)
    assert (early["statusCode"], early["error"]["code"]) == (409, "ALREADY_PROCESSED")
    no_tracking = admin_invoke("admin-prizes", "shipping.ship", {"shipping_id": shipping_id}, token=ops)
    assert no_tracking["statusCode"] == 400

    shipped = admin_invoke(
        "admin-prizes",
        "shipping.ship",
        {"shipping_id": shipping_id, "tracking_number": "TJ123", "shipping_company": "Tcell Post"},
        token=ops,
    )
    assert shipped["success"], shipped
    assert prize_status(clean, prize["prize_id"]) == "SHIPPED"
    mine = invoke("get-my-prizes", {}, token=winner.token).data[0]
    assert mine["shipping"]["tracking_number"] == "TJ123" and mine["status"] == "SHIPPED"

    delivered = admin_invoke("admin-prizes", "shipping.deliver", {"shipping_id": shipping_id}, token=ops)
    assert delivered["success"] and delivered["data"]["status"] == "DELIVERED"
    assert prize_status(clean, prize["prize_id"]) == "DELIVERED"
    assert notification_types(clean, winner.user["id"]) == [
        "SHIPPING_REQUESTED",
        "SHIPPING_SHIPPED",
        "SHIPPING_DELIVERED",
    ]
    audited = clean.execute("select action, outcome from admin_logs order by id").fetchall()
    assert ("shipping.ship", "SUCCESS") in audited and ("shipping.deliver", "FAILED") in audited

    support = make_admin(clean, "SUPPORT")
    denied = admin_invoke("admin-prizes", "shipping.list", {}, token=support)
    assert (denied["statusCode"], denied["error"]["code"]) == (403, "FORBIDDEN")
    unknown = admin_invoke(
        "admin-prizes", "shipping.ship", {"shipping_id": str(uuid.uuid4()), "tracking_number": "X"}, token=ops
    )
    assert unknown["statusCode"] == 404


def test_request_shipping_old_frontend_shape_and_bad_input(clean: psycopg.Connection) -> None:
    winner = sign_in()
    prize = win_prize(clean, winner)
    for bad in (
        {"prize_id": prize["prize_id"], "recipient_name": "A", "phone": "1", "address": "x"},  # phone too short
        {"prize_id": prize["prize_id"], "phone": "+992900000001", "address": "x"},  # no name
        {"prize_id": "nope", **ADDRESS},
        {"prize_id": prize["prize_id"], **ADDRESS, "notes": "n" * 501},
    ):
        result = invoke("request-shipping", bad, token=winner.token)
        assert (result.status, result.code) == (400, "VALIDATION_ERROR"), bad
    assert clean.execute("select count(*) from shipping").fetchone() == (0,)

    legacy = invoke(
        "request-shipping",
        {
            "prize_id": prize["prize_id"],
            "shipping_info": {
                "recipient_name": "Old FE",
                "phone": "+992900000002",
                "address": "Somoni 5",
                "city": "Khujand",
                "postal_code": "735700",
                "notes": "call first",
            },
        },
        token=winner.token,
    )
    assert legacy.status == 200, legacy.body
    row = clean.execute(
        "select recipient_name, recipient_phone, recipient_city, recipient_postal_code, notes from shipping"
    ).fetchone()
    assert row == ("Old FE", "+992900000002", "Khujand", "735700", "call first")

    camel_prize = win_prize(clean, winner)
    camel = invoke(
        "request-shipping",
        {
            "prizeId": camel_prize["prize_id"],
            "recipientName": "Camel",
            "recipientPhone": "+992900000003",
            "recipientAddress": "Ismoili Somoni 2",
            "recipientCountry": "Uzbekistan",
        },
        token=winner.token,
    )
    assert camel.status == 200 and camel.data["shipping"]["recipient_country"] == "Uzbekistan"


def test_a_reselling_prize_cannot_be_shipped(clean: psycopg.Connection) -> None:
    winner = sign_in()
    prize = win_prize(clean, winner)
    assert invoke("create-resale", {"prize_id": prize["prize_id"], "price": 90}, token=winner.token).status == 200
    result = invoke("request-shipping", {"prize_id": prize["prize_id"], **ADDRESS}, token=winner.token)
    assert (result.status, result.code) == (409, "INVALID_STATE")
    assert clean.execute("select count(*) from shipping").fetchone() == (0,)
    assert prize_status(clean, prize["prize_id"]) == "RESELLING"


def test_showoff_create_validation_and_one_per_prize(clean: psycopg.Connection) -> None:
    winner = sign_in()
    prize = win_prize(clean, winner)
    image = "https://cdn.luckymart.test/a.jpg"
    for bad in (
        {"content": "x" * 2001},
        {"content": ""},
        {"content": "hi", "images": [image] * 10},
        {"content": "hi", "images": ["http://cdn.luckymart.test/a.jpg"]},
        {"content": "hi", "images": ["javascript:alert(1)"]},
        {"content": "hi", "images": ["https://"]},
        {"content": "hi", "images": "https://cdn.luckymart.test/a.jpg"},
    ):
        result = invoke("create-showoff", {"prize_id": prize["prize_id"], **bad}, token=winner.token)
        assert (result.status, result.code) == (400, "VALIDATION_ERROR"), bad
    assert clean.execute("select count(*) from showoffs").fetchone() == (0,)

    created = invoke(
        "create-showoff",
        {"prize_id": prize["prize_id"], "content": "x" * 2000, "images": [image] * 9},
        token=winner.token,
    )
    assert created.status == 200 and created.data["status"] == "PENDING"
    again = invoke("create-showoff", {"prize_id": prize["prize_id"], "content": "again"}, token=winner.token)
    assert (again.status, again.code) == (409, "ALREADY_EXISTS")
    # not public until approved
    assert invoke("list-showoffs", {}).data == []


def test_showoff_review_reward_once_and_reject_with_note(clean: psycopg.Connection) -> None:
    author = sign_in()
    first, second = win_prize(clean, author), win_prize(clean, author)
    one = invoke("create-showoff", {"prize_id": first["prize_id"], "content": "great"}, token=author.token).data
    two = invoke("create-showoff", {"prize_id": second["prize_id"], "content": "meh"}, token=author.token).data
    ops = make_admin(clean, "OPERATIONS")

    pending = admin_invoke("admin-prizes", "showoffs.list", {"status": "PENDING"}, token=ops)
    assert pending["data"]["total"] == 2
    for bad_reward in ("100.01", "-1", "abc", "1.001", True):
        refused = admin_invoke(
            "admin-prizes", "showoffs.approve", {"showoff_id": one["id"], "reward_coins": bad_reward}, token=ops
        )
        assert refused["statusCode"] == 400, bad_reward
    approved = admin_invoke(
        "admin-prizes",
        "showoffs.approve",
        {"showoff_id": one["id"], "reward_coins": "100", "note": "nice"},
        token=ops,
    )
    assert approved["success"], approved
    again = admin_invoke(
        "admin-prizes", "showoffs.approve", {"showoff_id": one["id"], "reward_coins": "100"}, token=ops
    )
    assert (again["statusCode"], again["error"]["code"]) == (409, "ALREADY_PROCESSED")
    assert balance(clean, author, "LUCKY_COIN") == Decimal("100.00")
    (reference,) = clean.execute(
        "select reference_id::text from wallet_transactions where type = 'SHOWOFF_REWARD'"
    ).fetchone()  # type: ignore[misc]
    assert reference == one["id"]
    assert ledger(clean, author, "LUCKY_COIN") == [("SHOWOFF_REWARD", Decimal("100.00"))]

    no_note = admin_invoke("admin-prizes", "showoffs.reject", {"showoff_id": two["id"]}, token=ops)
    assert no_note["statusCode"] == 400
    blank = admin_invoke("admin-prizes", "showoffs.reject", {"showoff_id": two["id"], "note": "  "}, token=ops)
    assert blank["statusCode"] == 400
    rejected = admin_invoke(
        "admin-prizes", "showoffs.reject", {"showoff_id": two["id"], "note": "blurry photos"}, token=ops
    )
    assert rejected["success"] and rejected["data"]["status"] == "REJECTED"
    assert clean.execute(
        "select admin_note from showoff_reviews where showoff_id = %s", (two["id"],)
    ).fetchone() == ("blurry photos",)
    assert notification_types(clean, author.user["id"]) == ["SHOWOFF_APPROVED", "SHOWOFF_REJECTED"]
    feed = invoke("list-showoffs", method="GET")
    assert [s["id"] for s in feed.data] == [one["id"]]
    assert ledger_matches_balances(clean)


def test_likes_toggle_and_feed_is_liked(clean: psycopg.Connection) -> None:
    author, fan = sign_in(), sign_in()
    quiet = approved_showoff(clean, author, win_prize(clean, author)["prize_id"], "first")
    loved = approved_showoff(clean, author, win_prize(clean, author)["prize_id"], "second")
    liked = invoke("like-showoff", {"showoff_id": loved}, token=fan.token)
    assert liked.data == {"showoff_id": loved, "liked": True, "likes_count": 1, "action": "liked"}

    anonymous = invoke("list-showoffs", {"sort": "most_liked"})
    assert [s["id"] for s in anonymous.data] == [loved, quiet]
    assert all(s["is_liked"] is None for s in anonymous.data)
    seen = invoke("list-showoffs", {"sortBy": "most_liked"}, token=fan.token)
    assert [(s["id"], s["is_liked"]) for s in seen.data] == [(loved, True), (quiet, False)]
    assert invoke("list-showoffs", {}, token="x" * 43).status == 401  # a bad token is not silently anonymous

    unliked = invoke("like-showoff", {"showoffId": loved}, token=fan.token)
    assert unliked.data["likes_count"] == 0 and unliked.data["liked"] is False
    assert invoke("like-showoff", {"showoff_id": str(uuid.uuid4())}, token=fan.token).status == 404
    pending = invoke(
        "create-showoff", {"prize_id": win_prize(clean, author)["prize_id"], "content": "wait"}, token=author.token
    ).data
    assert invoke("like-showoff", {"showoff_id": pending["id"]}, token=fan.token).status == 404


def test_fifty_parallel_like_toggles_keep_an_exact_count(clean: psycopg.Connection) -> None:
    author = sign_in()
    showoff = approved_showoff(clean, author, win_prize(clean, author)["prize_id"])
    fans = [sign_in() for _ in range(10)]
    # 10 users x 5 toggles each = 50 toggles; each user ends liked (odd count)
    calls = [hashlib.sha256(f.token.encode()).hexdigest() for f in fans for _ in range(5)]

    def toggle(session: str) -> Any:
        return db.rpc("like_showoff", {"p_session": session, "p_showoff_id": showoff})

    with ThreadPoolExecutor(16) as pool:
        results = list(pool.map(toggle, calls))
    assert len(results) == 50
    row = clean.execute(
        "select likes_count, (select count(*) from likes where post_id = s.id) from showoffs s where id = %s",
        (showoff,),
    ).fetchone()
    assert row == (10, 10)


def test_notifications_list_and_mark_read(clean: psycopg.Connection) -> None:
    user, other = sign_in(), sign_in()
    for i in range(3):
        clean.execute("select private.notify(%s, 'TEST', %s, 'body')", (user.user["id"], f"n{i}"))
    clean.execute("select private.notify(%s, 'TEST', 'theirs', 'body')", (other.user["id"],))
    page = invoke("get-notifications", {"limit": 2}, token=user.token)
    assert page.status == 200
    assert [n["title"] for n in page.data] == ["n2", "n1"]
    assert page.body["page"] == {"limit": 2, "offset": 0, "total": 3} and page.body["unread_count"] == 3

    theirs = clean.execute("select id::text from notifications where user_id = %s", (other.user["id"],)).fetchone()
    assert theirs is not None
    marked = invoke("mark-notifications-read", {"ids": [page.data[0]["id"], theirs[0]]}, token=user.token)
    assert marked.data == {"updated": 1, "unread_count": 2}
    assert clean.execute("select is_read from notifications where id = %s", (theirs[0],)).fetchone() == (False,)
    unread = invoke("get-notifications", method="GET", query="unread_only=true", token=user.token)
    assert [n["title"] for n in unread.data] == ["n1", "n0"]

    bad_bodies: list[dict[str, Any]] = [
        {},
        {"ids": []},
        {"ids": ["nope"]},
        {"all": True, "ids": [page.data[0]["id"]]},
    ]
    for bad in bad_bodies:
        assert invoke("mark-notifications-read", bad, token=user.token).status == 400, bad
    everything = invoke("mark-notifications-read", {"all": True}, token=user.token)
    assert everything.data == {"updated": 2, "unread_count": 0}
    assert invoke("get-notifications", {}).status == 401
