"""Uploads a stage's draw verification page to the front door's S3 origin (`make deploy-verify-page STAGE=…`).

The page is built with the stage's pinned keys (scripts/build_verify_page.py) and written under the prefix
`verify/`, which CloudFront serves at /verify/. The files that pin keys (index.html, config.json) are cached for a
minute only, so a key rotation shows at once; the rest for a day."""

from __future__ import annotations

import argparse
import mimetypes
import subprocess
import sys
from pathlib import Path

import boto3

ROOT = Path(__file__).resolve().parents[1]
SHORT_LIVED = {"index.html", "config.json"}


def bucket_of(stage: str, region: str | None) -> str:
    stack = boto3.client("cloudformation", region_name=region).describe_stacks(StackName=f"luckymart-{stage}")
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack["Stacks"][0].get("Outputs", [])}
    return outputs["VerifyPageBucketName"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("stage")
    parser.add_argument("--region", help="default: the stage config's region (where its stack lives)")
    args = parser.parse_args()
    if not args.region:
        import yaml

        args.region = yaml.safe_load((ROOT / "config" / f"{args.stage}.yml").read_text())["region"]
    out = ROOT / "build" / "verify" / args.stage
    subprocess.run(  # noqa: S603 - our own build script, with the stage name argparse took
        [sys.executable, str(ROOT / "scripts" / "build_verify_page.py"), "--stage", args.stage, "--out", str(out)],
        check=True,
    )
    bucket = bucket_of(args.stage, args.region)
    s3 = boto3.client("s3", region_name=args.region)
    for path in sorted(p for p in out.rglob("*") if p.is_file()):
        relative = path.relative_to(out).as_posix()
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        cache = "public, max-age=60" if path.name in SHORT_LIVED else "public, max-age=86400"
        s3.upload_file(
            str(path), bucket, f"verify/{relative}", ExtraArgs={"ContentType": content_type, "CacheControl": cache}
        )
        print(f"s3://{bucket}/verify/{relative}  {content_type}  {cache}")


if __name__ == "__main__":
    main()
