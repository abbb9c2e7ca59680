"""The short soak of `make test` (60 s); `make soak` runs the same for 10 minutes."""

from __future__ import annotations

import pytest

from tests.soak.soak import Soak, soak_stack

pytestmark = pytest.mark.soak


def test_one_minute_soak_keeps_every_invariant() -> None:
    with soak_stack() as (stack, pg, aws, telegram):
        report = Soak(stack, pg, aws, telegram, seconds=60, users=30, workers=6).run()
    print(report.render())
    for op in ("deposits.approve", "exchange", "purchase", "lottery_drawn", "commissions_paid"):
        assert report.operations[op] > 0, op
    assert report.violations == []
