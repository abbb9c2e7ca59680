"""`make deploy-edge STAGE=prod`: the stage's CLOUDFRONT-scope web ACL (infra/serverless/edge-waf.yml) as the
CloudFormation stack `luckymart-<stage>-edge` in us-east-1 — the only region where such an ACL can exist, and where
CloudFront and that ACL report their metrics — with the limits from config/<stage>.yml `frontDoor.waf`, its alarms
paging the stage's `alarms` recipients; then prints the ACL's ARN for `frontDoor.webAclArn`. Once the stage's
stack exists, a second run also turns on the distribution's 5xx-rate alarm (its id is read from that stack).
Needs the AWS CLI and credentials (like `make deploy`). `--dry-run` prints the command instead.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

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


def stage_config(stage: str) -> dict[str, Any]:
    config: dict[str, Any] = yaml.safe_load((ROOT / "config" / f"{stage}.yml").read_text())
    return config


def parameters(stage: str, distribution_id: str = "") -> dict[str, str]:
    config = stage_config(stage)
    waf = config["frontDoor"]["waf"]
    found = {"Stage": stage} | {name: str(waf[key]) for key, name in PARAMETERS.items()}
    found["AppOrigin"] = config["corsOrigins"][0]  # WAF's own refusals need CORS headers to reach the Mini App
    blocked = (config.get("alarms") or {}).get("wafBlockedPer5Minutes")
    if blocked is not None:
        found["BlockedPer5Minutes"] = str(blocked)
    if distribution_id:
        found["DistributionId"] = distribution_id
    return found


def template(stage: str) -> dict[str, Any]:
    """The edge template with its alarm topic subscribed by the stage's recipients (no alarm without one)."""
    loaded: dict[str, Any] = yaml.safe_load(TEMPLATE.read_text())
    alarms = stage_config(stage).get("alarms") or {}
    subscriptions = [{"Protocol": "email", "Endpoint": address} for address in alarms.get("email") or []] + [
        {"Protocol": "https", "Endpoint": url} for url in alarms.get("https") or []
    ]
    if not subscriptions:
        raise SystemExit(f"config/{stage}.yml needs alarms.email or alarms.https (no alarm without a recipient)")
    loaded["Resources"]["EdgeAlarmTopic"]["Properties"]["Subscription"] = subscriptions
    return loaded


def aws() -> str:
    found = shutil.which("aws")
    if not found:
        raise SystemExit("the AWS CLI (aws) is needed: https://docs.aws.amazon.com/cli/")
    return found


def distribution_id(stage: str, cli: str) -> str:
    """The front door's distribution id from the stage's stack, or "" before its first deploy."""
    found = subprocess.run(  # noqa: S603 - our own arguments
        [cli, "cloudformation", "describe-stacks", "--region", stage_config(stage)["region"],
         "--stack-name", f"luckymart-{stage}",
         "--query", "Stacks[0].Outputs[?OutputKey=='FrontDoorDistributionId'].OutputValue", "--output", "text"],
        check=False, capture_output=True, text=True,  # a stage never deployed has no stack yet
    )  # fmt: skip
    value = found.stdout.strip()
    return value if found.returncode == 0 and value not in ("", "None") else ""


def deploy_command(stage: str, template_file: Path, cli: str = "aws", distribution: str = "") -> list[str]:
    overrides = [f"{name}={value}" for name, value in parameters(stage, distribution).items()]
    return [
        cli, "cloudformation", "deploy", "--region", REGION, "--stack-name", stack_name(stage),
        "--template-file", str(template_file), "--no-fail-on-empty-changeset",
        "--tags", "project=luckymart", f"stage={stage}",
        "--parameter-overrides", *overrides,
    ]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("stage")
    parser.add_argument("--dry-run", action="store_true")
    args = parser.parse_args()
    rendered = template(args.stage)
    if args.dry_run:
        print(" ".join(deploy_command(args.stage, Path("<rendered edge-waf.json>"))))
        return
    cli = aws()
    distribution = distribution_id(args.stage, cli)
    if not distribution:
        print("no front door distribution yet: the 5xx-rate alarm comes with the next make deploy-edge")
    with tempfile.TemporaryDirectory() as scratch:
        rendered_file = Path(scratch) / "edge-waf.json"
        rendered_file.write_text(json.dumps(rendered))
        subprocess.run(deploy_command(args.stage, rendered_file, cli, distribution), check=True)  # noqa: S603
    arn = subprocess.run(  # noqa: S603
        [cli, "cloudformation", "describe-stacks", "--region", REGION, "--stack-name", stack_name(args.stage),
         "--query", "Stacks[0].Outputs[?OutputKey=='WebAclArn'].OutputValue", "--output", "text"],
        check=True, capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip
    print(f"web ACL: {arn}")
    print(f"set frontDoor.webAclArn in config/{args.stage}.yml to it, then: make deploy STAGE={args.stage}")


if __name__ == "__main__":
    main()
