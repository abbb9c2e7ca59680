"""telegram-webhook: the bot's webhook (Function URL; registered with `luckymart-admin telegram set-webhook`).

Every request must carry the header X-Telegram-Bot-Api-Secret-Token with the secret given to setWebhook (SSM
`telegram_webhook_secret`, compared in constant time); anything else is 401 before a byte of the body is read, so
it changes nothing. Private-chat commands: /start [ref_<code>] (the chat is reachable again; a referral code is
kept for the first sign-in and carried in the Mini App button as startapp), /help, /language [ru|tg|zh|en] (saves
the notification language). One rpc, then the reply with sendMessage. Every other update gets a quick 200: Telegram
retries anything else.
"""

from __future__ import annotations

import hmac
from typing import Any

from pydantic import BaseModel, Field

from luckymart import jsonutil, push_templates, responses, telegram_bot
from luckymart.api import Body, Call, Endpoint
from luckymart.config import secret
from luckymart.log import logger

SECRET_HEADER = "x-telegram-bot-api-secret-token"  # noqa: S105 - the header name, not a secret
COMMANDS = ("start", "help", "language")


class TelegramUser(BaseModel):
    id: int
    language_code: str | None = Field(None, max_length=35)


class TelegramChat(BaseModel):
    id: int
    type: str = Field(max_length=20)


class TelegramMessage(BaseModel):
    text: str | None = Field(None, max_length=4096)
    sender: TelegramUser | None = Field(None, alias="from")
    chat: TelegramChat


class Update(Body):
    update_id: int
    message: TelegramMessage | None = None


endpoint = Endpoint(
    "telegram-webhook",
    body=Update,
    auth="none",
    secrets=("telegram_webhook_secret", "telegram_bot_token"),
    response=responses.TelegramWebhookResult,
    summary="Telegram bot webhook: /start [ref_<code>], /help, /language (header X-Telegram-Bot-Api-Secret-Token)",
)


def parse_command(text: str | None) -> tuple[str, str] | None:
    """("start", "ref_ABC") for "/start ref_ABC" or "/start@bot ref_ABC"; None for anything else."""
    if not text or not text.startswith("/"):
        return None
    head, _, argument = text.strip().partition(" ")
    command = head[1:].split("@", 1)[0].lower()
    return (command, argument.strip()[:64]) if command in COMMANDS else None


@endpoint
def webhook(call: Call[Update]) -> dict[str, Any]:
    message = call.body.message
    parsed = parse_command(message.text) if message else None
    if message is None or parsed is None or message.sender is None or message.chat.type != "private":
        return {"handled": False}
    command, argument = parsed
    state = call.rpc(
        "telegram_bot_command",
        {
            "p_telegram_id": str(message.sender.id),
            "p_command": command,
            "p_argument": argument,
            "p_language_code": message.sender.language_code,
        },
    )
    language = str(state["language"])
    markup = None
    if command == "start":
        text = push_templates.bot_text("start", language)
        code = state.get("referral_code")
        path = f"/?startapp=ref_{code}" if code and not state.get("registered") else "/"
        markup = push_templates.web_app_markup(push_templates.bot_text("open", language), path)
    elif command == "help":
        text = push_templates.bot_text("help", language)
    else:
        text = push_templates.bot_text(
            "language_saved" if state["language_saved"] else "language_prompt", language
        )
    result = telegram_bot.send_message(str(message.chat.id), text, markup)
    return {"handled": True, "command": command, "reply": result.outcome}


def _authorised(event: dict[str, Any]) -> bool:
    given = next((v for k, v in (event.get("headers") or {}).items() if k.lower() == SECRET_HEADER), None)
    try:
        expected = secret("telegram_webhook_secret")
    except Exception:  # not configured or SSM unreachable: refuse (fail closed)
        logger.exception("telegram webhook secret is unavailable")
        return False
    return isinstance(given, str) and hmac.compare_digest(given.encode(), expected.encode())


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    if not _authorised(event):
        body = {
            "success": False,
            "error": {"code": "UNAUTHENTICATED", "message": "secret token is missing or wrong"},
        }
        return {"statusCode": 401, "headers": {"Content-Type": "application/json"}, "body": jsonutil.dumps(body)}
    return endpoint.handler(event, context)
