"""Prints the Ed25519 public key (hex) for a private key given as hex on stdin — the value to put in
config/<stage>.yml `fairdrawPublicKey` (draw key) or `receiptPublicKey` (purchase-receipt key) and to publish
for verifiers:

    aws ssm get-parameter --with-decryption --name /luckymart/prod/fairdraw_signing_key \\
        --query Parameter.Value --output text | python scripts/fairdraw_public_key.py
    aws ssm get-parameter --with-decryption --name /luckymart/prod/receipt_signing_key \\
        --query Parameter.Value --output text | python scripts/fairdraw_public_key.py
"""

from __future__ import annotations

import sys

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey


def main() -> None:
    private = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(sys.stdin.read().strip()))
    print(private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw).hex())


if __name__ == "__main__":
    main()
