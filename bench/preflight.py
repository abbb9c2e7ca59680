"""Wall time of `luckymart-admin preflight` as a deployer runs it: a fresh process each time (Python start,
imports, boto3 clients) against a stage that passes every check — SSM, CloudFormation and Lambda layers on a moto
server, the secrets stored by scripts/put_secrets.py, a private local stack's real database behind supabaseUrl and
the fake Bot API. Prints the median and range of the process's wall time and of the time preflight reports itself.

    python -m bench.preflight [--runs 7]

Network round trips to AWS, Supabase and Telegram are local here; on AWS preflight waits for two of them in a
row (SSM, CloudFormation and the layer in parallel; then the database keys and the Bot API in parallel)."""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import boto3
import yaml
from moto.server import ThreadedMotoServer

from infra.local.stack import JWT_SECRET, free_port, make_jwt, private_stack
from infra.local.telegram_fake import FakeTelegram
from luckymart_cli.secret_rules import public_key_of
from scripts import put_secrets

ROOT = Path(__file__).resolve().parents[1]
STAGE = "bench"
REGION = "eu-central-1"
ACCOUNT = "210987654321"
BOT_TOKEN = "7000000001:AAHfakeTokenForTheFakeBotApiServer01"
FRONT_DOOR = "https://d1bench.cloudfront.net"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    os.environ.update(MOTO_ACCOUNT_ID=ACCOUNT, AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench")
    moto = ThreadedMotoServer(port=free_port(), verbose=False)
    moto.start()
    bot = FakeTelegram(BOT_TOKEN)
    bot.serve_in_thread()
    try:
        with private_stack() as stack:
            endpoint = f"http://127.0.0.1:{moto._server.server_port}"  # type: ignore[union-attr]
            os.environ["AWS_ENDPOINT_URL"] = endpoint
            folder = Path(tempfile.mkdtemp(prefix="preflight-bench-"))
            config_path = folder / f"{STAGE}.yml"
            config = {
                "region": REGION,
                "supabaseUrl": stack.api_url,
                "corsOrigins": ["https://app.luckymart.tj"],
                "miniAppUrl": "https://app.luckymart.tj",
                "frontDoor": {
                    "originSecretVersion": 1,
                    "webAclArn": f"arn:aws:wafv2:us-east-1:{ACCOUNT}:global/webacl/e/1",
                },
                "alarms": {"email": ["oncall@luckymart.tj"]},
            }
            config_path.write_text(yaml.safe_dump(config))
            os.environ.update(
                SUPABASE_ANON_KEY=make_jwt("anon"), JWT_SECRET=JWT_SECRET, TELEGRAM_BOT_TOKEN=BOT_TOKEN
            )
            with open(os.devnull, "w") as quiet:
                saved, sys.stdout = sys.stdout, quiet
                try:
                    put_secrets.main(["--stage", STAGE, "--config", str(config_path)])
                finally:
                    sys.stdout = saved
            ssm = boto3.client("ssm", region_name=REGION)
            for name in ("fairdraw", "receipt"):
                value = ssm.get_parameter(Name=f"/luckymart/{STAGE}/{name}_signing_key", WithDecryption=True)
                config[f"{name}PublicKey"] = public_key_of(value["Parameter"]["Value"])
            layer = boto3.client("lambda", region_name=REGION).publish_layer_version(
                LayerName="AWS-Parameters-and-Secrets-Lambda-Extension",
                Content={"ZipFile": b"PK\x05\x06" + b"\x00" * 18},
                CompatibleArchitectures=["x86_64"],
            )
            config["parametersExtension"] = {"x86_64": layer["LayerVersionArn"]}
            config_path.write_text(yaml.safe_dump(config))
            template = {
                "Resources": {"T": {"Type": "AWS::SNS::Topic"}},
                "Outputs": {"FrontDoorUrl": {"Value": FRONT_DOOR}},
            }
            boto3.client("cloudformation", region_name=REGION).create_stack(
                StackName=f"luckymart-{STAGE}", TemplateBody=yaml.safe_dump(template)
            )
            bot.state.webhook = {"url": f"{FRONT_DOOR}/functions/v1/telegram-webhook"}
            env = {**os.environ, "TELEGRAM_API_BASE_URL": bot.base_url}
            for name in ("SUPABASE_ANON_KEY", "JWT_SECRET", "TELEGRAM_BOT_TOKEN"):
                env.pop(name)
            cli = [
                str(ROOT / ".venv" / "bin" / "luckymart-admin"),
                "preflight",
                "--stage",
                STAGE,
                "--config",
                str(config_path),
            ]
            walls, reported = [], []
            for _ in range(args.runs):
                started = time.perf_counter()
                result = subprocess.run(cli, env=env, capture_output=True, text=True, check=False)
                walls.append(time.perf_counter() - started)
                if result.returncode != 0:
                    raise SystemExit(f"preflight failed:\n{result.stdout}{result.stderr}")
                match = re.search(r"(\d+) checks passed in ([0-9.]+) s", result.stdout)
                assert match, result.stdout
                reported.append(float(match.group(2)))
            checks = match.group(1) if match else "?"
            print(f"preflight, {checks} checks, all ✔, {args.runs} fresh processes:")
            for label, values in (("process wall time", walls), ("reported by itself", reported)):
                print(
                    f"  {label:<18} median {statistics.median(values):.2f} s "
                    f"(min {min(values):.2f}, max {max(values):.2f})"
                )
    finally:
        bot.stop()
        moto.stop()


if __name__ == "__main__":
    main()
