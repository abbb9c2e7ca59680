"""The static verification page (web/verify/, docs/fairness.md) as the local gateway serves it under /verify/.
On AWS the same folder is an S3 origin of the front door; there config.json is written per stage by
scripts/build_verify_page.py, here it is made from the local keys."""

from __future__ import annotations

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "web" / "verify"
TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
}
NOT_FOUND = (404, {"content-type": "application/json"}, b'{"message":"not found"}')


def local_config() -> bytes:
    from luckymart import draws, receipts

    return json.dumps(
        {
            "operator_public_key": draws.operator_public_key(),
            "receipt_public_key": receipts.public_key(),
            "verify_draw_url": "/functions/v1/verify-draw",
            "ticket_proof_url": "/functions/v1/get-ticket-proof",
        }
    ).encode()


def serve(path: str) -> tuple[int, dict[str, str], bytes]:
    """(status, headers, body) for a request path under /verify."""
    if path == "/verify":
        return 301, {"location": "/verify/"}, b""
    name = path[len("/verify/") :] or "index.html"
    if name == "config.json":
        return 200, {"content-type": TYPES[".json"], "cache-control": "no-store"}, local_config()
    target = (PAGE / name).resolve()
    if not target.is_relative_to(PAGE) or not target.is_file() or target.suffix not in TYPES:
        return NOT_FOUND
    headers = {"content-type": TYPES[target.suffix], "x-content-type-options": "nosniff"}
    return 200, headers, target.read_bytes()
