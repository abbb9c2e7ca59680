"""infra/local/template.py: a packaged template read as Lambda is configured by it, every reference resolved to the
local stack, and every reference the local stack cannot bind refused with the function and setting it is in."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from infra.local.template import Physical, References, TemplateError, load_stage, rate_seconds, resolve

pytestmark = pytest.mark.unit

QUEUE_URL = "http://127.0.0.1:9/123456789012/local-commissions"
QUEUE_ARN = "arn:aws:sqs:eu-central-1:123456789012:local-commissions"


def refs(**exports: str) -> References:
    return References(
        region="eu-central-1",
        stack_name="luckymart-prod",
        resources={
            "CommissionQueue": Physical(
                QUEUE_URL, {"Arn": "arn:aws:sqs:eu-central-1:123456789012:local-commissions"}
            ),
        },
        exports=exports,
        ssm=lambda reference: {"/luckymart/prod/flag": "on", "/luckymart/prod/flag:2": "two"}[reference],
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("plain", "plain"),
        ({"Ref": "CommissionQueue"}, QUEUE_URL),
        ({"Ref": "AWS::Region"}, "eu-central-1"),
        ({"Fn::GetAtt": ["CommissionQueue", "Arn"]}, QUEUE_ARN),
        ({"Fn::GetAtt": "CommissionQueue.Arn"}, QUEUE_ARN),
        ({"Fn::Join": [",", ["a", {"Ref": "AWS::Partition"}]]}, "a,aws"),
        ({"Fn::Sub": "${AWS::Partition}:${AWS::Region}:${AWS::AccountId}"}, "aws:eu-central-1:123456789012"),
        ({"Fn::Sub": ["${Q}/${CommissionQueue.Arn}", {"Q": "q"}]}, f"q/{QUEUE_ARN}"),
        ({"Fn::Sub": "${!Literal}"}, "${Literal}"),
        ({"Fn::Select": [1, {"Fn::Split": [",", "a,b,c"]}]}, "b"),
        ({"Fn::ImportValue": "edge-WebAclArn"}, "arn:local-acl"),
        ("flag={{resolve:ssm:/luckymart/prod/flag}}", "flag=on"),
        ("{{resolve:ssm:/luckymart/prod/flag:2}}", "two"),
        ({"Key": {"Ref": "AWS::Region"}}, {"Key": "eu-central-1"}),
    ],
)  # fmt: skip
def test_intrinsic_functions_resolve_to_the_local_stack(value: Any, expected: Any) -> None:
    assert resolve(value, refs(**{"edge-WebAclArn": "arn:local-acl"})) == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ({"Ref": "PaymentsQueue"}, "Ref PaymentsQueue: no such resource"),
        ({"Fn::GetAtt": ["CommissionQueue", "QueueName"]}, "has no attribute QueueName"),
        ({"Fn::ImportValue": "other-stack-Output"}, "no stack exports it locally"),
        ({"Fn::If": ["IsProd", "a", "b"]}, "Fn::If is not supported"),
        ("{{resolve:secretsmanager:db}}", "cannot be resolved into a Lambda environment"),
    ],
)
def test_what_the_local_stack_cannot_bind_is_refused_by_name(value: Any, message: str) -> None:
    with pytest.raises(TemplateError, match=message):
        resolve(value, refs())


def _package(folder: Path, *, queue_ref: str = "CommissionQueue") -> Path:
    role_statements = [
        {"Effect": "Allow", "Action": ["ssm:GetParameter"], "Resource": [
            {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":ssm:", {"Ref": "AWS::Region"}, ":",
                               {"Ref": "AWS::AccountId"}, ":parameter/luckymart/prod/receipt_signing_key"]]}]},
        {"Effect": "Allow", "Action": "ssm:*", "Resource": "arn:aws:ssm:*:*:parameter/luckymart/prod/shared/*"},
        {"Effect": "Deny", "Action": "ssm:GetParameter",
         "Resource": "arn:aws:ssm:*:*:parameter/luckymart/prod/shared/x"},
        {"Effect": "Allow", "Action": ["sqs:SendMessage"], "Resource": {"Fn::GetAtt": ["CommissionQueue", "Arn"]}},
    ]  # fmt: skip
    code = {"S3Bucket": {"Ref": "ServerlessDeploymentBucket"}, "S3Key": "serverless/x/luckymart.zip"}
    resources = {
        "BuyLambdaFunction": {
            "Type": "AWS::Lambda::Function",
            "Properties": {
                "FunctionName": "luckymart-prod-buy",
                "Handler": "functions/buy/handler.handler",
                "Runtime": "python3.12",
                "MemorySize": 512,
                "Timeout": 20,
                "ReservedConcurrentExecutions": 50,
                "Code": code,
                "Layers": [{"Ref": "SharedLambdaLayer"}, "arn:aws:lambda:eu-central-1:1:layer:Other:1"],
                "Role": {"Fn::GetAtt": ["BuyRole", "Arn"]},
                "Environment": {"Variables": {"STAGE": "prod", "QUEUE": {"Ref": queue_ref}}},
            },
        },
        "BuyRole": {"Type": "AWS::IAM::Role", "Properties": {"Policies": [{"PolicyDocument": {
            "Statement": role_statements}}]}},
        "BuyLambdaFunctionUrl": {"Type": "AWS::Lambda::Url", "Properties": {
            "TargetFunctionArn": {"Fn::GetAtt": ["BuyLambdaFunction", "Arn"]}}},
        "SharedLambdaLayer": {"Type": "AWS::Lambda::LayerVersion", "Properties": {
            "Content": {"S3Key": "serverless/x/shared.zip"}}},
        "BuyEventSourceMapping": {"Type": "AWS::Lambda::EventSourceMapping", "Properties": {
            "EventSourceArn": {"Fn::GetAtt": ["CommissionQueue", "Arn"]},
            "FunctionName": {"Fn::GetAtt": ["BuyLambdaFunction", "Arn"]}, "BatchSize": 10,
            "FunctionResponseTypes": ["ReportBatchItemFailures"], "ScalingConfig": {"MaximumConcurrency": 2}}},
        "BuySchedule": {"Type": "AWS::Events::Rule", "Properties": {"ScheduleExpression": "rate(1 minute)",
            "State": "ENABLED", "Targets": [{"Arn": {"Fn::GetAtt": ["BuyLambdaFunction", "Arn"]}, "Id": "x"}]}},
    }  # fmt: skip
    (folder / "cloudformation-template-update-stack.json").write_text(json.dumps({"Resources": resources}))
    state = {"service": {"service": "luckymart", "provider": {"stage": "prod", "region": "eu-central-1"}}}
    (folder / "serverless-state.json").write_text(json.dumps(state))
    (folder / "luckymart.zip").write_bytes(b"")
    (folder / "shared.zip").write_bytes(b"")
    return folder


def test_a_packaged_stage_is_read_as_lambda_is_configured_by_it(tmp_path: Path) -> None:
    stage = load_stage(_package(tmp_path))
    assert (stage.stage, stage.region, stage.stack_name) == ("prod", "eu-central-1", "luckymart-prod")
    buy = stage.functions["buy"]
    assert (buy.function_name, buy.handler, buy.memory_mb, buy.timeout_seconds) == (
        "luckymart-prod-buy",
        "functions/buy/handler.handler",
        512,
        20,
    )
    assert buy.has_url and buy.reserved_concurrency == 50
    assert stage.artifact(buy.code_artifact) == tmp_path / "luckymart.zip"
    assert [stage.layer_artifact(layer) for layer in buy.layers] == [
        tmp_path / "shared.zip",
        "arn:aws:lambda:eu-central-1:1:layer:Other:1",
    ]
    assert buy.resolved_environment(refs()) == {"STAGE": "prod", "QUEUE": QUEUE_URL}
    [source] = stage.event_sources
    assert (source.queue, source.function, source.partial_batch_response, source.maximum_concurrency) == (
        "CommissionQueue",
        "buy",
        True,
        2,
    )
    [schedule] = stage.schedules
    assert (schedule.function, rate_seconds(schedule.expression)) == ("buy", 60.0)


def test_a_role_reads_only_the_parameters_its_policy_names(tmp_path: Path) -> None:
    buy = load_stage(_package(tmp_path)).functions["buy"]
    arn = "arn:aws:ssm:eu-central-1:123456789012:parameter/luckymart/prod/"
    assert buy.may_read_parameter(arn + "receipt_signing_key", refs())
    assert buy.may_read_parameter(arn + "shared/anything", refs())  # ssm:* on a wildcard resource
    assert not buy.may_read_parameter(arn + "shared/x", refs())  # an explicit Deny wins
    assert not buy.may_read_parameter(arn + "fairdraw_signing_key", refs())


def test_an_environment_reference_the_local_stack_lacks_names_function_and_setting(tmp_path: Path) -> None:
    buy = load_stage(_package(tmp_path, queue_ref="PaymentsQueue")).functions["buy"]
    with pytest.raises(TemplateError, match="buy: environment QUEUE: Ref PaymentsQueue: no such resource"):
        buy.resolved_environment(refs())


def test_a_folder_without_a_package_says_to_run_make_package(tmp_path: Path) -> None:
    with pytest.raises(TemplateError, match="run `make package`"):
        load_stage(tmp_path)
