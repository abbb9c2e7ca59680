"""Telegram pushes: push state at insert, the consumer against the fake Bot API (exactly once, 429, 403, crash
window, templates, HTML escaping), the commission digest and the outbox publish paths."""

from __future__ import annotations

import time
from decimal import Decimal

import psycopg
import pytest

from infra.local.telegram_fake import FakeTelegram
from luckymart import notification_queue
from tests.support import sign_in
from tests.support_telegram import (
    MINI_APP,
    PushQueue,
    consume,
    fake_telegram,
    message,
    notify,
    push_queue,
    push_state,
    reset_limiter,
)

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean")]
__all__ = ["fake_telegram", "push_queue"]  # fixtures, imported for pytest


@pytest.fixture(autouse=True)
def _limiter(clean: psycopg.Connection) -> None:
    reset_limiter(clean)


def test_push_state_is_set_in_the_creating_transaction(clean: psycopg.Connection) -> None:
    user = sign_in()
    won = notify(clean, user.user["id"], "LOTTERY_WIN")
    deposit = notify(clean, user.user["id"], "PAYMENT_SUCCESS", related_type="DEPOSIT")
    withdrawal = notify(clean, user.user["id"], "PAYMENT_FAILED", related_type="WITHDRAWAL")
    silent = notify(clean, user.user["id"], "SHIPPING_REQUESTED")
    rows = {
        r[0]: r[1:]
        for r in clean.execute(
            "select id::text, push_status, push_template, push_channels, expired_at > now() + interval '71 hours' "
            "from notifications"
        ).fetchall()
    }
    assert rows[won] == ("PENDING", "LOTTERY_WIN", ["telegram"], True)
    assert rows[deposit] == ("PENDING", "DEPOSIT_APPROVED", ["telegram"], True)
    assert rows[withdrawal] == ("PENDING", "WITHDRAWAL_REJECTED", ["telegram"], True)
    assert rows[silent] == ("NONE", None, [], None)


def test_sends_once_with_template_button_and_escaping_even_when_delivered_twice(
    clean: psycopg.Connection, fake_telegram: FakeTelegram
) -> None:
    user = sign_in()
    lottery = clean.execute(
        "insert into lotteries (title, title_i18n, ticket_price, total_tickets, status, start_time, end_time) "
        "values ('x', %s, 1, 10, 'ACTIVE', now(), now() + interval '1 day') returning id::text",
        ('{"ru": "<b>iPhone</b> & \\"Co\\""}',),
    ).fetchone()
    assert lottery is not None
    notification = notify(
        clean, user.user["id"], "LOTTERY_WIN", {"lottery_id": lottery[0], "winning_code": "1000007"}
    )

    first = consume([message(notification), message(notification)])  # a duplicate inside one batch
    again = consume([message(notification)])  # a redelivery after success

    assert first == {"batchItemFailures": []} and again == {"batchItemFailures": []}
    sent = fake_telegram.sent(user.user["telegram_id"])
    assert len(sent) == 1
    payload = sent[0].payload
    assert payload["parse_mode"] == "HTML"
    assert "&lt;b&gt;iPhone&lt;/b&gt; &amp; &quot;Co&quot;" in payload["text"]  # test users speak ru
    assert "Вы выиграли" in payload["text"] and "1000007" in payload["text"]
    assert payload["reply_markup"] == {
        "inline_keyboard": [[{"text": "Мои призы", "web_app": {"url": f"{MINI_APP}/prizes"}}]]
    }
    row = clean.execute(
        "select push_status, push_message_id, pushed_at is not null, push_attempts "
        "from notifications where id = %s",
        (notification,),
    ).fetchone()
    assert row == ("SENT", 1, True, 1)


def test_saved_language_wins_over_the_telegram_language(
    clean: psycopg.Connection, fake_telegram: FakeTelegram
) -> None:
    user = sign_in()
    clean.execute(
        "insert into telegram_chats (telegram_id, language) values (%s, 'zh')", (user.user["telegram_id"],)
    )
    consume([message(notify(clean, user.user["id"], "PAYMENT_SUCCESS", {"amount": "25.00"}, "DEPOSIT"))])
    assert fake_telegram.sent()[0].payload["text"] == "✅ 您的 25.00 TJS 充值已到账。"


def test_429_waits_retry_after_without_counting_towards_the_dlq(
    clean: psycopg.Connection, fake_telegram: FakeTelegram, push_queue: PushQueue
) -> None:
    user = sign_in()
    notification = notify(clean, user.user["id"], "LOTTERY_RESULT", {"winning_code": "1"})
    fake_telegram.script(user.user["telegram_id"], ("429", "2"))

    response = consume([message(notification)])

    assert response == {"batchItemFailures": []}  # done: a fresh, delayed copy is on the queue instead
    assert push_state(clean, notification) == ("PENDING", "429 Too Many Requests: retry after 2")
    assert fake_telegram.sent() == []
    assert push_queue.receive() == []  # delayed by retry_after
    time.sleep(2.2)
    requeued = push_queue.receive()
    assert [m["Body"] for m in requeued] == [notification_queue.message_body(notification)]
    assert requeued[0]["Attributes"]["ApproximateReceiveCount"] == "1"
    assert push_queue.deliver(requeued) == {"batchItemFailures": []}
    assert push_state(clean, notification) == ("SENT", None)
    refused, delivered = fake_telegram.state.calls
    assert (refused.status, delivered.status) == (429, 200)
    assert delivered.at - refused.at >= 2.0


def test_429_holds_the_whole_bot_back(
    clean: psycopg.Connection, fake_telegram: FakeTelegram, push_queue: PushQueue
) -> None:
    first, second = sign_in(), sign_in()
    a = notify(clean, first.user["id"], "LOTTERY_RESULT")
    b = notify(clean, second.user["id"], "LOTTERY_RESULT")
    fake_telegram.script(first.user["telegram_id"], ("429", "30"))
    clean.execute("update notifications set created_at = created_at - interval '1 second' where id = %s", (a,))

    assert consume([message(a), message(b)]) == {"batchItemFailures": []}

    assert fake_telegram.sent() == []  # b was not attempted during the flood wait
    assert push_state(clean, a)[0] == push_state(clean, b)[0] == "PENDING"
    waiting = clean.execute("select next_at > now() + interval '25 seconds' from private.push_limiter").fetchone()
    assert waiting == (True,)


@pytest.mark.parametrize("refusal", ["block", "forget"])
def test_403_or_chat_not_found_marks_the_user_unreachable_for_good(
    clean: psycopg.Connection, fake_telegram: FakeTelegram, refusal: str
) -> None:
    user, other = sign_in(), sign_in()
    getattr(fake_telegram, refusal)(user.user["telegram_id"])
    first = notify(clean, user.user["id"], "LOTTERY_WIN")
    queued = notify(clean, user.user["id"], "LOTTERY_RESULT")  # already PENDING when the refusal comes

    assert consume([message(first)]) == {"batchItemFailures": []}  # no retry

    assert push_state(clean, first) == ("FAILED", "UNREACHABLE")
    assert push_state(clean, queued) == ("SKIPPED", "UNREACHABLE")
    later = notify(clean, user.user["id"], "PAYMENT_SUCCESS", related_type="DEPOSIT")
    assert push_state(clean, later) == ("SKIPPED", "UNREACHABLE")
    assert consume([message(queued), message(later)]) == {"batchItemFailures": []}
    assert len([c for c in fake_telegram.state.calls if c.chat_id == user.user["telegram_id"]]) == 1
    chat = clean.execute(
        "select unreachable_at is not null, unreachable_reason from telegram_chats where telegram_id = %s",
        (user.user["telegram_id"],),
    ).fetchone()
    assert chat is not None and chat[0] is True and chat[1].startswith(("403", "400"))
    consume([message(notify(clean, other.user["id"], "LOTTERY_WIN"))])  # others are unaffected
    assert len(fake_telegram.sent(other.user["telegram_id"])) == 1


def test_transient_failures_are_redelivered_and_then_sent_once(
    clean: psycopg.Connection, fake_telegram: FakeTelegram
) -> None:
    user = sign_in()
    notification = notify(clean, user.user["id"], "LOTTERY_WIN")
    fake_telegram.script(user.user["telegram_id"], ("500",))
    record = message(notification)

    assert consume([record]) == {"batchItemFailures": [{"itemIdentifier": record["messageId"]}]}
    assert push_state(clean, notification)[0] == "PENDING"
    reset_limiter(clean)
    clean.execute("update telegram_chats set next_send_at = null")
    assert consume([record]) == {"batchItemFailures": []}
    assert push_state(clean, notification) == ("SENT", None)
    assert len(fake_telegram.sent()) == 1


def test_an_answer_lost_after_sending_is_never_sent_again(
    clean: psycopg.Connection, fake_telegram: FakeTelegram
) -> None:
    user = sign_in()
    notification = notify(clean, user.user["id"], "LOTTERY_WIN")
    fake_telegram.script(user.user["telegram_id"], ("drop",))  # Telegram may have delivered it

    assert consume([message(notification)]) == {"batchItemFailures": []}
    assert push_state(clean, notification) == ("FAILED", "UNCERTAIN RemoteProtocolError")
    consume([message(notification)])
    assert len(fake_telegram.state.calls) == 1


def test_a_crash_between_send_and_record_is_bounded_by_the_lease(
    clean: psycopg.Connection, fake_telegram: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    from functions.send_telegram_notifications import handler as consumer

    user = sign_in()
    notification = notify(clean, user.user["id"], "LOTTERY_WIN")
    with monkeypatch.context() as patch:
        patch.setattr(
            consumer, "_record", lambda results, flood_wait: None
        )  # the container dies right after sendMessage
        consume([message(notification)])
    assert push_state(clean, notification) == ("SENDING", None)
    assert len(fake_telegram.sent()) == 1

    assert consume([message(notification)]) == {"batchItemFailures": []}  # within the lease: in progress
    clean.execute(
        "update notifications set push_claimed_at = now() - interval '121 seconds' where id = %s", (notification,)
    )
    assert consume([message(notification)]) == {"batchItemFailures": []}  # lease over: uncertain, not re-sent

    assert push_state(clean, notification) == ("FAILED", "UNCERTAIN")
    assert len(fake_telegram.state.calls) == 1


def test_expired_and_unknown_notifications(clean: psycopg.Connection, fake_telegram: FakeTelegram) -> None:
    user = sign_in()
    old = notify(clean, user.user["id"], "LOTTERY_WIN")
    clean.execute("update notifications set expired_at = now() - interval '1 second' where id = %s", (old,))
    unknown = message("6f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f")
    poison = {**message(old), "body": "not json", "messageId": "poison"}

    response = consume([message(old), unknown, poison])

    assert {i["itemIdentifier"] for i in response["batchItemFailures"]} == {unknown["messageId"], "poison"}
    assert push_state(clean, old) == ("SKIPPED", "EXPIRED")
    assert fake_telegram.state.calls == []


def test_commissions_go_out_as_one_digest_per_hour(
    clean: psycopg.Connection, fake_telegram: FakeTelegram, push_queue: PushQueue
) -> None:
    user = sign_in()
    a = notify(clean, user.user["id"], "COMMISSION", {"amount": "1.20"})
    b = notify(clean, user.user["id"], "COMMISSION", {"amount": "0.35"})

    assert consume([message(a), message(b)]) == {"batchItemFailures": []}

    (sent,) = fake_telegram.sent()
    assert "+1.55 TJS (2" in sent.payload["text"]
    assert push_state(clean, a)[0] == push_state(clean, b)[0] == "SENT"
    later = notify(clean, user.user["id"], "COMMISSION", {"amount": "2.00"})
    row = clean.execute(
        "select push_status, push_not_before > now() + interval '59 minutes' from notifications where id = %s",
        (later,),
    ).fetchone()
    assert row == ("PENDING", True)  # waits for the user's hour, and is not announced now
    assert consume([message(later)]) == {"batchItemFailures": []}  # an early copy is re-enqueued, not sent
    assert len(fake_telegram.sent()) == 1
    assert push_queue.receive() == []  # delayed
    clean.execute("update telegram_chats set next_send_at = null")  # the hour has passed
    clean.execute(
        "update notifications set push_not_before = now() - interval '1 second', "
        "created_at = now() - interval '2 minutes' where id = %s",
        (later,),
    )
    assert notification_queue.republish_stale() == 1
    push_queue.deliver(push_queue.receive())
    assert "+2.00 TJS (1" in fake_telegram.sent()[-1].payload["text"]


def test_outbox_republishes_lost_publishes_and_closes_expired_leases(
    clean: psycopg.Connection, push_queue: PushQueue
) -> None:
    user = sign_in()
    lost = notify(clean, user.user["id"], "LOTTERY_WIN")
    fresh = notify(clean, user.user["id"], "LOTTERY_RESULT")
    stuck = notify(clean, user.user["id"], "LOTTERY_CANCELLED")
    clean.execute("update notifications set created_at = now() - interval '2 minutes' where id = %s", (lost,))
    clean.execute(
        "update notifications set push_status = 'SENDING', push_claimed_at = now() - interval '1 hour' "
        "where id = %s",
        (stuck,),
    )

    assert notification_queue.republish_stale() == 1
    assert push_queue.bodies() == [{"notification_id": lost}]
    assert notification_queue.republish_stale() == 0  # just published: not again within the minute
    assert push_state(clean, stuck) == ("FAILED", "UNCERTAIN")
    assert push_state(clean, fresh)[0] == "PENDING"


def test_every_pushed_type_has_a_template_in_every_language(clean: psycopg.Connection) -> None:
    from luckymart.push_templates import LANGUAGES, TEMPLATES

    keys = {row[0] for row in clean.execute("select template from private.push_templates").fetchall()}
    assert keys == set(TEMPLATES)
    assert all(set(TEMPLATES[k].texts) == set(LANGUAGES) for k in keys)


def test_a_committed_notification_is_published_right_after_commit(
    clean: psycopg.Connection, push_queue: PushQueue
) -> None:
    from tests.support import make_admin
    from tests.support_wallets import deposit, finance

    user = sign_in()
    created = deposit(user, Decimal("50.00"))
    assert created.status == 200, created.body
    assert push_queue.receive() == []
    approved = finance("deposits.approve", make_admin(clean, "FINANCE"), deposit_id=created.data["id"])
    assert approved["success"], approved

    row = clean.execute("select id::text from notifications where push_status = 'PENDING'").fetchone()
    assert row is not None and push_queue.bodies() == [{"notification_id": row[0]}]


def test_a_large_fan_out_is_claimed_from_the_outbox_after_commit(
    clean: psycopg.Connection, push_queue: PushQueue
) -> None:
    from luckymart import db

    users = [sign_in() for _ in range(3)]
    clean.execute(
        "insert into notifications (user_id, type, title) "
        "select u.id, 'LOTTERY_RESULT', 't' from users u, generate_series(1, 20)"
    )
    # only system and admin transactions (draws, cancels, broadcasts) announce a fan-out; a user key may not claim
    assert notification_queue.publish_after_commit("*") == 0
    for db_class in ("system", "admin"):
        clean.execute("update notifications set push_published_at = null")
        with db.acting_as(db_class):
            assert notification_queue.publish_after_commit("*") == 60
        assert len(push_queue.receive()) == 10
        with db.acting_as(db_class):
            again = db.rpc(
                "notification_outbox_claim", {"p_limit": 100, "p_min_age_seconds": 0, "p_never_published": True}
            )
        assert again == [] and len(users) == 3
