"""fairdraw-v1 (notes/fairdraw.md): commitment, RFC 6962 Merkle root of the entries, HMAC rejection-sampling
draw and Ed25519 signatures. Pure functions, no database: the SQL side keeps the incremental Merkle frontier and
this module turns its root and the decrypted seed into the signed record.

The seed is stored encrypted (AES-256-GCM, secret `seed_encryption_key`, the lottery id as associated data, so
a ciphertext cannot be moved to another lottery); the operator key is the secret `fairdraw_signing_key`
(raw 32-byte Ed25519 private key, hex)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

ALGORITHM = "fairdraw-v1"
MERKLE_SCHEME = "rfc6962-sha256"
LEAF_FORMAT = "{seq}:{ticket_id}:{buyer_ref}"
TICKET_NUMBER_BASE = 1_000_000
SEED_BYTES = 32
NONCE_BYTES = 12


def canonical_json(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


# ---------------------------------------------------------------- RFC 6962 Merkle tree
def leaf_data(seq: int, ticket_id: str, buyer_ref: str) -> bytes:
    return f"{seq}:{ticket_id}:{buyer_ref}".encode()


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


class MerkleFrontier:
    """The compact range of a growing RFC 6962 tree: the roots of its perfect subtrees, largest first.
    O(log n) memory whatever the number of leaves (the SQL purchase function keeps the same structure)."""

    def __init__(self) -> None:
        self.hashes: list[bytes] = []
        self.heights: list[int] = []
        self.count = 0

    def append(self, data: bytes) -> None:
        digest, height = leaf_hash(data), 0
        while self.heights and self.heights[-1] == height:
            digest = node_hash(self.hashes.pop(), digest)
            self.heights.pop()
            height += 1
        self.hashes.append(digest)
        self.heights.append(height)
        self.count += 1

    def root(self) -> bytes:
        if not self.hashes:
            return hashlib.sha256(b"").digest()
        digest = self.hashes[-1]
        for left in reversed(self.hashes[:-1]):
            digest = node_hash(left, digest)
        return digest


def merkle_root(leaves: Iterable[bytes]) -> bytes:
    frontier = MerkleFrontier()
    for data in leaves:
        frontier.append(data)
    return frontier.root()


# ---------------------------------------------------------------- the draw
def draw_input(lottery_id: str, count: int, root_hex: str, beacon_hex: str | None = None) -> str:
    return f"{ALGORITHM}|{lottery_id}|{count}|{root_hex}|{beacon_hex or '-'}"


@dataclass(frozen=True)
class Outcome:
    counter: int
    hmac_hex: str
    winner_index: int

    @property
    def winning_seq(self) -> int:
        return self.winner_index + 1

    @property
    def winning_ticket_number(self) -> int:
        return TICKET_NUMBER_BASE + self.winning_seq


def pick_winner(seed: bytes, drawn_from: str, count: int) -> Outcome:
    """HMAC-SHA256 rejection sampling: uniform over 0..count-1 with no modulo bias."""
    if count < 1:
        raise ValueError("a draw needs at least one entry")
    limit = 2**256 - (2**256 % count)
    counter = 0
    while True:
        digest = hmac.new(seed, f"{drawn_from}|{counter}".encode(), hashlib.sha256).digest()
        value = int.from_bytes(digest, "big")
        if value < limit:
            return Outcome(counter, digest.hex(), value % count)
        counter += 1


# ---------------------------------------------------------------- keys, signatures, sealed seeds
def private_key(key_hex: str) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(bytes.fromhex(key_hex))


def public_key_hex(key: Ed25519PrivateKey) -> str:
    return key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw).hex()


def sign(key: Ed25519PrivateKey, document: dict[str, Any]) -> str:
    return b64url(key.sign(canonical_json(document)))


def verify(public_hex: str, document: dict[str, Any], signature: str) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(bytes.fromhex(public_hex)).verify(
            b64url_decode(signature), canonical_json(document)
        )
    except (InvalidSignature, ValueError):
        return False
    return True


def seal_seed(key_hex: str, lottery_id: str, seed: bytes) -> bytes:
    nonce = secrets.token_bytes(NONCE_BYTES)
    return nonce + AESGCM(bytes.fromhex(key_hex)).encrypt(nonce, seed, lottery_id.encode())


def open_seed(key_hex: str, lottery_id: str, sealed: bytes) -> bytes:
    return AESGCM(bytes.fromhex(key_hex)).decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], lottery_id.encode())


def seed_commitment(seed: bytes) -> str:
    return hashlib.sha256(seed).hexdigest()


# ---------------------------------------------------------------- documents
def commitment(
    key: Ed25519PrivateKey, lottery_id: str, count: int, seed: bytes, created_at: str
) -> dict[str, Any]:
    body = {
        "algorithm": ALGORITHM,
        "lottery_id": lottery_id,
        "ticket_count": count,
        "seed_commitment": seed_commitment(seed),
        "operator_public_key": public_key_hex(key),
        "created_at": created_at,
    }
    return {**body, "commitment_signature": sign(key, body)}


def draw_record(
    key: Ed25519PrivateKey,
    *,
    signed_commitment: dict[str, Any],
    root_hex: str,
    seed: bytes,
    outcome: Outcome,
    winning_ticket_id: str,
    drawn_at: str,
) -> dict[str, Any]:
    """The signed record WITHOUT the ticket list: `entries.root` commits to it, and verify-draw pages it."""
    count = int(signed_commitment["ticket_count"])
    drawn_from = draw_input(str(signed_commitment["lottery_id"]), count, root_hex)
    body = {
        "commitment": signed_commitment,
        "entries": {"scheme": MERKLE_SCHEME, "leaf": LEAF_FORMAT, "count": count, "root": root_hex},
        "beacon": None,
        "draw_input": drawn_from,
        "server_seed": seed.hex(),
        "counter": outcome.counter,
        "hmac": outcome.hmac_hex,
        "winner_index": outcome.winner_index,
        "winning_seq": outcome.winning_seq,
        "winning_ticket_number": outcome.winning_ticket_number,
        "winning_ticket_id": winning_ticket_id,
        "drawn_at": drawn_at,
    }
    return {**body, "draw_signature": sign(key, body)}


LEGACY_FORMAT = "luckymart-legacy-v1"
LEGACY_REASONS = (
    "DRAWN_BY_PREVIOUS_SYSTEM",
    "CANCELLED_BY_PREVIOUS_SYSTEM",
    "DRAWN_WITHOUT_WINNER_CANCELLED",
    "ON_SALE_CANCELLED_REFUNDED",
)


def legacy_reason(status: str, record: dict[str, Any]) -> str:
    """Why a lottery migrated from the previous system has no fair-draw record, from its status and the record
    migrate-legacy wrote (`cancelled_at_cutover`, `previous.status`)."""
    if status == "COMPLETED":
        return "DRAWN_BY_PREVIOUS_SYSTEM"
    if record.get("cancelled_at_cutover") is not True:
        return "CANCELLED_BY_PREVIOUS_SYSTEM"
    previous = record.get("previous")
    previous_status = str(previous.get("status") or "") if isinstance(previous, dict) else ""
    if previous_status.strip().upper() in ("COMPLETED", "DRAWN"):
        return "DRAWN_WITHOUT_WINNER_CANCELLED"
    return "ON_SALE_CANCELLED_REFUNDED"


def legacy_statement(
    key: Ed25519PrivateKey,
    *,
    lottery_id: str,
    reason: str,
    winning_ticket_number: int | None,
    drawn_at: str | None,
    total_tickets: int,
    signed_at: str,
) -> dict[str, Any]:
    """The operator's signed word that the previous system ran this lottery (it has no fair-draw record): what a
    verifier accepts instead of a record, for this lottery id only (docs/fairness.md)."""
    if reason not in LEGACY_REASONS:
        raise ValueError(f"unknown legacy reason {reason!r}")
    body = {
        "format": LEGACY_FORMAT,
        "lottery_id": lottery_id,
        "reason": reason,
        "winning_ticket_number": winning_ticket_number,
        "drawn_at": drawn_at,
        "total_tickets": total_tickets,
        "operator_public_key": public_key_hex(key),
        "signed_at": signed_at,
    }
    return {**body, "statement_signature": sign(key, body)}
