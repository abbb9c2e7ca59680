"""scripts/verify_draw.py on a lottery drawn before the cutover (migrate-legacy): it says the draw cannot be
verified, with its own exit status, instead of reporting a malformed record."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scripts import verify_draw

pytestmark = pytest.mark.unit

LEGACY_RECORD = {
    "legacy": True,
    "verifiable": False,
    "message": "drawn by the previous system, not independently verifiable",
    "previous": {"status": "COMPLETED", "winning_ticket_number": "1000007"},
}
LEGACY_DATA = {
    "lottery_id": "6b1f0c52-4b8e-4f53-9d1c-2c7f5d1e9a01",
    "title": "Prize 6",
    "status": "COMPLETED",
    "commitment": None,
    "entries": None,
    "record": LEGACY_RECORD,
    "tickets": {"items": [], "total": 0, "limit": 1000, "offset": 0},
}


def test_a_legacy_draw_is_reported_not_verifiable(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "draw.json"
    path.write_text(json.dumps({"data": LEGACY_DATA}))
    assert verify_draw.main(["--file", str(path)]) == verify_draw.EXIT_NOT_VERIFIABLE
    assert capsys.readouterr().out.strip() == (
        "NOT VERIFIABLE: drawn by the previous system, not independently verifiable"
    )


def test_the_published_message_is_shown_and_a_fair_record_is_not_legacy() -> None:
    cancelled = {**LEGACY_DATA, "record": {**LEGACY_RECORD, "message": "on sale at cutover: cancelled"}}
    assert verify_draw.legacy_message(cancelled) == "on sale at cutover: cancelled"
    assert verify_draw.legacy_message({**LEGACY_DATA, "record": {"legacy": "true"}}) is None
    assert verify_draw.legacy_message({**LEGACY_DATA, "record": None}) is None
