"""fairdraw-v1 against the golden vector of notes/fairdraw.md, and the standalone verifier against tampering."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from cryptography.exceptions import InvalidTag

from luckymart import fairdraw
from scripts import verify_draw

pytestmark = pytest.mark.unit

GOLDEN_KEY = bytes([7]) * 32
GOLDEN_SEED = bytes(range(32))
GOLDEN_ROOT = "bdc31b60bb475dc834d346120defee2ff8a672b5eebb509eea3051a450068e25"
GOLDEN_TICKETS = [
    {"seq": i, "ticket_id": f"t{i}", "ticket_number": 1_000_000 + i, "buyer_ref": f"u{i}"} for i in range(1, 11)
]


def golden_record() -> dict[str, Any]:
    key = fairdraw.private_key(GOLDEN_KEY.hex())
    signed = fairdraw.commitment(key, "lot-golden", 10, GOLDEN_SEED, "2026-11-26T00:00:00Z")
    drawn_from = fairdraw.draw_input("lot-golden", 10, GOLDEN_ROOT)
    outcome = fairdraw.pick_winner(GOLDEN_SEED, drawn_from, 10)
    record = fairdraw.draw_record(
        key,
        signed_commitment=signed,
        root_hex=GOLDEN_ROOT,
        seed=GOLDEN_SEED,
        outcome=outcome,
        winning_ticket_id=f"t{outcome.winning_seq}",
        drawn_at="2026-11-26T01:00:00Z",
    )
    return {"record": record, "tickets": copy.deepcopy(GOLDEN_TICKETS)}


def test_golden_vector() -> None:
    key = fairdraw.private_key(GOLDEN_KEY.hex())
    assert fairdraw.public_key_hex(key) == "ea4a6c63e29c520abef5507b132ec5f9954776aebebe7b92421eea691446d22c"
    assert (
        fairdraw.seed_commitment(GOLDEN_SEED) == "630dcd2966c4336691125448bbb25b4ff412a49c732db2c8abc1b8581bd710dd"
    )
    leaves = [fairdraw.leaf_data(i, f"t{i}", f"u{i}") for i in range(1, 11)]
    assert fairdraw.merkle_root(leaves).hex() == GOLDEN_ROOT
    drawn_from = fairdraw.draw_input("lot-golden", 10, GOLDEN_ROOT)
    assert drawn_from == f"fairdraw-v1|lot-golden|10|{GOLDEN_ROOT}|-"
    outcome = fairdraw.pick_winner(GOLDEN_SEED, drawn_from, 10)
    assert outcome.hmac_hex == "c3acba3084abc097930d2e2757e6d5049058a079105d3468d04b5b8b1215854a"
    assert (outcome.counter, outcome.winner_index, outcome.winning_seq) == (0, 8, 9)
    assert outcome.winning_ticket_number == 1_000_009


@pytest.mark.parametrize("size", [0, 1, 2, 3, 4, 5, 7, 8, 9, 31, 33])
def test_incremental_frontier_equals_recursive_rfc6962(size: int) -> None:
    def mth(leaves: list[bytes]) -> bytes:
        if not leaves:
            return fairdraw.hashlib.sha256(b"").digest()
        if len(leaves) == 1:
            return fairdraw.leaf_hash(leaves[0])
        k = 1
        while k * 2 < len(leaves):
            k *= 2
        return fairdraw.node_hash(mth(leaves[:k]), mth(leaves[k:]))

    leaves = [f"leaf{i}".encode() for i in range(size)]
    assert fairdraw.merkle_root(leaves) == mth(leaves)


def test_rejection_sampling_rejects_values_above_the_limit() -> None:
    # With N = 2**255 + 1 about half of all HMAC values are rejected, so some counter > 0 must appear.
    count = 2**255 + 1
    counters = {fairdraw.pick_winner(bytes([i]) * 32, "x", count).counter for i in range(40)}
    assert max(counters) > 0
    assert all(fairdraw.pick_winner(bytes([i]) * 32, "x", count).winner_index < count for i in range(5))


def test_verifier_accepts_the_golden_record() -> None:
    document = golden_record()
    report = verify_draw.verify(
        document, pinned_key="ea4a6c63e29c520abef5507b132ec5f9954776aebebe7b92421eea691446d22c"
    )
    assert report.ok, report.problems
    assert report.winning_ticket_number == 1_000_009


def _tamper(path: str, value: Any) -> dict[str, Any]:
    document = golden_record()
    target: Any = document
    *parents, last = path.split(".")
    for part in parents:
        target = target[int(part)] if isinstance(target, list) else target[part]
    if isinstance(target, list):
        target[int(last)] = value
    else:
        target[last] = value
    return document


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("record.winning_seq", 3),
        ("record.winner_index", 2),
        ("record.winning_ticket_id", "t3"),
        ("record.server_seed", bytes(range(1, 33)).hex()),
        ("record.counter", 1),
        ("record.draw_signature", fairdraw.b64url(bytes(64))),
        ("record.commitment.commitment_signature", fairdraw.b64url(bytes(64))),
        ("tickets.3.buyer_ref", "someone-else"),
        ("tickets.9.seq", 11),
    ],
)
def test_verifier_rejects_any_change(path: str, value: Any) -> None:
    report = verify_draw.verify(_tamper(path, value), pinned_key=None)
    assert not report.ok


def test_verifier_rejects_a_missing_ticket_and_a_foreign_key() -> None:
    document = golden_record()
    document["tickets"].pop()
    assert not verify_draw.verify(document, pinned_key=None).ok
    assert not verify_draw.verify(golden_record(), pinned_key="00" * 32).ok


def test_sealed_seed_is_bound_to_its_lottery() -> None:
    key_hex = bytes(range(32)).hex()
    sealed = fairdraw.seal_seed(key_hex, "lot-a", GOLDEN_SEED)
    assert fairdraw.open_seed(key_hex, "lot-a", sealed) == GOLDEN_SEED
    with pytest.raises(InvalidTag):
        fairdraw.open_seed(key_hex, "lot-b", sealed)
