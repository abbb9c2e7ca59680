"""create-upload-url against moto's S3 server: a presigned POST limited to the caller's prefix, image types,
5 MB and 5 minutes; a real file posted to it lands in the bucket and is accepted as deposit proof."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

import boto3
import httpx
import psycopg
import pytest
from botocore.exceptions import ClientError

from infra.local.events import LocalContext, scheduled_event
from infra.local.s3 import LOCAL_BUCKET, LOCAL_REGION, local_s3
from infra.local.stack import Stack
from luckymart import uploads
from luckymart.uploads import MAX_UPLOAD_BYTES, STATE_TAG, UNREFERENCED_TAGGING
from tests.support import SignedIn, invoke, sign_in
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


def upload(user: SignedIn) -> str:
    form = invoke("create-upload-url", {"content_type": "image/png"}, token=user.token).data
    assert post_file(form, PNG, "image/png").status_code in (200, 201, 204)
    return str(form["key"])


def state_of(key: str) -> str | None:
    """The object's upload state tag (moto keeps no tags from a POST upload, so a fresh one has none)."""
    tags = boto3.client("s3", region_name=LOCAL_REGION).get_object_tagging(Bucket=LOCAL_BUCKET, Key=key)["TagSet"]
    return {t["Key"]: t["Value"] for t in tags}.get(STATE_TAG)


def s3_failing(code: str) -> Any:
    """S3's PutObjectTagging answering an error (moto cannot be told to fail)."""

    def put_object_tagging(**_: Any) -> None:
        raise ClientError({"Error": {"Code": code, "Message": code}}, "PutObjectTagging")

    return put_object_tagging


def run_scheduler(pg: psycopg.Connection) -> Any:
    pg.execute("update proof_tagging set next_attempt_at = now()")  # due now rather than in 30 s
    from functions.auto_lottery_draw.handler import handler as scheduled_job

    return scheduled_job(scheduled_event(), LocalContext("auto-lottery-draw"))["proofs"]


def test_someone_elses_upload_is_never_re_tagged(s3: None, clean: psycopg.Connection) -> None:
    # The victim's key leaked (a screenshot, a shared link): naming it in one's own deposit request must not keep
    # the victim's object alive, whether alone or next to one's own genuine proof.
    victim, attacker = sign_in(), sign_in()
    theirs, mine = upload(victim), upload(attacker)
    for proofs in ([theirs], [mine, theirs]):
        refused = deposit(attacker, 100, payment_proof_images=proofs)
        assert (refused.status, refused.code) == (400, "VALIDATION_ERROR"), refused.body
    assert "referenced" not in (state_of(theirs), state_of(mine))
    assert clean.execute("select count(*) from deposits").fetchone() == (0,)


def test_a_deposit_refused_in_sql_tags_nothing(s3: None, clean: psycopg.Connection) -> None:
    user = sign_in()
    key = upload(user)
    refused = deposit(user, 1, payment_proof_images=[key])  # below the method's minimum (SQL)
    assert refused.status == 400, refused.body
    assert state_of(key) != "referenced"


def test_a_tag_step_failing_after_commit_keeps_the_deposit_and_the_scheduler_tags_the_proofs(
    s3: None, clean: psycopg.Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    user = sign_in()
    keys = [upload(user), upload(user)]

    with monkeypatch.context() as patch:
        patch.setattr(uploads.s3(), "put_object_tagging", s3_failing("ServiceUnavailable"))
        filed = deposit(user, 100, payment_proof_images=keys, idempotency_key="proofs-1")
    assert filed.status == 200, filed.body  # committed: the answer never hides a filed deposit
    assert "referenced" not in [state_of(k) for k in keys]
    queued = clean.execute("select deposit_id::text, keys from proof_tagging").fetchall()
    assert queued == [(filed.data["id"], keys)]

    assert run_scheduler(clean) == {"tagged": 1, "retrying": 0}
    assert [state_of(k) for k in keys] == ["referenced", "referenced"]
    assert clean.execute("select count(*) from proof_tagging").fetchone() == (0,)
    assert run_scheduler(clean) == {"tagged": 0, "retrying": 0}


def test_the_scheduler_retries_while_s3_fails_and_drops_a_proof_that_is_gone(
    s3: None, clean: psycopg.Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    user = sign_in()
    kept, lost = upload(user), upload(user)
    assert deposit(user, 100, payment_proof_images=[kept]).status == 200
    with monkeypatch.context() as patch:
        patch.setattr(uploads.s3(), "put_object_tagging", s3_failing("SlowDown"))
        assert run_scheduler(clean) == {"tagged": 0, "retrying": 1}
    row = clean.execute("select attempts, next_attempt_at > now() from proof_tagging").fetchone()
    assert row == (1, True)  # retried later, not at once
    # the object of a queued key was deleted meanwhile (e.g. the sweep was down for days): nothing left to keep
    boto3.client("s3", region_name=LOCAL_REGION).delete_object(Bucket=LOCAL_BUCKET, Key=lost)
    clean.execute("update proof_tagging set keys = %s::jsonb", (json.dumps([lost, kept]),))
    assert run_scheduler(clean) == {"tagged": 1, "retrying": 0}
    assert state_of(kept) == "referenced"
    assert clean.execute("select count(*) from proof_tagging").fetchone() == (0,)


@pytest.mark.parametrize("body", [{"content_type": "image/gif"}, {"content_type": "text/html"}, {}])
def test_only_images_are_allowed(s3: None, body: dict[str, str]) -> None:
    result = invoke("create-upload-url", body, token=sign_in().token)
    assert (result.status, result.code) == (400, "VALIDATION_ERROR")


def test_upload_url_needs_a_session(s3: None) -> None:
    assert invoke("create-upload-url", {"content_type": "image/png"}).status == 401
