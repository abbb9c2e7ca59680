"""On AWS the functions read SSM through the Parameters and Secrets extension over localhost (luckymart.ssm), so no
boto3 is imported for secrets. Driven here against a stand-in that answers like the extension, backed by moto's
SSM: secrets and the origin secret's pinned versions come through it with the invocation's token, are cached for
their max age, and a refusal names the parameter but never leaks a value."""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws

from infra.local.parameters_extension import _ExtensionServer, parameters_extension
from luckymart import config, frontdoor, ssm
from luckymart.errors import NotConfigured, Unavailable

pytestmark = pytest.mark.unit
PREFIX = "/luckymart/test"
TOKEN = "session-token-of-this-invocation"


@pytest.fixture
def extension(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[_ExtensionServer, object]]:
    # an environment variable wins over SSM (local runs): none may be set here
    for name in ("ORIGIN_SECRET", "ORIGIN_SECRET_PREVIOUS", *(secret.upper() for secret in config.SECRET_NAMES)):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SSM_PARAMETER_PREFIX", PREFIX)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-central-1")
    monkeypatch.setenv("AWS_SESSION_TOKEN", TOKEN)
    config.reset()
    ssm.reset()
    with mock_aws():
        client = boto3.client("ssm", region_name="eu-central-1")
        with parameters_extension(client, TOKEN) as server:
            monkeypatch.setenv(ssm.EXTENSION_PORT_ENV, str(server.server_port))
            yield server, client
    ssm.reset()
    config.reset()


def test_a_secret_comes_through_the_extension_and_is_cached(extension: tuple[_ExtensionServer, object]) -> None:
    server, client = extension
    client.put_parameter(Name=f"{PREFIX}/telegram_bot_token", Value="123:abc", Type="SecureString")  # type: ignore[attr-defined]
    assert config.secret("telegram_bot_token") == "123:abc"
    assert config.secret("telegram_bot_token") == "123:abc"
    assert server.requested == [f"{PREFIX}/telegram_bot_token"]  # the second read came from the container's cache


def test_a_cached_value_is_read_again_after_its_max_age(extension: tuple[_ExtensionServer, object]) -> None:
    server, client = extension
    name = f"{PREFIX}/referral_pepper"
    client.put_parameter(Name=name, Value="one", Type="SecureString")  # type: ignore[attr-defined]
    assert ssm.get(name, max_age=0) == "one"
    client.put_parameter(Name=name, Value="two", Type="SecureString", Overwrite=True)  # type: ignore[attr-defined]
    assert ssm.get(name, max_age=0) == "two"
    assert server.requested == [name, name]


def test_the_origin_secret_versions_come_through_the_extension(
    extension: tuple[_ExtensionServer, object], monkeypatch: pytest.MonkeyPatch
) -> None:
    server, client = extension
    for value in ("first", "second", "third"):
        client.put_parameter(Name=f"{PREFIX}/origin_secret", Value=value, Type="String", Overwrite=True)  # type: ignore[attr-defined]
    monkeypatch.setenv("ORIGIN_SECRET_REQUIRED", "true")
    monkeypatch.setenv("ORIGIN_SECRET_VERSION", "2")
    assert frontdoor.accepted_secrets() == (b"second", b"first")
    assert frontdoor.admitted({"x-origin-verify": "first"})
    assert not frontdoor.admitted({"x-origin-verify": "third"})
    assert sorted(server.requested) == [f"{PREFIX}/origin_secret:1", f"{PREFIX}/origin_secret:2"]  # once each


def test_a_refusal_names_the_parameter_and_never_a_value(
    extension: tuple[_ExtensionServer, object], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, client = extension
    client.put_parameter(Name=f"{PREFIX}/receipt_signing_key", Value="do-not-leak", Type="SecureString")  # type: ignore[attr-defined]
    monkeypatch.setenv("AWS_SESSION_TOKEN", "another invocation's token")
    with pytest.raises(
        NotConfigured, match=r"receipt_signing_key is not readable \(the parameters extension answered 401"
    ) as wrong:
        config.secret("receipt_signing_key")
    assert "do-not-leak" not in str(wrong.value)
    monkeypatch.setenv("AWS_SESSION_TOKEN", TOKEN)
    with pytest.raises(NotConfigured, match="answered 400"):
        config.secret("fairdraw_signing_key")  # never stored


def test_an_unreachable_extension_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    from infra.local.stack import free_port

    monkeypatch.setenv("SSM_PARAMETER_PREFIX", PREFIX)
    monkeypatch.delenv("REFERRAL_CODE_KEY", raising=False)
    monkeypatch.setenv(ssm.EXTENSION_PORT_ENV, str(free_port()))
    config.reset()
    ssm.reset()
    with pytest.raises(Unavailable, match="referral_code_key: the parameters extension is unreachable"):
        config.secret("referral_code_key")
    config.reset()
