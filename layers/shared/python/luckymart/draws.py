"""The one draw code path shared by the scheduled `auto-lottery-draw` and the admin `draw-lottery`, and the
commitment made when a lottery is created (notes/fairdraw.md).

A draw is three short steps: an SQL claim (SOLD_OUT -> DRAWING, conditional, returns the sealed seed and the
frozen Merkle root), the computation and signature here, and an SQL completion (DRAWING -> COMPLETED, exactly
once, checks the record against the frozen entries). The winner follows from seed + root alone, so re-running a
claim whose drawer crashed gives the same result."""

from __future__ import annotations

import os
import secrets
from datetime import UTC, datetime
from typing import Any

from luckymart import commission_queue, db, fairdraw, metrics
from luckymart.config import secret


def utc_now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def signing_key() -> Any:
    return fairdraw.private_key(secret("fairdraw_signing_key"))


def operator_public_key() -> str:
    """The published key verifiers pin. Public functions read it from configuration (FAIRDRAW_PUBLIC_KEY), so they
    never need access to the private signing key; locally it is derived from the generated key."""
    return os.environ.get("FAIRDRAW_PUBLIC_KEY") or fairdraw.public_key_hex(signing_key())


def new_commitment(lottery_id: str, ticket_count: int) -> dict[str, Any]:
    """A fresh seed, sealed for storage, and the signed public commitment to it: the SQL parameters."""
    seed = secrets.token_bytes(fairdraw.SEED_BYTES)
    sealed = fairdraw.seal_seed(secret("seed_encryption_key"), lottery_id, seed)
    return {
        "p_commitment": fairdraw.commitment(signing_key(), lottery_id, ticket_count, seed, utc_now_iso()),
        "p_seed_ciphertext": sealed.hex(),
        "p_seed_commitment": fairdraw.seed_commitment(seed),
    }


def complete(claim: dict[str, Any]) -> Any:
    """Draws a claimed lottery: computes and signs the record and completes it in SQL."""
    lottery_id = str(claim["lottery_id"])
    count = int(claim["ticket_count"])
    root = str(claim["entries_root"])
    seed = fairdraw.open_seed(secret("seed_encryption_key"), lottery_id, bytes.fromhex(claim["seed_ciphertext"]))
    outcome = fairdraw.pick_winner(seed, fairdraw.draw_input(lottery_id, count, root), count)
    ticket_id = db.rpc("lottery_draw_ticket", {"p_lottery_id": lottery_id, "p_seq": outcome.winning_seq})
    record = fairdraw.draw_record(
        signing_key(),
        signed_commitment=claim["commitment"],
        root_hex=root,
        seed=seed,
        outcome=outcome,
        winning_ticket_id=str(ticket_id),
        drawn_at=utc_now_iso(),
    )
    result = db.rpc("lottery_draw_complete", {"p_lottery_id": lottery_id, "p_record": record})
    # the draw made the lottery's commissions payable: hand the orders to the consumer now, not in a minute
    released = [str(order_id) for order_id in result.pop("commission_orders", None) or []]
    result["commissions_released"] = len(released)
    commission_queue.publish_released(released)
    metrics.draw_completed(claim, result)
    return result


def sign_legacy_statements(limit: int = 100) -> int:
    """Signs the statement of each lottery the previous system drew or cancelled that has none yet (one batch):
    verifiers accept "drawn by the previous system" only from it. SQL picks the lotteries, never one with a
    commitment of this system, and stores a statement only on the row it describes. Returns the number stored."""
    due = db.rpc("legacy_statements_due", {"p_limit": limit})
    if not due:
        return 0
    key = signing_key()
    signed_at = utc_now_iso()
    statements = [
        fairdraw.legacy_statement(
            key,
            lottery_id=str(row["lottery_id"]),
            reason=fairdraw.legacy_reason(str(row["status"]), dict(row["record"])),
            winning_ticket_number=row.get("winning_ticket_number"),
            drawn_at=row.get("drawn_at"),
            total_tickets=int(row["total_tickets"]),
            signed_at=signed_at,
        )
        for row in due
    ]
    signer = fairdraw.public_key_hex(key)
    return int(db.rpc("legacy_statements_store", {"p_statements": statements, "p_operator_public_key": signer}))
