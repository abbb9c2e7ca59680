"""`make deploy-edge STAGE=prod`: the stage's CLOUDFRONT-scope web ACL (infra/serverless/edge-waf.yml) as the
CloudFormation stack `luckymart-<stage>-edge` in us-east-1 — the only region where such an ACL can exist — with
the limits from config/<stage>.yml `frontDoor.waf`; then prints the ACL's ARN for `frontDoor.webAclArn`.
Needs the AWS CLI and credentials (like `make deploy`). `--dry-run` prints the command instead.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "infra" / "serverless" / "edge-waf.yml"
REGION = "us-east-1"
# config/<stage>.yml frontDoor.waf key → template parameter
PARAMETERS = {
    "requestsPerIp": "RequestsPerIp",
    "requestsPerSession": "RequestsPerSession",
    "requestsPerIpMode": "RequestsPerIpMode",
    "maxBodyBytes": "MaxBodyBytes",
}


def stack_name(stage: str) -> str:
    return f"luckymart-{stage}-edge"


def parameters(stage: str) -> dict[str, str]:
    config = yaml.safe_load((ROOT / "config" / f"{stage}.yml").read_text())
    waf = config["frontDoor"]["waf"]
    return {"Stage": stage} | {name: str(waf[key]) for key, name in PARAMETERS.items()}


def aws() -> str:
    found = shutil.which("aws")
    if not found:
        raise SystemExit("the AWS CLI (aws) is needed: https://docs.aws.amazon.com/cli/")
    return found


def deploy_command(stage: str, cli: str = "aws") -> list[str]:
    overrides = [f"{name}={value}" for name, value in parameters(stage).items()]
    return [
        cli, "cloudformation", "deploy", "--region", REGION, "--stack-name", stack_name(stage),
        "--template-file", str(TEMPLATE), "--no-fail-on-empty-changeset",
        "--tags", "project=luckymart", f"stage={stage}",
        "--parameter-overrides", *overrides,
    ]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("stage")
    parser.add_argument("--dry-run", action="store_true")
    args = parser.parse_args()
    if args.dry_run:
        print(" ".join(deploy_command(args.stage)))
        return
    cli = aws()
    subprocess.run(deploy_command(args.stage, cli), check=True)  # noqa: S603 - our own arguments
    arn = subprocess.run(  # noqa: S603
        [cli, "cloudformation", "describe-stacks", "--region", REGION, "--stack-name", stack_name(args.stage),
         "--query", "Stacks[0].Outputs[?OutputKey=='WebAclArn'].OutputValue", "--output", "text"],
        check=True, capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip
    print(f"web ACL: {arn}")
    print(f"set frontDoor.webAclArn in config/{args.stage}.yml to it, then: make deploy STAGE={args.stage}")


if __name__ == "__main__":
    main()
