"""scripts/verify_draw.py as a player or an auditor runs it: the two verdicts (the draw's, the receipt's) with
their named checks, every object bound to the lottery asked about (and the receipt to its order), "from the
previous system" only from a signed statement that nothing contradicts, "record missing" instead of a pass when
the record is withheld, and a clear error, not a traceback, when the data cannot be read."""

from __future__ import annotations

import copy
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from luckymart import fairdraw
from scripts import verify_draw
from tests import golden_vectors

pytestmark = pytest.mark.unit


@pytest.fixture
def golden() -> dict[str, Any]:
    return golden_vectors.load()


def run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], document: dict[str, Any], *args: str, **files: Any
) -> tuple[int, str, str]:
    draw = tmp_path / "draw.json"
    draw.write_text(json.dumps({"data": document}))
    argv = ["--file", str(draw), *args]
    for name, value in files.items():
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps(value))
        argv += [f"--{name}", str(path)]
    status = verify_draw.main(argv)
    out, err = capsys.readouterr()
    return status, out, err


def keys(golden: dict[str, Any], lottery: str = "lot-golden") -> list[str]:
    return [
        "--lottery-id", lottery, "--public-key", golden["expected"]["operator_public_key"],
        "--receipt-key", golden["verify_draw"]["receipt_public_key"],
    ]  # fmt: skip


def signed_receipt(golden: dict[str, Any], **changes: Any) -> dict[str, Any]:
    body = {k: v for k, v in golden["receipt"].items() if k != "receipt_signature"} | changes
    key = fairdraw.private_key(golden["receipt_private_key"])
    return {**body, "receipt_signature": fairdraw.sign(key, body)}


def test_a_fair_draw_and_a_receipt_give_two_verdicts_with_their_checks(
    golden: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, _ = run(tmp_path, capsys, golden["verify_draw"], *keys(golden), receipt=golden["receipt"])
    assert status == 0
    lines = out.splitlines()
    assert lines[:3] == [
        "Lottery lot-golden (Golden vector)",
        "Drawn 2026-11-26T01:00:00Z: winning ticket 1000009",
        "Your ticket 1000003: did not win",
    ]
    assert "Draw: FAIR: 11 checks passed" in lines and "Receipt: YOURS AND INCLUDED" in lines
    checks = [line.split()[1] for line in lines if line.startswith("  ok")]
    assert checks == [
        "lottery", "key", "commitment_signature", "entries", "tickets", "root", "draw_signature", "seed",
        "draw_input", "hmac", "winner", "receipt_signature", "receipt_lottery", "receipt_order", "receipt_tickets",
    ]  # fmt: skip


def test_the_winning_ticket_is_told(
    golden: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, _ = run(tmp_path, capsys, golden["verify_draw"], *keys(golden), "--ticket", "1000009")
    assert status == 0 and "Your ticket 1000009: WON" in out and "Your ticket: TICKET IN THE DRAW" in out


def test_another_lotterys_honest_draw_is_not_proof_of_this_one(
    golden: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, _ = run(tmp_path, capsys, golden["verify_draw"], *keys(golden, "lot-asked"))
    assert status == 1
    assert "Draw: NOT FAIR: the data answered is for another lottery (lot-golden), not lot-asked" in out
    assert "  FAILED lottery" in out
    # the answer naming the asked id does not help: the signed commitment names the lottery it was made for
    relabelled = {**golden["verify_draw"], "lottery_id": "lot-asked"}
    report = verify_draw.verify(relabelled, golden["expected"]["operator_public_key"], lottery_id="lot-asked")
    assert report.draw == "not_fair" and report.steps["lottery"][0] == "fail"


def test_a_withheld_record_is_record_missing_and_before_the_draw_says_so(
    golden: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    withheld = {**golden["verify_draw"], "record": None}
    status, out, _ = run(tmp_path, capsys, withheld, *keys(golden), receipt=golden["receipt"])
    assert status == 1 and "Draw: RECORD MISSING" in out and "FAIR:" not in out
    assert "Receipt: YOURS AND INCLUDED" in out  # the receipt's verdict stands on its own

    sold_out = {**withheld, "status": "SOLD_OUT"}
    status, out, _ = run(tmp_path, capsys, sold_out, *keys(golden), receipt=golden["receipt"])
    assert status == 0 and "Draw: NOT DRAWN YET (sold out; the draw comes next)" in out
    assert "Pending until the draw: draw_signature, seed, draw_input, hmac, winner" in out

    on_sale = {**sold_out, "status": "ACTIVE", "entries": None, "tickets": {"items": [], "total": 0}}
    status, out, _ = run(tmp_path, capsys, on_sale, *keys(golden), receipt=golden["receipt"])
    assert status == 0 and "Draw: NOT DRAWN YET (still on sale)" in out
    assert "Receipt: GENUINE (inclusion can be checked from sell-out)" in out


def test_a_foreign_or_damaged_receipt_leaves_the_draw_fair(
    golden: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    foreign = signed_receipt(golden, lottery_id="lot-other")
    status, out, _ = run(tmp_path, capsys, golden["verify_draw"], *keys(golden), receipt=foreign)
    assert status == 1 and "Draw: FAIR: 11 checks passed" in out
    assert "Receipt: NOT VALID for this lottery: the receipt is for another lottery (lot-other)" in out
    assert "Your ticket" not in out.splitlines()[2]  # a foreign receipt's tickets are not the player's

    damaged = {**golden["receipt"], "buyer_ref": "u4"}
    status, out, _ = run(tmp_path, capsys, golden["verify_draw"], *keys(golden), receipt=damaged)
    assert (
        status == 1
        and "Draw: FAIR" in out
        and "Receipt: NOT VALID for this lottery: receipt signature is invalid" in out
    )


def test_the_receipt_is_bound_to_the_order_named(
    golden: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = keys(golden)
    status, out, _ = run(
        tmp_path, capsys, golden["verify_draw"], *args, "--order", "LTGOLDEN3", receipt=golden["receipt"]
    )
    assert status == 0 and "receipt of order LTGOLDEN3: tickets 1000003" in out
    status, out, _ = run(
        tmp_path, capsys, golden["verify_draw"], *args, "--order", "LTOTHER", receipt=golden["receipt"]
    )
    assert status == 1 and "the receipt is of order LTGOLDEN3, not of order LTOTHER" in out
    # a receipt whose ticket does not match its own fingerprint, even when validly signed
    tickets = [{**golden["receipt"]["tickets"][0], "ticket_id": "t4"}]
    status, out, _ = run(
        tmp_path, capsys, golden["verify_draw"], *args, receipt=signed_receipt(golden, tickets=tickets)
    )
    assert status == 1 and "receipt ticket 1000003 does not match its own fingerprint" in out


def test_previous_system_only_from_a_signed_statement_nothing_contradicts(
    golden: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    legacy = golden["legacy_verify_draw"]
    status, out, _ = run(tmp_path, capsys, legacy, *keys(golden, "lot-legacy"))
    assert status == verify_draw.EXIT_NOT_VERIFIABLE
    assert (
        "Draw: FROM THE PREVIOUS SYSTEM (not independently verifiable): drawn before the move to fair draws" in out
    )
    assert "Drawn 2025-06-01T12:00:00+00:00: winning ticket 1000007" in out

    def verdict(document: dict[str, Any], lottery: str = "lot-legacy", **kw: Any) -> tuple[str, str]:
        report = verify_draw.verify(document, golden["expected"]["operator_public_key"], lottery_id=lottery, **kw)
        return report.draw, next((t for s, t in report.steps.values() if s == "fail"), "")

    bare = copy.deepcopy(legacy)
    del bare["record"]["statement"]
    assert verdict(bare) == (
        "not_fair",
        "no signed statement that the previous system ran this lottery, only the server's word",
    )
    assert verdict(legacy, "lot-golden")[0] == "not_fair"  # a statement is about its own lottery only
    forged = copy.deepcopy(legacy)
    forged["record"]["statement"]["winning_ticket_number"] = 1_000_001
    assert verdict(forged) == ("not_fair", "the statement's signature is invalid")
    committed = {**copy.deepcopy(legacy), "commitment": {**golden["verify_draw"]["commitment"]}}
    committed["commitment"]["lottery_id"] = "lot-legacy"  # even unsigned for it: signed ones are checked
    assert verdict(committed)[0] == "legacy"
    key = fairdraw.private_key(golden["operator_private_key"])
    body = {k: v for k, v in committed["commitment"].items() if k != "commitment_signature"}
    committed["commitment"]["commitment_signature"] = fairdraw.sign(key, body)
    assert verdict(committed) == ("not_fair", "this lottery has a signed commitment of the new system")
    receipt = signed_receipt(golden, lottery_id="lot-legacy")
    drawn, problem = verdict(legacy, receipt=receipt, receipt_key=golden["verify_draw"]["receipt_public_key"])
    assert (drawn, problem) == ("not_fair", "your receipt shows the new system sold this lottery")
    # the server's own note is still readable, never obeyed
    assert verify_draw.legacy_message(bare) == verify_draw.LEGACY_MESSAGE


class _Answers(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        return

    def do_GET(self) -> None:
        if "broken" in self.path:
            body, status = b"<html>gateway error</html>", 502
        else:
            error = {"code": "NOT_FOUND", "message": "lottery not found"}
            body, status = json.dumps({"success": False, "error": error}).encode(), 404
        self.send_response(status)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Answers)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_unreachable_or_unreadable_data_is_a_clear_error(
    server: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def main(*argv: str) -> tuple[int, str, str]:
        status = verify_draw.main([*argv, "--lottery-id", "x"])
        out, err = capsys.readouterr()
        return status, out, err

    closed = f"http://127.0.0.1:{_free_port()}/functions/v1/verify-draw"
    status, out, err = main("--url", closed)
    assert status == verify_draw.EXIT_UNREADABLE and out == ""
    assert err.startswith(f"error: cannot reach {closed}: ") and "Traceback" not in err
    status, _, err = main("--url", f"{server}/functions/v1/verify-draw")
    assert (status, err) == (
        4,
        f"error: {server}/functions/v1/verify-draw answered HTTP 404 (NOT_FOUND: lottery not found)\n",
    )
    status, _, err = main("--url", f"{server}/broken")
    assert status == 4 and err == f"error: {server}/broken answered HTTP 502 (Bad Gateway)\n"
    status, _, err = main("--file", str(tmp_path / "missing.json"))
    assert status == 4 and err.startswith("error: cannot read ") and "No such file" in err
    (tmp_path / "bad.json").write_text("{not json")
    status, _, err = main("--file", str(tmp_path / "bad.json"))
    assert (status, err) == (4, f"error: {tmp_path / 'bad.json'} is not JSON\n")


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
