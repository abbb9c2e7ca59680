"""The short soak of `make test` (60 s); `make soak` runs the same for 10 minutes."""

from __future__ import annotations

import pytest

from tests.soak.soak import Soak, soak_stack

pytestmark = pytest.mark.soak


def test_one_minute_soak_keeps_every_invariant() -> None:
    with soak_stack() as (stack, pg):
        report = Soak(stack, pg, seconds=60, users=30, workers=6).run()
    print(report.render())
    assert report.operations["deposits.approve"] > 0 and report.operations["exchange"] > 0
    assert report.violations == []
