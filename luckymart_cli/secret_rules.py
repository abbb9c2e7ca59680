"""Every secret a stage keeps in SSM under /luckymart/<stage>/: what it is, how it is made and what a valid value
looks like. One table for the two tools that must agree on it: `scripts/put_secrets.py` creates what is missing
(and refuses a value that would not parse), `luckymart-admin preflight` checks what is there. The names are the
layer's own list (luckymart.config.SECRET_NAMES) plus the front door's origin secret, so a secret a function starts
to read is a secret both tools know about (tests/unit/test_preflight_rules.py)."""

from __future__ import annotations

import base64
import json
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass

from luckymart.config import SECRET_NAMES

ORIGIN_SECRET = "origin_secret"  # noqa: S105 - a name
CLASSES = ("user", "system", "admin")
EXPIRY_REFUSED_DAYS = 7  # a database key this close to its end stops every function soon after the deploy
EXPIRY_WARNING_DAYS = 30
_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_BOT_TOKEN = re.compile(r"^[0-9]{5,}:[A-Za-z0-9_-]{30,}$")
_WEBHOOK_SECRET = re.compile(r"^[A-Za-z0-9_-]{16,256}$")  # Telegram allows 1-256 of these; 16+ to be unguessable
_HEADER_VALUE = re.compile(r"^[!-~]{16,}$")  # visible ASCII, no spaces: an HTTP header value


class BadSecret(ValueError):
    """The value would not work; the message says why (never the value)."""


def _b64url_json(part: str) -> dict[str, object]:
    try:
        decoded = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    except ValueError:
        raise BadSecret("not a JWT (its parts are not base64url JSON)") from None
    if not isinstance(decoded, dict):
        raise BadSecret("not a JWT (its payload is not an object)")
    return decoded


def jwt_claims(value: str) -> tuple[dict[str, object], dict[str, object]]:
    """(header, claims) of a JWT, unverified: the project checks the signature (preflight asks it)."""
    parts = value.split(".")
    if len(parts) != 3 or not all(parts):
        raise BadSecret("not a JWT (three dot-separated parts expected)")
    return _b64url_json(parts[0]), _b64url_json(parts[1])


def _expiry(claims: dict[str, object]) -> str:
    exp = claims.get("exp")
    if exp is None:
        return "no expiry"
    if not isinstance(exp, int | float):
        raise BadSecret("its exp claim is not a number")
    days = int((float(exp) - time.time()) // 86400)
    when = time.strftime("%Y-%m-%d", time.gmtime(float(exp)))
    if days < 0:
        raise BadSecret(f"expired on {when}")
    if days < EXPIRY_REFUSED_DAYS:
        raise BadSecret(f"expires on {when}, in {days} days")
    return f"expires {when} ({days} days{'; re-mint soon' if days < EXPIRY_WARNING_DAYS else ''})"


def database_key(db_class: str) -> Callable[[str], str]:
    def check(value: str) -> str:
        header, claims = jwt_claims(value)
        role = claims.get("role")
        if role != f"luckymart_{db_class}":
            raise BadSecret(f"its role claim is {role!r}, not 'luckymart_{db_class}'")
        return f"JWT ({header.get('alg')}) for role {role}, {_expiry(claims)}"

    return check


def anon_key(value: str) -> str:
    if value.startswith("sb_publishable_"):
        return "publishable key"
    if value.startswith("sb_secret_"):
        raise BadSecret("a secret key (sb_secret_…): the anon slot needs the public anon/publishable key")
    _, claims = jwt_claims(value)
    role = claims.get("role")
    if role != "anon":
        raise BadSecret(f"its role claim is {role!r}, not 'anon' (never store the service-role key here)")
    return f"JWT for role anon, {_expiry(claims)}"


def bot_token(value: str) -> str:
    if not _BOT_TOKEN.match(value):
        raise BadSecret("not a bot token like 123456789:AA… (BotFather's /token)")
    return f"bot token of bot id {value.split(':', maxsplit=1)[0]}"


def webhook_secret(value: str) -> str:
    if not _WEBHOOK_SECRET.match(value):
        raise BadSecret("Telegram takes 16-256 characters of A-Z a-z 0-9 _ - as a webhook secret")
    return f"{len(value)} characters"


def ed25519_key(value: str) -> str:
    if not _HEX64.match(value):
        raise BadSecret(f"not 64 lowercase hex characters (a raw Ed25519 private key); {len(value)} characters")
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    Ed25519PrivateKey.from_private_bytes(bytes.fromhex(value))
    return "Ed25519 private key"


def aes_key(value: str) -> str:
    if not _HEX64.match(value):
        raise BadSecret(f"not 64 lowercase hex characters (a 256-bit AES key); {len(value)} characters")
    return "256-bit key"


def long_key(value: str) -> str:
    if len(value) < 32:  # private.next_referral_code refuses shorter keys
        raise BadSecret(f"{len(value)} characters; at least 32 needed")
    return f"{len(value)} characters"


def origin_secret(value: str) -> str:
    if not _HEADER_VALUE.match(value):
        raise BadSecret("not 16+ visible ASCII characters without spaces (an HTTP header value)")
    return f"{len(value)} characters"


def public_key_of(private_hex: str) -> str:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(private_hex))
    return key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw).hex()


def new_ed25519() -> str:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    raw = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    return raw.hex()


def new_hex() -> str:
    return secrets.token_hex(32)


def new_token() -> str:
    return secrets.token_urlsafe(32)


@dataclass(frozen=True)
class Rule:
    name: str
    what: str  # what it is and where it comes from (runbook, fixes)
    check: Callable[[str], str]  # a short description of a valid value, or BadSecret
    make: Callable[[], str] | None = None  # generated by put_secrets; None: given by the deployer or minted
    parameter_type: str = "SecureString"
    keep_offline: bool = False  # losing it makes open lotteries impossible to draw verifiably


RULES: dict[str, Rule] = {
    rule.name: rule
    for rule in (
        Rule(
            "supabase_anon_key",
            "the project's anon (or publishable) key: Supabase → Project Settings → API Keys",
            anon_key,
        ),
        *(
            Rule(
                f"supabase_{c}_key",
                f"the {c} functions' database key: a JWT for role luckymart_{c} signed with the "
                "project's JWT secret (scripts/mint_db_keys.py)",
                database_key(c),
            )
            for c in CLASSES
        ),
        Rule("telegram_bot_token", "the bot's token: BotFather → /mybots → the bot → API Token", bot_token),
        Rule(
            "telegram_webhook_secret",
            "what Telegram sends back in X-Telegram-Bot-Api-Secret-Token (random)",
            webhook_secret,
            new_token,
        ),
        Rule(
            "fairdraw_signing_key",
            "the operator's draw key: Ed25519 private key, raw hex (random)",
            ed25519_key,
            new_ed25519,
            keep_offline=True,
        ),
        Rule(
            "receipt_signing_key",
            "the purchase receipts' key: Ed25519 private key, raw hex, never the draw key (random)",
            ed25519_key,
            new_ed25519,
        ),
        Rule(
            "seed_encryption_key",
            "seals each lottery's seed: AES-256 key, hex (random)",
            aes_key,
            new_hex,
            keep_offline=True,
        ),
        Rule(
            "referral_pepper",
            "keys each ticket's pseudonymous buyer_ref (random hex)",
            long_key,
            new_hex,
            keep_offline=True,
        ),
        Rule(
            "referral_code_key", "keys the permutation behind new referral codes (random hex)", long_key, new_hex
        ),
        Rule(
            ORIGIN_SECRET,
            "the header CloudFront adds so the functions know a request came through the front "
            "door (random; a String parameter: CloudFormation resolves it into the distribution)",
            origin_secret,
            new_token,
            parameter_type="String",
        ),
    )
}
assert set(RULES) == {*SECRET_NAMES, ORIGIN_SECRET}, "a secret without a rule"


def describe(name: str, value: str) -> str:
    """What the value is, or BadSecret."""
    return RULES[name].check(value)
