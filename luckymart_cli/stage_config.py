"""A stage's settings file (config/<stage>.yml) as a deployer must finish it: what is still a placeholder, whether
the alarms page a real address, whether the Mini App's origin may call the functions. Shared by
`luckymart-admin preflight` (refuses to deploy) and `make package` (packages anyway, and names what it packaged):

    python -m luckymart_cli.stage_config placeholders config/prod.yml
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]

# Settings a stage cannot be deployed without (serverless.yml and the plugins read each of them).
REQUIRED = (
    "region",
    "supabaseUrl",
    "corsOrigins",
    "miniAppUrl",
    "fairdrawPublicKey",
    "receiptPublicKey",
    "frontDoor.webAclArn",
    "frontDoor.originSecretVersion",
    "parametersExtension",
    "alarms",
)
# Names reserved for documentation and testing (RFC 2606, RFC 6761) and mDNS: no real inbox or origin lives there.
RESERVED_DOMAINS = ("example.com", "example.net", "example.org")
RESERVED_SUFFIXES = (".example", ".test", ".invalid", ".local", ".localhost")
LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1")
# Placeholder words the example stage files use, and AWS's documentation account ids.
_PLACEHOLDER = re.compile(r"set-me|\byour[-_][a-z0-9_-]*|\b(?:000000000000|123456789012)\b", re.IGNORECASE)
_EMAIL = re.compile(r"^[^@\s]+@([^@\s]+\.[^@\s]+)$")
_URL_OR_ADDRESS = re.compile(r"^[a-z][a-z0-9+.-]*://|@")


def load(path: Path) -> dict[str, Any]:
    import yaml

    loaded = yaml.safe_load(path.read_text())
    if not isinstance(loaded, dict):
        raise ValueError(f"{path} is not a mapping of settings")
    return loaded


def path_of(stage: str) -> Path:
    return ROOT / "config" / f"{stage}.yml"


def setting(config: dict[str, Any], dotted: str) -> Any:
    value: Any = config
    for key in dotted.split("."):
        value = value.get(key) if isinstance(value, dict) else None
    return value


def _leaves(value: Any, prefix: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(value, dict):
        for key, inner in value.items():
            yield from _leaves(inner, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            yield from _leaves(inner, f"{prefix}[{index}]")
    elif isinstance(value, str):
        yield prefix, value


def reserved_host(host: str) -> bool:
    host = host.lower().rstrip(".")
    return any(host == d or host.endswith(f".{d}") for d in RESERVED_DOMAINS) or host.endswith(RESERVED_SUFFIXES)


def _host(value: str) -> str:
    if "://" in value:
        return urlsplit(value).hostname or ""
    match = _EMAIL.match(value)
    return match.group(1) if match else ""


@dataclass(frozen=True)
class Placeholder:
    path: str
    value: str
    why: str


def placeholders(config: dict[str, Any]) -> list[Placeholder]:
    """Every setting that still holds an example value, with the reason it is one."""
    found = []
    for path, value in _leaves(config):
        if _PLACEHOLDER.search(value):
            found.append(Placeholder(path, value, "an example value"))
        elif _URL_OR_ADDRESS.search(value) and reserved_host(_host(value)):
            found.append(Placeholder(path, value, f"{_host(value)} is a reserved example domain"))
    domain = setting(config, "frontDoor.domain")
    if isinstance(domain, str) and reserved_host(domain) and not any(p.path == "frontDoor.domain" for p in found):
        found.append(Placeholder("frontDoor.domain", domain, f"{domain} is a reserved example domain"))
    return found


def missing(config: dict[str, Any]) -> list[str]:
    return [name for name in REQUIRED if setting(config, name) in (None, "", [], {})]


def recipient_problems(config: dict[str, Any]) -> tuple[list[str], list[str]]:
    """(recipients, problems): who the stage's alarms page, and why any of them pages nobody."""
    alarms = config.get("alarms") or {}
    emails = [str(e) for e in alarms.get("email") or []]
    hooks = [str(u) for u in alarms.get("https") or []]
    problems = []
    for address in emails:
        match = _EMAIL.match(address)
        if not match:
            problems.append(f"alarms.email {address!r} is not an email address")
        elif reserved_host(match.group(1)) or _PLACEHOLDER.search(address):
            problems.append(f"alarms.email {address} is an example address: nobody reads it")
    for url in hooks:
        parts = urlsplit(url)
        if parts.scheme != "https" or not parts.hostname:
            problems.append(f"alarms.https {url!r} is not an https URL (SNS confirms https endpoints only)")
        elif reserved_host(parts.hostname) or _PLACEHOLDER.search(url):
            problems.append(f"alarms.https {url} is an example endpoint")
    if not emails and not hooks:
        problems.append("no alarm recipient: alarms.email and alarms.https are both empty")
    return emails + hooks, problems


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    default = {"https": 443, "http": 80}.get(parts.scheme)
    port = f":{parts.port}" if parts.port and parts.port != default else ""
    return f"{parts.scheme}://{(parts.hostname or '').lower()}{port}"


def https_or_loopback(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in LOOPBACK_HOSTS)


def origin_problems(config: dict[str, Any]) -> list[str]:
    """The Mini App must be allowed by CORS and every origin must be an https origin (or this machine's)."""
    problems = []
    origins = [str(o) for o in config.get("corsOrigins") or []]
    for origin in origins:
        if origin == "*":
            problems.append("corsOrigins '*' lets any web page call the functions with a player's session")
        elif not https_or_loopback(origin) or origin_of(origin) != origin.rstrip("/"):
            problems.append(f"corsOrigins {origin!r} is not an origin like https://app.example (no path)")
    mini_app = str(config.get("miniAppUrl") or "")
    if mini_app:
        if urlsplit(mini_app).scheme != "https":
            problems.append(f"miniAppUrl {mini_app} is not https (Telegram opens Mini Apps over https only)")
        if origin_of(mini_app) not in {origin_of(o) for o in origins}:
            problems.append(
                f"the Mini App's origin {origin_of(mini_app)} is not in corsOrigins: the browser would block "
                "every call the app makes"
            )
    supabase_url = str(config.get("supabaseUrl") or "")
    if supabase_url and not https_or_loopback(supabase_url):
        problems.append(f"supabaseUrl {supabase_url} is not https")
    return problems


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2 or args[0] != "placeholders":
        print("usage: python -m luckymart_cli.stage_config placeholders config/<stage>.yml", file=sys.stderr)
        return 2
    path = Path(args[1])
    found = placeholders(load(path))
    if not found:
        print(f"{path}: no placeholder")
        return 0
    print(f"{path}: packaged with {len(found)} placeholder(s); preflight refuses to deploy it until they are set:")
    for placeholder in found:
        print(f"  {placeholder.path} = {placeholder.value}  ({placeholder.why})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
