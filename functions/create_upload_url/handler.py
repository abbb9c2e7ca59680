"""create-upload-url: a presigned S3 POST for one payment-proof image under the caller's own prefix."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AliasChoices, BeforeValidator, Field

from luckymart import responses, uploads
from luckymart.api import Body, Call, Endpoint

ImageType = Annotated[
    Literal["image/jpeg", "image/png", "image/webp"],
    BeforeValidator(lambda v: v.strip().lower() if isinstance(v, str) else v),
]


class UploadBody(Body):
    content_type: ImageType = Field(validation_alias=AliasChoices("content_type", "contentType"))


endpoint = Endpoint(
    "create-upload-url",
    response=responses.UploadSlot,
    body=UploadBody,
    settings=("UPLOADS_BUCKET",),
    summary="Presigned S3 POST for a payment-proof image (jpeg/png/webp, at most 5 MB, valid 5 minutes)",
)


@endpoint
def create_upload_url(call: Call[UploadBody]) -> Any:
    user_id = call.rpc("create_upload_slot")["user_id"]  # authenticates and rate-limits
    key = uploads.deposit_proof_key(user_id, call.body.content_type)
    return {
        **uploads.presigned_post(key, call.body.content_type),
        "key": key,
        "content_type": call.body.content_type,
        "max_bytes": uploads.MAX_UPLOAD_BYTES,
        "expires_in": uploads.URL_EXPIRES_SECONDS,
    }


handler = endpoint.handler
