"""create-upload-url against moto's S3 server: a presigned POST limited to the caller's prefix, image types,
5 MB and 5 minutes; a real file posted to it lands in the bucket and is accepted as deposit proof."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator

import boto3
import httpx
import psycopg
import pytest

from infra.local.s3 import LOCAL_BUCKET, LOCAL_REGION, local_s3
from infra.local.stack import Stack
from luckymart.uploads import MAX_UPLOAD_BYTES, STATE_TAG, UNREFERENCED_TAGGING
from tests.support import invoke, sign_in
from tests.support_wallets import deposit

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean")]

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)


@pytest.fixture(scope="module")
def s3(stack: Stack) -> Iterator[None]:
    with local_s3():
        yield


def post_file(form: dict[str, object], content: bytes, content_type: str) -> httpx.Response:
    fields = dict(form["fields"])  # type: ignore[call-overload]
    return httpx.post(str(form["url"]), data=fields, files={"file": ("proof", content, content_type)}, timeout=30)


def test_presigned_post_is_scoped_to_caller_type_size_and_time(s3: None) -> None:
    user = sign_in()
    result = invoke("create-upload-url", {"contentType": "image/PNG"}, token=user.token)
    assert result.status == 200, result.body
    form = result.data
    assert form["key"].startswith(f"deposits/{user.user['id']}/") and form["key"].endswith(".png")
    assert form["fields"]["key"] == form["key"]
    assert form["expires_in"] <= 300 and form["max_bytes"] == MAX_UPLOAD_BYTES
    policy = json.loads(base64.b64decode(form["fields"]["policy"]))
    assert ["content-length-range", 1, MAX_UPLOAD_BYTES] in policy["conditions"]
    assert {"Content-Type": "image/png"} in policy["conditions"]
    assert {"key": form["key"]} in policy["conditions"]
    assert {"bucket": LOCAL_BUCKET} in policy["conditions"]
    # every upload is tagged unreferenced (the bucket's lifecycle rule expires it unless a deposit references it)
    assert {"tagging": UNREFERENCED_TAGGING} in policy["conditions"]
    assert form["fields"]["tagging"] == UNREFERENCED_TAGGING


def test_real_upload_lands_in_bucket_and_is_accepted_as_deposit_proof(s3: None, clean: psycopg.Connection) -> None:
    user = sign_in()
    form = invoke("create-upload-url", {"content_type": "image/png"}, token=user.token).data
    uploaded = post_file(form, PNG, "image/png")
    assert uploaded.status_code in (200, 201, 204), uploaded.text
    stored = boto3.client("s3", region_name=LOCAL_REGION).get_object(Bucket=LOCAL_BUCKET, Key=form["key"])
    assert stored["Body"].read() == PNG
    assert stored["ContentType"] == "image/png"

    accepted = deposit(user, 100, payment_proof_images=[form["key"]])
    assert accepted.status == 200, accepted.body
    assert accepted.data["payment_proof_images"] == [form["key"]]
    # the same upload is not proof for anybody else
    assert deposit(sign_in(), 100, payment_proof_images=[form["key"]]).code == "VALIDATION_ERROR"
    # referenced: re-tagged so the lifecycle rule keeps it
    tags = boto3.client("s3", region_name=LOCAL_REGION).get_object_tagging(Bucket=LOCAL_BUCKET, Key=form["key"])
    assert tags["TagSet"] == [{"Key": STATE_TAG, "Value": "referenced"}]


def test_a_proof_that_was_never_uploaded_is_refused(s3: None, clean: psycopg.Connection) -> None:
    user = sign_in()
    uploaded = invoke("create-upload-url", {"content_type": "image/png"}, token=user.token).data
    assert post_file(uploaded, PNG, "image/png").status_code in (200, 201, 204)
    never = invoke("create-upload-url", {"content_type": "image/png"}, token=user.token).data  # slot, no file
    refused = deposit(user, 100, payment_proof_images=[uploaded["key"], never["key"]])
    assert (refused.status, refused.code) == (400, "VALIDATION_ERROR"), refused.body
    assert refused.body["error"]["details"] == {"key": never["key"]}
    assert clean.execute("select count(*) from deposits").fetchone() == (0,)


@pytest.mark.parametrize("body", [{"content_type": "image/gif"}, {"content_type": "text/html"}, {}])
def test_only_images_are_allowed(s3: None, body: dict[str, str]) -> None:
    result = invoke("create-upload-url", body, token=sign_in().token)
    assert (result.status, result.code) == (400, "VALIDATION_ERROR")


def test_upload_url_needs_a_session(s3: None) -> None:
    assert invoke("create-upload-url", {"content_type": "image/png"}).status == 401
