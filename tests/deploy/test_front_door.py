"""The front door in the packaged template of every stage (`make package`): CloudFront routes every user function
(every function with a URL) at /functions/v1/<name> and nothing else, Supabase at /rest/v1, /auth/v1, /storage/v1;
the WAF is attached; the origin secret is an SSM reference, never a value; only public answers are cached.
The router's JavaScript itself runs under node (tests/deploy/node/)."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.deploy.test_template import ADMIN_FUNCTIONS, SYSTEM_FUNCTIONS, USER_FUNCTIONS
from tests.support_deploy import ROOT, Template, stage_config, stages, template

pytestmark = pytest.mark.unit

CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
ALL_VIEWER_EXCEPT_HOST = "b689b0a8-53d0-40ab-baf2-68738e2966ac"
CACHEABLE = {"list-lotteries", "get-lottery", "verify-draw"}  # public answers (issue 12)
VERIFY_PAGE = "/verify/*"
SUPABASE_PATHS = {"/rest/v1/*", "/auth/v1/*", "/storage/v1/*"}
ALIASES = {"withdraw-request": "withdrawal-request"}


@pytest.fixture(params=stages())
def tpl(request: pytest.FixtureRequest) -> Template:
    return template(request.param)


def distribution(tpl: Template) -> dict[str, Any]:
    (resource,) = tpl.of_type("AWS::CloudFront::Distribution").values()
    config: dict[str, Any] = resource["Properties"]["DistributionConfig"]
    return config


def url_functions(tpl: Template) -> dict[str, str]:
    """Function name → logical id of its Function URL, read from the template (not a list of our own)."""
    by_function_id = {fn.logical_id: fn.name for fn in tpl.functions.values()}
    return {
        by_function_id[tpl.function_of(url["Properties"]["TargetFunctionArn"])]: url_id
        for url_id, url in tpl.of_type("AWS::Lambda::Url").items()
    }


def fake_host(url_logical_id: str) -> str:
    return f"{url_logical_id.lower()}.lambda-url.eu-central-1.on.aws"


def render_code(value: Any) -> str:
    """The router's FunctionCode with each Function URL host filled in as CloudFormation would."""
    if isinstance(value, str):
        return value
    if "Fn::Join" in value:
        separator, parts = value["Fn::Join"]
        return str(separator).join(render_code(part) for part in parts)
    select = value["Fn::Select"]
    split = select[1]["Fn::Split"]
    assert (select[0], split[0]) == (2, "/"), value  # https://<host>/ → <host>
    url_id, attribute = split[1]["Fn::GetAtt"]
    assert attribute == "FunctionUrl"
    return fake_host(url_id)


def router_code(tpl: Template) -> str:
    router = tpl.resources["FrontDoorRouter"]
    assert router["Properties"]["FunctionConfig"]["Runtime"] == "cloudfront-js-2.0"
    assert router["Properties"]["AutoPublish"] is True
    return render_code(router["Properties"]["FunctionCode"])


def routes(code: str) -> dict[str, str]:
    match = re.search(r"^const ROUTES = (\{.*\});$", code, re.MULTILINE)
    assert match, "no route table in the router"
    table: dict[str, str] = json.loads(match.group(1))
    return table


def test_every_user_function_is_routed_to_its_own_url_and_nothing_else(tpl: Template) -> None:
    urls = url_functions(tpl)
    assert set(urls) == USER_FUNCTIONS  # the URL set itself is checked against the API list in test_template
    table = routes(router_code(tpl))
    assert table == {name: fake_host(url_id) for name, url_id in urls.items()}
    assert not (set(table) & (ADMIN_FUNCTIONS | SYSTEM_FUNCTIONS))
    aliases = re.search(r"^const ALIASES = (\{.*\});$", router_code(tpl), re.MULTILINE)
    assert aliases and json.loads(aliases.group(1)) == ALIASES


def test_the_router_code_runs_as_cloudfront_would_run_it(tpl: Template, tmp_path: Path) -> None:
    code = router_code(tpl)
    assert len(code.encode()) <= 10 * 1024, "CloudFront Functions are limited to 10 KB"
    (tmp_path / "router.js").write_text(code)
    table = routes(code)
    expected = {"routes": table, "aliases": ALIASES, "refused": sorted(ADMIN_FUNCTIONS | SYSTEM_FUNCTIONS)}
    (tmp_path / "routes.json").write_text(json.dumps(expected))
    run_node_tests(
        ROOT / "tests" / "deploy" / "node" / "frontdoor_router.test.cjs",
        FRONT_DOOR_ROUTER_CODE=str(tmp_path / "router.js"),
        FRONT_DOOR_ROUTES=str(tmp_path / "routes.json"),
    )


def test_the_generator_refuses_bad_settings_and_builds_custom_domains() -> None:
    run_node_tests(ROOT / "tests" / "deploy" / "node" / "frontdoor_resources.test.cjs")


def run_node_tests(file: Path, **env: str) -> None:
    command = ["node", "--test", str(file)]
    result = subprocess.run(
        command, env={**os.environ, **env}, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert re.search(r"^# fail 0$", result.stdout, re.MULTILINE), result.stdout[-2000:]


def test_three_origins_and_few_behaviors_fit_the_default_quotas(tpl: Template) -> None:
    config = distribution(tpl)
    origins = {origin["Id"]: origin for origin in config["Origins"]}
    assert set(origins) == {"supabase", "functions", "verify-page"}
    assert len(config["CacheBehaviors"]) + 1 <= 25
    supabase_host = stage_config(tpl.stage)["supabaseUrl"].removeprefix("https://").rstrip("/")
    assert origins["supabase"]["DomainName"] == supabase_host
    for name in ("supabase", "functions"):
        assert origins[name]["CustomOriginConfig"]["OriginProtocolPolicy"] == "https-only"
    behaviors = {b["PathPattern"]: b for b in config["CacheBehaviors"]}
    for pattern in SUPABASE_PATHS:
        assert behaviors[pattern]["TargetOriginId"] == "supabase"
        assert "FunctionAssociations" not in behaviors[pattern]
    function_behaviors = [config["DefaultCacheBehavior"]] + [
        b for p, b in behaviors.items() if p not in SUPABASE_PATHS | {VERIFY_PAGE}
    ]
    for behavior in function_behaviors:
        assert behavior["ViewerProtocolPolicy"] == "https-only"
        assert behavior["TargetOriginId"] == "functions"
        (association,) = behavior["FunctionAssociations"]
        assert association == {
            "EventType": "viewer-request",
            "FunctionARN": {"Fn::GetAtt": ["FrontDoorRouter", "FunctionARN"]},
        }
    assert set(behaviors) == SUPABASE_PATHS | {VERIFY_PAGE} | {
        f"/functions/v1/{n}" for n in CACHEABLE & url_functions(tpl).keys()
    }


def test_the_verification_page_is_a_private_bucket_read_only_by_this_distribution(tpl: Template) -> None:
    config = distribution(tpl)
    origin = next(o for o in config["Origins"] if o["Id"] == "verify-page")
    assert origin["S3OriginConfig"] == {"OriginAccessIdentity": ""}
    assert origin["OriginAccessControlId"] == {"Fn::GetAtt": ["VerifyPageOriginAccessControl", "Id"]}
    assert "OriginCustomHeaders" not in origin  # the functions' origin secret never goes to S3
    behavior = next(b for b in config["CacheBehaviors"] if b["PathPattern"] == VERIFY_PAGE)
    assert behavior["TargetOriginId"] == "verify-page"
    assert behavior["AllowedMethods"] == ["GET", "HEAD"]
    resources = tpl.resources
    block = resources["VerifyPageBucket"]["Properties"]["PublicAccessBlockConfiguration"]
    assert all(block.values()) and len(block) == 4
    (statement,) = resources["VerifyPageBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    assert statement["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    assert statement["Action"] == "s3:GetObject"
    assert "FrontDoorDistribution" in json.dumps(statement["Condition"])
    code = resources["FrontDoorVerifyIndex"]["Properties"]["FunctionCode"]
    assert "index.html" in code


def test_the_distribution_changes_only_after_every_user_function(tpl: Template) -> None:
    # a rotation: functions accept the new version before any edge sends it
    (resource,) = tpl.of_type("AWS::CloudFront::Distribution").values()
    assert set(resource["DependsOn"]) == {tpl.functions[name].logical_id for name in url_functions(tpl)}


def test_the_web_acl_is_attached(tpl: Template) -> None:
    arn = distribution(tpl)["WebACLId"]
    assert arn == stage_config(tpl.stage)["frontDoor"]["webAclArn"]
    assert arn.startswith("arn:aws:wafv2:us-east-1:") and ":global/webacl/" in arn  # CLOUDFRONT scope


def test_the_origin_secret_is_an_ssm_reference_sent_only_to_functions(tpl: Template) -> None:
    settings = stage_config(tpl.stage)["frontDoor"]
    reference = f"{{{{resolve:ssm:/luckymart/{tpl.stage}/origin_secret:{settings['originSecretVersion']}}}}}"
    origins = {origin["Id"]: origin for origin in distribution(tpl)["Origins"]}
    assert origins["functions"]["OriginCustomHeaders"] == [
        {"HeaderName": "X-Origin-Verify", "HeaderValue": reference}
    ]
    assert "OriginCustomHeaders" not in origins["supabase"]
    # The reference is the only place the secret is named; no value anywhere, no other dynamic reference.
    assert tpl.raw_text.count("{{resolve:") == tpl.raw_text.count(reference) == 1
    for fn in tpl.functions.values():
        assert not {"ORIGIN_SECRET", "ORIGIN_SECRET_PREVIOUS"} & set(fn.environment), fn.name


def test_user_functions_check_the_origin_secret_and_may_read_only_it(tpl: Template) -> None:
    settings = stage_config(tpl.stage)["frontDoor"]
    arn = "arn:{AWS::Partition}:ssm:{AWS::Region}:{AWS::AccountId}"
    parameter = f"{arn}:parameter/luckymart/{tpl.stage}/origin_secret"
    for fn in tpl.functions.values():
        readable = {resource for action, resource in tpl.grants(fn.role_id) if action == "ssm:GetParameter"}
        if fn.name in USER_FUNCTIONS:
            assert fn.environment["ORIGIN_SECRET_REQUIRED"] == str(settings["enforceOriginSecret"]).lower()
            assert fn.environment["ORIGIN_SECRET_VERSION"] == str(settings["originSecretVersion"])
            assert (parameter in readable) == settings["enforceOriginSecret"], fn.name
        else:
            assert "ORIGIN_SECRET_REQUIRED" not in fn.environment, fn.name
            assert parameter not in readable, fn.name


def test_functions_are_never_cached_except_public_answers_per_their_cache_control(tpl: Template) -> None:
    config = distribution(tpl)
    behaviors = {b["PathPattern"]: b for b in config["CacheBehaviors"]}
    uncached = [config["DefaultCacheBehavior"], *(behaviors[p] for p in SUPABASE_PATHS)]
    for behavior in uncached:
        assert behavior["CachePolicyId"] == CACHING_DISABLED
        assert behavior["OriginRequestPolicyId"] == ALL_VIEWER_EXCEPT_HOST  # everything but Host
    cached = [b for pattern, b in behaviors.items() if pattern.startswith("/functions/v1/")]
    assert cached, "verify-draw at least is cached"
    for behavior in cached:
        assert behavior["CachePolicyId"] == {"Ref": "FrontDoorPublicCachePolicy"}
        assert behavior["OriginRequestPolicyId"] == ALL_VIEWER_EXCEPT_HOST
    policy = tpl.resources["FrontDoorPublicCachePolicy"]["Properties"]["CachePolicyConfig"]
    # Only what the function's Cache-Control allows: nothing without it, private/no-store honoured.
    assert (policy["MinTTL"], policy["DefaultTTL"]) == (0, 0)
    key = policy["ParametersInCacheKeyAndForwardedToOrigin"]
    assert key["QueryStringsConfig"] == {"QueryStringBehavior": "all"}
    assert key["HeadersConfig"]["HeaderBehavior"] == "whitelist"
    # a session changes the answer: never shared between sessions; CORS echoes the Origin
    assert set(key["HeadersConfig"]["Headers"]) == {"authorization", "x-session-token", "origin"}
    assert key["CookiesConfig"] == {"CookieBehavior": "none"}


def test_the_frontend_url_is_an_output(tpl: Template) -> None:
    settings = stage_config(tpl.stage)["frontDoor"]
    output = tpl.body["Outputs"]["FrontDoorUrl"]["Value"]
    if settings.get("domain"):
        assert output == f"https://{settings['domain']}"
    else:
        assert output == {"Fn::Join": ["", ["https://", {"Fn::GetAtt": ["FrontDoorDistribution", "DomainName"]}]]}
        assert distribution(tpl)["ViewerCertificate"] == {"CloudFrontDefaultCertificate": True}
