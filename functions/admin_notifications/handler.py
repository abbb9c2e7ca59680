"""admin-notifications (IAM invoke only, OPERATIONS and SUPER_ADMIN): `notifications.broadcast` and the
notification dead-letter queue.

{audience: all | active_days:<1..365> | lottery:<id>, text_i18n: {ru?, tg?, zh?, en?}, button?: {path, text_i18n?},
dry_run (default false)} -> {matching_users, recipients, unreachable, broadcast_id}. A dry run only counts (and is
audited); a real one writes one BROADCAST notification per reachable user in the same transaction as its audit
row, and they are published to the notification queue after commit: send-telegram-notifications delivers them
within Telegram's limits, in each user's language (en, then any given text, as the fallback).

notifications.dlq_list {limit?}: the messages that failed 5 receives, with their notification id and receive count.
notifications.dlq_replay {message_id? | all?}: sends them back to the notification queue (with their correlation
id) and deletes them from the DLQ. Safe: the consumer pushes only PENDING notifications, each at most once (a
replayed one already sent or given up is skipped). The queue code is shared with admin-commissions
(luckymart.dead_letters).
Env: NOTIFICATION_QUEUE_URL, NOTIFICATION_DLQ_URL.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field, field_validator

from luckymart import dead_letters
from luckymart.admin import AdminCall, AdminFunction, AdminParams
from luckymart.dead_letters import DlqList, DlqReplay
from luckymart.notification_queue import QUEUE_URL_ENV, parse_message

admin = AdminFunction("admin-notifications")
DLQ_URL_ENV = "NOTIFICATION_DLQ_URL"
LANGUAGES = {"ru", "tg", "zh", "en"}


def _texts(value: dict[str, str], max_chars: int) -> dict[str, str]:
    if not value or set(value) - LANGUAGES:
        raise ValueError("give texts keyed by ru, tg, zh or en")
    if any(not text.strip() or len(text) > max_chars for text in value.values()):
        raise ValueError(f"each text must be 1..{max_chars} characters")
    return value


class Button(AdminParams):
    path: str = Field(pattern=r"^/[A-Za-z0-9/_\-]{0,199}$", description="Mini App page, e.g. /lottery/<id>")
    text_i18n: dict[str, str] | None = None

    @field_validator("text_i18n")
    @classmethod
    def _labels(cls, value: dict[str, str] | None) -> dict[str, str] | None:
        return None if value is None else _texts(value, 60)


class Broadcast(AdminParams):
    audience: str = Field(pattern=r"^(all|active_days:[0-9]{1,3}|lottery:[0-9a-fA-F-]{36})$")
    text_i18n: dict[str, str]
    button: Button | None = None
    dry_run: bool = False

    @field_validator("text_i18n")
    @classmethod
    def _message(cls, value: dict[str, str]) -> dict[str, str]:
        return _texts(value, 3500)


@admin.action("notifications.broadcast", Broadcast)
def broadcast(call: AdminCall[Broadcast]) -> Any:
    params = call.params
    return call.rpc(
        "admin_notifications_broadcast",
        {
            "p_audience": params.audience,
            "p_text_i18n": params.text_i18n,
            "p_button": params.button.model_dump(exclude_none=True) if params.button else None,
            "p_dry_run": params.dry_run,
        },
    )


@admin.action("notifications.dlq_list", DlqList)
def dlq_list(call: AdminCall[DlqList]) -> Any:
    call.rpc("admin_dead_letters_authorize", {"p_action": call.action})
    return dead_letters.list_messages(DLQ_URL_ENV, call.params.limit, "notification_id", parse_message)


@admin.action("notifications.dlq_replay", DlqReplay, target="message")
def dlq_replay(call: AdminCall[DlqReplay]) -> Any:
    call.rpc("admin_dead_letters_authorize", {"p_action": call.action, "p_message_id": call.params.message_id})
    return dead_letters.replay(DLQ_URL_ENV, QUEUE_URL_ENV, call.params)


handler = admin.handler
