"""Requests served at the same moment by one process (the local gateway, the soak) never see each other's event:
Powertools keeps the current request on a class every resolver shares, so without luckymart.function_url's
resolver a request answered after another had started echoed that other's CORS origin, and read its body."""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest

from infra.local.events import LocalContext, function_url_event
from luckymart import config, db
from luckymart.api import Body, Call, Endpoint

pytestmark = pytest.mark.unit
FIRST, SECOND = "https://app.luckymart.test", "http://localhost:5173"


class _Echo(Body):
    name: str


def test_two_requests_at_once_each_keep_their_own_event(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SUPABASE_USER_KEY", "user-class key")
    monkeypatch.setenv("SUPABASE_ANON_KEY", "anon key")
    monkeypatch.setenv("CORS_ALLOWED_ORIGINS", f"{FIRST},{SECOND}")
    config.reset()
    endpoint = Endpoint("echo", body=_Echo, auth="none")
    second_done = threading.Event()

    @endpoint
    def echo(call: Call[_Echo]) -> Any:
        if call.body.name == "first":
            assert second_done.wait(10)  # the second request is answered while the first is still running
        return {"name": call.body.name}

    answers: dict[str, dict[str, Any]] = {}

    def request(name: str, origin: str) -> None:
        event = function_url_event(
            "POST",
            headers={"content-type": "application/json", "origin": origin},
            body=json.dumps({"name": name}).encode(),
        )
        answers[name] = endpoint.handler(event, LocalContext(function_name="echo"))
        if name == "second":
            second_done.set()

    first = threading.Thread(target=request, args=("first", FIRST))
    first.start()
    request("second", SECOND)
    first.join(10)
    config.reset()
    db.reset()
    for name, origin in (("first", FIRST), ("second", SECOND)):
        answer = answers[name]
        assert json.loads(answer["body"])["data"] == {"name": name}
        assert answer["headers"]["Access-Control-Allow-Origin"] == origin, (name, answer["headers"])
