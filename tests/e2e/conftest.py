"""The e2e tests run twice: with every function in this process, and with every function from the packaged
artifacts of `make package` in Lambda-like execution environments (`packaged`: infra/local/packaged.py,
docs/rehearsal.md), behind a gateway of its own on the same database. Tests call functions over HTTP (`api`,
`stack.api_url`) or through `lambdas` (scheduled, queue and admin functions): the same flow runs in both modes."""

from __future__ import annotations

import os
from collections.abc import Iterator

import httpx
import pytest

from infra.local.lambdas import InProcessLambdas, Lambdas
from infra.local.packaged import PackagedDeployment, packaged_deployment
from infra.local.stack import Stack

MODES = ("in-process", "packaged")
# Modules whose tests run in-process only, and why (everything else in tests/e2e is rehearsed packaged too).
IN_PROCESS_ONLY = {
    "test_front_door_origin": "sets the origin-secret configuration of functions in this process (the packaged "
    "functions take theirs from the template and SSM: test_packaged)",
    "test_admin_cli": "luckymart-admin --local runs the admin handlers in its own process",
    "test_admin_ops_cli": "luckymart-admin --local runs the admin handlers in its own process",
}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    kept: list[pytest.Item] = []
    dropped: list[pytest.Item] = []
    for item in items:
        callspec = getattr(item, "callspec", None)
        mode = callspec.params.get("lambda_mode") if callspec is not None else None
        module = item.path.stem
        (dropped if mode == "packaged" and module in IN_PROCESS_ONLY else kept).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


@pytest.fixture(scope="session", params=MODES)
def lambda_mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


# The stage that takes real money (build/package/prod: `make test` packages it first); REHEARSAL_STAGE=dev
# rehearses the dev stage (tracing on) instead.
REHEARSED_STAGE = os.environ.get("REHEARSAL_STAGE", "prod")


@pytest.fixture(scope="session")
def packaged(base_stack: Stack) -> Iterator[PackagedDeployment]:
    """The packaged stage's functions on the session's database, at most 2 containers per function."""
    origins = os.environ["CORS_ALLOWED_ORIGINS"]  # what the session's stack allows (its browser pages' origin too)
    with packaged_deployment(base_stack, origins, REHEARSED_STAGE, concurrency=2) as deployment:
        yield deployment
        print(f"\n{deployment.lambdas.summary()}")
        for function, messages in deployment.lambdas.logged_problems().items():
            print(f"  {function}: " + "; ".join(messages))


@pytest.fixture(scope="session")
def stack(base_stack: Stack, lambda_mode: str, request: pytest.FixtureRequest) -> Stack:
    if lambda_mode == "in-process":
        return base_stack
    deployment: PackagedDeployment = request.getfixturevalue("packaged")
    return deployment.stack


@pytest.fixture(scope="session")
def lambdas(lambda_mode: str, request: pytest.FixtureRequest) -> Lambdas:
    """Invokes a function by name as its event source would: in this process, or the packaged function."""
    if lambda_mode == "in-process":
        return InProcessLambdas()
    deployment: PackagedDeployment = request.getfixturevalue("packaged")
    return deployment.lambdas


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    from tests import support_browser

    count = len(support_browser.saved_screenshots)
    if count:
        terminalreporter.write_line(f"verification page: {count} screenshots in {support_browser.SCREENSHOTS}")


@pytest.fixture
def api(stack: Stack, clean: object) -> Iterator[httpx.Client]:
    """HTTP client on the local gateway, as the frontend would call it (anon key in Authorization)."""
    headers = {"apikey": stack.anon_key, "Authorization": f"Bearer {stack.anon_key}"}
    with httpx.Client(base_url=f"{stack.api_url}/functions/v1", headers=headers, timeout=30) as client:
        yield client
