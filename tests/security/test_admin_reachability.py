"""Admin functions have no URL and refuse every action without a valid admin token; each refusal is audited.
Discovered from functions/*/handler.py, so admin functions added later are covered too."""

from __future__ import annotations

import importlib
from pathlib import Path
from types import ModuleType

import httpx
import psycopg
import pytest

from infra.local.stack import Stack
from luckymart.admin import AdminFunction
from tests.support import admin_invoke, make_admin

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean")]
ROOT = Path(__file__).resolve().parents[2]


def admin_modules() -> list[tuple[str, ModuleType]]:
    found = []
    for handler in sorted((ROOT / "functions").glob("*/handler.py")):
        module = importlib.import_module(f"functions.{handler.parent.name}.handler")
        if isinstance(getattr(module, "admin", None), AdminFunction):
            found.append((handler.parent.name.replace("_", "-"), module))
    return found


def test_there_are_admin_functions() -> None:
    assert {"admin-finance", "admin-prizes"} <= {name for name, _ in admin_modules()}


def test_admin_functions_have_no_url(stack: Stack) -> None:
    for name, _ in admin_modules():
        response = httpx.post(f"{stack.api_url}/functions/v1/{name}", json={"action": "deposits.list"})
        assert response.status_code == 404, name


@pytest.mark.parametrize("token", [None, "", "lma_not-a-real-token"])
def test_every_action_refuses_a_missing_or_unknown_token(clean: psycopg.Connection, token: str | None) -> None:
    refused = 0
    for name, module in admin_modules():
        for action in module.admin.actions:
            result = admin_invoke(name, action, {}, token=token)
            assert (result["statusCode"], result["error"]["code"]) == (401, "UNAUTHENTICATED"), (name, action)
            refused += 1
    denied = clean.execute("select count(*) from admin_logs where outcome = 'DENIED'").fetchone()
    assert denied == (refused,)


def test_disabled_admin_is_refused(clean: psycopg.Connection) -> None:
    token = make_admin(clean, "SUPER_ADMIN", "soon_gone")
    assert admin_invoke("admin-finance", "deposits.list", {}, token=token)["statusCode"] == 200
    clean.execute("update admins set status = 'DISABLED' where username = 'soon_gone'")
    assert admin_invoke("admin-finance", "deposits.list", {}, token=token)["statusCode"] == 401
