"""Signed purchase receipts (docs/fairness.md): what a buyer keeps to prove later that a ticket was
sold to them, in case the published entries drop or alter it.

The receipt key is its own Ed25519 key (secret `receipt_signing_key`), never the draw key: the purchase Lambda
signs thousands of receipts and must not be able to sign a draw record. Verifiers pin its public key
(config `receiptPublicKey`, published by verify-draw)."""

from __future__ import annotations

import hashlib
import os
from functools import cache
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from luckymart import fairdraw
from luckymart.config import secret
from luckymart.errors import NotConfigured

FORMAT = "luckymart-receipt-v1"


@cache
def _key(private_hex: str) -> Ed25519PrivateKey:
    return fairdraw.private_key(private_hex)


def signing_key() -> Ed25519PrivateKey:
    """The receipt key; NotConfigured when the secret is missing or is not a 32-byte Ed25519 key in hex."""
    value = secret("receipt_signing_key")
    try:
        return _key(value)
    except ValueError:
        raise NotConfigured("secret receipt_signing_key", "is not a 64-character hex Ed25519 key") from None


def public_key() -> str:
    """The published receipt key: configuration on AWS (RECEIPT_PUBLIC_KEY), derived from the local key in dev."""
    return os.environ.get("RECEIPT_PUBLIC_KEY") or fairdraw.public_key_hex(signing_key())


def commitment_hash(commitment: dict[str, Any]) -> str:
    """SHA-256 of the canonical JSON of the signed commitment (signature included)."""
    return hashlib.sha256(fairdraw.canonical_json(commitment)).hexdigest()


def issue(material: dict[str, Any], order: dict[str, Any], key: Ed25519PrivateKey) -> dict[str, Any]:
    """The signed receipt of one purchase from what the purchase RPC returned, with the key read before that RPC.
    Deterministic (Ed25519 and the order's paid_at), so an idempotent replay returns the very same receipt."""
    buyer_ref = str(material["buyer_ref"])
    body = {
        "format": FORMAT,
        "lottery_id": str(material["lottery_id"]),
        "commitment_hash": commitment_hash(material["commitment"]),
        "order_id": str(order["id"]),
        "order_number": str(order["order_number"]),
        "buyer_ref": buyer_ref,
        "tickets": [
            {
                "seq": int(t["seq"]),
                "ticket_number": int(t["ticket_number"]),
                "ticket_id": str(t["ticket_id"]),
                "leaf_hash": fairdraw.leaf_hash(
                    fairdraw.leaf_data(int(t["seq"]), str(t["ticket_id"]), buyer_ref)
                ).hex(),
            }
            for t in material["tickets"]
        ],
        "purchased_at": str(order["paid_at"]),
        "receipt_public_key": fairdraw.public_key_hex(key),
    }
    return {**body, "receipt_signature": fairdraw.sign(key, body)}
