"""Every code a player reads a label of has it in ru, tg, zh and en: each shipping status and ledger entry type the
schema allows, each reason a lottery of the previous system has no draw record."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from luckymart import fairdraw, player_texts

pytestmark = pytest.mark.unit
SCHEMA = Path(__file__).resolve().parents[2] / "infra" / "supabase" / "migrations" / "20261126000100_schema.sql"


def allowed(table: str, column: str) -> set[str]:
    """The values a `check (column in (...))` of a table allows."""
    body = SCHEMA.read_text().split(f"create table public.{table} (", 1)[1].split(");", 1)[0]
    match = re.search(rf"{column}\s+text not null[^\n]*?check \({column} in \((.*?)\)\)", body, re.S)
    assert match, (table, column)
    return set(re.findall(r"'([A-Z_]+)'", match.group(1)))


@pytest.mark.parametrize(
    ("catalogue", "codes"),
    [
        (player_texts.SHIPPING_STATUSES, allowed("shipping", "status")),
        (player_texts.LEDGER_TYPES, allowed("wallet_transactions", "type")),
        (player_texts.LEGACY_NOTES, set(fairdraw.LEGACY_REASONS)),
    ],
)
def test_every_code_has_every_language(catalogue: dict[str, dict[str, str]], codes: set[str]) -> None:
    assert set(catalogue) == codes
    for code, texts in catalogue.items():
        assert set(texts) == set(player_texts.LANGUAGES), code
        assert all(text.strip() for text in texts.values()), code


def test_labels_and_a_labelled_shipping() -> None:
    assert player_texts.labels(player_texts.SHIPPING_STATUSES, "SHIPPED") == {
        "ru": "Отправлен", "tg": "Фиристода шуд", "zh": "已发货", "en": "Shipped"
    }  # fmt: skip
    assert player_texts.labels(player_texts.LEDGER_TYPES, "SOMETHING_OLD") is None
    assert player_texts.labelled_shipping(None) is None
    assert player_texts.labelled_shipping({"status": "DELIVERED"})["status_i18n"]["ru"] == "Доставлен"


def cancelled(at_cutover: bool, previous: str) -> dict[str, object]:
    return {"cancelled_at_cutover": at_cutover, "previous": {"status": previous}}


@pytest.mark.parametrize(
    ("status", "record", "reason"),
    [
        ("COMPLETED", {"legacy": True}, "DRAWN_BY_PREVIOUS_SYSTEM"),
        ("CANCELLED", cancelled(False, "CANCELLED"), "CANCELLED_BY_PREVIOUS_SYSTEM"),
        ("CANCELLED", cancelled(True, " drawn"), "DRAWN_WITHOUT_WINNER_CANCELLED"),
        ("CANCELLED", cancelled(True, "ACTIVE"), "ON_SALE_CANCELLED_REFUNDED"),
    ],
)
def test_why_a_legacy_lottery_has_no_draw_record(status: str, record: dict[str, object], reason: str) -> None:
    """(cancelled_at_cutover is what migrate-legacy wrote; previous.status is the old row's, as typed)"""
    assert fairdraw.legacy_reason(status, record) == reason
