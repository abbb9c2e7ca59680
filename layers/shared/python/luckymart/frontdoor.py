"""Only the front door may call a user function (docs/deploy-frontdoor.md).

A Function URL is public (auth NONE: Origin Access Control would make every POST caller send
`x-amz-content-sha256`, which supabase-js does not). So CloudFront adds a secret origin header to every request it
forwards to a function, and the function refuses any request without it before anything else runs: a direct call
to the Function URL cannot skip the WAF, the rate limits or the cache of the front door.

Configuration (environment):
  ORIGIN_SECRET_REQUIRED   "true" turns the check on (AWS: `frontDoor.enforceOriginSecret`; `make dev`: on)
  ORIGIN_SECRET            locally: the accepted value (the gateway sends it); ORIGIN_SECRET_PREVIOUS optional
  ORIGIN_SECRET_VERSION    on AWS: the version of SSM parameter `<prefix>/origin_secret` that CloudFront sends;
                           that version and the one before it are accepted, so a rotation never refuses a request
"""

from __future__ import annotations

import hmac
import ipaddress
import os
from collections.abc import Mapping

from luckymart.config import settings

HEADER = "x-origin-verify"
VIEWER_IP_HEADER = "x-luckymart-viewer-ip"  # set by the router (or the local gateway) over any caller's value
PARAMETER = "origin_secret"


def required() -> bool:
    return os.environ.get("ORIGIN_SECRET_REQUIRED", "").strip().lower() in {"1", "true", "yes"}


def accepted_secrets() -> tuple[bytes, ...]:
    local = [os.environ.get("ORIGIN_SECRET"), os.environ.get("ORIGIN_SECRET_PREVIOUS")]
    if local[0]:
        return tuple(value.encode() for value in local if value)
    version = int(os.environ.get("ORIGIN_SECRET_VERSION") or 0)
    if version < 1:
        raise RuntimeError("origin secret is required but neither ORIGIN_SECRET nor ORIGIN_SECRET_VERSION is set")
    return tuple(_ssm_version(v) for v in (version, version - 1) if v >= 1)


def _ssm_version(version: int) -> bytes:
    """One version of the parameter. A version's value never changes, so it is read once per container."""
    prefix = settings().ssm_prefix
    if not prefix:
        raise RuntimeError("SSM_PARAMETER_PREFIX is not set")
    from luckymart import ssm  # only on AWS

    return ssm.get(f"{prefix}/{PARAMETER}:{version}").encode()


def admitted(headers: Mapping[str, str] | None) -> bool:
    """True when the check is off or the request carries a current (or the previous) origin secret."""
    if not required():
        return True
    presented = next((v for k, v in (headers or {}).items() if k.lower() == HEADER), None)
    if not presented:
        return False
    candidate = presented.encode()
    # Compare with every accepted value, always all of them: the time taken says nothing about which matched.
    matched = False
    for secret in accepted_secrets():
        matched |= hmac.compare_digest(candidate, secret)
    return matched


def viewer_ip(headers: Mapping[str, str]) -> str | None:
    """The caller's address as the front door saw it (a Function URL sees CloudFront's). Trusted only with the
    origin check on: the request then provably came through the front door, which overwrote the caller's value."""
    if not required():
        return None
    value = (headers.get(VIEWER_IP_HEADER) or "").strip()
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def reset() -> None:
    """Forget cached SSM values (tests)."""
    from luckymart import ssm

    ssm.reset()
