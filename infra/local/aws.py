"""Local AWS for `make dev` and the soak test: one moto server (real S3 and SQS APIs over HTTP) with the uploads
bucket, the commission queue and the notification queue, each with its dead-letter queue (redrive after 5
receives), SQS pollers that invoke process-commissions / send-telegram-notifications with real SQS event shapes
and delete what succeeded (like the Lambda event source mapping), and a scheduler that invokes auto-lottery-draw
with an EventBridge event."""

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
    "NOTIFICATION_QUEUE_URL",
    "NOTIFICATION_DLQ_URL",
)

NOTIFICATION_VISIBILITY_SECONDS = 60  # longer than a consumer batch that waits for its rate-limit slots


@dataclass(frozen=True)
class LocalQueue:
    url: str
    dlq_url: str
    arn: str


def _create_queue(sqs: Any, name: str, visibility_timeout: int) -> LocalQueue:
    dlq_url = sqs.create_queue(QueueName=f"{name}-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    redrive = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": MAX_RECEIVE_COUNT})
    url = sqs.create_queue(
        QueueName=name, Attributes={"RedrivePolicy": redrive, "VisibilityTimeout": str(visibility_timeout)}
    )["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return LocalQueue(url, dlq_url, arn)


@dataclass
class LocalAws:
    endpoint: str
    queue_url: str
    dlq_url: str
    queue_arn: str
    notifications: LocalQueue
    stop: threading.Event = field(default_factory=threading.Event)
    # fault injection hook for the soak: deliver each batch twice before deleting it
    duplicate_deliveries: Callable[[], bool] = field(default=lambda: False)
    delivered: int = 0
    duplicated: int = 0
    env: dict[str, str] = field(default_factory=dict)

    def _sqs(self) -> Any:
        import boto3

        return boto3.client("sqs", region_name=LOCAL_REGION, endpoint_url=self.endpoint)

    def queue_depth(self) -> dict[str, str]:
        """The commission queue's and its dead-letter queue's approximate message counts (for diagnostics)."""
        sqs = self._sqs()
        names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
        depth = sqs.get_queue_attributes(QueueUrl=self.queue_url, AttributeNames=names)["Attributes"]
        dead = sqs.get_queue_attributes(QueueUrl=self.dlq_url, AttributeNames=names[:1])["Attributes"]
        return {**depth, "dead_letters": dead["ApproximateNumberOfMessages"]}

    def poll_once(
        self,
        consumer: Callable[[dict[str, Any], Any], dict[str, Any]],
        sqs: Any,
        queue: LocalQueue | None = None,
        function_name: str = "process-commissions",
        timeout_ms: int = 30000,
    ) -> int:
        queue = queue or LocalQueue(self.queue_url, self.dlq_url, self.queue_arn)
        messages = sqs.receive_message(
            QueueUrl=queue.url,
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
                queue.arn,
                message_attributes=m.get("MessageAttributes"),
            )
            for m in messages
        ]
        context = LocalContext(function_name=function_name, timeout_ms=timeout_ms)
        response = consumer({"Records": records}, context)
        if self.duplicate_deliveries():
            response = consumer({"Records": records}, context)
            self.duplicated += len(records)
        failed = {item["itemIdentifier"] for item in response.get("batchItemFailures", [])}
        done = [
            {"Id": str(i), "ReceiptHandle": message["ReceiptHandle"]}
            for i, message in enumerate(messages)
            if message["MessageId"] not in failed
        ]
        if done:  # one call per batch, as the event source mapping deletes
            sqs.delete_message_batch(QueueUrl=queue.url, Entries=done)
        self.delivered += len(records)
        return len(records)

    def run_poller(self, pollers: int = 1) -> list[threading.Thread]:
        """Polls the commission queue into process-commissions; `pollers` batches at once, as the event source
        mapping scales out when the queue backs up (the consumer is written for concurrent batches)."""
        return [self._run_poller("process_commissions", None, 30000) for _ in range(pollers)]

    def run_notification_poller(self) -> threading.Thread:
        """Polls the notification queue into send-telegram-notifications (one poller: the rate-limit slots come
        from SQL anyway, so more pollers would only wait for them)."""
        return self._run_poller("send_telegram_notifications", self.notifications, 60000)

    def _run_poller(self, folder: str, queue: LocalQueue | None, timeout_ms: int) -> threading.Thread:
        consumer = importlib.import_module(f"functions.{folder}.handler").handler
        return self.run_consumer(consumer, queue, folder.replace("_", "-"), timeout_ms)

    def run_consumer(
        self,
        consumer: Callable[[dict[str, Any], Any], dict[str, Any]],
        queue: LocalQueue | None,
        name: str,
        timeout_ms: int,
    ) -> threading.Thread:
        """Polls `queue` (default: the commission queue) into `consumer`, as Lambda's event source mapping does."""
        sqs = self._sqs()

        def loop() -> None:
            while not self.stop.is_set():
                try:
                    self.poll_once(consumer, sqs, queue, name, timeout_ms)
                except Exception:  # the event source keeps polling whatever one batch did
                    logger.exception("local SQS poll failed", extra={"function": name})

        thread = threading.Thread(target=loop, name=f"sqs-poller-{name}", daemon=True)
        thread.start()
        return thread

    def run_scheduler(
        self, every_seconds: float, draw: Callable[[dict[str, Any], Any], Any] | None = None
    ) -> threading.Thread:
        """Invokes auto-lottery-draw (or `draw`) with an EventBridge event every `every_seconds`."""
        draw = draw or importlib.import_module("functions.auto_lottery_draw.handler").handler

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
    commissions = _create_queue(sqs, "luckymart-local-commissions", visibility_timeout)
    notifications = _create_queue(sqs, "luckymart-local-notifications", NOTIFICATION_VISIBILITY_SECONDS)
    os.environ["COMMISSION_QUEUE_URL"] = commissions.url
    os.environ["COMMISSION_DLQ_URL"] = commissions.dlq_url
    os.environ["NOTIFICATION_QUEUE_URL"] = notifications.url
    os.environ["NOTIFICATION_DLQ_URL"] = notifications.dlq_url
    from luckymart import outbox

    outbox.reset()
    aws = LocalAws(endpoint, commissions.url, commissions.dlq_url, commissions.arn, notifications)
    aws.env = {name: os.environ[name] for name in LOCAL_AWS_ENV if name in os.environ}
    try:
        yield aws
    finally:
        aws.stop.set()
        server.stop()
