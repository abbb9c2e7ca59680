"""Builds the static verification page (web/verify/, docs/fairness.md).

    python scripts/build_verify_page.py                       vendor the Ed25519 fallback into web/verify/vendor/
    python scripts/build_verify_page.py --stage prod --out build/verify/prod
                                                              + a copy of the page with the stage's config.json

The only third-party code is @noble/ed25519 (pinned in package-lock.json, audited v1 line), used when the browser's
WebCrypto has no Ed25519. It is bundled here, at build time, the way a bundler honours its package.json
`"browser": {"crypto": false}`: the Node `crypto` import is dropped (the browser build uses WebCrypto only).
The page never loads code from a CDN.
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "web" / "verify"
NOBLE = ROOT / "node_modules" / "@noble" / "ed25519"
NODE_IMPORT = "import * as nodeCrypto from 'crypto';"


def vendor() -> Path:
    source = (NOBLE / "lib" / "esm" / "index.js").read_text(encoding="utf-8")
    if NODE_IMPORT not in source:
        raise SystemExit("unexpected @noble/ed25519 build: the Node crypto import is not where it was")
    version = json.loads((NOBLE / "package.json").read_text())["version"]
    header = f"// @noble/ed25519 {version} (MIT, Paul Miller), vendored by scripts/build_verify_page.py\n"
    target = PAGE / "vendor" / "noble-ed25519.js"
    target.parent.mkdir(exist_ok=True)
    target.write_text(header + source.replace(NODE_IMPORT, "const nodeCrypto = undefined;"), encoding="utf-8")
    return target


def stage_config(stage: str) -> dict[str, str]:
    """config.json of a deployed page: the keys it pins and where the public functions are (same origin by
    default, i.e. CloudFront routes /functions/v1/<name> to the Function URLs)."""
    import yaml

    config = yaml.safe_load((ROOT / "config" / f"{stage}.yml").read_text())
    return {
        "operator_public_key": config["fairdrawPublicKey"],
        "receipt_public_key": config["receiptPublicKey"],
        "verify_draw_url": config.get("verifyDrawUrl", "/functions/v1/verify-draw"),
        "ticket_proof_url": config.get("ticketProofUrl", "/functions/v1/get-ticket-proof"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stage", help="also write a deployable copy with config/<stage>.yml's keys")
    parser.add_argument("--out", type=Path, help="with --stage: the folder to write (uploaded to S3 as /verify/)")
    args = parser.parse_args()
    vendor()
    if args.stage:
        out = args.out or ROOT / "build" / "verify" / args.stage
        shutil.rmtree(out, ignore_errors=True)
        shutil.copytree(PAGE, out, ignore=shutil.ignore_patterns("config.json"))
        (out / "config.json").write_text(json.dumps(stage_config(args.stage), indent=2) + "\n")
        print(out)


if __name__ == "__main__":
    main()
