"""The bot's webhook (secret header, /start with a referral, /help, /language), the broadcast admin action and
`luckymart-admin telegram …`, against the fake Bot API."""

from __future__ import annotations

import importlib
import io
import json
from pathlib import Path
from typing import Any

import psycopg
import pytest

from infra.local.events import LocalContext, function_url_event
from infra.local.secrets import LOCAL_BOT_TOKEN
from infra.local.telegram_fake import FakeTelegram
from luckymart import frontdoor
from tests.support import Result, admin_invoke, invoke, make_admin, sign_in
from tests.support_admin import audit_rows
from tests.support_telegram import MINI_APP, PushQueue, fake_telegram, push_queue, reset_limiter

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean")]
__all__ = ["fake_telegram", "push_queue"]
SECRET = "webhook-secret_for-tests"


@pytest.fixture(autouse=True)
def _secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TELEGRAM_WEBHOOK_SECRET", SECRET)


def update(telegram_id: int, text: str, chat_type: str = "private") -> dict[str, Any]:
    return {
        "update_id": 1,
        "message": {
            "message_id": 5,
            "date": 0,
            "text": text,
            "from": {"id": telegram_id, "is_bot": False, "first_name": "T", "language_code": "ru"},
            "chat": {"id": telegram_id, "type": chat_type},
        },
    }


def webhook(body: Any, secret: str | None = SECRET) -> Result:
    headers = {"x-telegram-bot-api-secret-token": secret} if secret is not None else {}
    return invoke("telegram-webhook", body, headers=headers)


@pytest.mark.parametrize("secret", [None, "", "wrong", SECRET + "x", SECRET.upper()])
def test_a_wrong_or_missing_secret_is_401_and_changes_nothing(
    clean: psycopg.Connection, fake_telegram: FakeTelegram, secret: str | None
) -> None:
    referrer = sign_in()
    result = webhook(update(900001, f"/start ref_{referrer.user['referral_code']}"), secret)
    assert (result.status, result.code) == (401, "UNAUTHENTICATED")
    assert clean.execute("select count(*) from telegram_chats").fetchone() == (0,)
    assert fake_telegram.state.calls == []


def test_start_with_a_referral_links_the_referrer_at_the_first_sign_in(
    clean: psycopg.Connection, fake_telegram: FakeTelegram
) -> None:
    referrer = sign_in()
    code = referrer.user["referral_code"]
    result = webhook(update(900002, f"/start ref_{code.lower()}"))
    assert result.data == {"handled": True, "command": "start", "reply": "sent"}
    (reply,) = fake_telegram.sent(900002)
    assert "Добро пожаловать" in reply.payload["text"]
    button = reply.payload["reply_markup"]["inline_keyboard"][0][0]
    assert button["web_app"]["url"] == f"{MINI_APP}/?startapp=ref_{code}"

    newcomer = sign_in(telegram_id=900002)  # the Mini App lost the startParam: the bot kept it

    assert newcomer.user["referred_by_id"] == referrer.user["id"]
    again = webhook(update(900002, "/start"))  # registered now: a plain button
    assert again.status == 200
    assert fake_telegram.sent(900002)[-1].payload["reply_markup"]["inline_keyboard"][0][0]["web_app"]["url"] == (
        f"{MINI_APP}/"
    )


def test_start_with_an_unknown_code_links_nobody(clean: psycopg.Connection, fake_telegram: FakeTelegram) -> None:
    assert webhook(update(900003, "/start ref_NOSUCHCODE")).status == 200
    assert sign_in(telegram_id=900003).user["referred_by_id"] is None


def test_language_is_saved_and_used_for_pushes(clean: psycopg.Connection, fake_telegram: FakeTelegram) -> None:
    user = sign_in()
    telegram_id = int(user.user["telegram_id"])
    assert webhook(update(telegram_id, "/language")).data["reply"] == "sent"
    assert "/language zh" in fake_telegram.sent()[-1].payload["text"]
    assert webhook(update(telegram_id, "/language@luckymart_bot zh")).status == 200
    assert fake_telegram.sent()[-1].payload["text"] == "已设置：通知将使用中文。"
    assert webhook(update(telegram_id, "/help")).status == 200
    assert fake_telegram.sent()[-1].payload["text"].startswith("/start — 打开 LuckyMart")
    row = clean.execute(
        "select language from telegram_chats where telegram_id = %s", (str(telegram_id),)
    ).fetchone()
    assert row == ("zh",)


def test_start_makes_an_unreachable_chat_reachable_again(
    clean: psycopg.Connection, fake_telegram: FakeTelegram
) -> None:
    user = sign_in()
    clean.execute(
        "insert into telegram_chats (telegram_id, unreachable_at, unreachable_reason) "
        "values (%s, now(), '403 blocked')",
        (user.user["telegram_id"],),
    )
    assert webhook(update(int(user.user["telegram_id"]), "/start")).status == 200
    row = clean.execute(
        "select unreachable_at from telegram_chats where telegram_id = %s", (user.user["telegram_id"],)
    ).fetchone()
    assert row == (None,)


@pytest.mark.parametrize(
    "body",
    [
        update(900004, "hello"),
        update(900004, "/unknown"),
        update(900004, "/start", chat_type="group"),
        {"update_id": 2, "edited_message": {"text": "/start"}},
        {"update_id": 3, "callback_query": {"id": "x"}},
    ],
)
def test_everything_else_gets_a_quick_200(
    clean: psycopg.Connection, fake_telegram: FakeTelegram, body: dict[str, Any]
) -> None:
    result = webhook(body)
    assert result.status == 200 and result.data["handled"] is False
    assert fake_telegram.state.calls == []
    assert clean.execute("select count(*) from telegram_chats").fetchone() == (0,)


def test_telegram_comes_through_the_front_door(
    clean: psycopg.Connection, fake_telegram: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Telegram calls the front door's /functions/v1/telegram-webhook; a direct Function URL call is refused even
    with the right webhook secret."""
    monkeypatch.setenv("ORIGIN_SECRET_REQUIRED", "true")
    monkeypatch.setenv("ORIGIN_SECRET", "origin-secret-for-tests")
    direct = webhook(update(900009, "/help"))
    assert (direct.status, direct.code) == (403, "FRONT_DOOR_REQUIRED")
    assert fake_telegram.state.calls == []
    module = importlib.import_module("functions.telegram_webhook.handler")
    event = function_url_event(
        "POST",
        path="/functions/v1/telegram-webhook",
        headers={
            "content-type": "application/json",
            "x-telegram-bot-api-secret-token": SECRET,
            frontdoor.HEADER: "origin-secret-for-tests",
        },
        body=json.dumps(update(900009, "/help")).encode(),
    )
    response = module.handler(event, LocalContext(function_name="telegram-webhook"))
    assert response["statusCode"] == 200, response
    assert json.loads(response["body"])["data"]["handled"] is True
    assert len(fake_telegram.sent("900009")) == 1


def broadcast(token: str, **params: Any) -> dict[str, Any]:
    return admin_invoke("admin-notifications", "notifications.broadcast", params, token=token)


def test_broadcast_dry_run_counts_match_what_is_delivered(
    clean: psycopg.Connection, fake_telegram: FakeTelegram, push_queue: PushQueue
) -> None:
    reset_limiter(clean)
    users = [sign_in() for _ in range(5)]
    blocked = users[0].user["telegram_id"]
    clean.execute("insert into telegram_chats (telegram_id, unreachable_at) values (%s, now())", (blocked,))
    clean.execute("update users set status = 'BANNED' where id = %s", (users[1].user["id"],))
    ops = make_admin(clean, "OPERATIONS")
    text = {"ru": "Скидки <сегодня> & завтра", "en": "Sale today"}

    counted = broadcast(ops, audience="all", text_i18n=text, dry_run=True)
    assert counted["success"], counted
    assert counted["data"]["recipients"] == 3 and counted["data"]["unreachable"] == 1
    assert clean.execute("select count(*) from notifications").fetchone() == (0,)

    sent = broadcast(ops, audience="all", text_i18n=text, button={"path": "/lottery/x1"})
    assert sent["data"]["recipients"] == 3
    while messages := push_queue.receive():
        assert push_queue.deliver(messages) == {"batchItemFailures": []}
    delivered = fake_telegram.sent()
    assert len(delivered) == counted["data"]["recipients"]
    assert {c.payload["text"] for c in delivered} == {"Скидки &lt;сегодня&gt; &amp; завтра"}
    assert (
        delivered[0].payload["reply_markup"]["inline_keyboard"][0][0]["web_app"]["url"] == f"{MINI_APP}/lottery/x1"
    )
    rows = audit_rows(clean, action="notifications.broadcast")
    assert [r["outcome"] for r in rows] == ["SUCCESS", "SUCCESS"]


def test_broadcast_audiences_validation_and_roles(clean: psycopg.Connection) -> None:
    from tests.support_lottery import create_lottery, fund

    active, idle = sign_in(), sign_in()
    clean.execute("update users set last_active_at = now() - interval '40 days' where id = %s", (idle.user["id"],))
    lottery = create_lottery(clean, total_tickets=5)
    fund(clean, active.user["id"], "5.00")
    assert (
        invoke(
            "lottery-purchase",
            {"lottery_id": lottery["id"], "quantity": 1, "payment_method": "BALANCE"},
            token=active.token,
        ).status
        == 200
    )
    ops = make_admin(clean, "OPERATIONS")
    text = {"en": "hi"}

    def count(audience: str) -> Any:
        result = broadcast(ops, audience=audience, text_i18n=text, dry_run=True)
        return result["data"]["recipients"] if result["success"] else result["error"]["code"]

    assert count("all") == 2
    assert count("active_days:30") == 1
    assert count(f"lottery:{lottery['id']}") == 1
    assert count("lottery:6f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f") == "NOT_FOUND"
    assert count("active_days:0") == "VALIDATION_ERROR"
    assert count("everyone") == "VALIDATION_ERROR"
    bad_text = broadcast(ops, audience="all", text_i18n={"de": "hallo"}, dry_run=True)
    assert bad_text["error"]["code"] == "VALIDATION_ERROR"
    bad_button = broadcast(ops, audience="all", text_i18n=text, button={"path": "https://evil.example"})
    assert bad_button["error"]["code"] == "VALIDATION_ERROR"
    denied = broadcast(make_admin(clean, "FINANCE"), audience="all", text_i18n=text, dry_run=True)
    assert denied["statusCode"] == 403
    assert broadcast(make_admin(clean, "SUPER_ADMIN"), audience="all", text_i18n=text, dry_run=True)["success"]
    assert clean.execute("select count(*) from notifications").fetchone() == (0,)


def test_cli_registers_the_webhook_without_printing_the_token(
    fake_telegram: FakeTelegram, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from luckymart_cli import main as cli
    from luckymart_cli import telegram

    (tmp_path / "secrets.json").write_text(
        json.dumps({"TELEGRAM_BOT_TOKEN": LOCAL_BOT_TOKEN, "TELEGRAM_WEBHOOK_SECRET": SECRET})
    )
    monkeypatch.setattr(telegram, "DEV_RUN_DIR", tmp_path)
    monkeypatch.setattr(telegram, "LOCAL_BOT_API", fake_telegram.base_url)

    def run(*argv: str) -> tuple[int, str]:
        out, err = io.StringIO(), io.StringIO()
        code = cli.main(["telegram", *argv, "--local"], out, err)
        text = out.getvalue() + err.getvalue()
        assert LOCAL_BOT_TOKEN not in text and LOCAL_BOT_TOKEN.split(":")[1] not in text and SECRET not in text
        return code, text

    assert run("set-webhook", "--url", "http://plain.example/")[0] == 2
    assert run("set-webhook", "--url", "https://hooks.example/functions/v1/telegram-webhook")[0] == 0
    assert fake_telegram.state.webhook["secret_token"] == SECRET
    assert fake_telegram.state.webhook["allowed_updates"] == ["message"]
    code, info = run("webhook-info")
    assert code == 0 and '"url": "https://hooks.example/functions/v1/telegram-webhook"' in info
    assert run("delete-webhook")[0] == 0
    assert fake_telegram.state.webhook == {}
