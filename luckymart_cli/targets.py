"""Where an admin action runs: `--local` calls the handler in this process against the `make dev` stack;
`--stage NAME` invokes the deployed Lambda `luckymart-<stage>-<function>` with IAM credentials (boto3).
Both return the function's response object ({"statusCode", "success", "data" | "error"})."""

from __future__ import annotations

import importlib
import json
import os
import re
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import simplejson

if TYPE_CHECKING:
    from mypy_boto3_lambda import LambdaClient

ROOT = Path(__file__).resolve().parents[1]
DEV_RUN_DIR = ROOT / ".run" / "dev"
DEV_API_URL = "http://127.0.0.1:54321"
DEV_DATABASE_URL = "postgresql://postgres@127.0.0.1:54322/postgres"
_STAGE = re.compile(r"^[a-z][a-z0-9-]{0,30}$")


class TargetError(Exception):
    """The action could not be run at all (not an answer from the function)."""


class Target(Protocol):
    def invoke(self, function: str, payload: dict[str, Any]) -> dict[str, Any]: ...


def _as_lambda_sees_it(value: Any) -> bytes:
    return simplejson.dumps(value, use_decimal=True, separators=(",", ":")).encode()


def _parse(raw: bytes | str) -> Any:
    return json.loads(raw, parse_float=Decimal)  # money stays exact


class LocalTarget:
    """In-process handler calls with the environment of a running `make dev` (variables already set win)."""

    def __init__(self) -> None:
        from infra.local.stack import make_jwt

        os.environ.setdefault("SUPABASE_URL", DEV_API_URL)
        os.environ.setdefault("SUPABASE_ANON_KEY", make_jwt("anon"))
        os.environ.setdefault("SUPABASE_ADMIN_KEY", make_jwt("luckymart_admin"))  # admin handlers' database role
        # the handler runs in this process: its EMF metric lines would land in the command's output
        os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")
        # written by `make dev`: fair-draw keys, pepper, … and the local S3/SQS (queue URLs for commissions dlq-*)
        for written in ("secrets.json", "aws.json"):
            path = DEV_RUN_DIR / written
            if path.exists():
                for name, value in json.loads(path.read_text()).items():
                    os.environ.setdefault(name, value)

    def invoke(self, function: str, payload: dict[str, Any]) -> dict[str, Any]:
        from infra.local.events import LocalContext

        folder = function.replace("-", "_")
        if not (ROOT / "functions" / folder / "handler.py").exists():
            raise TargetError(f"function {function} is not in this checkout (functions/{folder}/handler.py)")
        module = importlib.import_module(f"functions.{folder}.handler")
        event = _parse(_as_lambda_sees_it(payload))
        response = module.handler(event, LocalContext(function_name=f"luckymart-local-{function}"))
        result: dict[str, Any] = _parse(_as_lambda_sees_it(response))
        return result


class StageTarget:
    """`lambda:InvokeFunction` on the deployed admin function, with the caller's AWS credentials."""

    def __init__(self, stage: str, client: LambdaClient) -> None:
        if not _STAGE.match(stage):
            raise TargetError(f"invalid stage name {stage!r}")
        self.stage = stage
        self.client = client

    def function_name(self, function: str) -> str:
        return f"luckymart-{self.stage}-{function}"

    def invoke(self, function: str, payload: dict[str, Any]) -> dict[str, Any]:
        from botocore.exceptions import BotoCoreError, ClientError

        name = self.function_name(function)
        try:
            response = self.client.invoke(
                FunctionName=name, InvocationType="RequestResponse", Payload=_as_lambda_sees_it(payload)
            )
            raw = response["Payload"].read()
        except ClientError as error:
            details = error.response.get("Error", {})
            raise TargetError(f"invoking {name}: {details.get('Code')}: {details.get('Message')}") from None
        except BotoCoreError as error:
            raise TargetError(f"invoking {name}: {error}") from None
        if response.get("FunctionError"):
            # the runtime's error object: {"errorMessage", "errorType", "stackTrace"}; the stack trace stays out
            try:
                failure = _parse(raw)
            except ValueError:
                failure = {}
            raise TargetError(
                f"{name} failed ({response['FunctionError']}): "
                f"{failure.get('errorType', 'Error')}: {failure.get('errorMessage', 'no message')}"
            )
        try:
            result = _parse(raw)
        except ValueError:
            raise TargetError(f"{name} answered something that is not JSON") from None
        if not isinstance(result, dict) or "success" not in result:
            raise TargetError(f"{name} is not an admin function (unexpected response shape)")
        return result


def stage_target(stage: str, region: str | None, profile: str | None) -> StageTarget:
    import boto3
    from botocore.exceptions import BotoCoreError

    if not _STAGE.match(stage):
        raise TargetError(f"invalid stage name {stage!r}")
    try:
        client = boto3.Session(profile_name=profile, region_name=region).client("lambda")
    except BotoCoreError as error:  # no region, unknown profile, …
        raise TargetError(f"AWS configuration: {error}") from None
    return StageTarget(stage, client)
