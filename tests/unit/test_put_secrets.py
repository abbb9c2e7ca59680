"""scripts/put_secrets.py (the runbook's secrets step) on moto SSM: it creates every secret the functions read and
the origin secret with the right type, keeps what exists, rotates only what it is told to, refuses a value that
would not work before storing anything, and prints the public keys for the stage file but never a secret."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
import yaml
from moto import mock_aws

from infra.local.stack import JWT_SECRET, make_jwt
from luckymart_cli.secret_rules import RULES, public_key_of
from scripts import put_secrets

pytestmark = pytest.mark.unit

BOT_TOKEN = "7000000001:AAHfakeTokenForTheFakeBotApiServer01"  # the fake Bot API's token


@pytest.fixture
def ssm(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Any, Path]]:
    for name in [n for n in os.environ if n.startswith("AWS_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("SUPABASE_ANON_KEY", make_jwt("anon"))
    monkeypatch.setenv("JWT_SECRET", JWT_SECRET)
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", BOT_TOKEN)
    config = tmp_path / "stage.yml"
    config.write_text(yaml.safe_dump({"region": "eu-central-1", "frontDoor": {"originSecretVersion": 1}}))
    with mock_aws():
        yield boto3.client("ssm", region_name="eu-central-1"), config


def all_stored(client: Any) -> dict[str, tuple[str, str, int]]:
    found = {}
    for name in RULES:
        item = client.get_parameter(Name=f"/luckymart/s1/{name}", WithDecryption=True)["Parameter"]
        found[name] = (item["Value"], item["Type"], item["Version"])
    return found


def test_creates_every_secret_then_keeps_them(ssm: tuple[Any, Path], capsys: pytest.CaptureFixture[str]) -> None:
    client, config = ssm
    assert put_secrets.main(["--stage", "s1", "--config", str(config)]) == 0
    first = all_stored(client)
    for name, (value, kind, _) in first.items():
        assert kind == RULES[name].parameter_type, name
        RULES[name].check(value)
    assert first["supabase_anon_key"][0] == make_jwt("anon") and first["telegram_bot_token"][0] == BOT_TOKEN
    out = capsys.readouterr().out
    assert out.count("stored  /luckymart/s1/") == len(RULES)
    assert f'fairdrawPublicKey: "{public_key_of(first["fairdraw_signing_key"][0])}"' in out
    assert f'receiptPublicKey: "{public_key_of(first["receipt_signing_key"][0])}"' in out
    assert "frontDoor.originSecretVersion" not in out  # version 1 is what the stage file pins
    assert all(value not in out for value, _, _ in first.values())

    assert put_secrets.main(["--stage", "s1", "--config", str(config)]) == 0
    assert all_stored(client) == first
    assert capsys.readouterr().out.count("kept    /luckymart/s1/") == len(RULES)


def test_replace_rotates_only_the_named_secret(ssm: tuple[Any, Path], capsys: pytest.CaptureFixture[str]) -> None:
    client, config = ssm
    assert put_secrets.main(["--stage", "s1", "--config", str(config)]) == 0
    before = all_stored(client)
    args = [
        "--stage",
        "s1",
        "--config",
        str(config),
        "--replace",
        "origin_secret",
        "--replace",
        "supabase_user_key",
    ]
    assert put_secrets.main(args) == 0
    after = all_stored(client)
    assert {n for n in RULES if after[n] != before[n]} == {"origin_secret", "supabase_user_key"}
    assert after["origin_secret"][2] == 2
    assert "frontDoor.originSecretVersion: 2" in capsys.readouterr().out


def test_a_bad_given_value_stores_nothing(
    ssm: tuple[Any, Path], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    client, config = ssm
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "not a token")
    assert put_secrets.main(["--stage", "s1", "--config", str(config)]) == 2
    assert "telegram_bot_token: not a bot token" in capsys.readouterr().err
    assert client.get_parameters_by_path(Path="/luckymart/s1")["Parameters"] == []


def test_rotating_the_seed_key_needs_force(ssm: tuple[Any, Path]) -> None:
    _, config = ssm
    with pytest.raises(SystemExit):
        put_secrets.main(["--stage", "s1", "--config", str(config), "--replace", "seed_encryption_key"])
