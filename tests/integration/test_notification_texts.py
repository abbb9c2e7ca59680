"""get-notifications says what the Telegram push said: the same templates, in the user's language (their /language
choice, else Telegram's), with the stored parameters; types that are never pushed have their texts too, and a
reviewer's note the push leaves for the app is shown there."""

from __future__ import annotations

import html
import re
from typing import Any

import psycopg
import pytest

from infra.local.telegram_fake import FakeTelegram
from luckymart.push_templates import IN_APP_ONLY, LANGUAGES, TITLES
from tests.support import invoke, sign_in
from tests.support_lottery import create_lottery, force_draw_time_passed, fund
from tests.support_telegram import consume, fake_telegram, message, notify, reset_limiter

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean")]
__all__ = ["fake_telegram"]  # fixture, imported for pytest


def in_app(token: str) -> dict[str, dict[str, Any]]:
    page = invoke("get-notifications", {"limit": 100}, token=token)
    assert page.status == 200, page.body
    return {n["id"]: n for n in page.data}


def plain(push_text: str) -> str:
    """A push message as the app shows it: no markup, values as typed."""
    return html.unescape(re.sub(r"</?b>", "", push_text))


def pushed(pg: psycopg.Connection, fake: FakeTelegram, chat: str, notification_id: str) -> str:
    """Sends one push now (the per-chat gap between messages is not what this test is about); its text."""
    reset_limiter(pg)
    pg.execute("update telegram_chats set next_send_at = null where telegram_id = %s", (chat,))
    assert consume([message(notification_id)]) == {"batchItemFailures": []}
    return str(fake.sent(chat)[-1].payload["text"])


def test_the_app_and_the_push_say_the_same_in_the_users_language(
    clean: psycopg.Connection, fake_telegram: FakeTelegram
) -> None:
    reset_limiter(clean)
    user = sign_in()  # Telegram says ru
    chat = user.user["telegram_id"]
    lottery = create_lottery(clean, title="Phone <X>", title_i18n={"ru": "Телефон <X>", "zh": "手机 <X>"})
    won = {"lottery_id": lottery["id"], "winning_code": "1000007"}
    cases = {
        "won": notify(clean, user.user["id"], "LOTTERY_WIN", won),
        "deposit": notify(clean, user.user["id"], "PAYMENT_SUCCESS", {"amount": "25.00"}, "DEPOSIT"),
        "commission": notify(clean, user.user["id"], "COMMISSION", {"amount": "0.30", "level": 1}),
    }  # fmt: skip
    pushes = {name: pushed(clean, fake_telegram, chat, nid) for name, nid in cases.items()}
    shown = in_app(user.token)
    for name, nid in cases.items():
        assert shown[nid]["language"] == "ru"
        assert shown[nid]["content"] == plain(pushes[name]), name
    assert shown[cases["won"]]["title"] == "Вы выиграли!"
    assert shown[cases["won"]]["content"] == "🎉 Вы выиграли!\nТелефон <X>\nВыигрышный билет: 1000007"
    assert shown[cases["deposit"]] | {"title": "Пополнение зачислено"} == shown[cases["deposit"]]
    assert shown[cases["commission"]]["content"] == "🤝 Реферальная комиссия: +0.30 TJS (1 шт.)"

    # the user picks Chinese in the bot: pushes and the app switch together
    clean.execute("update telegram_chats set language = 'zh' where telegram_id = %s", (chat,))
    won_again = notify(
        clean, user.user["id"], "LOTTERY_WIN", {"lottery_id": lottery["id"], "winning_code": "1000008"}
    )
    push = pushed(clean, fake_telegram, chat, won_again)
    shown = in_app(user.token)
    assert shown[won_again]["content"] == plain(push) == "🎉 恭喜您中奖了！\n手机 <X>\n中奖号码：1000008"
    assert shown[cases["deposit"]]["content"] == "✅ 您的 25.00 TJS 充值已到账。"  # older ones too
    assert {n["language"] for n in shown.values()} == {"zh"}


def test_what_the_push_leaves_for_the_app_and_types_never_pushed(
    clean: psycopg.Connection, fake_telegram: FakeTelegram
) -> None:
    reset_limiter(clean)
    user = sign_in()
    chat = user.user["telegram_id"]
    rejected = notify(
        clean, user.user["id"], "PAYMENT_FAILED", {"amount": "10.00", "note": "чек не читается"}, "DEPOSIT"
    )
    assert (
        pushed(clean, fake_telegram, chat, rejected)
        == "Пополнение на 10.00 TJS отклонено. Подробности в приложении."
    )
    bonus = notify(clean, user.user["id"], "BONUS_ACTIVATED", {"amount": "2.50"})
    other = notify(clean, user.user["id"], "SOMETHING_NEW", {})
    shown = in_app(user.token)
    assert (shown[rejected]["title"], shown[rejected]["content"]) == (
        "Пополнение отклонено", "Пополнение на 10.00 TJS отклонено. чек не читается"
    )  # fmt: skip
    assert (shown[bonus]["title"], shown[bonus]["content"]) == (
        "Бонус активирован", "🎁 Бонус за первое пополнение 2.50 TJS зачислен на бонусный кошелёк."
    )  # fmt: skip
    assert (shown[other]["title"], shown[other]["content"]) == ("title", "content")  # no template: as stored


def test_a_real_draw_notifies_winner_and_loser_in_their_language(clean: psycopg.Connection) -> None:
    from functions.auto_lottery_draw.handler import handler

    lottery = create_lottery(clean, total_tickets=2, title="TV", title_i18n={"ru": "Телевизор", "tg": "Телевизор"})
    alice, bob = sign_in(), sign_in()
    clean.execute("update users set language_code = 'en' where id = %s", (bob.user["id"],))
    for buyer in (alice, bob):
        fund(clean, buyer.user["id"], "5.00")
        bought = invoke(
            "lottery-purchase", {"lottery_id": lottery["id"], "quantity": 1, "payment_method": "BALANCE"},
            token=buyer.token,
        )  # fmt: skip
        assert bought.status == 200, bought.body
    force_draw_time_passed(clean, lottery["id"])
    handler({"source": "aws.events", "detail-type": "Scheduled Event", "detail": {}}, None)
    row = clean.execute("select winning_ticket_number from lotteries where id = %s", (lottery["id"],)).fetchone()
    assert row is not None
    texts = {
        who.user["id"]: [(n["type"], n["title"], n["content"]) for n in in_app(who.token).values()]
        for who in (alice, bob)
    }
    alice_won = texts[alice.user["id"]][0][0] == "LOTTERY_WIN"
    ru = (
        "🎉 Вы выиграли!\nТелевизор\nВыигрышный билет: {}",
        "Розыгрыш «Телевизор» завершён. Выигрышный билет: {}. Удачи в следующий раз!",
    )
    en = (
        "🎉 You won!\nTV\nWinning ticket: {}",
        "The draw of “TV” is done. Winning ticket: {}. Better luck next time!",
    )
    assert texts[alice.user["id"]][0][2] == ru[0 if alice_won else 1].format(row[0])
    assert texts[bob.user["id"]][0][2] == en[1 if alice_won else 0].format(row[0])


def test_every_in_app_text_exists_in_every_language() -> None:
    assert all(set(titles) == set(LANGUAGES) for titles in TITLES.values())
    assert all(set(texts) == set(LANGUAGES) for texts in IN_APP_ONLY.values())
