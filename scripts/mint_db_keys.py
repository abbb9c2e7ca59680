"""Mints the three database keys of a stage (README "Security"): one JWT per function class whose `role` claim
names the database role luckymart_<class>. Supabase verifies it like any of its own JWTs, so it must be signed
with a key the project trusts:

    JWT_SECRET=... python scripts/mint_db_keys.py --hs256             # legacy JWT secret (Settings -> JWT Keys)
    python scripts/mint_db_keys.py --es256 key.pem --kid <key id>      # a private key imported as signing key

Prints `class key` lines; the keys go to SSM as /luckymart/<stage>/supabase_<class>_key. Never logs the secret.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import json
import os
import sys
import time
from pathlib import Path

CLASSES = ("user", "system", "admin")


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def mint(db_class: str, *, days: int, hs256_secret: str | None = None, es256_pem: bytes | None = None,
         kid: str | None = None) -> str:  # fmt: skip
    now = int(time.time())
    claims = {"iss": "luckymart", "role": f"luckymart_{db_class}", "iat": now, "exp": now + days * 86400}
    header = {"alg": "HS256" if hs256_secret else "ES256", "typ": "JWT", **({"kid": kid} if kid else {})}
    signing_input = f"{_b64url(json.dumps(header).encode())}.{_b64url(json.dumps(claims).encode())}".encode()
    if hs256_secret:
        signature = hmac.new(hs256_secret.encode(), signing_input, hashlib.sha256).digest()
    else:
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

        assert es256_pem is not None
        key = serialization.load_pem_private_key(es256_pem, password=None)
        assert isinstance(key, ec.EllipticCurvePrivateKey)
        r, s = decode_dss_signature(key.sign(signing_input, ec.ECDSA(hashes.SHA256())))
        signature = r.to_bytes(32, "big") + s.to_bytes(32, "big")
    return f"{signing_input.decode()}.{_b64url(signature)}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument(
        "--hs256", action="store_true", help="sign with $JWT_SECRET (the project's legacy JWT secret)"
    )
    mode.add_argument("--es256", type=Path, help="PEM private key imported into the project's JWT signing keys")
    parser.add_argument("--kid", help="key id of the imported signing key (ES256)")
    parser.add_argument("--days", type=int, default=365, help="lifetime; re-mint and rotate before it ends")
    args = parser.parse_args(argv)
    secret = os.environ.get("JWT_SECRET") if args.hs256 else None
    if args.hs256 and not secret:
        parser.error("JWT_SECRET is not set")
    pem = args.es256.read_bytes() if args.es256 else None
    for db_class in CLASSES:
        print(db_class, mint(db_class, days=args.days, hs256_secret=secret, es256_pem=pem, kid=args.kid))
    return 0


if __name__ == "__main__":
    sys.exit(main())
