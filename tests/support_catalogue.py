"""A lottery sold out and drawn through the real functions (catalogue, security and old-frontend tests)."""

from __future__ import annotations

from typing import Any

import psycopg

from tests.support import SignedIn, admin_invoke, invoke, make_admin, sign_in
from tests.support_lottery import create_lottery, fund


def buy(token: str, lottery_id: str, quantity: int) -> None:
    result = invoke(
        "lottery-purchase",
        {"lottery_id": lottery_id, "quantity": quantity, "payment_method": "BALANCE"},
        token=token,
    )
    assert result.status == 200, result.body


def drawn_lottery(pg: psycopg.Connection, **overrides: Any) -> tuple[dict[str, Any], list[SignedIn]]:
    """Two users buy 2 tickets each of a 4-ticket lottery; an OPERATIONS admin draws it."""
    lottery = create_lottery(pg, total_tickets=4, ticket_price="2.50", **overrides)
    buyers = [sign_in(username=f"catalogue_{i}") for i in range(2)]
    for b in buyers:
        fund(pg, b.user["id"], "50.00")
        buy(b.token, lottery["id"], 2)
    ops = make_admin(pg, "OPERATIONS")
    drawn = admin_invoke("draw-lottery", "lotteries.draw", {"lottery_id": lottery["id"]}, token=ops)
    assert drawn["statusCode"] == 200, drawn
    return lottery, buyers
