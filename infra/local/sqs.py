"""Local SQS for referral commissions: the commission queue and its dead-letter queue (redrive after 5 receives)
on moto, and a poller that plays Lambda's SQS event source mapping: it long-polls the queue, invokes
process-commissions with real SQS event shapes, deletes what succeeded and leaves the reported failures to be
received again (and, after maxReceiveCount receives, moved to the DLQ by SQS itself).

Handlers reach it through the standard AWS_ENDPOINT_URL_SQS variable; on AWS that variable is simply unset."""

from __future__ import annotations

import importlib
import json
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from infra.local.events import LocalContext
from infra.local.stack import free_port

if TYPE_CHECKING:
    from moto.server import ThreadedMotoServer
    from mypy_boto3_sqs import SQSClient
    from mypy_boto3_sqs.type_defs import MessageTypeDef

LOCAL_REGION = "eu-central-1"
QUEUE_NAME = "luckymart-commissions"
MAX_RECEIVE_COUNT = 5  # as deployed: a message failing 5 times goes to the DLQ
Handler = Callable[[dict[str, Any], Any], dict[str, Any]]


@dataclass(frozen=True)
class CommissionQueues:
    url: str
    arn: str
    dlq_url: str


def create_commission_queues(
    sqs: SQSClient, *, name: str = QUEUE_NAME, visibility_timeout: int = 30
) -> CommissionQueues:
    """The queue pair as deployed (DLQ keeps messages 14 days); applies COMMISSION_QUEUE_URL/_DLQ_URL."""
    dlq_url = sqs.create_queue(QueueName=f"{name}-dlq", Attributes={"MessageRetentionPeriod": "1209600"})[
        "QueueUrl"
    ]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    redrive = {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": str(MAX_RECEIVE_COUNT)}
    url = sqs.create_queue(
        QueueName=name,
        Attributes={"VisibilityTimeout": str(visibility_timeout), "RedrivePolicy": json.dumps(redrive)},
    )["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    os.environ.update({"COMMISSION_QUEUE_URL": url, "COMMISSION_DLQ_URL": dlq_url})
    return CommissionQueues(url, arn, dlq_url)


def sqs_event(messages: list[MessageTypeDef], queue_arn: str, region: str = LOCAL_REGION) -> dict[str, Any]:
    """The event Lambda's SQS event source mapping delivers for received messages."""
    return {
        "Records": [
            {
                "messageId": m["MessageId"],
                "receiptHandle": m["ReceiptHandle"],
                "body": m["Body"],
                "attributes": dict(m.get("Attributes") or {}),
                "messageAttributes": {},
                "md5OfBody": m.get("MD5OfBody", ""),
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": region,
            }
            for m in messages
        ]
    }


def consumer() -> Handler:
    handler: Handler = importlib.import_module("functions.process_commissions.handler").handler
    return handler


class SqsPoller:
    """Lambda's SQS trigger with ReportBatchItemFailures, in a thread (or one poll at a time in tests)."""

    def __init__(
        self,
        sqs: SQSClient,
        queues: CommissionQueues,
        handler: Handler | None = None,
        *,
        batch_size: int = 10,
        retry_after_seconds: int = 0,
    ) -> None:
        self.sqs = sqs
        self.queues = queues
        self.handler = handler or consumer()
        self.batch_size = batch_size
        self.retry_after_seconds = retry_after_seconds
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def poll_once(self, wait_seconds: int = 1) -> int:
        """Receives one batch and hands it to the consumer; returns how many messages it received."""
        messages = self.sqs.receive_message(
            QueueUrl=self.queues.url,
            MaxNumberOfMessages=self.batch_size,
            WaitTimeSeconds=wait_seconds,
            AttributeNames=["All"],
        ).get("Messages", [])
        if not messages:
            return 0
        try:
            response = self.handler(sqs_event(messages, self.queues.arn), LocalContext("process-commissions"))
            failed = {f["itemIdentifier"] for f in response.get("batchItemFailures", [])}
        except Exception:  # a crashed invocation: the whole batch comes back
            failed = {m["MessageId"] for m in messages}
        done = [m for m in messages if m["MessageId"] not in failed]
        if done:
            self.sqs.delete_message_batch(
                QueueUrl=self.queues.url,
                Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done)],
            )
        retry = [m for m in messages if m["MessageId"] in failed]
        if retry:
            self.sqs.change_message_visibility_batch(
                QueueUrl=self.queues.url,
                Entries=[
                    {
                        "Id": str(i),
                        "ReceiptHandle": m["ReceiptHandle"],
                        "VisibilityTimeout": self.retry_after_seconds,
                    }
                    for i, m in enumerate(retry)
                ],
            )
        return len(messages)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="sqs-poller", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                self.poll_once()
            except Exception:  # the local server going away at shutdown, say
                self._stopping.wait(1)


def sqs_client(endpoint_url: str | None = None) -> SQSClient:
    import boto3

    return boto3.client("sqs", region_name=LOCAL_REGION, endpoint_url=endpoint_url)


def start_local_sqs(endpoint_url: str, *, retry_after_seconds: int = 30) -> SqsPoller:
    """Creates the queues on a running moto server (make dev shares the S3 one), points handlers at it and starts
    the poller that invokes process-commissions."""
    from luckymart import commission_queue

    os.environ.update({"AWS_ENDPOINT_URL_SQS": endpoint_url, "AWS_REGION": LOCAL_REGION})
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "local")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "local")  # moto accepts any credentials
    commission_queue.reset()
    client = sqs_client(endpoint_url)
    poller = SqsPoller(client, create_commission_queues(client), retry_after_seconds=retry_after_seconds)
    poller.start()
    return poller


@contextmanager
def local_sqs_server() -> Iterator[tuple[ThreadedMotoServer, str]]:
    """moto's server on a free port for the duration of a block (tests); environment restored afterwards."""
    from moto.server import ThreadedMotoServer

    from luckymart import commission_queue

    saved = dict(os.environ)
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield server, f"http://127.0.0.1:{port}"
    finally:
        server.stop()
        os.environ.clear()
        os.environ.update(saved)
        commission_queue.reset()
