"""The done-when path: selling the last ticket and drawing a lottery publishes, after the draw commits, one push
per participant; the consumer delivers the winner's and every other participant's message in their language,
exactly once, and a participant who blocked the bot is recorded as unreachable."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest

from infra.local.telegram_fake import FakeTelegram
from tests.support import admin_invoke, invoke, make_admin, sign_in
from tests.support_lottery import create_lottery, fund
from tests.support_telegram import PushQueue, fake_telegram, push_queue, reset_limiter

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean")]
__all__ = ["fake_telegram", "push_queue"]


def drain(queue: PushQueue) -> int:
    delivered = 0
    while messages := queue.receive():
        assert queue.deliver(messages) == {"batchItemFailures": []}
        delivered += len(messages)
    return delivered


def test_the_draw_tells_every_participant_once_in_their_language(
    clean: psycopg.Connection, fake_telegram: FakeTelegram, push_queue: PushQueue
) -> None:
    reset_limiter(clean)
    lottery = create_lottery(clean, total_tickets=4, title_i18n={"ru": "Телефон", "tg": "Телефон", "zh": "手机"})
    buyers = [sign_in() for _ in range(4)]
    languages = {buyers[1].user["telegram_id"]: "tg", buyers[2].user["telegram_id"]: "zh"}
    for telegram_id, language in languages.items():
        clean.execute(
            "insert into telegram_chats (telegram_id, language) values (%s, %s)", (telegram_id, language)
        )
    blocked = buyers[3].user["telegram_id"]
    fake_telegram.block(blocked)
    for buyer in buyers:
        fund(clean, buyer.user["id"], "10.00")
        bought = invoke(
            "lottery-purchase",
            {"lottery_id": lottery["id"], "quantity": 1, "payment_method": "BALANCE"},
            token=buyer.token,
        )
        assert bought.status == 200, bought.body
    assert push_queue.receive() == []  # buying pushes nothing

    drawn: dict[str, Any] = admin_invoke(
        "draw-lottery", "lotteries.draw", {"lottery_id": lottery["id"]}, token=make_admin(clean, "OPERATIONS")
    )
    assert drawn["success"], drawn
    assert drain(push_queue) == 4

    (winner,) = clean.execute(  # the winner is the winning ticket's owner (no user id on the public lottery)
        "select user_id::text from tickets where lottery_id = %s and is_winning", (lottery["id"],)
    ).fetchone()  # type: ignore[misc]
    by_user = {b.user["id"]: b.user["telegram_id"] for b in buyers}
    for user_id, telegram_id in by_user.items():
        messages = fake_telegram.sent(telegram_id)
        if telegram_id == blocked:
            assert messages == []
            continue
        assert len(messages) == 1, telegram_id
        text = messages[0].payload["text"]
        language = languages.get(telegram_id, "ru")
        expected = {
            ("ru", True): "Вы выиграли",
            ("ru", False): "Розыгрыш «Телефон» завершён",
            ("tg", True): "Шумо ғолиб шудед",
            ("tg", False): "Қуръакашии «Телефон»",
            ("zh", True): "恭喜您中奖了",
            ("zh", False): "「手机」已开奖",
        }[(language, user_id == winner)]
        assert expected in text, (language, text)
    unreachable = clean.execute(
        "select unreachable_at is not null from telegram_chats where telegram_id = %s", (blocked,)
    ).fetchone()
    assert unreachable == (True,)
    states: dict[str, int] = dict(
        clean.execute("select push_status, count(*) from notifications group by 1").fetchall()
    )
    assert states == {"SENT": 3, "FAILED": 1}
    # the scheduled re-publish and a late redelivery change nothing
    clean.execute("update notifications set created_at = now() - interval '2 minutes'")
    from luckymart import notification_queue

    assert notification_queue.republish_stale() == 0
    assert len(fake_telegram.sent()) == 3
