"""Payment-proof uploads: the browser posts the image straight to S3 with a presigned POST, and deposit-request
keeps only the object key, which must lie under the caller's own prefix `deposits/<user_id>/` (checked in SQL).

boto3 ships with the Lambda runtime and costs ~185 ms of imports, so it is imported on first use only.
Environment: UPLOADS_BUCKET (required), AWS_REGION (set by Lambda); AWS_ENDPOINT_URL_S3 points at moto locally.
"""

from __future__ import annotations

import os
import uuid
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

CONTENT_TYPES = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}
MAX_UPLOAD_BYTES = 5 * 1024 * 1024
URL_EXPIRES_SECONDS = 300
DEPOSIT_PREFIX = "deposits/"

_client: S3Client | None = None


def s3() -> S3Client:
    global _client  # noqa: PLW0603 - one client per Lambda container
    if _client is None:
        import boto3
        from botocore.config import Config

        _client = boto3.client(
            "s3",
            region_name=os.environ.get("AWS_REGION", "eu-central-1"),
            config=Config(signature_version="s3v4"),
        )
    return _client


def reset() -> None:
    """Forget the client (tests switch endpoints)."""
    global _client  # noqa: PLW0603
    _client = None


def bucket() -> str:
    name = os.environ.get("UPLOADS_BUCKET")
    if not name:
        raise RuntimeError("UPLOADS_BUCKET is not configured")
    return name


def deposit_proof_key(user_id: str, content_type: str) -> str:
    return f"{DEPOSIT_PREFIX}{user_id}/{uuid.uuid4()}.{CONTENT_TYPES[content_type]}"


def presigned_post(key: str, content_type: str) -> dict[str, Any]:
    """A form the browser POSTs the file with: only this key, this content type, at most 5 MB, for 5 minutes."""
    form = s3().generate_presigned_post(
        Bucket=bucket(),
        Key=key,
        Fields={"Content-Type": content_type},
        Conditions=[{"Content-Type": content_type}, ["content-length-range", 1, MAX_UPLOAD_BYTES]],
        ExpiresIn=URL_EXPIRES_SECONDS,
    )
    return {"url": form["url"], "fields": form["fields"]}


def object_key(reference: str) -> str:
    """The object key a client refers to, given the key itself or any URL of the object (virtual-hosted,
    path-style or CDN): the path from its `deposits/` segment on. Whose prefix it is, SQL decides."""
    if "://" not in reference:
        return reference
    path = unquote(urlsplit(reference).path)
    start = path.find("/" + DEPOSIT_PREFIX)
    return path[start + 1 :] if start >= 0 else reference
