"""Local S3 for payment-proof uploads: moto's server mode (a real S3 API over HTTP) with the uploads bucket.
Handlers reach it through the standard AWS_ENDPOINT_URL_S3 variable; on AWS that variable is simply unset."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Final

from infra.local.stack import free_port

LOCAL_BUCKET = "luckymart-local-uploads"
LOCAL_REGION: Final = "eu-central-1"


@contextmanager
def local_s3(port: int | None = None, bucket: str = LOCAL_BUCKET) -> Iterator[dict[str, str]]:
    """Starts moto's S3 on 127.0.0.1, creates the bucket, and yields the environment handlers need
    (also applied to os.environ for the duration)."""
    import boto3
    from moto.server import ThreadedMotoServer

    from luckymart import uploads

    port = port or free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    env = {
        "AWS_ENDPOINT_URL_S3": f"http://127.0.0.1:{port}",
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",  # moto accepts any credentials
        "AWS_REGION": LOCAL_REGION,
        "UPLOADS_BUCKET": bucket,
    }
    saved = {key: os.environ.get(key) for key in env}
    os.environ.update(env)
    uploads.reset()
    try:
        boto3.client("s3", region_name=LOCAL_REGION).create_bucket(
            Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": LOCAL_REGION}
        )
        yield env
    finally:
        server.stop()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        uploads.reset()
