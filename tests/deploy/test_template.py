"""The packaged CloudFormation template of every stage (`make package`): what is public, who may do what,
the schedule, the queue, and that no secret is in it."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from typing import Any

import pytest

from luckymart.config import SECRET_NAMES
from luckymart.uploads import DEPOSIT_PREFIX, STATE_TAG, UNREFERENCED_TAGGING
from tests.support_deploy import ROOT, Template, render, stage_config, stages, template

pytestmark = pytest.mark.unit

USER_FUNCTIONS = {
    "auth-telegram", "validate-session", "logout", "get-wallet-balance", "get-transactions", "exchange-balance",
    "get-payment-config", "deposit-request", "withdrawal-request", "activate-first-deposit-bonus",
    "create-upload-url", "lottery-purchase", "get-my-tickets", "get-my-orders", "verify-draw", "get-ticket-proof",
    "get-my-prizes",
    "request-shipping", "create-resale", "list-resale-items", "purchase-resale", "cancel-resale",
    "get-user-referral-stats", "get-invited-users", "create-showoff", "list-showoffs", "like-showoff",
    "get-notifications", "mark-notifications-read", "list-lotteries", "get-lottery", "telegram-webhook",
}  # fmt: skip
SYSTEM_FUNCTIONS = {"auto-lottery-draw", "process-commissions", "send-telegram-notifications"}
ADMIN_FUNCTIONS = {
    "admin-finance", "admin-lotteries", "draw-lottery", "admin-prizes", "admin-users", "admin-commissions",
    "admin-accounts", "admin-ops", "admin-notifications",
}  # fmt: skip
SHARED_ENV = {
    "STAGE", "SUPABASE_URL", "CORS_ALLOWED_ORIGINS", "SSM_PARAMETER_PREFIX", "LOG_LEVEL",
    "POWERTOOLS_SERVICE_NAME", "POWERTOOLS_METRICS_NAMESPACE", "NOTIFICATION_QUEUE_URL",
}  # fmt: skip
# Secrets each function may read besides its class's database key; everything else is denied by omission.
EXTRA_SECRETS = {
    "auth-telegram": {"telegram_bot_token", "referral_code_key"},
    "lottery-purchase": {"referral_pepper", "receipt_signing_key"},
    "auto-lottery-draw": {"fairdraw_signing_key", "seed_encryption_key"},
    "draw-lottery": {"fairdraw_signing_key", "seed_encryption_key"},
    "admin-lotteries": {"fairdraw_signing_key", "seed_encryption_key"},
    "send-telegram-notifications": {"telegram_bot_token"},
    "telegram-webhook": {"telegram_bot_token", "telegram_webhook_secret"},
}
# what X-Ray tracing adds to every role when the stage turns it on (config `tracing`)
XRAY_GRANTS = {("xray:PutTraceSegments", "*"), ("xray:PutTelemetryRecords", "*")}
# the purchase enqueues, the draws release a lottery's commissions, the scheduled job and the DLQ replay re-send
COMMISSION_PUBLISHERS = {"lottery-purchase", "auto-lottery-draw", "draw-lottery", "admin-commissions"}
# functions whose SQL creates pushable notifications (published after commit), and the consumer's re-enqueue
NOTIFICATION_PUBLISHERS = (ADMIN_FUNCTIONS - {"admin-commissions"}) | {
    "auto-lottery-draw", "process-commissions", "purchase-resale", "send-telegram-notifications",
}  # fmt: skip
ALLOWED_HEADERS = {
    "authorization",
    "x-client-info",
    "apikey",
    "content-type",
    "x-session-token",
    "idempotency-key",
}

STAGES = stages()


@pytest.fixture(params=STAGES)
def tpl(request: pytest.FixtureRequest) -> Template:
    return template(request.param)


def public_permissions(tpl: Template) -> dict[str, list[dict[str, object]]]:
    """Function logical id → its permissions open to everyone (Principal '*')."""
    found: dict[str, list[dict[str, object]]] = {}
    for resource in tpl.of_type("AWS::Lambda::Permission").values():
        properties = resource["Properties"]
        if properties["Principal"] == "*":
            found.setdefault(tpl.function_of(properties["FunctionName"]), []).append(properties)
    return found


def test_every_function_is_declared_and_every_folder_has_one(tpl: Template) -> None:
    assert set(tpl.functions) == USER_FUNCTIONS | SYSTEM_FUNCTIONS | ADMIN_FUNCTIONS
    handlers = {fn.properties["Handler"] for fn in tpl.functions.values()}
    for folder in sorted((ROOT / "functions").glob("*/handler.py")):
        assert f"functions/{folder.parent.name}/handler.handler" in handlers, f"{folder.parent.name} not deployed"
    for fn in tpl.functions.values():
        assert fn.properties["Handler"] == f"functions/{fn.name.replace('-', '_')}/handler.handler"


def test_user_functions_have_a_public_url_with_both_permissions_and_stage_cors(tpl: Template) -> None:
    urls = {}
    for url in tpl.of_type("AWS::Lambda::Url").values():
        urls[tpl.function_of(url["Properties"]["TargetFunctionArn"])] = url["Properties"]
    permissions = public_permissions(tpl)
    origins = stage_config(tpl.stage)["corsOrigins"]
    # With SnapStart the URL and both permissions must name the alias that points at the published version.
    qualifier = ":snapstart" if stage_config(tpl.stage)["snapStart"] else ""
    for name in USER_FUNCTIONS:
        fn = tpl.functions[name]
        url = urls[fn.logical_id]
        assert render(url["TargetFunctionArn"]) == f"{{{fn.logical_id}.Arn}}{qualifier}"
        assert url["AuthType"] == "NONE"
        assert url["Cors"]["AllowOrigins"] == origins
        assert set(url["Cors"]["AllowHeaders"]) == ALLOWED_HEADERS
        assert set(url["Cors"]["AllowMethods"]) == {"GET", "POST"}
        assert url["Cors"]["ExposeHeaders"] == ["retry-after"]  # the browser may read a 429's Retry-After
        granted = permissions[fn.logical_id]
        assert {"Action": "lambda:InvokeFunctionUrl", "FunctionUrlAuthType": "NONE"}.items() <= _one(
            granted, "lambda:InvokeFunctionUrl"
        ).items()
        assert _one(granted, "lambda:InvokeFunction").get("InvokedViaFunctionUrl") is True
        assert len(granted) == 2
        assert {render(p["FunctionName"]) for p in granted} == {f"{{{fn.logical_id}.Arn}}{qualifier}"}


def _one(permissions: list[dict[str, object]], action: str) -> dict[str, object]:
    matching = [p for p in permissions if p["Action"] == action]
    assert len(matching) == 1, f"expected one {action} permission, got {matching}"
    return matching[0]


def test_system_and_admin_functions_are_not_public(tpl: Template) -> None:
    urls = {
        tpl.function_of(url["Properties"]["TargetFunctionArn"]) for url in tpl.of_type("AWS::Lambda::Url").values()
    }
    public = public_permissions(tpl)
    for name in SYSTEM_FUNCTIONS | ADMIN_FUNCTIONS:
        logical_id = tpl.functions[name].logical_id
        assert logical_id not in urls, f"{name} has a function URL"
        assert logical_id not in public, f"{name} can be invoked by anyone"
    assert len(urls) == len(USER_FUNCTIONS)


def test_the_schedule_invokes_auto_lottery_draw_every_minute(tpl: Template) -> None:
    (rule,) = tpl.of_type("AWS::Events::Rule").values()
    assert rule["Properties"]["ScheduleExpression"] == "rate(1 minute)"
    assert rule["Properties"]["State"] == "ENABLED"
    (target,) = rule["Properties"]["Targets"]
    assert tpl.function_of(target["Arn"]) == tpl.functions["auto-lottery-draw"].logical_id
    permissions = [p["Properties"] for p in tpl.of_type("AWS::Lambda::Permission").values()]
    (invoke,) = [p for p in permissions if p["Principal"] == "events.amazonaws.com"]
    assert tpl.function_of(invoke["FunctionName"]) == tpl.functions["auto-lottery-draw"].logical_id


def _mapping_of(tpl: Template, function: str) -> dict[str, Any]:
    mappings = [m["Properties"] for m in tpl.of_type("AWS::Lambda::EventSourceMapping").values()]
    assert len(mappings) == 2
    (mapping,) = [m for m in mappings if tpl.function_of(m["FunctionName"]) == tpl.functions[function].logical_id]
    return mapping


def test_commission_queue_feeds_process_commissions_with_partial_batch_failures(tpl: Template) -> None:
    mapping = _mapping_of(tpl, "process-commissions")
    consumer = tpl.functions["process-commissions"]
    assert tpl.function_of(mapping["FunctionName"]) == consumer.logical_id
    assert render(mapping["EventSourceArn"]) == "{CommissionQueue.Arn}"
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert 1 <= mapping["BatchSize"] <= 10
    assert mapping["ScalingConfig"]["MaximumConcurrency"] == stage_config(tpl.stage)["commissionConsumers"]

    queue = tpl.resources["CommissionQueue"]["Properties"]
    assert queue["VisibilityTimeout"] >= 6 * consumer.properties["Timeout"]
    assert queue["RedrivePolicy"] == {
        "deadLetterTargetArn": {"Fn::GetAtt": ["CommissionDeadLetterQueue", "Arn"]},
        "maxReceiveCount": 5,
    }
    dead_letters = tpl.resources["CommissionDeadLetterQueue"]["Properties"]
    assert dead_letters["MessageRetentionPeriod"] > queue["MessageRetentionPeriod"]


def test_notification_queue_feeds_the_telegram_consumer_with_partial_batch_failures(tpl: Template) -> None:
    mapping = _mapping_of(tpl, "send-telegram-notifications")
    consumer = tpl.functions["send-telegram-notifications"]
    assert render(mapping["EventSourceArn"]) == "{NotificationQueue.Arn}"
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert mapping["BatchSize"] == 10 and mapping["ScalingConfig"]["MaximumConcurrency"] == 2
    assert "ReservedConcurrentExecutions" not in consumer.properties  # would throttle and dead-letter good pushes
    queue = tpl.resources["NotificationQueue"]["Properties"]
    assert queue["VisibilityTimeout"] >= 6 * consumer.properties["Timeout"]
    assert queue["RedrivePolicy"] == {
        "deadLetterTargetArn": {"Fn::GetAtt": ["NotificationDeadLetterQueue", "Arn"]},
        "maxReceiveCount": 5,
    }
    assert consumer.environment["MINI_APP_URL"].startswith("https://")


def test_an_alarm_fires_when_a_dead_letter_queue_is_not_empty(tpl: Template) -> None:
    for queue in ("CommissionDeadLetterQueue", "NotificationDeadLetterQueue"):
        (alarm,) = [
            a["Properties"]
            for a in tpl.of_type("AWS::CloudWatch::Alarm").values()
            if queue in str(a["Properties"].get("Dimensions"))
        ]
        assert alarm["Namespace"] == "AWS/SQS"
        assert alarm["MetricName"] == "ApproximateNumberOfMessagesVisible"
        assert alarm["Dimensions"] == [{"Name": "QueueName", "Value": {"Fn::GetAtt": [queue, "QueueName"]}}]
        assert (alarm["ComparisonOperator"], alarm["Threshold"]) == ("GreaterThanThreshold", 0)
        assert alarm["AlarmActions"] == [{"Ref": "AlarmTopic"}]


def test_no_iam_statement_has_a_wildcard_resource_or_action(tpl: Template) -> None:
    roles = tpl.of_type("AWS::IAM::Role")
    assert roles
    for role_id in roles:
        for action, resource in tpl.grants(role_id) - XRAY_GRANTS:  # X-Ray has no resource-level permissions
            assert resource != "*", f"{role_id}: {action} on *"
            assert not re.fullmatch(r"arn:\{AWS::Partition\}:[a-z0-9-]+:[^:]*:[^:]*:\*", resource), resource
            assert "*" not in action, f"{role_id}: wildcard action {action}"
        assert not roles[role_id]["Properties"].get("ManagedPolicyArns"), f"{role_id} has managed policies"


def test_each_function_has_its_own_role_with_only_what_it_needs(tpl: Template) -> None:
    functions = tpl.functions.values()
    assert len({fn.role_id for fn in functions}) == len(tpl.functions) == len(tpl.of_type("AWS::IAM::Role"))
    prefix = f"arn:{{AWS::Partition}}:ssm:{{AWS::Region}}:{{AWS::AccountId}}:parameter/luckymart/{tpl.stage}/"
    for fn in functions:
        grants = tpl.grants(fn.role_id)
        secrets = {resource.removeprefix(prefix) for action, resource in grants if action == "ssm:GetParameter"}
        assert all(not s.startswith("arn:") for s in secrets), secrets
        db_class = "user" if fn.name in USER_FUNCTIONS else "system" if fn.name in SYSTEM_FUNCTIONS else "admin"
        own_key = {f"supabase_{db_class}_key", "supabase_anon_key"}  # never the service-role key
        # user functions read the front door's origin secret (tests/deploy/test_front_door.py)
        front_door = {"origin_secret"} if fn.name in USER_FUNCTIONS and enforced_origin_check(tpl) else set()
        assert secrets == own_key | EXTRA_SECRETS.get(fn.name, set()) | front_door, fn.name
        assert _allowed(grants, "sqs:SendMessage") == (
            {"{CommissionQueue.Arn}"} if fn.name in COMMISSION_PUBLISHERS else set()
        ) | ({"{NotificationQueue.Arn}"} if fn.name in NOTIFICATION_PUBLISHERS else set()), fn.name
        dead_letters = {
            "admin-commissions": {"{CommissionDeadLetterQueue.Arn}"},
            "admin-notifications": {"{NotificationDeadLetterQueue.Arn}"},
        }
        assert _allowed(grants, "sqs:ReceiveMessage") == {
            "process-commissions": {"{CommissionQueue.Arn}"},
            "send-telegram-notifications": {"{NotificationQueue.Arn}"},
            **dead_letters,
        }.get(fn.name, set()), fn.name
        # a DLQ listing makes the scanned messages visible again at once
        assert _allowed(grants, "sqs:ChangeMessageVisibility") >= dead_letters.get(fn.name, set()), fn.name
        assert _allowed(grants, "s3:PutObject") == (
            {"{UploadsBucket.Arn}/deposits/*"} if fn.name == "create-upload-url" else set()
        ), fn.name
        # the scheduler re-tags the proofs of filed deposits still queued after deposit-request's own attempt
        taggers = {"create-upload-url", "deposit-request", "auto-lottery-draw"}
        assert _allowed(grants, "s3:PutObjectTagging") == (
            {"{UploadsBucket.Arn}/deposits/*"} if fn.name in taggers else set()
        ), fn.name
        assert _allowed(grants, "s3:GetObjectTagging") == (
            {"{UploadsBucket.Arn}/deposits/*"} if fn.name == "deposit-request" else set()
        ), fn.name
        logs = _allowed(grants, "logs:PutLogEvents")
        assert logs == {
            f"arn:{{AWS::Partition}}:logs:{{AWS::Region}}:{{AWS::AccountId}}:log-group:"
            f"/aws/lambda/luckymart-{tpl.stage}-{fn.name}:*:*"
        }, fn.name
        services = {action.split(":")[0] for action, _ in grants - XRAY_GRANTS}
        assert services <= {"logs", "ssm", "sqs", "s3"}, services
        assert grants & XRAY_GRANTS == (XRAY_GRANTS if stage_config(tpl.stage)["tracing"] else set()), fn.name


def enforced_origin_check(tpl: Template) -> bool:
    return bool(stage_config(tpl.stage)["frontDoor"]["enforceOriginSecret"])


def _allowed(grants: set[tuple[str, str]], action: str) -> set[str]:
    return {resource for granted, resource in grants if granted == action}


def test_functions_read_configuration_from_the_environment_and_secrets_from_ssm(tpl: Template) -> None:
    config = stage_config(tpl.stage)
    for fn in tpl.functions.values():
        env = fn.environment
        assert set(env) >= SHARED_ENV, fn.name
        assert env["STAGE"] == tpl.stage
        assert env["SSM_PARAMETER_PREFIX"] == f"/luckymart/{tpl.stage}"
        assert env["SUPABASE_URL"] == config["supabaseUrl"]
        assert env["CORS_ALLOWED_ORIGINS"] == {"Fn::Join": [",", config["corsOrigins"]]}
        assert not {name.upper() for name in SECRET_NAMES} & set(env), f"{fn.name} has a secret in its environment"
    functions = tpl.functions
    assert functions["create-upload-url"].environment["UPLOADS_BUCKET"] == {"Ref": "UploadsBucket"}
    assert functions["deposit-request"].environment["UPLOADS_BUCKET"] == {"Ref": "UploadsBucket"}
    assert functions["auto-lottery-draw"].environment["UPLOADS_BUCKET"] == {"Ref": "UploadsBucket"}
    for name in COMMISSION_PUBLISHERS:
        assert functions[name].environment["COMMISSION_QUEUE_URL"] == {"Ref": "CommissionQueue"}
    assert functions["admin-commissions"].environment["COMMISSION_DLQ_URL"] == {"Ref": "CommissionDeadLetterQueue"}
    assert functions["admin-notifications"].environment["NOTIFICATION_DLQ_URL"] == {
        "Ref": "NotificationDeadLetterQueue"
    }
    for fn in functions.values():
        assert fn.environment["NOTIFICATION_QUEUE_URL"] == {"Ref": "NotificationQueue"}, fn.name
    # the public verifier publishes the operator's public key from config, with no access to the private key
    assert functions["verify-draw"].environment["FAIRDRAW_PUBLIC_KEY"] == config["fairdrawPublicKey"]
    assert functions["verify-draw"].environment["RECEIPT_PUBLIC_KEY"] == config["receiptPublicKey"]


SECRET_LOOKING = [
    re.compile(r"eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}"),  # a JWT (the Supabase service-role key is one)
    re.compile(r"\b\d{6,12}:[A-Za-z0-9_-]{30,}\b"),  # a Telegram bot token
    re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
    re.compile(r"(?i)(secret|password|private_key|service_role_key)\"\s*:\s*\"[^\"{]{8,}"),
]


def test_no_secret_value_is_in_the_template(tpl: Template) -> None:
    for pattern in SECRET_LOOKING:
        assert not pattern.search(tpl.raw_text), pattern.pattern
    # Secrets are read at run time, not resolved into the stack; the one exception is the front door's origin
    # secret, which CloudFront itself must send (a reference to an SSM parameter, tests/deploy/test_front_door.py).
    assert "{{resolve:" not in re.sub(
        r"\{\{resolve:ssm:/luckymart/[a-z0-9-]+/origin_secret:\d+\}\}", "", tpl.raw_text
    )
    state = (tpl.dir / "serverless-state.json").read_text()
    for pattern in SECRET_LOOKING:
        assert not pattern.search(state), pattern.pattern


def test_every_function_runs_python312_with_the_shared_layer_and_bounded_logs(tpl: Template) -> None:
    (layer_id,) = tpl.of_type("AWS::Lambda::LayerVersion")
    layer = tpl.resources[layer_id]["Properties"]
    assert layer["CompatibleRuntimes"] == ["python3.12"]
    log_groups = {
        g["Properties"]["LogGroupName"]: g["Properties"] for g in tpl.of_type("AWS::Logs::LogGroup").values()
    }
    retention = stage_config(tpl.stage)["logRetentionInDays"]
    for fn in tpl.functions.values():
        properties = fn.properties
        assert properties["Runtime"] == "python3.12"
        # the shared layer, then the stage's Parameters and Secrets extension for this architecture (luckymart.ssm)
        (architecture,) = properties["Architectures"]
        extension = stage_config(tpl.stage)["parametersExtension"][architecture]
        assert properties["Layers"] == [{"Ref": layer_id}, extension]
        layer_name = "AWS-Parameters-and-Secrets-Lambda-Extension"
        assert re.fullmatch(rf"arn:aws:lambda:[a-z0-9-]+:\d{{12}}:layer:{layer_name}(-Arm64)?:\d+", extension)
        assert extension.split(":")[3] == stage_config(tpl.stage)["region"]  # a layer is regional
        assert fn.environment["PARAMETERS_SECRETS_EXTENSION_HTTP_PORT"] == "2773"
        assert properties["Architectures"] == layer["CompatibleArchitectures"]
        assert properties["Timeout"] > 15, "must outlast the 15 s database call timeout"
        assert log_groups[f"/aws/lambda/{properties['FunctionName']}"]["RetentionInDays"] == retention


def test_reserved_concurrency_never_disables_a_function(tpl: Template) -> None:
    config = stage_config(tpl.stage)
    for fn in tpl.functions.values():
        reserved = fn.properties.get("ReservedConcurrentExecutions")
        assert reserved is None or reserved >= 1, f"{fn.name}: 0 would throttle every call"
    purchase = tpl.functions["lottery-purchase"].properties.get("ReservedConcurrentExecutions")
    assert purchase == config.get("purchaseReservedConcurrency")
    draw = tpl.functions["auto-lottery-draw"].properties.get("ReservedConcurrentExecutions")
    assert draw == config.get("drawReservedConcurrency")


def test_every_bucket_is_private_and_encrypted(tpl: Template) -> None:
    buckets = tpl.of_type("AWS::S3::Bucket")
    assert set(buckets) == {"UploadsBucket", "ServerlessDeploymentBucket", "VerifyPageBucket"}
    for bucket in buckets.values():
        blocks = bucket["Properties"]["PublicAccessBlockConfiguration"]
        assert len(blocks) == 4
        assert all(blocks.values())
        assert bucket["Properties"]["BucketEncryption"]["ServerSideEncryptionConfiguration"]


def test_the_uploads_bucket_accepts_posts_from_the_app_only(tpl: Template) -> None:
    bucket = tpl.resources["UploadsBucket"]["Properties"]
    (rule,) = bucket["CorsConfiguration"]["CorsRules"]
    assert rule["AllowedMethods"] == ["POST"]
    assert rule["AllowedOrigins"] == stage_config(tpl.stage)["corsOrigins"]
    policy = tpl.resources["UploadsBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    assert [s["Effect"] for s in policy] == ["Deny"]  # the policy only refuses plain HTTP


def test_the_code_artifact_holds_the_handlers_and_nothing_else(tpl: Template) -> None:
    with zipfile.ZipFile(tpl.dir / "luckymart.zip") as artifact:
        names = [n for n in artifact.namelist() if not n.endswith("/")]
    assert names
    assert all(re.fullmatch(r"functions/[a-z_]+/[a-z_]+\.py", name) for name in names), names
    expected = {str(p.relative_to(ROOT)) for p in (ROOT / "functions").glob("*/*.py")}
    assert set(names) == expected


@pytest.mark.parametrize("stage", STAGES)
def test_the_layer_zip_is_within_lambda_limits(stage: str) -> None:
    with zipfile.ZipFile(template(stage).dir / "shared.zip") as layer:
        infos = layer.infolist()
    unzipped = sum(i.file_size for i in infos)
    assert unzipped < 250 * 1024 * 1024
    top = {Path(i.filename).parts[0] for i in infos}
    assert top == {"python"}
    packages = {Path(i.filename).parts[1] for i in infos if len(Path(i.filename).parts) > 2}
    assert {"luckymart", "pydantic", "httpx", "aws_lambda_powertools", "ca-certificates"} <= packages
    assert not {"boto3", "botocore", "s3transfer"} & packages, "the runtime provides boto3"


def test_unreferenced_uploads_expire(tpl: Template) -> None:
    rules = tpl.resources["UploadsBucket"]["Properties"]["LifecycleConfiguration"]["Rules"]
    (expiry,) = [r for r in rules if "ExpirationInDays" in r]
    assert expiry["Status"] == "Enabled" and expiry["Prefix"] == DEPOSIT_PREFIX
    assert expiry["TagFilters"] == [{"Key": STATE_TAG, "Value": "unreferenced"}]
    assert "<Value>unreferenced</Value>" in UNREFERENCED_TAGGING
    assert expiry["ExpirationInDays"] == stage_config(tpl.stage)["unreferencedUploadExpiryDays"]
