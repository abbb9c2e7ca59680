"""The rules preflight and put_secrets share: one rule per secret the functions read (plus the origin secret), each
accepting what its generator makes and refusing what would not work; the placeholders of the example stage files,
named one by one (what `make package` prints); alarm recipients and origins."""

from __future__ import annotations

import io
from contextlib import redirect_stdout
from typing import Any

import pytest

from infra.local.stack import JWT_SECRET, make_jwt
from luckymart.config import SECRET_NAMES
from luckymart_cli import secret_rules, stage_config
from luckymart_cli.secret_rules import ORIGIN_SECRET, RULES, BadSecret
from scripts.mint_db_keys import mint

pytestmark = pytest.mark.unit

EXAMPLE_PLACEHOLDERS = [
    "supabaseUrl",
    "corsOrigins[0]",
    "fairdrawPublicKey",
    "receiptPublicKey",
    "frontDoor.webAclArn",
    "alarms.email[0]",
    "miniAppUrl",
]


def test_every_secret_a_function_reads_has_a_rule() -> None:
    assert set(RULES) == {*SECRET_NAMES, ORIGIN_SECRET}
    assert RULES[ORIGIN_SECRET].parameter_type == "String"
    assert {n for n, r in RULES.items() if r.parameter_type == "SecureString"} == set(SECRET_NAMES)


@pytest.mark.parametrize("name", [n for n, r in RULES.items() if r.make is not None])
def test_generated_values_pass_their_own_rule(name: str) -> None:
    make = RULES[name].make
    assert make is not None
    RULES[name].check(make())
    assert make() != make()


def test_given_and_minted_values() -> None:
    for db_class in secret_rules.CLASSES:
        detail = RULES[f"supabase_{db_class}_key"].check(mint(db_class, days=365, hs256_secret=JWT_SECRET))
        assert detail.startswith(f"JWT (HS256) for role luckymart_{db_class}, expires ") and "(364 days" in detail
    soon = RULES["supabase_user_key"].check(mint("user", days=20, hs256_secret=JWT_SECRET))
    assert "re-mint soon" in soon
    assert RULES["supabase_anon_key"].check(make_jwt("anon")).startswith("JWT for role anon")
    assert RULES["supabase_anon_key"].check("sb_publishable_abc") == "publishable key"
    assert RULES["telegram_bot_token"].check("123456789:AAE" + "x" * 32) == "bot token of bot id 123456789"


@pytest.mark.parametrize(
    ("name", "value", "reason"),
    [
        ("supabase_user_key", mint("system", days=30, hs256_secret=JWT_SECRET), "not 'luckymart_user'"),
        ("supabase_admin_key", mint("admin", days=3, hs256_secret=JWT_SECRET), "expires on"),
        ("supabase_admin_key", "a.b", "three dot-separated parts"),
        ("supabase_anon_key", make_jwt("service_role"), "never store the service-role key here"),
        ("telegram_bot_token", "123456789:short", "not a bot token"),
        ("telegram_webhook_secret", "x" * 15, "16-256 characters"),
        ("fairdraw_signing_key", "AB" * 32, "not 64 lowercase hex"),
        ("seed_encryption_key", "ab" * 16, "32 characters"),
        ("referral_code_key", "k" * 31, "at least 32 needed"),
        ("origin_secret", "x" * 15, "16+ visible ASCII"),
    ],
)
def test_values_that_would_not_work_are_refused_without_showing_them(name: str, value: str, reason: str) -> None:
    with pytest.raises(BadSecret) as refused:
        RULES[name].check(value)
    assert reason in str(refused.value)
    assert value not in str(refused.value)


def test_the_example_stage_files_name_every_placeholder_they_hold() -> None:
    for stage in ("prod", "dev"):
        found = stage_config.placeholders(stage_config.load(stage_config.path_of(stage)))
        assert [p.path for p in found] == EXAMPLE_PLACEHOLDERS, stage
    out = io.StringIO()
    with redirect_stdout(out):
        assert stage_config.main(["placeholders", "config/prod.yml"]) == 0
    printed = out.getvalue()
    assert "packaged with 7 placeholder(s)" in printed
    for path in EXAMPLE_PLACEHOLDERS:
        assert f"  {path} = " in printed


def _config(**changes: Any) -> dict[str, Any]:
    config: dict[str, Any] = {
        "corsOrigins": ["https://app.luckymart.tj", "http://localhost:5173"],
        "miniAppUrl": "https://app.luckymart.tj/",
        "supabaseUrl": "https://abcdefghijklmnop.supabase.co",
        "alarms": {
            "email": ["oncall@luckymart.tj"],
            "https": ["https://events.pagerduty.com/integration/x/enqueue"],
        },
    }
    config.update(changes)
    return config


def test_real_settings_have_no_placeholder_and_pass() -> None:
    assert stage_config.placeholders(_config()) == []
    assert stage_config.origin_problems(_config()) == []
    recipients, problems = stage_config.recipient_problems(_config())
    assert len(recipients) == 2 and problems == []


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"corsOrigins": ["*"]}, "lets any web page call"),
        ({"corsOrigins": ["https://app.luckymart.tj/path"]}, "no path"),
        ({"corsOrigins": ["http://app.luckymart.tj"]}, "not an origin like https://"),
        ({"miniAppUrl": "http://app.luckymart.tj"}, "not https"),
        ({"miniAppUrl": "https://other.luckymart.tj"}, "https://other.luckymart.tj is not in corsOrigins"),
        ({"supabaseUrl": "http://db.luckymart.tj"}, "supabaseUrl http://db.luckymart.tj is not https"),
    ],
)
def test_origin_problems(changes: dict[str, Any], problem: str) -> None:
    assert any(problem in p for p in stage_config.origin_problems(_config(**changes))), problem


def test_reserved_and_placeholder_hosts() -> None:
    for host in ("example.com", "a.example.org", "x.test", "miniapp.luckymart.local", "b.invalid"):
        assert stage_config.reserved_host(host), host
    for host in ("luckymart.tj", "examples.com", "example.com.tj"):
        assert not stage_config.reserved_host(host), host
    found = stage_config.placeholders({"frontDoor": {"domain": "api.luckymart.example", "webAclArn": "arn:x"}})
    assert [p.path for p in found] == ["frontDoor.domain"]
