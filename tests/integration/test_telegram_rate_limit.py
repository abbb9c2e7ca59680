"""Telegram's limits hold under a burst: 500 notifications for 100 chats (5 each), published at once and consumed
by two concurrent pollers, reach the fake Bot API at most 30 in any second (slots: 20/s) and at least
1 s apart per chat (Telegram: ~1/s), each exactly once. Measured from the fake server's arrival timestamps."""

from __future__ import annotations

from collections import Counter

import psycopg
import pytest

from infra.local.telegram_fake import FakeTelegram
from luckymart import db, notification_queue
from tests.support import sign_in
from tests.support_telegram import (
    PushQueue,
    burst_stats,
    drain_concurrently,
    fake_telegram,
    push_queue,
    reset_limiter,
)

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean")]
__all__ = ["fake_telegram", "push_queue"]
CHATS, PER_CHAT = 100, 5


def test_a_burst_of_500_stays_within_the_global_and_per_chat_limits(
    clean: psycopg.Connection, fake_telegram: FakeTelegram, push_queue: PushQueue
) -> None:
    reset_limiter(clean)
    users = [sign_in() for _ in range(CHATS)]
    clean.execute(
        "insert into notifications (user_id, type, title, data) "
        "select u.id, 'LOTTERY_RESULT', 't', jsonb_build_object('winning_code', g::text) "
        "from generate_series(1, %s) g, users u",  # five fan-outs of one notification per chat
        (PER_CHAT,),
    )
    with db.acting_as("system"):  # as the draw that announces a fan-out
        assert notification_queue.publish_after_commit("*") == CHATS * PER_CHAT

    drain_concurrently(push_queue, clean, workers=2)

    sent = fake_telegram.sent()
    assert len(fake_telegram.state.calls) == len(sent) == CHATS * PER_CHAT  # nothing refused, nothing twice
    assert set(Counter(c.chat_id for c in sent).values()) == {PER_CHAT}
    assert clean.execute("select count(*) from notifications where push_status = 'SENT'").fetchone() == (500,)
    stats = burst_stats(sent)
    print(f"\nburst of 500: {stats}")
    assert stats["max_per_second"] <= 30  # Telegram: about 30 per second per bot
    assert stats["min_chat_gap"] >= 1.0  # Telegram: about 1 per second per chat
    assert len(users) == CHATS
