"""The shared golden vectors (tests/data/fairdraw_golden.json, also read by the browser page's tests) are current,
match notes/fairdraw.md, and pass the standalone Python verifier with a receipt and inclusion proofs."""

from __future__ import annotations

import copy

import pytest

from scripts import verify_draw
from tests import golden_vectors

pytestmark = pytest.mark.unit


def test_the_committed_file_is_what_the_generator_writes() -> None:
    assert golden_vectors.PATH.read_text(encoding="utf-8") == golden_vectors.render()


def test_values_are_those_of_the_notes() -> None:
    expected = golden_vectors.load()["expected"]
    assert expected["operator_public_key"] == "ea4a6c63e29c520abef5507b132ec5f9954776aebebe7b92421eea691446d22c"
    assert expected["seed_commitment"] == "630dcd2966c4336691125448bbb25b4ff412a49c732db2c8abc1b8581bd710dd"
    assert expected["root"] == "bdc31b60bb475dc834d346120defee2ff8a672b5eebb509eea3051a450068e25"
    assert expected["hmac"] == "c3acba3084abc097930d2e2757e6d5049058a079105d3468d04b5b8b1215854a"
    assert (expected["counter"], expected["winner_index"], expected["winning_seq"]) == (0, 8, 9)


def test_python_verifier_accepts_draw_receipt_and_proofs() -> None:
    golden = golden_vectors.load()
    document = golden["verify_draw"]
    report = verify_draw.verify(
        document,
        document["operator_public_key"],
        receipt=golden["receipt"],
        receipt_key=document["receipt_public_key"],
        proofs=golden["ticket_proofs"],
    )
    assert report.ok, report.problems
    assert report.winning_ticket_number == 1_000_009
    root, count = document["entries"]["root"], document["entries"]["count"]
    for proof in golden["ticket_proofs"]["proofs"]:
        assert verify_draw.inclusion_ok(proof["leaf_hash"], proof["leaf_index"], count, proof["audit_path"], root)
        assert not verify_draw.inclusion_ok(
            proof["leaf_hash"], (proof["leaf_index"] + 1) % count, count, proof["audit_path"], root
        )


def test_python_verifier_flags_a_receipt_ticket_missing_from_the_entries() -> None:
    golden = golden_vectors.load()
    document = copy.deepcopy(golden["verify_draw"])
    document["tickets"]["items"] = [t for t in document["tickets"]["items"] if t["seq"] != 3]
    report = verify_draw.verify(
        document, None, receipt=golden["receipt"], receipt_key=document["receipt_public_key"]
    )
    assert "receipt ticket 1000003 is missing from the entries or altered" in report.problems
