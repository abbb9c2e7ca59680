"""The front door's web ACL (infra/serverless/edge-waf.yml, its own us-east-1 stack: `make deploy-edge`): rate
limits per IP and per session token, a body-size rule, the AWS common rules, answers in the API's error envelope,
and each stage's limits passed from config/<stage>.yml. cfn-lint checks the template in `make package`."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from luckymart.api import MAX_BODY_BYTES
from scripts import deploy_edge
from tests.support_deploy import ROOT, stage_config, stages

pytestmark = pytest.mark.unit


@pytest.fixture(scope="module")
def waf() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "infra" / "serverless" / "edge-waf.yml").read_text())
    return loaded


@pytest.fixture(scope="module")
def acl(waf: dict[str, Any]) -> dict[str, Any]:
    (resource,) = [r for r in waf["Resources"].values() if r["Type"] == "AWS::WAFv2::WebACL"]
    properties: dict[str, Any] = resource["Properties"]
    return properties


def rules(acl: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {rule["Name"]: rule for rule in acl["Rules"]}


def test_the_acl_is_for_cloudfront_and_allows_by_default(acl: dict[str, Any], waf: dict[str, Any]) -> None:
    assert acl["Scope"] == "CLOUDFRONT"
    assert acl["DefaultAction"] == {"Allow": {}}
    assert waf["Outputs"]["WebAclArn"]["Value"] == {"Fn::GetAtt": ["EdgeWebAcl", "Arn"]}
    priorities = [rule["Priority"] for rule in acl["Rules"]]
    assert len(set(priorities)) == len(priorities)
    for rule in acl["Rules"]:
        assert rule["VisibilityConfig"]["CloudWatchMetricsEnabled"] is True, rule["Name"]


def test_rate_limits_per_ip_and_per_session_token(acl: dict[str, Any]) -> None:
    per_ip = rules(acl)["requests-per-ip"]["Statement"]["RateBasedStatement"]
    assert per_ip["AggregateKeyType"] == "IP"
    assert per_ip["Limit"] == {"Ref": "RequestsPerIp"}
    per_session = rules(acl)["requests-per-session"]["Statement"]["RateBasedStatement"]
    assert per_session["AggregateKeyType"] == "CUSTOM_KEYS"
    assert [key["Header"]["Name"] for key in per_session["CustomKeys"]] == ["x-session-token"]
    assert per_session["Limit"] == {"Ref": "RequestsPerSession"}
    # per IP: block, or only count while a stage measures how many users share an address
    count, block = rules(acl)["requests-per-ip"]["Action"]["Fn::If"][1:]
    assert count == {"Count": {}}
    for action in (block, rules(acl)["requests-per-session"]["Action"]):
        response = action["Block"]["CustomResponse"]
        assert response["ResponseCode"] == 429
        # like the functions' own 429: a wait, and CORS so the Mini App's script can read it at all
        headers = {h["Name"]: h["Value"] for h in response["ResponseHeaders"]}
        assert headers == {
            "retry-after": "60",
            "access-control-allow-origin": {"Ref": "AppOrigin"},
            "access-control-expose-headers": "retry-after",
        }
        body = json.loads(acl["CustomResponseBodies"][response["CustomResponseBodyKey"]]["Content"])
        assert body["error"]["code"] == "RATE_LIMITED" and body["success"] is False


def test_bodies_are_bounded_except_storage_uploads(acl: dict[str, Any]) -> None:
    rule = rules(acl)["body-size"]
    not_storage, size = rule["Statement"]["AndStatement"]["Statements"]
    match = not_storage["NotStatement"]["Statement"]["ByteMatchStatement"]
    assert (match["FieldToMatch"], match["PositionalConstraint"], match["SearchString"]) == (
        {"UriPath": {}},
        "STARTS_WITH",
        "/storage/v1/",
    )
    size = size["SizeConstraintStatement"]
    assert size["FieldToMatch"] == {"Body": {"OversizeHandling": "MATCH"}}  # beyond what WAF sees = too large
    assert (size["ComparisonOperator"], size["Size"]) == ("GT", {"Ref": "MaxBodyBytes"})
    response = rule["Action"]["Block"]["CustomResponse"]
    assert response["ResponseCode"] == 400
    assert response["ResponseHeaders"] == [{"Name": "access-control-allow-origin", "Value": {"Ref": "AppOrigin"}}]
    body = json.loads(acl["CustomResponseBodies"][response["CustomResponseBodyKey"]]["Content"])
    assert body["error"]["code"] == "VALIDATION_ERROR"


def test_the_aws_common_rules_apply_with_our_body_limit_instead_of_theirs(acl: dict[str, Any]) -> None:
    rule = rules(acl)["aws-common-rules"]
    group = rule["Statement"]["ManagedRuleGroupStatement"]
    assert (group["VendorName"], group["Name"]) == ("AWS", "AWSManagedRulesCommonRuleSet")
    assert rule["OverrideAction"] == {"None": {}}  # its blocks stay blocks
    assert group["RuleActionOverrides"] == [{"Name": "SizeRestrictions_BODY", "ActionToUse": {"Count": {}}}]


@pytest.mark.parametrize("stage", stages())
def test_each_stage_passes_its_limits_to_the_stack(stage: str, waf: dict[str, Any]) -> None:
    params = deploy_edge.parameters(stage, distribution_id="E2QWRUHAPOMQZL")
    declared = waf["Parameters"]
    assert {name for name, spec in declared.items() if "Default" not in spec} <= set(params) <= set(declared)
    for name, value in params.items():
        spec = declared[name]
        if spec["Type"] == "Number":
            assert spec["MinValue"] <= int(value) <= spec.get("MaxValue", int(value)), (name, value)
        elif "AllowedValues" in spec:
            assert value in spec["AllowedValues"], (name, value)
        else:
            assert re.fullmatch(spec["AllowedPattern"], value), (name, value)
    waf_config = stage_config(stage)["frontDoor"]["waf"]
    assert int(params["MaxBodyBytes"]) <= MAX_BODY_BYTES  # the edge is never looser than the functions
    assert waf_config["requestsPerSession"] <= waf_config["requestsPerIp"]
    command = deploy_edge.deploy_command(stage, Path("edge.json"))
    assert command[command.index("--region") + 1] == "us-east-1"
    assert command[command.index("--stack-name") + 1] == f"luckymart-{stage}-edge"


def alarms(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {name: r for name, r in template["Resources"].items() if r["Type"] == "AWS::CloudWatch::Alarm"}


@pytest.mark.parametrize("stage", stages())
def test_the_edge_alarms_page_the_stages_recipients(stage: str) -> None:
    """CloudFront and its web ACL report only in us-east-1, where an alarm can notify only a local topic: the edge
    stack has its own, subscribed by the same recipients as the stage's stack."""
    rendered = deploy_edge.template(stage)
    recipients = stage_config(stage)["alarms"]
    subscriptions = rendered["Resources"]["EdgeAlarmTopic"]["Properties"]["Subscription"]
    assert sorted(s["Endpoint"] for s in subscriptions) == sorted(
        (recipients.get("email") or []) + (recipients.get("https") or [])
    )
    assert subscriptions
    found = alarms(rendered)
    assert set(found) == {"EdgeBlockedSpike", "EdgeErrorRate"}
    for alarm in found.values():
        properties = alarm["Properties"]
        assert properties["AlarmActions"] == [{"Ref": "EdgeAlarmTopic"}], properties["AlarmName"]
        assert len(properties["AlarmDescription"]["Fn::Sub"]) > 100  # a runbook line, not a label
    blocked = found["EdgeBlockedSpike"]["Properties"]
    assert (blocked["Namespace"], blocked["MetricName"]) == ("AWS/WAFV2", "BlockedRequests")
    assert {d["Name"]: d["Value"] for d in blocked["Dimensions"]} == {
        "WebACL": {"Fn::Sub": "luckymart-${Stage}-edge"},
        "Rule": "ALL",
    }
    # the distribution only exists after the stage's first deploy: the 5xx alarm waits for its id
    errors = found["EdgeErrorRate"]
    assert errors["Condition"] == "HasDistribution"
    assert {d["Name"]: d["Value"] for d in errors["Properties"]["Dimensions"]} == {
        "DistributionId": {"Ref": "DistributionId"},
        "Region": "Global",
    }


def test_a_stage_without_recipients_cannot_deploy_the_edge(monkeypatch: pytest.MonkeyPatch) -> None:
    config = stage_config(stages()[0]) | {"alarms": {"email": [], "https": []}}
    monkeypatch.setattr(deploy_edge, "stage_config", lambda stage: config)
    with pytest.raises(SystemExit, match="no alarm without a recipient"):
        deploy_edge.template("any")
