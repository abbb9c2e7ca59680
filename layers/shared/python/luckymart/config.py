"""Configuration: non-secret settings from the environment; secrets from the environment locally and from
SSM Parameter Store (SecureString) on AWS, read lazily (luckymart.ssm: through the Parameters and Secrets
extension, else Powertools parameters) and cached for SECRET_CACHE_SECONDS. A function names what it needs
(`Endpoint(secrets=..., settings=...)`, `require()`), so a missing one refuses the request before anything
changes."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache

from luckymart.errors import NotConfigured

SECRET_NAMES = (
    # one database key per function class (README "Security"); the service-role key is for operators only
    "supabase_user_key",
    "supabase_system_key",
    "supabase_admin_key",
    "supabase_anon_key",
    "telegram_bot_token",
    "telegram_webhook_secret",
    "fairdraw_signing_key",
    "receipt_signing_key",
    "seed_encryption_key",
    "referral_pepper",
    "referral_code_key",
)
SECRET_CACHE_SECONDS = 300


@dataclass(frozen=True)
class Settings:
    stage: str
    supabase_url: str
    supabase_rest_url: str
    cors_origins: tuple[str, ...]
    init_data_max_age_seconds: int
    ssm_prefix: str | None


@cache
def settings() -> Settings:
    origins = os.environ.get("CORS_ALLOWED_ORIGINS", "*")
    supabase_url = os.environ.get("SUPABASE_URL", "http://127.0.0.1:54321").rstrip("/")
    return Settings(
        stage=os.environ.get("STAGE", "local"),
        supabase_url=supabase_url,
        # Supabase serves PostgREST under /rest/v1; a local run may point straight at PostgREST instead.
        supabase_rest_url=os.environ.get("SUPABASE_REST_URL", f"{supabase_url}/rest/v1").rstrip("/"),
        cors_origins=tuple(o.strip() for o in origins.split(",") if o.strip()),
        init_data_max_age_seconds=int(os.environ.get("INIT_DATA_MAX_AGE_SECONDS", "3600")),
        ssm_prefix=os.environ.get("SSM_PARAMETER_PREFIX") or None,
    )


def secret(name: str) -> str:
    """One secret by its snake_case name. Env var NAME (upper case) wins; else SSM `<prefix>/<name>`.
    NotConfigured when it is set nowhere (or SSM has no such parameter), Unavailable when SSM fails for now."""
    if name not in SECRET_NAMES:
        raise KeyError(name)
    value = os.environ.get(name.upper())
    if value:
        return value
    prefix = settings().ssm_prefix
    if not prefix:
        raise NotConfigured(f"secret {name}")
    from luckymart import ssm  # only on AWS

    return ssm.get(f"{prefix}/{name}", max_age=SECRET_CACHE_SECONDS)


def reset() -> None:
    """Forget cached settings (tests change the environment between stacks)."""
    settings.cache_clear()


def require(secrets: tuple[str, ...] = (), environment: tuple[str, ...] = ()) -> None:
    """Resolves every named secret and checks every named environment setting, so that a request fails with
    NotConfigured (or Unavailable) before it changes anything, never half-way."""
    for name in environment:
        if not os.environ.get(name, "").strip():
            raise NotConfigured(f"setting {name}")
    for name in secrets:
        secret(name)
