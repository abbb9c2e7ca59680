"""Admin API tokens: `lma_` + 256 bits of randomness, shown once to whoever creates or rotates them, stored only
as SHA-256 hex (`admins.token_hash`). Used by admin-accounts and by `luckymart-admin bootstrap`."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from luckymart.admin import hash_admin_token

TOKEN_PREFIX = "lma_"  # noqa: S105 - a public prefix, not a secret


@dataclass(frozen=True)
class NewAdminToken:
    token: str
    token_hash: str

    def __repr__(self) -> str:  # keeps the token out of tracebacks and debug output
        return f"NewAdminToken(token_hash={self.token_hash!r})"


def new_admin_token() -> NewAdminToken:
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    return NewAdminToken(token, hash_admin_token(token))
