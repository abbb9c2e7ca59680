"""Development-only secrets for a local stack, generated once per run folder and never committed.
On AWS the same names live in SSM Parameter Store (see docs/deploy.md)."""

from __future__ import annotations

import json
import secrets
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

LOCAL_BOT_TOKEN = "123456789:LOCAL-DEV-ONLY-BOT-TOKEN"


def _ed25519_private_hex() -> str:
    return (
        Ed25519PrivateKey.generate()
        .private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption())
        .hex()
    )


def local_secrets(run_dir: Path) -> dict[str, str]:
    """The run folder's secrets; names added since the folder was made are generated and saved."""
    path = run_dir / "secrets.json"
    values: dict[str, str] = dict(json.loads(path.read_text())) if path.exists() else {}
    wanted = {
        "TELEGRAM_BOT_TOKEN": lambda: LOCAL_BOT_TOKEN,
        "FAIRDRAW_SIGNING_KEY": _ed25519_private_hex,
        "RECEIPT_SIGNING_KEY": _ed25519_private_hex,  # purchase receipts: a key of its own, never the draw key
        "SEED_ENCRYPTION_KEY": lambda: secrets.token_bytes(32).hex(),
        "REFERRAL_PEPPER": lambda: secrets.token_hex(32),
        "REFERRAL_CODE_KEY": lambda: secrets.token_hex(32),
        "ORIGIN_SECRET": lambda: secrets.token_urlsafe(32),  # the gateway sends it like CloudFront's origin header
        "TELEGRAM_WEBHOOK_SECRET": lambda: secrets.token_urlsafe(32),  # Telegram echoes it in every webhook call
    }
    missing = {name: make() for name, make in wanted.items() if name not in values}
    if missing:
        values.update(missing)
        run_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))
        path.chmod(0o600)
    return values
