"""Fixtures for the prize, market and showoff tests. The draw is built elsewhere, so `win_prize` stands in for
it: a COMPLETED lottery whose tickets all belong to the winner, one winning ticket and a PENDING DRAW prize,
written with psycopg as the superuser and respecting every constraint of the schema."""

from __future__ import annotations

import hashlib
import secrets
from decimal import Decimal
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from tests.support import SignedIn


def win_prize(
    pg: psycopg.Connection,
    winner: SignedIn,
    *,
    ticket_price: Decimal = Decimal("10.00"),
    total_tickets: int = 10,
    title: str = "iPhone 15",
) -> dict[str, Any]:
    """Returns {"prize_id", "lottery_id", "ticket_id", "ticket_number", "prize_value"}."""
    user_id = winner.user["id"]
    buyer_ref = hashlib.sha256(user_id.encode()).hexdigest()[:16]
    with pg.transaction():
        (lottery_id,) = pg.execute(
            "insert into lotteries (title, title_i18n, image_url, ticket_price, total_tickets, status, "
            "sold_tickets, start_time, end_time, period) "
            "values (%s, %s, 'https://img.test/p.png', %s, %s, 'ACTIVE', 0, now() - interval '2 days', "
            "now() + interval '1 day', %s) returning id",
            (title, Jsonb({"zh": title}), ticket_price, total_tickets, secrets.token_hex(6)),
        ).fetchone()  # type: ignore[misc]
        wallet = pg.execute(
            "select id from wallets where user_id = %s and type = 'BALANCE'", (user_id,)
        ).fetchone()
        assert wallet is not None
        (order_id,) = pg.execute(
            "insert into orders (user_id, order_number, type, total_amount, payment_method, wallet_id, "
            "lottery_id, quantity, status, paid_at) values (%s, %s, 'LOTTERY_PURCHASE', %s, 'BALANCE', %s, %s, "
            "%s, 'PAID', now()) returning id",
            (
                user_id,
                "T" + secrets.token_hex(8),
                ticket_price * total_tickets,
                wallet[0],
                lottery_id,
                total_tickets,
            ),
        ).fetchone()  # type: ignore[misc]
        winning_seq = (total_tickets + 1) // 2
        ticket_id = None
        for seq in range(1, total_tickets + 1):
            (tid,) = pg.execute(
                "insert into tickets (lottery_id, user_id, order_id, seq, ticket_number, buyer_ref, is_winning) "
                "values (%s, %s, %s, %s, %s, %s, %s) returning id",
                (lottery_id, user_id, order_id, seq, 1_000_000 + seq, buyer_ref, seq == winning_seq),
            ).fetchone()  # type: ignore[misc]
            if seq == winning_seq:
                ticket_id = tid
        pg.execute(
            "update lotteries set sold_tickets = total_tickets, status = 'COMPLETED', "
            "winning_ticket_number = %s, actual_draw_time = now() where id = %s",
            (1_000_000 + winning_seq, lottery_id),
        )
        prize_value = ticket_price * total_tickets
        (prize_id,) = pg.execute(
            "insert into prizes (user_id, lottery_id, ticket_id, winning_code, prize_name, prize_image, "
            "prize_value) values (%s, %s, %s, %s, %s, 'https://img.test/p.png', %s) returning id",
            (user_id, lottery_id, ticket_id, str(1_000_000 + winning_seq), title, prize_value),
        ).fetchone()  # type: ignore[misc]
    return {
        "prize_id": str(prize_id),
        "lottery_id": str(lottery_id),
        "ticket_id": str(ticket_id),
        "ticket_number": 1_000_000 + winning_seq,
        "prize_value": prize_value,
    }


def fund(pg: psycopg.Connection, user: SignedIn, wallet_type: str, amount: Decimal | str) -> None:
    """Credits a wallet through private.wallet_apply, so the ledger stays the sum of the balance."""
    pg.execute(
        "select private.wallet_apply(w.id, %s::numeric, 'ADJUSTMENT') from wallets w "
        "where w.user_id = %s and w.type = %s",
        (Decimal(amount), user.user["id"], wallet_type),
    )


def balance(pg: psycopg.Connection, user: SignedIn, wallet_type: str) -> Decimal:
    row = pg.execute(
        "select balance from wallets where user_id = %s and type = %s", (user.user["id"], wallet_type)
    ).fetchone()
    assert row is not None
    return Decimal(row[0])


def ledger(pg: psycopg.Connection, user: SignedIn, wallet_type: str) -> list[tuple[str, Decimal]]:
    rows = pg.execute(
        "select t.type, t.amount from wallet_transactions t join wallets w on w.id = t.wallet_id "
        "where w.user_id = %s and w.type = %s order by t.created_at, t.id",
        (user.user["id"], wallet_type),
    ).fetchall()
    return [(kind, Decimal(amount)) for kind, amount in rows]


def ledger_matches_balances(pg: psycopg.Connection) -> bool:
    """For every wallet, balance = sum of its ledger amounts (SPEC §5)."""
    (mismatches,) = pg.execute(
        "select count(*) from wallets w where w.balance <> coalesce((select sum(amount) "
        "from wallet_transactions t where t.wallet_id = w.id), 0)"
    ).fetchone()  # type: ignore[misc]
    return mismatches == 0


def prize_status(pg: psycopg.Connection, prize_id: str) -> str:
    row = pg.execute("select status from prizes where id = %s", (prize_id,)).fetchone()
    assert row is not None
    return str(row[0])


def approved_showoff(pg: psycopg.Connection, owner: SignedIn, prize_id: str, content: str = "Look!") -> str:
    """A showoff already approved (for feed and like tests that are not about the review)."""
    row = pg.execute(
        "insert into showoffs (lottery_id, prize_id, content, status, reviewed_at) "
        "select lottery_id, id, %s, 'APPROVED', now() from prizes where id = %s returning id",
        (content, prize_id),
    ).fetchone()
    assert row is not None
    return str(row[0])
