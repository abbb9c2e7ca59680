"""Payment-proof uploads: the browser posts the image straight to S3 with a presigned POST, and deposit-request
keeps only the object key, which must lie under the caller's own prefix `deposits/<user_id>/` (checked in SQL).

Expiry: the POST policy requires the tag `luckymart-upload=unreferenced` on every upload, and the bucket's
lifecycle rule deletes `deposits/` objects still carrying it after a day. deposit-request first checks that each
proof exists (GetObjectTagging: read-only), then files the deposit (SQL refuses a key outside the caller's own
prefix), and only after that commit re-tags the proofs `referenced`: an object is never re-tagged on behalf of
someone who does not own it. The deposit's transaction also queues its proofs (`proof_tagging`); the scheduled
function re-tags what is queued (`tag_queued`), so a tag step that fails after the commit is retried, never lost.

boto3 ships with the Lambda runtime and costs ~185 ms of imports, so it is imported on first use only.
Environment: UPLOADS_BUCKET (required), AWS_REGION (set by Lambda); AWS_ENDPOINT_URL_S3 points at moto locally.
"""

from __future__ import annotations

import os
import uuid
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from luckymart.errors import NotConfigured

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

CONTENT_TYPES = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}
MAX_UPLOAD_BYTES = 5 * 1024 * 1024
URL_EXPIRES_SECONDS = 300
DEPOSIT_PREFIX = "deposits/"
STATE_TAG = "luckymart-upload"
UNREFERENCED_TAGGING = (
    f"<Tagging><TagSet><Tag><Key>{STATE_TAG}</Key><Value>unreferenced</Value></Tag></TagSet></Tagging>"
)

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
        raise NotConfigured("setting UPLOADS_BUCKET")
    return name


def deposit_proof_key(user_id: str, content_type: str) -> str:
    return f"{DEPOSIT_PREFIX}{user_id}/{uuid.uuid4()}.{CONTENT_TYPES[content_type]}"


def presigned_post(key: str, content_type: str) -> dict[str, Any]:
    """A form the browser POSTs the file with: only this key, this content type, at most 5 MB, for 5 minutes,
    tagged unreferenced (expires unless a deposit request references it)."""
    form = s3().generate_presigned_post(
        Bucket=bucket(),
        Key=key,
        Fields={"Content-Type": content_type, "tagging": UNREFERENCED_TAGGING},
        Conditions=[
            {"Content-Type": content_type},
            {"tagging": UNREFERENCED_TAGGING},
            ["content-length-range", 1, MAX_UPLOAD_BYTES],
        ],
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


def require_uploaded(keys: list[str]) -> None:
    """400 for a proof that was never uploaded. Reads only (the object's tags): it changes nothing, so it may run
    before SQL has said whose key it is. Keys outside `deposits/` are left to SQL, which refuses them."""
    from botocore.exceptions import ClientError

    from luckymart.errors import validation_error

    for key in keys:
        if not key.startswith(DEPOSIT_PREFIX):
            continue
        try:
            s3().get_object_tagging(Bucket=bucket(), Key=key)
        except ClientError as error:
            if _missing(error):
                raise validation_error("a payment proof image was not uploaded", {"key": key}) from None
            raise


def mark_referenced(keys: list[str]) -> None:
    """Re-tags each proof `referenced` so the lifecycle rule keeps it. Call it only for keys SQL has accepted as
    the caller's own; idempotent, so a retry (or the scheduled sweep) may repeat it."""
    tagging: Any = {"TagSet": [{"Key": STATE_TAG, "Value": "referenced"}]}
    for key in keys:
        if key.startswith(DEPOSIT_PREFIX):
            s3().put_object_tagging(Bucket=bucket(), Key=key, Tagging=tagging)


def tag_after_commit(keys: list[str]) -> bool:
    """mark_referenced for a deposit that is already committed: a failure must not turn a filed deposit into an
    error (the proofs are queued in SQL and the scheduled sweep tags them), so it is logged and counted."""
    from luckymart import metrics
    from luckymart.log import logger

    try:
        mark_referenced(keys)
    except Exception:
        logger.warning("proof tagging deferred to the scheduled sweep", exc_info=True)
        metrics.add("ProofTagsDeferred", 1)
        return False
    return True


def tag_queued(due: list[dict[str, Any]]) -> tuple[list[str], list[str]]:
    """The scheduled sweep over `proof_tagging_due`'s rows: (deposit ids done, deposit ids to retry later). A proof
    that no longer exists cannot be kept any more: it is logged, counted and taken off the queue."""
    from botocore.exceptions import ClientError

    from luckymart import metrics
    from luckymart.log import logger

    done: list[str] = []
    retry: list[str] = []
    for row in due:
        deposit_id = str(row["deposit_id"])
        try:
            for key in row["keys"]:
                try:
                    mark_referenced([key])
                except ClientError as error:
                    if not _missing(error):
                        raise
                    logger.error("payment proof is gone", extra={"deposit_id": deposit_id, "key": key})
                    metrics.add("ProofsMissing", 1)
        except Exception:
            logger.warning("proof tagging failed; retried later", extra={"deposit_id": deposit_id}, exc_info=True)
            retry.append(deposit_id)
        else:
            done.append(deposit_id)
    return done, retry


def _missing(error: Any) -> bool:
    return error.response.get("Error", {}).get("Code") in {"NoSuchKey", "404"}
