"""Many requests at once in one process (the local gateway, the soak test) must not mix up their events."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.support import invoke, sign_in

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean")]


def test_parallel_requests_keep_their_own_identity() -> None:
    sessions = [sign_in() for _ in range(6)]

    def whoami(index: int) -> tuple[str, str]:
        session = sessions[index % len(sessions)]
        result = invoke("validate-session", {}, token=session.token)
        return session.user["id"], result.data["user"]["id"]

    with ThreadPoolExecutor(12) as pool:
        pairs = list(pool.map(whoami, range(240)))
    assert all(expected == got for expected, got in pairs)
