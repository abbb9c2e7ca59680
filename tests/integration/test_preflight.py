"""`luckymart-admin preflight` against a stage made of real parts: SSM, CloudFormation and Lambda layers in moto,
the secrets stored by scripts/put_secrets.py, the test stack's real database behind supabaseUrl (PostgREST through
the local gateway, keys minted with its JWT secret) and the fake Telegram Bot API. A stage ready to deploy passes
every check; each check is then broken in turn and must fail with its fix while the others still pass."""

from __future__ import annotations

import copy
import io
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import psycopg
import pytest
import yaml
from moto import mock_aws

from infra.local.stack import JWT_SECRET, Stack, free_port, make_jwt
from infra.local.telegram_fake import FakeTelegram
from luckymart_cli import preflight
from luckymart_cli.main import main
from luckymart_cli.secret_rules import RULES, new_ed25519, public_key_of
from scripts import put_secrets
from scripts.mint_db_keys import mint

pytestmark = pytest.mark.integration

STAGE = "rehearsal"
REGION = "eu-central-1"
ACCOUNT = (
    "210987654321"  # moto's default account id is AWS's documentation one, which preflight calls a placeholder
)
BOT_TOKEN = "7000000001:AAHfakeTokenForTheFakeBotApiServer01"  # the fake Bot API's token
FRONT_DOOR = "https://d1rehearsal.cloudfront.net"
WEBHOOK = f"{FRONT_DOOR}/functions/v1/telegram-webhook"
LINE = re.compile(r"^([✔✘–]) (\S.*?)  +(.*)$")


@dataclass
class Line:
    mark: str
    detail: str
    fix: str


@dataclass
class Result:
    code: int
    out: str
    lines: dict[str, Line]

    def failed(self) -> set[str]:
        return {name for name, line in self.lines.items() if line.mark == "✘"}


def parse(out: str) -> dict[str, Line]:
    lines: dict[str, Line] = {}
    last = None
    for raw in out.splitlines()[1:-1]:  # between the heading and the summary
        match = LINE.match(raw)
        if match:
            last = match.group(2).strip()
            lines[last] = Line(match.group(1), match.group(3), "")
        elif last and raw.strip().startswith(("fix:", "then:")):
            lines[last].fix = raw.strip().split(":", 1)[1].strip()
    return lines


@pytest.fixture(scope="module")
def bot() -> Iterator[FakeTelegram]:
    server = FakeTelegram(BOT_TOKEN)
    server.serve_in_thread()
    yield server
    server.stop()


class _Clients:
    """One boto3 session and its clients for every run of the module (building a client costs ~0.3 s here)."""

    def __init__(self) -> None:
        self.session = boto3.Session(region_name=REGION)
        self.clients: dict[str, Any] = {}

    def client(self, name: str) -> Any:
        if name not in self.clients:
            self.clients[name] = self.session.client(name)  # type: ignore[call-overload]
        return self.clients[name]


_CLIENTS: list[_Clients] = []


def _shared_session(stage: object) -> _Clients:
    if not _CLIENTS:
        _CLIENTS.append(_Clients())
    return _CLIENTS[0]


@dataclass
class Rehearsal:
    config: dict[str, Any]
    config_path: Path
    ssm: Any
    bot: FakeTelegram

    def run(self, *extra: str) -> Result:
        self.config_path.write_text(yaml.safe_dump(self.config))
        out, err = io.StringIO(), io.StringIO()
        code = main(["preflight", "--stage", STAGE, "--config", str(self.config_path), *extra], out, err)
        assert not err.getvalue(), err.getvalue()
        return Result(code, out.getvalue(), parse(out.getvalue()))

    def put(self, name: str, value: str, kind: str = "SecureString") -> None:
        self.ssm.put_parameter(Name=f"/luckymart/{STAGE}/{name}", Value=value, Type=kind, Overwrite=True)

    def value(self, name: str) -> str:
        answer = self.ssm.get_parameter(Name=f"/luckymart/{STAGE}/{name}", WithDecryption=True)
        return str(answer["Parameter"]["Value"])


def _layer(lambda_client: Any, name: str, architecture: str) -> str:
    published = lambda_client.publish_layer_version(
        LayerName=name, Content={"ZipFile": b"PK\x05\x06" + b"\x00" * 18}, CompatibleArchitectures=[architecture]
    )
    return str(published["LayerVersionArn"])


@dataclass(frozen=True)
class AwsStage:
    """The stage's AWS side, made once per module: secrets, extension layers, the deployed stack."""

    config: dict[str, Any]
    ssm: Any
    secrets: dict[str, tuple[str, str]]  # name -> (value, type) as put_secrets stored them


STACK_TEMPLATE = yaml.safe_dump(
    {"Resources": {"AlarmTopic": {"Type": "AWS::SNS::Topic"}}, "Outputs": {"FrontDoorUrl": {"Value": FRONT_DOOR}}}
)


@pytest.fixture(scope="module")
def aws_stage(stack: Stack, bot: FakeTelegram, tmp_path_factory: pytest.TempPathFactory) -> Iterator[AwsStage]:
    with pytest.MonkeyPatch.context() as env:
        for name in [n for n in os.environ if n.startswith("AWS_")]:
            env.delenv(name)
        env.setenv("MOTO_ACCOUNT_ID", ACCOUNT)
        env.setenv("AWS_ACCESS_KEY_ID", "testing")
        env.setenv("AWS_SECRET_ACCESS_KEY", "testing")
        env.setenv("TELEGRAM_API_BASE_URL", bot.base_url)
        env.delenv("LAMBDA_ARCH", raising=False)
        env.setattr(preflight, "_session", _shared_session)
        with mock_aws():
            config: dict[str, Any] = {
                "region": REGION,
                "supabaseUrl": stack.api_url,
                "corsOrigins": ["https://app.luckymart.tj"],
                "miniAppUrl": "https://app.luckymart.tj",
                "frontDoor": {
                    "enforceOriginSecret": True,
                    "originSecretVersion": 1,
                    "webAclArn": f"arn:aws:wafv2:us-east-1:{ACCOUNT}:global/webacl/luckymart-{STAGE}-edge/4f2c",
                },
                "alarms": {"email": ["oncall@luckymart.tj"], "https": []},
            }
            config_path = tmp_path_factory.mktemp("stage") / f"{STAGE}.yml"
            config_path.write_text(yaml.safe_dump(config))
            with pytest.MonkeyPatch.context() as given:  # what the deployer types in
                given.setenv("SUPABASE_ANON_KEY", make_jwt("anon"))
                given.setenv("JWT_SECRET", JWT_SECRET)
                given.setenv("TELEGRAM_BOT_TOKEN", BOT_TOKEN)
                assert put_secrets.main(["--stage", STAGE, "--config", str(config_path)]) == 0
            ssm = boto3.client("ssm", region_name=REGION)
            stored = {}
            for name in RULES:
                item = ssm.get_parameter(Name=f"/luckymart/{STAGE}/{name}", WithDecryption=True)["Parameter"]
                stored[name] = (str(item["Value"]), str(item["Type"]))
            config["fairdrawPublicKey"] = public_key_of(stored["fairdraw_signing_key"][0])
            config["receiptPublicKey"] = public_key_of(stored["receipt_signing_key"][0])
            lambda_client = boto3.client("lambda", region_name=REGION)
            config["parametersExtension"] = {
                "x86_64": _layer(lambda_client, "AWS-Parameters-and-Secrets-Lambda-Extension", "x86_64"),
                "arm64": _layer(lambda_client, "AWS-Parameters-and-Secrets-Lambda-Extension-Arm64", "arm64"),
            }
            boto3.client("cloudformation", region_name=REGION).create_stack(
                StackName=f"luckymart-{STAGE}", TemplateBody=STACK_TEMPLATE
            )
            yield AwsStage(config, ssm, stored)


@pytest.fixture
def rehearsal(aws_stage: AwsStage, bot: FakeTelegram, tmp_path: Path) -> Iterator[Rehearsal]:
    """A stage ready to deploy; whatever a test breaks is put back afterwards."""
    bot.state.webhook = {"url": WEBHOOK}
    yield Rehearsal(copy.deepcopy(aws_stage.config), tmp_path / f"{STAGE}.yml", aws_stage.ssm, bot)
    bot.state.webhook = {}
    for name, (value, kind) in aws_stage.secrets.items():
        path = f"/luckymart/{STAGE}/{name}"
        try:
            item = aws_stage.ssm.get_parameter(Name=path, WithDecryption=True)["Parameter"]
            current: tuple[str, str] | None = (str(item["Value"]), str(item["Type"]))
        except aws_stage.ssm.exceptions.ParameterNotFound:
            current = None
        if current != (value, kind):
            if current is not None and current[1] != kind:
                aws_stage.ssm.delete_parameter(Name=path)
            aws_stage.ssm.put_parameter(Name=path, Value=value, Type=kind, Overwrite=True)
    cloudformation = boto3.client("cloudformation", region_name=REGION)
    if not any(
        s["StackName"] == f"luckymart-{STAGE}"
        for s in cloudformation.list_stacks(StackStatusFilter=["CREATE_COMPLETE"])["StackSummaries"]
    ):
        cloudformation.create_stack(StackName=f"luckymart-{STAGE}", TemplateBody=STACK_TEMPLATE)


def test_a_stage_ready_to_deploy_passes_every_check(rehearsal: Rehearsal) -> None:
    result = rehearsal.run()
    assert result.code == 0, result.out
    assert result.failed() == set() and all(line.mark == "✔" for line in result.lines.values()), result.out
    assert {f"secret {name}" for name in RULES} <= set(result.lines)
    for name in (
        "database role luckymart_user",
        "database role luckymart_system",
        "database role luckymart_admin",
    ):
        assert "acts as luckymart_" in result.lines[name].detail
    assert result.lines["database migrations"].detail.startswith("all ")
    assert result.lines["telegram webhook"].detail.startswith(WEBHOOK)
    assert re.search(r"✔ \d+ checks passed in \d+\.\d\d s$", result.out.strip()), result.out
    # no secret value is ever printed
    for name in RULES:
        assert rehearsal.value(name) not in result.out


def test_each_missing_secret_fails_its_own_line_with_the_fix(rehearsal: Rehearsal) -> None:
    for name in RULES:
        value, kind = rehearsal.value(name), RULES[name].parameter_type
        rehearsal.ssm.delete_parameter(Name=f"/luckymart/{STAGE}/{name}")
        try:
            result = rehearsal.run()
            assert result.code == 1, (name, result.out)
            line = result.lines[f"secret {name}"]
            assert line.mark == "✘" and "does not exist" in line.detail, (name, result.out)
            assert line.fix == f"python -m scripts.put_secrets --stage {STAGE}"
            assert f"secret {name}" in result.failed()
            assert all(result.lines[f"secret {other}"].mark == "✔" for other in RULES if other != name), result.out
        finally:
            rehearsal.put(name, value, kind)


def _expired_key() -> str:
    return mint("system", days=-1, hs256_secret=JWT_SECRET)


BAD_VALUES = [
    (
        "supabase_user_key",
        lambda: mint("admin", days=30, hs256_secret=JWT_SECRET),
        "role claim is 'luckymart_admin'",
    ),
    ("supabase_system_key", _expired_key, "expired on"),
    ("supabase_admin_key", lambda: "not-a-jwt", "not a JWT"),
    ("supabase_anon_key", lambda: make_jwt("service_role"), "not 'anon'"),
    ("supabase_anon_key", lambda: "sb_secret_abcdefghijklmnop", "a secret key"),
    ("telegram_bot_token", lambda: "12345", "not a bot token"),
    ("telegram_webhook_secret", lambda: "has spaces in it, see", "16-256 characters"),
    ("fairdraw_signing_key", lambda: "ab" * 31, "not 64 lowercase hex"),
    ("receipt_signing_key", lambda: "zz" * 32, "not 64 lowercase hex"),
    ("seed_encryption_key", lambda: "0" * 63, "not 64 lowercase hex"),
    ("referral_pepper", lambda: "short", "at least 32"),
    ("referral_code_key", lambda: "x" * 31, "at least 32"),
    ("origin_secret", lambda: "two words here, see", "visible ASCII"),
]


def test_each_malformed_secret_is_named_with_the_reason(rehearsal: Rehearsal) -> None:
    for name, make, reason in BAD_VALUES:
        good = rehearsal.value(name)
        kind = RULES[name].parameter_type
        rehearsal.put(name, make(), kind)
        try:
            result = rehearsal.run()
            line = result.lines[f"secret {name}"]
            assert result.code == 1 and line.mark == "✘" and reason in line.detail, (name, result.out)
            assert line.fix.startswith(f"python -m scripts.put_secrets --stage {STAGE} --replace {name}"), line
        finally:
            rehearsal.put(name, good, kind)
    # the pinned origin secret version is checked, not only the latest
    rehearsal.put("origin_secret", "a space in the old version")  # version 2 is bad, version 1 (pinned) is good
    assert rehearsal.run().lines["secret origin_secret"].mark == "✘"


def test_wrong_parameter_types_and_a_shared_receipt_key_fail(rehearsal: Rehearsal) -> None:
    pepper, origin = rehearsal.value("referral_pepper"), rehearsal.value("origin_secret")
    rehearsal.put("referral_pepper", pepper, "String")
    rehearsal.ssm.delete_parameter(Name=f"/luckymart/{STAGE}/origin_secret")
    rehearsal.put("origin_secret", origin, "SecureString")
    receipt = rehearsal.value("receipt_signing_key")
    rehearsal.put("receipt_signing_key", rehearsal.value("fairdraw_signing_key"))
    result = rehearsal.run()
    assert "stored as String, must be SecureString" in result.lines["secret referral_pepper"].detail
    assert "stored as SecureString, must be String" in result.lines["secret origin_secret"].detail
    assert "it is the draw key" in result.lines["secret receipt_signing_key"].detail
    rehearsal.put("receipt_signing_key", receipt)
    rehearsal.ssm.delete_parameter(Name=f"/luckymart/{STAGE}/origin_secret")
    rehearsal.put("origin_secret", origin, "String")
    # a pinned version that was never stored
    rehearsal.config["frontDoor"]["originSecretVersion"] = 7
    line = rehearsal.run().lines["secret origin_secret"]
    assert line.mark == "✘" and "7 is not a stored version" in line.detail
    assert line.fix.startswith("set frontDoor.originSecretVersion: 1")


def test_public_keys_that_are_not_the_halves_of_the_private_keys_fail(rehearsal: Rehearsal) -> None:
    rehearsal.config["fairdrawPublicKey"] = public_key_of(new_ed25519())
    rehearsal.config["receiptPublicKey"] = rehearsal.config["fairdrawPublicKey"]
    result = rehearsal.run()
    assert result.failed() == {
        "fairdrawPublicKey matches fairdraw_signing_key",
        "receiptPublicKey matches receipt_signing_key",
    }
    draw = result.lines["fairdrawPublicKey matches fairdraw_signing_key"]
    assert "every draw would show NOT VALID" in draw.detail
    derived = public_key_of(rehearsal.value("fairdraw_signing_key"))
    assert draw.fix.startswith(f'fairdrawPublicKey: "{derived}"')


def test_the_example_prod_settings_are_named_one_by_one(rehearsal: Rehearsal) -> None:
    example = yaml.safe_load(Path("config/prod.yml").read_text())
    for key in ("supabaseUrl", "corsOrigins", "fairdrawPublicKey", "receiptPublicKey", "miniAppUrl", "alarms"):
        rehearsal.config[key] = example[key]
    rehearsal.config["frontDoor"]["webAclArn"] = example["frontDoor"]["webAclArn"]
    result = rehearsal.run()
    assert result.code == 1
    assert "7 example value(s) left" in result.lines["no placeholder"].detail
    for path in (
        "supabaseUrl = https://your-prod-project-ref",
        "corsOrigins[0] = https://luckymart.example.com",
        "fairdrawPublicKey = set-me",
        "receiptPublicKey = set-me",
        "frontDoor.webAclArn = arn:aws:wafv2",
        "alarms.email[0] = oncall@example.com",
        "miniAppUrl = https://luckymart.example.com",
    ):
        assert f"    {path}" in result.out, path
    assert "oncall@example.com is an example address" in result.lines["alarm recipients"].detail
    line = result.lines["database role luckymart_user"]
    assert line.mark == "✘" and "is an example value" in line.detail  # and it was not called


def test_alarm_recipients_must_be_real_and_present(rehearsal: Rehearsal) -> None:
    rehearsal.config["alarms"] = {
        "email": ["ops@luckymart.test", "not-an-address"],
        "https": ["http://hooks.tj/x"],
    }
    detail = rehearsal.run().lines["alarm recipients"].detail
    assert "ops@luckymart.test is an example address" in detail
    assert "'not-an-address' is not an email address" in detail and "is not an https URL" in detail
    rehearsal.config["alarms"] = {"email": [], "https": []}
    assert "no alarm recipient" in rehearsal.run().lines["alarm recipients"].detail


def test_a_mini_app_outside_cors_fails(rehearsal: Rehearsal) -> None:
    rehearsal.config["miniAppUrl"] = "https://shop.luckymart.tj/app"
    line = rehearsal.run().lines["origins"]
    assert line.mark == "✘" and "https://shop.luckymart.tj is not in corsOrigins" in line.detail


def test_a_migration_missing_from_the_database_is_named(rehearsal: Rehearsal, pg: psycopg.Connection) -> None:
    (version, name) = pg.execute(
        "select version, name from supabase_migrations.schema_migrations order by version desc offset 2 limit 1"
    ).fetchone()  # type: ignore[misc]
    pg.execute("delete from supabase_migrations.schema_migrations where version = %s", (version,))
    try:
        result = rehearsal.run()
    finally:
        pg.execute(
            "insert into supabase_migrations.schema_migrations (version, name) values (%s, %s)", (version, name)
        )
    line = result.lines["database migrations"]
    assert result.code == 1 and line.mark == "✘" and f"not applied: {version}" in line.detail
    assert "supabase db push" in line.fix


def test_database_keys_the_project_does_not_trust_fail(rehearsal: Rehearsal) -> None:
    rehearsal.put("supabase_user_key", mint("user", days=30, hs256_secret="another-project-" * 4))
    result = rehearsal.run()
    line = result.lines["database role luckymart_user"]
    assert line.mark == "✘" and "not signed with this project's JWT secret" in line.detail, result.out
    assert result.lines["secret supabase_user_key"].mark == "✔"  # it parses: only the project can tell
    assert result.lines["database role luckymart_system"].mark == "✔"


def test_a_class_role_the_database_lacks_fails(rehearsal: Rehearsal, pg: psycopg.Connection) -> None:
    pg.execute("revoke luckymart_system from authenticator")
    try:
        result = rehearsal.run()
    finally:
        pg.execute("grant luckymart_system to authenticator")
    line = result.lines["database role luckymart_system"]
    assert line.mark == "✘" and 'permission denied to set role "luckymart_system"' in line.detail, result.out
    assert result.lines["database migrations"].mark == "✔"  # the other classes still answered


def test_an_unreachable_database_fails(rehearsal: Rehearsal) -> None:
    rehearsal.config["supabaseUrl"] = f"http://127.0.0.1:{free_port()}"
    result = rehearsal.run()
    assert all(
        "cannot be reached" in result.lines[f"database role luckymart_{c}"].detail for c in ("user", "admin")
    )
    assert result.lines["database migrations"].detail.startswith("not checked")


def test_an_extension_layer_of_another_region_version_or_architecture_fails(rehearsal: Rehearsal) -> None:
    arns = rehearsal.config["parametersExtension"]
    good = arns["x86_64"]
    arns["x86_64"] = good.replace(REGION, "us-east-1")
    assert (
        "the stage deploys to eu-central-1" in rehearsal.run().lines["parameters extension layer (x86_64)"].detail
    )
    arns["x86_64"] = good.rsplit(":", 1)[0] + ":99"
    line = rehearsal.run().lines["parameters extension layer (x86_64)"]
    assert line.mark == "✘" and ":99" in line.detail and "Using Parameter Store parameters" in line.fix
    arns["x86_64"] = good
    arns["arm64"] = good  # the x86_64 build where the arm64 one belongs
    line = rehearsal.run("--arch", "arm64").lines["parameters extension layer (arm64)"]
    assert line.mark == "✘" and "built for x86_64, not arm64" in line.detail


def test_the_webhook_must_point_at_this_stages_front_door(rehearsal: Rehearsal) -> None:
    rehearsal.bot.state.webhook = {}
    line = rehearsal.run().lines["telegram webhook"]
    assert line.mark == "✘" and "no webhook is registered" in line.detail
    assert line.fix == f"luckymart-admin --stage {STAGE} telegram set-webhook --url {WEBHOOK}"
    rehearsal.bot.state.webhook = {"url": "https://old-project.supabase.co/functions/v1/telegram-webhook"}
    line = rehearsal.run().lines["telegram webhook"]
    assert line.mark == "✘" and "registered https://old-project.supabase.co" in line.detail
    rehearsal.put("telegram_bot_token", "7000000001:AAHaRevokedTokenTheFakeServerRefuses")
    line = rehearsal.run().lines["telegram webhook"]
    assert line.mark == "✘" and "401 Unauthorized" in line.detail


def test_before_the_first_deploy_the_webhook_waits_without_failing(rehearsal: Rehearsal) -> None:
    boto3.client("cloudformation", region_name=REGION).delete_stack(StackName=f"luckymart-{STAGE}")
    rehearsal.bot.state.webhook = {}
    result = rehearsal.run()
    line = result.lines["telegram webhook"]
    assert result.code == 0 and line.mark == "–", result.out
    assert f"stack luckymart-{STAGE} does not exist in {REGION} yet" in line.detail
    assert line.fix.startswith("after make deploy: luckymart-admin")
    assert "(1 to check after the first deploy)" in result.out


def test_without_a_stage_it_is_a_usage_error() -> None:
    out, err = io.StringIO(), io.StringIO()
    assert main(["preflight"], out, err) == 2 and "--stage NAME" in err.getvalue()
