"""`make dev`: the whole system on this machine with demo data, until Ctrl-C.

Starts a fresh PostgreSQL + PostgREST (infra/local/stack.py), the gateway on http://127.0.0.1:54321, local AWS
(moto S3 + SQS with DLQs, pollers feeding process-commissions and send-telegram-notifications, a scheduler invoking
auto-lottery-draw), the fake Telegram Bot API (infra/local/telegram_fake.py; prints every message it "sends"),
signs in demo users, opens demo lotteries and prints how to call everything. Data lives in .run/dev and is thrown
away on the next start.

`python -m infra.local.dev --free-ports RUN_DIR` starts exactly this configuration on free ports in RUN_DIR (the
e2e burst test uses it, so it never binds the fixed ports a developer's `make dev` may hold).

`make dev PACKAGED=1` (`python -m infra.local.dev --packaged STAGE`) is the packaged rehearsal: every function,
the queue consumers and the schedule run from build/package/STAGE in Lambda-like sandboxes (docs/rehearsal.md).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from infra.local.aws import LocalAws, local_aws
from infra.local.gateway import Gateway
from infra.local.secrets import local_secrets
from infra.local.stack import ROOT, Stack, free_port, require_free
from infra.local.telegram_fake import FakeTelegram
from luckymart import config

if TYPE_CHECKING:
    from infra.local.packaged import PackagedLambdas

BLOCKED_DEMO_CHAT = 100003  # this demo user "blocked the bot": pushes to it end as unreachable

# EventBridge runs auto-lottery-draw every minute on AWS; locally every few seconds, so a demo draw is quick.
SCHEDULE_SECONDS = float(os.environ.get("LOCAL_SCHEDULE_SECONDS", "10"))


@dataclass(frozen=True)
class Ports:
    api: int = 54321
    pg: int = 54322
    rest: int = 54330
    rest_admin: int = 54331
    aws: int = 54340
    telegram: int = 54350

    @classmethod
    def free(cls) -> Ports:
        ports: set[int] = set()
        while len(ports) < 6:  # the kernel may hand the same free port out twice in a row
            ports.add(free_port())
        return cls(*sorted(ports))


FIXED = Ports()


def main(ports: Ports = FIXED, run_dir: Path = ROOT / ".run" / "dev", packaged_stage: str | None = None) -> None:
    for port, what in (
        (ports.api, "API gateway"),
        (ports.pg, "PostgreSQL"),
        (ports.rest, "PostgREST"),
        (ports.rest_admin, "PostgREST admin"),
        (ports.aws, "S3 + SQS (moto)"),
        (ports.telegram, "fake Telegram Bot API"),
    ):
        require_free(port, what)
    shutil.rmtree(run_dir, ignore_errors=True)
    run_dir.mkdir(parents=True)
    os.chmod(run_dir, 0o755)
    stack = Stack(
        run_dir=run_dir, pg_port=ports.pg, rest_port=ports.rest, api_port=ports.api, admin_port=ports.rest_admin
    )
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    lambdas = None
    try:
        stack.start()
        os.environ.update(stack.env())
        os.environ.update(local_secrets(run_dir))
        os.environ.setdefault("CORS_ALLOWED_ORIGINS", "*")
        # As on AWS: functions refuse requests that skip the gateway (the front door), see luckymart.frontdoor.
        os.environ.setdefault("ORIGIN_SECRET_REQUIRED", "true")
        # Handlers reach PostgREST directly, as Lambda reaches Supabase (and as in make test): through the
        # gateway every function call would hold a second gateway connection while it waits.
        os.environ["SUPABASE_REST_URL"] = stack.rest_url
        # EMF metric lines (luckymart.metrics) would interleave every request in this terminal; opt in with
        # POWERTOOLS_METRICS_DISABLED=false make dev
        os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")
        telegram = FakeTelegram(os.environ["TELEGRAM_BOT_TOKEN"], ports.telegram, echo=True)
        telegram.serve_in_thread()
        telegram.block(BLOCKED_DEMO_CHAT)
        os.environ["TELEGRAM_API_BASE_URL"] = telegram.base_url
        os.environ.setdefault("MINI_APP_URL", "https://miniapp.luckymart.local")
        config.reset()
        with local_aws(ports.aws) as aws:
            aws_file = run_dir / "aws.json"  # `luckymart-admin --local` reads the queue URLs from here
            aws_file.write_text(json.dumps(aws.env))
            aws_file.chmod(0o600)
            if packaged_stage:
                lambdas = _packaged(packaged_stage, stack, run_dir, aws, telegram.base_url)
            gateway = Gateway(ports.api, ports.rest, lambdas)
            gateway.serve_in_thread()
            _run_event_sources(aws, lambdas)
            from infra.local.demo import seed_demo

            print(seed_demo(stack), flush=True)
            print(_wiring(stack, aws, lambdas, packaged_stage, run_dir), flush=True)
            print(f"  scheduler       auto-lottery-draw every {SCHEDULE_SECONDS:g} s", flush=True)
            # the demo admin above is OPERATIONS; bootstrap is allowed while no SUPER_ADMIN exists
            print("  SUPER_ADMIN     luckymart-admin bootstrap --local --username root", flush=True)
            print(
                f"  Telegram (fake) {telegram.base_url}/bot<token>/<method>  (calls: {telegram.base_url}/calls; "
                f"chat {BLOCKED_DEMO_CHAT} has blocked the bot)",
                flush=True,
            )
            while not stopping.is_set():
                time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        print("\nstopping local stack…", file=sys.stderr)
        if lambdas is not None:
            print(lambdas.summary(), file=sys.stderr)
            lambdas.stop()
        stack.stop()


def _wiring(stack: Stack, aws: LocalAws, lambdas: PackagedLambdas | None, stage: str | None, run_dir: Path) -> str:
    lines = []
    if lambdas is not None:
        lines.append(
            f"  functions       packaged stage {stage} (build/package/{stage}): {len(lambdas.function_names())} "
            f"functions from their zips; logs in {run_dir}/lambda-logs"
        )
    lines.append(f"  SQS queue       {aws.queue_url}  (polled into process-commissions)")
    lines.append(f"  SQS queue       {aws.notifications.url}  (polled into send-telegram-notifications)")
    if lambdas is None:
        lines.append(f"  handlers use    {stack.rest_url}  (PostgREST directly, as Lambda reaches Supabase)")
    else:
        lines.append(f"  handlers use    {stack.api_url}/rest/v1  (SUPABASE_URL, as on Supabase)")
    return "\n".join(lines)


def _run_event_sources(aws: LocalAws, lambdas: PackagedLambdas | None) -> None:
    """What invokes functions besides the gateway: the SQS pollers and the schedule."""
    if lambdas is None:
        aws.run_poller()
        aws.run_notification_poller()
        aws.run_scheduler(SCHEDULE_SECONDS)
    else:  # the template's event source mappings and schedules, into the packaged functions
        from infra.local.packaged import run_event_sources, run_schedules

        run_event_sources(lambdas, aws)
        run_schedules(lambdas, aws, SCHEDULE_SECONDS)


def _packaged(stage: str, stack: Stack, run_dir: Path, aws: LocalAws, telegram_api: str) -> PackagedLambdas:
    from infra.local.packaged import LocalServices, PackagedLambdas, package_folder
    from infra.local.template import load_stage

    services = LocalServices(
        supabase_url=stack.api_url,
        cors_origins=os.environ["CORS_ALLOWED_ORIGINS"],
        secrets={**stack.env(), **local_secrets(run_dir)},
        aws=aws,
        telegram_api=telegram_api,
    )
    return PackagedLambdas(load_stage(package_folder(stage)), run_dir, services).start()


def stop_leftovers() -> None:
    """`make stop`: stops a stack left running by a `make dev` that was killed rather than interrupted."""
    run_dir = ROOT / ".run" / "dev"
    if run_dir.exists():
        Stack(run_dir=run_dir, pg_port=FIXED.pg, rest_port=FIXED.rest, api_port=FIXED.api).stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m infra.local.dev", description=__doc__.split("\n\n")[0])
    parser.add_argument("command", nargs="?", choices=["stop"], help="stop a stack left behind by a killed run")
    parser.add_argument("--free-ports", metavar="RUN_DIR", type=Path, help="free ports, data in RUN_DIR")
    parser.add_argument("--packaged", metavar="STAGE", help="run the functions from build/package/STAGE")
    args = parser.parse_args()
    if args.command == "stop":
        stop_leftovers()
    elif args.free_ports:
        main(Ports.free(), args.free_ports, args.packaged)
    else:
        main(packaged_stage=args.packaged)
