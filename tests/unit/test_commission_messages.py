"""The commission message format, the publisher's never-raise contract and the DLQ admin parameters."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from pydantic import ValidationError

from functions.admin_commissions.handler import DlqList, DlqReplay
from luckymart import commission_queue

pytestmark = pytest.mark.unit
ORDER = "6f1c2e0a-1111-4222-8333-944455556666"


def test_message_round_trip() -> None:
    body = commission_queue.message_body(uuid.UUID(ORDER))
    assert body == '{"order_id": "' + ORDER + '"}'
    assert commission_queue.order_id_of(body) == uuid.UUID(ORDER)
    assert commission_queue.message_body(ORDER.upper()) == body


@pytest.mark.parametrize(
    "body",
    ["", "not json", "[]", "null", '{"order": "x"}', '{"order_id": 5}', '{"order_id": "not-a-uuid"}'],
)
def test_malformed_messages_are_refused(body: str) -> None:
    with pytest.raises(ValueError):
        commission_queue.order_id_of(body)


def test_publish_never_raises(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COMMISSION_QUEUE_URL", raising=False)
    assert commission_queue.publish_after_commit(ORDER) is False


def test_sweep_never_raises(monkeypatch: pytest.MonkeyPatch) -> None:
    def down(*_: Any) -> Any:
        raise OSError("database unreachable")

    monkeypatch.setattr("luckymart.db.rpc", down)
    assert commission_queue.republish_stale() == commission_queue.Republished(0, 0)


def test_dlq_params() -> None:
    assert DlqReplay.model_validate({"message_id": "abc"}).message_id == "abc"
    assert DlqReplay.model_validate({"all": True}).all is True
    for bad in ({}, {"all": False}, {"message_id": "abc", "all": True}, {"message_id": ""}, {"other": 1}):
        with pytest.raises(ValidationError):
            DlqReplay.model_validate(bad)
    assert DlqList.model_validate({}).limit == 10
    for bad_limit in (0, 101, "x"):
        with pytest.raises(ValidationError):
            DlqList.model_validate({"limit": bad_limit})
