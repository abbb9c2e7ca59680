"""Local S3 for payment-proof uploads: moto's server mode (a real S3 API over HTTP) with the uploads bucket.
Handlers reach it through the standard AWS_ENDPOINT_URL_S3 variable; on AWS that variable is simply unset."""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Final

from infra.local.stack import free_port

if TYPE_CHECKING:
    from moto.server import ThreadedMotoServer

LOCAL_BUCKET = "luckymart-local-uploads"
LOCAL_REGION: Final = "eu-central-1"


def start_local_s3(port: int | None = None, bucket: str = LOCAL_BUCKET) -> ThreadedMotoServer:
    """Starts moto's S3 on 127.0.0.1 (a daemon thread: it ends with the process), creates the bucket and applies
    the environment handlers need (UPLOADS_BUCKET, AWS_ENDPOINT_URL_S3, ...) to os.environ."""
    import boto3
    from moto.server import ThreadedMotoServer

    from luckymart import uploads

    port = port or free_port()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per S3/SQS request
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    env = {
        "AWS_ENDPOINT_URL_S3": f"http://127.0.0.1:{port}",
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",  # moto accepts any credentials
        "AWS_REGION": LOCAL_REGION,
        "UPLOADS_BUCKET": bucket,
    }
    os.environ.update(env)
    uploads.reset()
    s3 = boto3.client("s3", region_name=LOCAL_REGION)
    # moto's backend outlives one server: a second local S3 in the same process finds the bucket already there
    with contextlib.suppress(s3.exceptions.BucketAlreadyOwnedByYou):
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": LOCAL_REGION})
    return server


@contextmanager
def local_s3(bucket: str = LOCAL_BUCKET) -> Iterator[ThreadedMotoServer]:
    """start_local_s3 on a free port for the duration of a block (tests); then stopped, environment restored."""
    from luckymart import uploads

    saved = dict(os.environ)
    server = start_local_s3(bucket=bucket)
    try:
        yield server
    finally:
        server.stop()
        os.environ.clear()
        os.environ.update(saved)
        uploads.reset()
