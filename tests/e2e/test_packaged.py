"""The packaged rehearsal itself (infra/local/packaged.py, docs/rehearsal.md): every function of the packaged stage
gets through its init from its zip; the origin check and the secrets come from the template and SSM only, through
the parameters-extension stand-in and only as far as each function's role allows; and a broken package (a file
missing from the zip, a wrong handler path) fails the way Lambda fails it, as the error of its invocation and a
502 from the Function URL."""

from __future__ import annotations

import json
import shutil
import uuid
import zipfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import boto3
import httpx
import psycopg
import pytest

from infra.local.events import function_url_event
from infra.local.gateway import Gateway
from infra.local.lambdas import FunctionError
from infra.local.packaged import LocalServices, PackagedDeployment, PackagedLambdas, package_folder
from infra.local.s3 import LOCAL_REGION
from infra.local.secrets import local_secrets
from infra.local.stack import CORS_TEST_ORIGINS, Stack, free_port
from infra.local.template import TEMPLATE_FILE, load_stage
from luckymart import config, frontdoor, notification_queue
from tests.e2e.conftest import REHEARSED_STAGE
from tests.support import sign_in
from tests.support_telegram import notify, push_state, record

pytestmark = pytest.mark.e2e


def test_every_function_gets_through_its_init_from_the_packaged_zips(packaged: PackagedDeployment) -> None:
    """Imports of every handler as Lambda runs it: what the e2e flows do not call is checked here."""
    names = packaged.lambdas.function_names()
    assert len(names) == len(packaged.lambdas.stage.functions) >= 40

    def init(name: str) -> str | None:
        try:
            packaged.lambdas.warm(name)
        except FunctionError as error:
            return str(error)
        return None

    with ThreadPoolExecutor(max_workers=2) as pool:
        failed = [problem for problem in pool.map(init, names) if problem]
    assert failed == []
    assert set(packaged.lambdas.cold_starts()) == set(names)


def test_a_direct_call_without_the_origin_secret_is_refused(packaged: PackagedDeployment, clean: object) -> None:
    """The template turns the origin check on and names the secret's SSM version; a call that skips the front door
    (a direct Function URL call) is refused, one with the secret from SSM is served."""
    body = b'{"type": "DEPOSIT"}'
    direct = function_url_event("POST", headers={"content-type": "application/json"}, body=body)
    refused = packaged.lambdas.invoke("get-payment-config", direct)
    assert refused["statusCode"] == 403
    assert json.loads(refused["body"])["error"]["code"] == "FRONT_DOOR_REQUIRED"
    secret = local_secrets(packaged.stack.run_dir)["ORIGIN_SECRET"]
    headers = {"content-type": "application/json", frontdoor.HEADER: secret}
    served = packaged.lambdas.invoke("get-payment-config", function_url_event("POST", headers=headers, body=body))
    assert served["statusCode"] == 200


def test_secrets_are_only_in_ssm_and_each_role_reads_only_its_own(packaged: PackagedDeployment) -> None:
    secrets = {**packaged.stack.env(), **local_secrets(packaged.stack.run_dir)}
    values = {secrets[name.upper()] for name in config.SECRET_NAMES} | {secrets["ORIGIN_SECRET"]}
    for name in packaged.lambdas.function_names():
        environment = packaged.lambdas.environment(name)
        assert not values & set(environment.values()), f"{name} has a secret in its environment"
        assert not {"SUPABASE_REST_URL", "DATABASE_URL"} & set(environment), name

    def read(function: str, parameter: str) -> int:
        environment = packaged.lambdas.environment(function)
        port = environment["PARAMETERS_SECRETS_EXTENSION_HTTP_PORT"]
        answer = httpx.get(
            f"http://localhost:{port}/systemsmanager/parameters/get",
            params={"name": f"/luckymart/{REHEARSED_STAGE}/{parameter}", "withDecryption": "true"},
            headers={"X-Aws-Parameters-Secrets-Token": environment["AWS_SESSION_TOKEN"]},
        )
        return answer.status_code

    assert read("lottery-purchase", "receipt_signing_key") == 200
    assert read("auto-lottery-draw", "fairdraw_signing_key") == 200
    assert read("get-wallet-balance", "fairdraw_signing_key") == 400  # AccessDenied: not in its role
    assert read("lottery-purchase", "supabase_admin_key") == 400
    assert read("admin-finance", "supabase_admin_key") == 200


@pytest.fixture
def broken(packaged: PackagedDeployment, tmp_path: Path) -> Iterator[tuple[PackagedLambdas, str]]:
    """A copy of the packaged stage with two defects: logout's handler file left out of the function zip, and
    validate-session's handler path misspelt in the template. Served by a gateway of its own."""
    source = package_folder(REHEARSED_STAGE)
    copy = tmp_path / "package"
    copy.mkdir()
    for item in source.iterdir():
        if item.name.endswith(".zip") and item.name != "luckymart.zip":
            (copy / item.name).symlink_to(item)
        elif item.is_file() and item.name != "luckymart.zip":
            shutil.copy(item, copy / item.name)
    with zipfile.ZipFile(source / "luckymart.zip") as full, zipfile.ZipFile(copy / "luckymart.zip", "w") as out:
        for info in full.infolist():
            if info.filename != "functions/logout/handler.py":
                out.writestr(info, full.read(info))
    template = json.loads((copy / TEMPLATE_FILE).read_text())
    function = template["Resources"]["ValidateDashsessionLambdaFunction"]["Properties"]
    function["Handler"] = "functions/validate_session/handlers.handler"
    (copy / TEMPLATE_FILE).write_text(json.dumps(template))
    stack: Stack = packaged.stack
    port = free_port()
    services = LocalServices(
        supabase_url=f"http://127.0.0.1:{port}",
        cors_origins=CORS_TEST_ORIGINS,
        secrets={**stack.env(), **local_secrets(stack.run_dir)},
        aws=packaged.aws,
    )
    run_dir = stack.run_dir / "packaged-broken"
    lambdas = PackagedLambdas(load_stage(copy), run_dir, services, concurrency=1).start()
    gateway = Gateway(port, stack.rest_port, lambdas)
    gateway.serve_in_thread()
    try:
        yield lambdas, f"http://127.0.0.1:{port}/functions/v1"
    finally:
        gateway.shutdown()
        gateway.server_close()
        lambdas.stop()
        shutil.rmtree(run_dir, ignore_errors=True)


def test_a_broken_package_fails_as_lambda_fails_it(broken: tuple[PackagedLambdas, str]) -> None:
    lambdas, functions_url = broken
    with pytest.raises(FunctionError) as missing:
        lambdas.warm("logout")
    assert missing.value.error_type == "Runtime.ImportModuleError"
    assert "Unable to import module 'functions/logout/handler'" in missing.value.message
    with pytest.raises(FunctionError) as misspelt:
        lambdas.warm("validate-session")
    assert misspelt.value.error_type == "Runtime.ImportModuleError"
    assert "functions/validate_session/handlers" in misspelt.value.message

    for name in ("logout", "validate-session"):  # what the Mini App would get from the Function URL
        answer = httpx.post(f"{functions_url}/{name}", json={}, timeout=60)
        assert (answer.status_code, answer.json()) == (502, {"Message": "Internal Server Error"}), name
    assert (
        httpx.post(f"{functions_url}/get-payment-config", json={"type": "DEPOSIT"}, timeout=60).status_code == 200
    )
    assert {(f.function, f.error_type) for f in lambdas.failures} == {
        ("logout", "Runtime.ImportModuleError"),
        ("validate-session", "Runtime.ImportModuleError"),
    }


def test_the_bot_and_the_pushes_run_from_their_zips(
    packaged: PackagedDeployment, clean: psycopg.Connection
) -> None:
    """telegram-webhook over its Function URL and send-telegram-notifications fed from the stage's queue: the bot
    token and the webhook secret through the extension, the Mini App's address from the template."""
    mini_app = packaged.lambdas.environment("telegram-webhook")["MINI_APP_URL"]
    assert mini_app == packaged.lambdas.environment("send-telegram-notifications")["MINI_APP_URL"]
    packaged.telegram.clear()
    secret = local_secrets(packaged.stack.run_dir)["TELEGRAM_WEBHOOK_SECRET"]
    update = {
        "update_id": 1,
        "message": {
            "message_id": 5,
            "date": 0,
            "text": "/start",
            "from": {"id": 930001, "is_bot": False, "first_name": "T", "language_code": "ru"},
            "chat": {"id": 930001, "type": "private"},
        },
    }
    webhook = f"{packaged.stack.api_url}/functions/v1/telegram-webhook"
    forged = httpx.post(webhook, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "wrong"}, timeout=60)
    assert forged.status_code == 401
    answered = httpx.post(webhook, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": secret}, timeout=60)
    assert answered.status_code == 200, answered.text
    [reply] = packaged.telegram.sent(930001)
    assert mini_app in json.dumps(reply.payload)

    winner = sign_in(telegram_id=930002)
    notification = notify(clean, winner.user["id"], "LOTTERY_WIN", {"lottery_id": str(uuid.uuid4())})
    sqs = boto3.client(
        "sqs",
        region_name=LOCAL_REGION,
        endpoint_url=packaged.aws.endpoint,
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )
    queue = packaged.aws.notifications.url
    while stale := sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10, VisibilityTimeout=0).get(
        "Messages"
    ):
        for message in stale:  # what earlier tests' functions published (their notifications are gone)
            sqs.delete_message(QueueUrl=queue, ReceiptHandle=message["ReceiptHandle"])
    sqs.send_message(QueueUrl=queue, MessageBody=notification_queue.message_body(notification))
    messages = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10, WaitTimeSeconds=1)["Messages"]
    records = [record(m["Body"], m["MessageId"], m["ReceiptHandle"]) for m in messages]
    assert packaged.lambdas.invoke("send-telegram-notifications", {"Records": records}) == {
        "batchItemFailures": []
    }
    assert push_state(clean, notification)[0] == "SENT"
    [push] = packaged.telegram.sent(930002)
    assert mini_app in json.dumps(push.payload)
