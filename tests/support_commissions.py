"""Fixtures for the referral commission tests: referral chains signed in through auth-telegram, PAID lottery
orders written with psycopg the way the purchase will write them (order + outbox row in one transaction),
and the commission queues on moto (in-process)."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from infra.local.sqs import CommissionQueues, create_commission_queues, sqs_client
from luckymart import commission_queue
from tests.support import SignedIn, sign_in


def referral_chain(length: int, *, prefix: str = "u") -> list[SignedIn]:
    """users[0] invited users[1], who invited users[2], ...: each signs in with startParam ref_<code>."""
    users = [sign_in(username=f"{prefix}0")]
    for i in range(1, length):
        users.append(sign_in(username=f"{prefix}{i}", start_param=f"ref_{users[-1].user['referral_code']}"))
    return users


def lottery(pg: psycopg.Connection, ticket_price: Decimal | str = "10.00") -> str:
    row = pg.execute(
        "insert into lotteries (title, title_i18n, ticket_price, total_tickets, status, start_time, end_time, "
        "period) values ('Prize', %s, %s, 1000, 'ACTIVE', now() - interval '1 day', now() + interval '1 day', %s) "
        "returning id",
        (Jsonb({"zh": "Prize"}), Decimal(ticket_price), secrets.token_hex(6)),
    ).fetchone()
    assert row is not None
    return str(row[0])


# The buyer pays for orders made here as the purchase will: an ADJUSTMENT credit of test money, then the
# LOTTERY_PURCHASE debit, so the ledger and the money-conservation invariant hold.
PAY_FOR_ORDERS = (
    "select private.wallet_apply(o.wallet_id, o.total_amount, 'ADJUSTMENT', null, null, 'test funds'), "
    "private.wallet_apply(o.wallet_id, -o.total_amount, 'LOTTERY_PURCHASE', 'order', o.id, 'tickets', 0, o.id, "
    "o.lottery_id) from orders o where o.id = any(%s::uuid[])"
)


def paid_order(
    pg: psycopg.Connection,
    buyer: SignedIn,
    amount: Decimal | str,
    *,
    lottery_id: str | None = None,
    payment_method: str = "BALANCE",
) -> tuple[str, bool]:
    """A PAID lottery order and, in the same transaction, private.enqueue_commission (as the purchase will do).
    Returns (order id, whether an outbox row was written)."""
    lottery_id = lottery_id or lottery(pg)
    with pg.transaction():
        row = pg.execute(
            "insert into orders (user_id, order_number, type, total_amount, payment_method, wallet_id, "
            "lottery_id, quantity, status, paid_at) values (%s, %s, 'LOTTERY_PURCHASE', %s, %s, "
            "private.wallet_id(%s, %s), %s, 1, 'PAID', now()) returning id",
            (
                buyer.user["id"],
                "LT" + secrets.token_hex(8),
                Decimal(amount),
                payment_method,
                buyer.user["id"],
                payment_method,
                lottery_id,
            ),
        ).fetchone()
        assert row is not None
        pg.execute(PAY_FOR_ORDERS, ([row[0]],))
        queued = pg.execute("select private.enqueue_commission(%s)", (row[0],)).fetchone()
    assert queued is not None
    return str(row[0]), bool(queued[0])


def lucky_coins(pg: psycopg.Connection, user: SignedIn) -> Decimal:
    row = pg.execute(
        "select balance from wallets where user_id = %s and type = 'LUCKY_COIN'", (user.user["id"],)
    ).fetchone()
    assert row is not None
    return Decimal(row[0])


def commissions_of(pg: psycopg.Connection, order_id: str) -> list[tuple[int, str, Decimal, str]]:
    """(level, earner id, amount, status) of an order's commissions, by level."""
    rows = pg.execute(
        "select level, user_id::text, amount, status from commissions where related_order_id = %s order by level",
        (order_id,),
    ).fetchall()
    return [(int(level), user_id, Decimal(amount), status) for level, user_id, amount, status in rows]


def commission_credits(pg: psycopg.Connection) -> int:
    row = pg.execute("select count(*) from wallet_transactions where type = 'COMMISSION'").fetchone()
    assert row is not None
    return int(row[0])


def outbox(pg: psycopg.Connection, order_id: str) -> dict[str, Any] | None:
    row = pg.execute(
        "select publish_attempts, published_at, processed_at from commission_outbox where order_id = %s",
        (order_id,),
    ).fetchone()
    if row is None:
        return None
    return {"publish_attempts": row[0], "published_at": row[1], "processed_at": row[2]}


def age_outbox(pg: psycopg.Connection, seconds: int = 61) -> None:
    """Makes every outbox row look `seconds` old (the sweeper waits 60 s after the purchase)."""
    pg.execute(
        "update commission_outbox set created_at = created_at - make_interval(secs => %s), "
        "last_attempt_at = last_attempt_at - make_interval(secs => %s)",
        (seconds, seconds),
    )


@contextmanager
def mocked_queues(visibility_timeout: int = 30) -> Iterator[CommissionQueues]:
    """The commission queue and DLQ on moto in-process (mock_aws); environment restored afterwards."""
    from moto import mock_aws

    saved = dict(os.environ)
    os.environ.update({"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "AWS_REGION": "eu-central-1"})
    os.environ.pop("AWS_ENDPOINT_URL_SQS", None)
    commission_queue.reset()
    try:
        with mock_aws():
            yield create_commission_queues(sqs_client(), visibility_timeout=visibility_timeout)
    finally:
        os.environ.clear()
        os.environ.update(saved)
        commission_queue.reset()
