"""Development-only secrets for a local stack, generated once per run folder and never committed.
On AWS the same names live in SSM Parameter Store (see README, "Deploying")."""

from __future__ import annotations

import json
import secrets
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

LOCAL_BOT_TOKEN = "123456789:LOCAL-DEV-ONLY-BOT-TOKEN"


def local_secrets(run_dir: Path) -> dict[str, str]:
    path = run_dir / "secrets.json"
    if path.exists():
        return dict(json.loads(path.read_text()))
    signing_key = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    values = {
        "TELEGRAM_BOT_TOKEN": LOCAL_BOT_TOKEN,
        "FAIRDRAW_SIGNING_KEY": signing_key.hex(),
        "SEED_ENCRYPTION_KEY": secrets.token_bytes(32).hex(),
        "REFERRAL_PEPPER": secrets.token_hex(32),
        "TELEGRAM_WEBHOOK_SECRET": secrets.token_urlsafe(32),
    }
    run_dir.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(values))
    path.chmod(0o600)
    return values
