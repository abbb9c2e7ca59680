"""The invariant "each PAID commission is credited exactly once to its earner's LUCKY_COIN wallet" holds after
the consumer ran, and notices a commission whose credit does not match (so it cannot pass vacuously)."""

from __future__ import annotations

from decimal import Decimal

import psycopg
import pytest

from tests.invariants import check_invariants
from tests.support_commissions import (
    coin_balance,
    consume,
    create_lottery,
    order_message,
    paid_order,
    referral_chain,
    sqs_record,
)

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean")]
CHECK = "commission not credited exactly once"


def commission_violations(pg: psycopg.Connection) -> list[str]:
    return [line for line in check_invariants(pg) if line.startswith(CHECK)]


def test_the_commission_invariant_holds_and_notices_a_mismatch(clean: psycopg.Connection) -> None:
    referrer, buyer = referral_chain(2)
    order_id, _ = paid_order(clean, buyer.user["id"], Decimal("100.00"), create_lottery(clean))
    assert consume([sqs_record(order_message(order_id))])["batchItemFailures"] == []
    assert coin_balance(clean, referrer.user["id"]) == Decimal("3.00")
    assert commission_violations(clean) == []

    clean.execute("update commissions set amount = 3.01 where related_order_id = %s", (order_id,))
    assert len(commission_violations(clean)) == 1  # credited 3.00, not 3.01
    clean.execute(
        "update commissions set amount = 3.00, status = 'CANCELLED' where related_order_id = %s", (order_id,)
    )
    assert len(commission_violations(clean)) == 1  # credited although not PAID
    clean.execute("update commissions set status = 'PAID' where related_order_id = %s", (order_id,))
    assert commission_violations(clean) == []
