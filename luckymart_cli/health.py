"""`luckymart-admin health`: one screen for on-call. The database part comes from the admin function `admin-ops`
(action `ops.health`, one rpc); the dead-letter queue depths are read with the operator's own AWS credentials
(every queue named `luckymart-<stage>-*-dlq`, so a new DLQ is covered without a change here; locally the
`make dev` moto server). Each check says OK or what needs a human; the exit status is 4 when anything does."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, TextIO

from luckymart_cli.output import to_json

SCHEDULER_STALE_SECONDS = 180  # the schedule runs every minute: three missed runs
OVERDUE_DRAW_SECONDS = 300  # SOLD_OUT past draw_time + 5 min
OUTBOX_STALE_SECONDS = 300
# the sweep retries a proof's tag with backoff up to hourly; an hour in the queue means S3 keeps refusing
PROOF_TAGGING_STALE_SECONDS = 3600
LOCAL_AWS_ENDPOINT = "http://127.0.0.1:54340"  # infra/local/dev.py AWS_PORT


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


class DlqError(Exception):
    pass


def dlq_depths(stage: str, *, region: str | None, profile: str | None, local: bool) -> dict[str, int]:
    """Visible messages per dead-letter queue of the stage."""
    import boto3
    from botocore.config import Config
    from botocore.exceptions import BotoCoreError, ClientError

    quick = Config(connect_timeout=3, read_timeout=10, retries={"max_attempts": 2})
    try:
        if local:
            session = boto3.Session(
                region_name=os.environ.get("AWS_DEFAULT_REGION", "eu-central-1"),
                aws_access_key_id=os.environ.get("AWS_ACCESS_KEY_ID", "local"),
                aws_secret_access_key=os.environ.get("AWS_SECRET_ACCESS_KEY", "local"),
            )
            endpoint = os.environ.get("AWS_ENDPOINT_URL_SQS") or LOCAL_AWS_ENDPOINT
            sqs = session.client("sqs", endpoint_url=endpoint, config=quick)
        else:
            sqs = boto3.Session(profile_name=profile, region_name=region).client("sqs", config=quick)
        urls = sqs.list_queues(QueueNamePrefix=f"luckymart-{stage}-").get("QueueUrls", [])
        depths = {}
        for url in urls:
            name = url.rsplit("/", 1)[-1]
            if name.endswith("-dlq"):
                attributes = sqs.get_queue_attributes(
                    QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"]
                )["Attributes"]
                depths[name] = int(attributes["ApproximateNumberOfMessages"])
        return depths
    except (BotoCoreError, ClientError) as error:
        raise DlqError(str(error)) from None


def evaluate(report: dict[str, Any], dlqs: dict[str, int] | None, dlq_error: str | None) -> list[Check]:
    checks = [Check("database", True, f"reachable, migration {report.get('migration_version') or 'unknown'}")]
    ago = report.get("last_scheduled_run_seconds_ago")
    checks.append(
        Check(
            "scheduler",
            ago is not None and ago <= SCHEDULER_STALE_SECONDS,
            "never ran"
            if ago is None
            else f"last run {ago}s ago ({report.get('last_scheduled_run_at')}) {report.get('last_scheduled_run')}",
        )
    )
    overdue, age = report["overdue_draws"], report["oldest_overdue_draw_seconds"]
    checks.append(
        Check(
            "overdue draws",
            age <= OVERDUE_DRAW_SECONDS,
            f"{overdue} lotteries past draw_time, oldest {age}s"
            + (
                " — run `lotteries draw <id>` or check auto-lottery-draw logs"
                if age > OVERDUE_DRAW_SECONDS
                else ""
            ),
        )
    )
    backlog, oldest = report["outbox_backlog"], report["outbox_oldest_seconds"]
    checks.append(
        Check(
            "commission outbox",
            oldest <= OUTBOX_STALE_SECONDS,
            f"{backlog} unprocessed, oldest {oldest}s"
            + (" — check process-commissions and the queue" if oldest > OUTBOX_STALE_SECONDS else ""),
        )
    )
    proofs = report.get("proof_tagging") or {"queued": 0, "oldest_seconds": 0, "max_attempts": 0}
    stuck = proofs["oldest_seconds"] > PROOF_TAGGING_STALE_SECONDS
    checks.append(
        Check(
            "payment proofs",
            not stuck,
            f"{proofs['queued']} awaiting their tag, oldest {proofs['oldest_seconds']}s, "
            f"up to {proofs['max_attempts']} attempts"
            + (
                " — S3 tagging keeps failing: auto-lottery-draw logs; untagged proofs expire after a day"
                if stuck
                else ""
            ),
        )
    )
    if dlq_error is not None or dlqs is None:
        checks.append(Check("dead-letter queues", False, f"could not read: {dlq_error}"))
    else:
        full = {name: depth for name, depth in dlqs.items() if depth > 0}
        detail = ", ".join(f"{name}={depth}" for name, depth in sorted(dlqs.items())) or "none found"
        if full:
            detail += " — inspect and replay (`commissions` / `notifications dlq-list`, `dlq-replay`)"
        checks.append(Check("dead-letter queues", not full, detail))
    tables = report.get("tables") or {}
    sizes = ", ".join(
        f"{name} ≈{size.get('rows_estimate')} rows / {int(size.get('bytes') or 0) // 1024} KiB"
        for name, size in tables.items()
        if size
    )
    checks.append(Check("table sizes", True, sizes))
    return checks


def render(
    checks: list[Check], report: dict[str, Any], dlqs: dict[str, int] | None, as_json: bool, out: TextIO
) -> None:
    if as_json:
        problems = [c.name for c in checks if not c.ok]
        print(to_json({"ok": not problems, "problems": problems, "report": report, "dlq_depths": dlqs}), file=out)
        return
    for check in checks:
        print(f"{'OK   ' if check.ok else 'ALERT'}  {check.name:<20} {check.detail}", file=out)
