"""The tracing switch: off, a handler is returned untouched and the X-Ray SDK is never imported; on (as Lambda
runs with active tracing), each request is captured and still answers normally. Run in fresh interpreters: the
SDK patches botocore process-wide."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.support_deploy import ROOT

pytestmark = pytest.mark.unit

PROBE = """
import json, sys
from infra.local.events import LocalContext, function_url_event
from luckymart import tracing
from luckymart.api import Body, Call, Endpoint

endpoint = Endpoint("trace-probe", body=Body, auth="none")

@endpoint
def logic(call: Call[Body]) -> dict:
    with tracing.span("work"):
        return {"traced": tracing.enabled()}

response = endpoint.handler(function_url_event("POST"), LocalContext(function_name="trace-probe"))
print(json.dumps({"status": response["statusCode"], "body": json.loads(response["body"]),
                  "sdk_imported": "aws_xray_sdk.core" in sys.modules}))
"""


def probe(**env: str) -> dict[str, object]:
    import json

    clean = {k: v for k, v in os.environ.items() if k not in ("LUCKYMART_TRACING", "_X_AMZN_TRACE_ID")}
    done = subprocess.run(
        [sys.executable, "-c", PROBE],
        env={
            **clean,
            "PYTHONPATH": f"{ROOT / 'layers/shared/python'}:{ROOT}",
            # the endpoint checks its database keys before it runs (the probe's logic never calls the database)
            "SUPABASE_USER_KEY": "user-class key",
            "SUPABASE_ANON_KEY": "anon key",
            **env,
        },
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        timeout=60,
    )
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def test_tracing_off_imports_nothing_of_xray() -> None:
    assert probe() == {"status": 200, "body": {"success": True, "data": {"traced": False}}, "sdk_imported": False}


def test_tracing_on_captures_the_request_and_answers_normally() -> None:
    lambda_env = {
        "LUCKYMART_TRACING": "true",
        "LAMBDA_TASK_ROOT": str(ROOT),
        "_X_AMZN_TRACE_ID": "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1",
        "AWS_XRAY_DAEMON_ADDRESS": "127.0.0.1:2000",
    }
    assert probe(**lambda_env) == {
        "status": 200,
        "body": {"success": True, "data": {"traced": True}},
        "sdk_imported": True,
    }
