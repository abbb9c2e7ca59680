"""SSM Parameter Store reads (secrets, the origin secret's versions) on AWS.

With the AWS Parameters and Secrets Lambda Extension (an AWS-managed layer added by serverless.yml, which also sets
PARAMETERS_SECRETS_EXTENSION_HTTP_PORT) a read is an HTTP GET to the extension on localhost, which calls SSM
and caches the answer: no boto3 in the function, whose import alone is ~140 ms of a cold start
(bench.layer_cold_start). Without it (a function deployed without the layer), Powertools parameters over boto3.
Either way a value is cached in the container for `max_age` seconds; the extension answers only during an
invocation, never at import (the layer reads secrets lazily, on first use).
"""

from __future__ import annotations

import os
import threading
import time
from urllib.parse import quote

from luckymart.errors import NotConfigured, Unavailable

EXTENSION_PORT_ENV = "PARAMETERS_SECRETS_EXTENSION_HTTP_PORT"
# The extension accepts a call only with the invocation's own credentials token.
TOKEN_HEADER = "X-Aws-Parameters-Secrets-Token"  # noqa: S105 - a header name, not a secret
EXTENSION_TIMEOUT_SECONDS = 5.0

_cache: dict[str, tuple[str, float]] = {}
_lock = threading.Lock()


# What the extension (or SSM through the SDK) answers for a parameter that is missing or not readable by this
# function: a deployment mistake, not a passing failure. Anything else (throttling, 5xx, unreachable) is transient.
_CONFIGURATION_STATUSES = {400, 401, 403, 404}
_CONFIGURATION_ERRORS = {
    "ParameterNotFound",
    "ParameterVersionNotFound",
    "AccessDeniedException",
    "ValidationException",
}


def get(name: str, max_age: float | None = None) -> str:
    """The decrypted value of parameter `name` (a version selector `name:3` is allowed); `max_age` None caches it
    for the container's life (a pinned version never changes)."""
    now = time.monotonic()
    with _lock:
        cached = _cache.get(name)
    if cached is not None and (max_age is None or now - cached[1] < max_age):
        return cached[0]
    port = os.environ.get(EXTENSION_PORT_ENV)
    value = _from_extension(name, port) if port else _from_sdk(name)
    with _lock:
        _cache[name] = (value, now)
    return value


def _from_extension(name: str, port: str) -> str:
    import httpx  # already loaded by the database client

    url = f"http://localhost:{port}/systemsmanager/parameters/get?name={quote(name, safe='')}&withDecryption=true"
    try:
        response = httpx.get(
            url,
            headers={TOKEN_HEADER: os.environ.get("AWS_SESSION_TOKEN", "")},
            timeout=EXTENSION_TIMEOUT_SECONDS,
        )
    except httpx.HTTPError as error:
        raise Unavailable(f"parameter {name}: the parameters extension is unreachable") from error
    if response.status_code in _CONFIGURATION_STATUSES:
        raise NotConfigured(
            f"parameter {name}", f"is not readable (the parameters extension answered {response.status_code})"
        )
    if response.status_code != 200:
        raise Unavailable(f"parameter {name}: the parameters extension answered {response.status_code}")
    try:
        return str(response.json()["Parameter"]["Value"])
    except (ValueError, KeyError, TypeError) as error:
        raise Unavailable(f"parameter {name}: unexpected answer from the parameters extension") from error


def _from_sdk(name: str) -> str:
    from aws_lambda_powertools.utilities import parameters  # ~140 ms of imports (boto3)
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        return str(parameters.get_parameter(name, decrypt=True, max_age=0))
    except parameters.exceptions.GetParameterError as error:
        cause = error.__context__  # Powertools re-raises every SDK error as GetParameterError
        code = cause.response.get("Error", {}).get("Code") if isinstance(cause, ClientError) else None
        if code in _CONFIGURATION_ERRORS:
            raise NotConfigured(f"parameter {name}", f"is not readable ({code})") from None
        if isinstance(cause, ClientError | BotoCoreError):
            raise Unavailable(f"parameter {name}: SSM failed ({code or type(cause).__name__})") from None
        raise


def reset() -> None:
    """Forget cached values (tests)."""
    with _lock:
        _cache.clear()
