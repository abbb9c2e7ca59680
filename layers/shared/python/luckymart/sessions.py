"""User session tokens: 256-bit random, returned once, stored only as SHA-256 (SPEC §4)."""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Mapping
from typing import Any

_TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_\-]{16,128}$")
_JWT_SHAPE = re.compile(r"^eyJ[A-Za-z0-9_\-]*\.[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]*$")


def new_token() -> str:
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def extract_token(headers: Mapping[str, str], body: Mapping[str, Any] | None) -> str | None:
    """The session token from `X-Session-Token`, `Authorization: Bearer` (unless it is a Supabase JWT such as
    the anon key the old frontend always sends) or the body field `session_token`, in that order."""
    candidates: list[Any] = [headers.get("x-session-token")]
    authorization = headers.get("authorization") or ""
    scheme, _, value = authorization.partition(" ")
    if scheme.lower() == "bearer" and value and not _JWT_SHAPE.match(value.strip()):
        candidates.append(value.strip())
    if body:
        candidates.append(body.get("session_token"))
    for candidate in candidates:
        if isinstance(candidate, str) and candidate.strip():
            return candidate.strip()
    return None


def is_well_formed(token: str) -> bool:
    return bool(_TOKEN_SHAPE.match(token))
