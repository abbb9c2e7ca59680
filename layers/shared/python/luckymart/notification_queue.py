"""The notification queue: pushable notifications to SQS for `send-telegram-notifications`.

The notifications table is the outbox (push_status PENDING, set by a trigger in the creating transaction). The
same transaction announces its new pushable rows in the PostgREST response header X-Luckymart-Push: their ids,
or `*` when there are more than 50. `luckymart.db.rpc` hands that header to `publish_after_commit` once the
response (hence the commit) is in: ids are sent as they are, `*` claims the due rows from the outbox. A lost
publish is repeated by the scheduled job (`republish_stale`). The consumer sends each notification at most
once, so duplicate messages are harmless.

Message body: {"notification_id": "<uuid>"}. Env: NOTIFICATION_QUEUE_URL.
"""

from __future__ import annotations

import json
import os
from typing import Any
from uuid import UUID

from luckymart import db, outbox
from luckymart.log import logger

QUEUE_URL_ENV = "NOTIFICATION_QUEUE_URL"
PUSH_HEADER = "x-luckymart-push"
STALE_AFTER_SECONDS = 60
CLAIM_LIMIT = 1000
MAX_CLAIMS_AFTER_COMMIT = 20  # a 20,000-user broadcast is published at once; anything beyond, by the schedule


class PoisonMessage(ValueError):
    """A message that can never be processed (not JSON, no valid notification_id)."""


def message_body(notification_id: UUID | str) -> str:
    return json.dumps({"notification_id": str(UUID(str(notification_id)))})


def parse_message(body: str) -> UUID:
    try:
        payload: Any = json.loads(body)
        return UUID(str(payload["notification_id"]))
    except (ValueError, TypeError, KeyError):
        raise PoisonMessage('message is not {"notification_id": <uuid>}') from None


def publish_after_commit(header: str) -> int:
    """Publishes what a committed transaction announced. Never raises; returns how many messages SQS accepted.
    Without a queue (an in-process `luckymart-admin --local` call, tests without SQS) the scheduled re-publish
    delivers a minute later; on AWS every function has the queue URL (tests/deploy checks it)."""
    if not os.environ.get(QUEUE_URL_ENV):
        logger.debug("no notification queue; the scheduled re-publish will send these")
        return 0
    if header.strip() != "*":
        ids = [i.strip() for i in header.split(",") if i.strip()]
        return outbox.send(QUEUE_URL_ENV, [message_body(i) for i in ids])
    sent = 0
    # claimed in the caller's class: only system and admin transactions announce more than 50 (draws, broadcasts)
    for _ in range(MAX_CLAIMS_AFTER_COMMIT):
        claimed = outbox.republish(
            QUEUE_URL_ENV,
            "notification_outbox_claim",
            {"p_limit": CLAIM_LIMIT, "p_min_age_seconds": 0, "p_never_published": True},
            message_body,
        )
        sent += claimed
        if claimed < CLAIM_LIMIT:
            break
    return sent


def requeue(notification_id: str, delay_seconds: int) -> bool:
    """A fresh message for a notification that must wait (Telegram's retry_after, its rate-limit slot, the
    commission digest window): a new message starts with receive count 0, so waiting never moves it towards the
    dead-letter queue (ChangeMessageVisibility would)."""
    return outbox.send(QUEUE_URL_ENV, [message_body(notification_id)], delay_seconds) == 1


def republish_stale(limit: int = 2000) -> int:
    """Re-sends PENDING notifications whose publish was lost (the scheduled job, every minute)."""
    with db.acting_as("system"):
        return outbox.republish(
            QUEUE_URL_ENV,
            "notification_outbox_claim",
            {"p_limit": limit, "p_min_age_seconds": STALE_AFTER_SECONDS},
            message_body,
        )
