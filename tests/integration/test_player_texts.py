"""What else a player reads that the backend writes comes in every language: payment instructions, shipping
statuses, what each ledger entry is, and the note on a lottery the previous system ran."""

from __future__ import annotations

import psycopg
import pytest

from luckymart import player_texts
from tests.support import invoke, sign_in
from tests.support_lottery import create_lottery, force_draw_time_passed, fund, insert_legacy_lottery

pytestmark = pytest.mark.integration
LANGUAGES = set(player_texts.LANGUAGES)


def test_payment_instructions_are_in_every_language(clean: psycopg.Connection) -> None:
    for kind in ("DEPOSIT", "WITHDRAWAL"):
        methods = invoke("get-payment-config", {"type": kind}).data
        assert methods
        for method in methods:
            instructions = method["config_data"]["instructions"]
            assert set(instructions) == LANGUAGES and all(t.strip() for t in instructions.values()), method


def test_ledger_entries_and_shipping_say_what_they_are_in_every_language(clean: psycopg.Connection) -> None:
    from functions.auto_lottery_draw.handler import handler

    winner = sign_in()
    fund(clean, winner.user["id"], "5.00")
    lottery = create_lottery(clean, total_tickets=1, ticket_price="2.00")
    bought = invoke(
        "lottery-purchase", {"lottery_id": lottery["id"], "quantity": 1, "payment_method": "BALANCE"},
        token=winner.token,
    )  # fmt: skip
    assert bought.status == 200, bought.body
    entries = invoke("get-transactions", {}, token=winner.token).data
    assert [(e["type"], e["description_i18n"]["ru"]) for e in entries] == [
        ("LOTTERY_PURCHASE", "Покупка билетов"), ("ADJUSTMENT", "Корректировка")
    ]  # fmt: skip
    assert all(set(e["description_i18n"]) == LANGUAGES for e in entries)

    force_draw_time_passed(clean, lottery["id"])
    handler({"source": "aws.events", "detail-type": "Scheduled Event", "detail": {}}, None)
    prize = invoke("get-my-prizes", {}, token=winner.token).data[0]
    assert prize["shipping"] is None
    requested = invoke(
        "request-shipping",
        {"prize_id": prize["id"], "recipient_name": "Ali", "phone": "+992900000000", "address": "Rudaki 1"},
        token=winner.token,
    )
    assert requested.status == 200, requested.body
    assert requested.data["shipping"]["status_i18n"] == player_texts.SHIPPING_STATUSES["PENDING"]
    shipping = invoke("get-my-prizes", {}, token=winner.token).data[0]["shipping"]
    assert (shipping["status"], shipping["status_i18n"]["tg"]) == ("PENDING", "Дархост қабул шуд")


def test_a_lottery_of_the_previous_system_says_why_in_every_language(clean: psycopg.Connection) -> None:
    from functions.auto_lottery_draw.handler import handler

    on_sale = insert_legacy_lottery(clean, "CANCELLED", "ACTIVE")
    before = invoke("verify-draw", {"lottery_id": on_sale}).data
    assert before["legacy_reason"] == "ON_SALE_CANCELLED_REFUNDED"  # from the migrated record, before it is signed
    assert before["legacy_note_i18n"] == player_texts.LEGACY_NOTES["ON_SALE_CANCELLED_REFUNDED"]
    handler({"source": "aws.events", "detail-type": "Scheduled Event", "detail": {}}, None)
    after = invoke("verify-draw", {"lottery_id": on_sale}).data
    assert after["record"]["statement"]["reason"] == after["legacy_reason"] == before["legacy_reason"]
    ours = create_lottery(clean, total_tickets=2)
    plain = invoke("verify-draw", {"lottery_id": ours["id"]}).data
    assert "legacy_reason" not in plain and "legacy_note_i18n" not in plain
