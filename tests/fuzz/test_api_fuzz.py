"""Property-based API fuzzing with schemathesis: every operation of the generated openapi.json, against the running
gateway, with a valid session. No response may be a 5xx, and every response must match its documented status
codes, content type and schema."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from infra.local.s3 import local_s3
from infra.local.stack import Stack
from tests.support import sign_in

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture(scope="module")
def fuzz_session(stack: Stack) -> Iterator[str]:
    with local_s3():  # create-upload-url needs its bucket
        yield sign_in(username="fuzzer").token


schema = schemathesis.openapi.from_dict(json.loads((ROOT / "openapi.json").read_text()))


@schema.parametrize()
@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_no_server_errors_and_responses_match_schema(case: Any, stack: Stack, fuzz_session: str) -> None:
    response = case.call(base_url=stack.api_url, headers={"X-Session-Token": fuzz_session})
    case.validate_response(response, checks=CHECKS)
