"""The commission message format and the never-raising publisher."""

from __future__ import annotations

import json
from typing import Any

import pytest

from luckymart import outbox
from luckymart.commission_queue import PoisonMessage, message_body, parse_message, publish_after_commit

pytestmark = pytest.mark.unit
ORDER = "6f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f"


def test_message_round_trip() -> None:
    assert json.loads(message_body(ORDER)) == {"order_id": ORDER}
    assert str(parse_message(message_body(ORDER))) == ORDER


@pytest.mark.parametrize(
    "body", ["", "not json", "[]", "null", "{}", '{"order_id": 42}', '{"order_id": "x"}', '{"orderId": "a"}']
)
def test_anything_else_is_poison(body: str) -> None:
    with pytest.raises(PoisonMessage):
        parse_message(body)


def test_publish_never_raises(monkeypatch: pytest.MonkeyPatch) -> None:
    class Broken:
        def send_message_batch(self, **_: Any) -> None:
            raise ConnectionError("sqs is down")

    monkeypatch.delenv("COMMISSION_QUEUE_URL", raising=False)
    assert publish_after_commit(ORDER) is False  # not configured
    monkeypatch.setenv("COMMISSION_QUEUE_URL", "https://sqs.example/queue")
    monkeypatch.setattr(outbox, "sqs_client", Broken)
    assert publish_after_commit(ORDER) is False
