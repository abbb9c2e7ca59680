"""On AWS the accepted origin secrets are two versions of one SSM parameter: the one CloudFront sends
(ORIGIN_SECRET_VERSION, pinned in config/<stage>.yml) and the one before it, so a rotation refuses nothing."""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest
from aws_lambda_powertools.utilities.parameters import base as parameters_base
from moto import mock_aws

from luckymart import config, frontdoor
from tests.support import invoke

pytestmark = pytest.mark.unit
PREFIX = "/luckymart/test"


@pytest.fixture
def ssm(monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    for name in ("ORIGIN_SECRET", "ORIGIN_SECRET_PREVIOUS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ORIGIN_SECRET_REQUIRED", "true")
    monkeypatch.setenv("SSM_PARAMETER_PREFIX", PREFIX)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-central-1")
    config.reset()
    frontdoor.reset()
    parameters_base.DEFAULT_PROVIDERS.clear()
    with mock_aws():
        client = boto3.client("ssm", region_name="eu-central-1")
        yield client
    parameters_base.DEFAULT_PROVIDERS.clear()
    frontdoor.reset()
    config.reset()


def _put(client: object, value: str) -> None:
    client.put_parameter(Name=f"{PREFIX}/origin_secret", Value=value, Type="String", Overwrite=True)  # type: ignore[attr-defined]


def test_the_pinned_version_and_the_one_before_are_accepted(ssm: object, monkeypatch: pytest.MonkeyPatch) -> None:
    for value in ("first", "second", "third"):
        _put(ssm, value)
    monkeypatch.setenv("ORIGIN_SECRET_VERSION", "2")
    assert frontdoor.accepted_secrets() == (b"second", b"first")
    assert frontdoor.admitted({"X-Origin-Verify": "second"})
    assert frontdoor.admitted({"x-origin-verify": "first"})
    assert not frontdoor.admitted({"x-origin-verify": "third"})  # stored, but CloudFront does not send it yet
    assert not frontdoor.admitted({})


def test_version_one_has_no_previous(ssm: object, monkeypatch: pytest.MonkeyPatch) -> None:
    _put(ssm, "only")
    monkeypatch.setenv("ORIGIN_SECRET_VERSION", "1")
    assert frontdoor.accepted_secrets() == (b"only",)


def test_required_without_any_secret_configured_fails_closed(ssm: object, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ORIGIN_SECRET_VERSION", raising=False)
    with pytest.raises(RuntimeError):
        frontdoor.admitted({"x-origin-verify": "anything"})


def test_a_function_whose_origin_secret_is_missing_answers_503_not_configured(
    ssm: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ORIGIN_SECRET_VERSION", "4")  # no such version stored
    result = invoke("get-payment-config", {"type": "DEPOSIT"}, headers={"x-origin-verify": "anything"})
    assert (result.status, result.code) == (503, "NOT_CONFIGURED")
    assert "Retry-After" not in result.headers  # waiting does not help: a deployer must fix it
