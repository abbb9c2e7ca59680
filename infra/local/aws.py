"""Local AWS for `make dev` and the soak test: one moto server (real S3 and SQS APIs over HTTP) with the uploads
bucket and the commission queue + dead-letter queue (redrive after 5 receives), an SQS poller that invokes
process-commissions with real SQS event shapes and deletes what succeeded (like the Lambda event source
mapping), and a scheduler that invokes auto-lottery-draw with an EventBridge event."""

from __future__ import annotations

import importlib
import json
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from infra.local.events import LocalContext, scheduled_event, sqs_record
from infra.local.s3 import LOCAL_REGION, start_local_s3
from luckymart.log import logger

MAX_RECEIVE_COUNT = 5
# What a handler needs to reach this local AWS (`make dev` writes it to .run/dev/aws.json for `--local`).
LOCAL_AWS_ENV = (
    "AWS_ENDPOINT_URL_S3",
    "AWS_ENDPOINT_URL_SQS",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "UPLOADS_BUCKET",
    "COMMISSION_QUEUE_URL",
    "COMMISSION_DLQ_URL",
)


@dataclass
class LocalAws:
    endpoint: str
    queue_url: str
    dlq_url: str
    queue_arn: str
    stop: threading.Event = field(default_factory=threading.Event)
    # fault injection hook for the soak: deliver each batch twice before deleting it
    duplicate_deliveries: Callable[[], bool] = field(default=lambda: False)
    delivered: int = 0
    duplicated: int = 0
    env: dict[str, str] = field(default_factory=dict)

    def _sqs(self) -> Any:
        import boto3

        return boto3.client("sqs", region_name=LOCAL_REGION, endpoint_url=self.endpoint)

    def poll_once(self, consumer: Callable[[dict[str, Any], Any], dict[str, Any]], sqs: Any) -> int:
        messages = sqs.receive_message(
            QueueUrl=self.queue_url,
            MaxNumberOfMessages=10,
            WaitTimeSeconds=1,
            MessageSystemAttributeNames=["ApproximateReceiveCount"],
            MessageAttributeNames=["All"],
        ).get("Messages", [])
        if not messages:
            return 0
        records = [
            sqs_record(
                m["Body"],
                m["MessageId"],
                m["ReceiptHandle"],
                int(m.get("Attributes", {}).get("ApproximateReceiveCount", 1)),
                self.queue_arn,
                message_attributes=m.get("MessageAttributes"),
            )
            for m in messages
        ]
        context = LocalContext(function_name="process-commissions", timeout_ms=30000)
        response = consumer({"Records": records}, context)
        if self.duplicate_deliveries():
            response = consumer({"Records": records}, context)
            self.duplicated += len(records)
        failed = {item["itemIdentifier"] for item in response.get("batchItemFailures", [])}
        for message in messages:
            if message["MessageId"] not in failed:
                sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"])
        self.delivered += len(records)
        return len(records)

    def run_poller(self) -> threading.Thread:
        consumer = importlib.import_module("functions.process_commissions.handler").handler
        sqs = self._sqs()

        def loop() -> None:
            while not self.stop.is_set():
                try:
                    self.poll_once(consumer, sqs)
                except Exception:  # the event source keeps polling whatever one batch did
                    logger.exception("local SQS poll failed")

        thread = threading.Thread(target=loop, name="sqs-poller", daemon=True)
        thread.start()
        return thread

    def run_scheduler(self, every_seconds: float) -> threading.Thread:
        draw = importlib.import_module("functions.auto_lottery_draw.handler").handler

        def loop() -> None:
            while not self.stop.wait(every_seconds):
                try:
                    draw(scheduled_event(), LocalContext(function_name="auto-lottery-draw", timeout_ms=60000))
                except Exception:  # EventBridge invokes again next time whatever this run did
                    logger.exception("local scheduled run failed")

        thread = threading.Thread(target=loop, name="scheduler", daemon=True)
        thread.start()
        return thread


@contextmanager
def local_aws(port: int | None = None, visibility_timeout: int = 5) -> Iterator[LocalAws]:
    """Starts moto (S3 + SQS), creates the bucket and queues, and points the handlers' env at them."""
    import boto3

    server = start_local_s3(port)  # also sets credentials, region, UPLOADS_BUCKET
    endpoint = os.environ["AWS_ENDPOINT_URL_S3"]
    os.environ["AWS_ENDPOINT_URL_SQS"] = endpoint
    os.environ["AWS_DEFAULT_REGION"] = LOCAL_REGION  # boto3 clients without an explicit region (the Lambdas')
    sqs = boto3.client("sqs", region_name=LOCAL_REGION, endpoint_url=endpoint)
    dlq_url = sqs.create_queue(QueueName="luckymart-local-commissions-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    redrive = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": MAX_RECEIVE_COUNT})
    queue_url = sqs.create_queue(
        QueueName="luckymart-local-commissions",
        Attributes={"RedrivePolicy": redrive, "VisibilityTimeout": str(visibility_timeout)},
    )["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    os.environ["COMMISSION_QUEUE_URL"] = queue_url
    os.environ["COMMISSION_DLQ_URL"] = dlq_url
    from luckymart import commission_queue

    commission_queue.reset()
    aws = LocalAws(endpoint, queue_url, dlq_url, queue_arn)
    aws.env = {name: os.environ[name] for name in LOCAL_AWS_ENV if name in os.environ}
    try:
        yield aws
    finally:
        aws.stop.set()
        server.stop()
