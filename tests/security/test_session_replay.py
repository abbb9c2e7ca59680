"""initData is a bearer credential until it expires: replaying it after logout yields a new session only while
it is fresh, and every session is independent of the others."""

from __future__ import annotations

import time

import pytest

from tests.support import invoke, signed_init_data

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean")]


def test_replay_after_logout_only_while_fresh() -> None:
    fresh = signed_init_data(11001)
    first = invoke("auth-telegram", {"initData": fresh}).data["session"]["token"]
    assert invoke("logout", {}, token=first).status == 200

    replay = invoke("auth-telegram", {"initData": fresh})
    assert replay.status == 200
    second = replay.data["session"]["token"]
    assert second != first
    assert invoke("validate-session", {}, token=first).status == 401
    assert invoke("validate-session", {}, token=second).status == 200

    stale = signed_init_data(11001, auth_date=int(time.time()) - 3601)
    assert invoke("auth-telegram", {"initData": stale}).status == 401


def test_session_token_is_not_accepted_as_init_data_or_vice_versa() -> None:
    init_data = signed_init_data(11002)
    token = invoke("auth-telegram", {"initData": init_data}).data["session"]["token"]
    assert invoke("validate-session", {}, token=init_data).status == 401
    assert invoke("auth-telegram", {"initData": token}).status == 401
