"""`make dev`: the whole system on this machine with demo data, until Ctrl-C.

Starts a fresh PostgreSQL + PostgREST (infra/local/stack.py), the gateway on http://127.0.0.1:54321, local AWS
(moto S3 + SQS with DLQs, pollers feeding process-commissions and send-telegram-notifications, a scheduler invoking
auto-lottery-draw), the fake Telegram Bot API (infra/local/telegram_fake.py; prints every message it "sends"),
signs in demo users, opens demo lotteries and prints how to call everything. Data lives in .run/dev and is thrown
away on the next start.
"""

from __future__ import annotations

import os
import shutil
import signal
import sys
import threading
import time

from infra.local.aws import local_aws
from infra.local.gateway import Gateway
from infra.local.secrets import local_secrets
from infra.local.stack import ROOT, Stack, require_free
from infra.local.telegram_fake import FakeTelegram
from luckymart import config

API_PORT, PG_PORT, REST_PORT, REST_ADMIN_PORT = 54321, 54322, 54330, 54331
AWS_PORT = 54340
TELEGRAM_PORT = 54350
BLOCKED_DEMO_CHAT = 100003  # this demo user "blocked the bot": pushes to it end as unreachable
# EventBridge runs auto-lottery-draw every minute on AWS; locally every few seconds, so a demo draw is quick.
SCHEDULE_SECONDS = float(os.environ.get("LOCAL_SCHEDULE_SECONDS", "10"))


def main() -> None:
    for port, what in (
        (API_PORT, "API gateway"),
        (PG_PORT, "PostgreSQL"),
        (REST_PORT, "PostgREST"),
        (REST_ADMIN_PORT, "PostgREST admin"),
        (AWS_PORT, "S3 + SQS (moto)"),
        (TELEGRAM_PORT, "fake Telegram Bot API"),
    ):
        require_free(port, what)
    run_dir = ROOT / ".run" / "dev"
    shutil.rmtree(run_dir, ignore_errors=True)
    run_dir.mkdir(parents=True)
    os.chmod(run_dir, 0o755)
    stack = Stack(
        run_dir=run_dir, pg_port=PG_PORT, rest_port=REST_PORT, api_port=API_PORT, admin_port=REST_ADMIN_PORT
    )
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    try:
        stack.start()
        os.environ.update(stack.env())
        os.environ.update(local_secrets(run_dir))
        os.environ.setdefault("CORS_ALLOWED_ORIGINS", "*")
        telegram = FakeTelegram(os.environ["TELEGRAM_BOT_TOKEN"], TELEGRAM_PORT, echo=True)
        telegram.serve_in_thread()
        telegram.block(BLOCKED_DEMO_CHAT)
        os.environ["TELEGRAM_API_BASE_URL"] = telegram.base_url
        os.environ.setdefault("MINI_APP_URL", "https://miniapp.luckymart.local")
        config.reset()
        with local_aws(AWS_PORT) as aws:
            gateway = Gateway(API_PORT, REST_PORT)
            gateway.serve_in_thread()
            aws.run_poller()
            aws.run_notification_poller()
            aws.run_scheduler(SCHEDULE_SECONDS)
            from infra.local.demo import seed_demo

            print(seed_demo(stack), flush=True)
            print(f"  SQS queue       {aws.queue_url}  (polled into process-commissions)", flush=True)
            print(
                f"  SQS queue       {aws.notifications.url}  (polled into send-telegram-notifications)", flush=True
            )
            print(f"  scheduler       auto-lottery-draw every {SCHEDULE_SECONDS:g} s", flush=True)
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
        stack.stop()


def stop_leftovers() -> None:
    """`make stop`: stops a stack left running by a `make dev` that was killed rather than interrupted."""
    run_dir = ROOT / ".run" / "dev"
    if run_dir.exists():
        Stack(run_dir=run_dir, pg_port=PG_PORT, rest_port=REST_PORT, api_port=API_PORT).stop()


if __name__ == "__main__":
    stop_leftovers() if sys.argv[1:] == ["stop"] else main()
