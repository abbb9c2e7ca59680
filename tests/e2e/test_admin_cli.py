"""The installed `luckymart-admin` console script against the local stack, as an operator runs it:
bootstrap -> add a FINANCE admin -> approve a deposit with its token -> the audit log shows it; `--json` parses;
refusals exit 1; tokens in use are never printed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg
import pytest

from infra.local.stack import Stack
from tests.support import sign_in
from tests.support_wallets import deposit, wallet

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("clean")]

CLI = Path(sys.executable).with_name("luckymart-admin")


def cli(*argv: str, token: str | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env.pop("LUCKYMART_ADMIN_TOKEN", None)
    if token:
        env["LUCKYMART_ADMIN_TOKEN"] = token
    return subprocess.run([str(CLI), *argv], env=env, capture_output=True, text=True, timeout=120, check=False)


def ok_json(result: subprocess.CompletedProcess[str]) -> Any:
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_bootstrap_add_finance_approve_deposit_and_audit(stack: Stack, clean: psycopg.Connection) -> None:
    assert CLI.exists(), "uv sync installs the console script"
    boot = ok_json(cli("bootstrap", "--username", "root", "--database-url", stack.database_url, "--json"))
    root = boot["token"]
    assert boot["admin"]["role"] == "SUPER_ADMIN" and root.startswith("lma_")
    again = cli("bootstrap", "--username", "root2", "--database-url", stack.database_url)
    assert again.returncode == 1 and "ALREADY_EXISTS" in again.stderr

    added = ok_json(cli("--local", "admins", "add", "cashier", "--role", "FINANCE", "--json", token=root))
    cashier = added["token"]
    assert added["admin"]["created_by"] == "root"

    user = sign_in()
    requested = deposit(user, 150, payer_name="Firuz")
    assert requested.status == 200, requested.body
    deposit_id = requested.data["id"]

    listed = cli("deposits", "list", "--status", "PENDING", "--local", token=cashier)
    assert listed.returncode == 0, listed.stderr
    assert requested.data["order_number"] in listed.stdout and "(1 shown, 1 in total)" in listed.stdout

    approved = ok_json(
        cli("--local", "deposits", "approve", deposit_id, "--note", "bank ok", "--json", token=cashier)
    )
    assert approved["status"] == "APPROVED"
    assert wallet(clean, user.user["id"])["balance"] == Decimal("150.00")

    twice = cli("--local", "deposits", "approve", deposit_id, token=cashier)
    assert twice.returncode == 1 and "ALREADY_PROCESSED (409)" in twice.stderr
    denied = cli("--local", "admins", "list", token=cashier)
    assert denied.returncode == 1 and "FORBIDDEN (403)" in denied.stderr

    audit = ok_json(cli("--local", "audit", "list", "--username", "cashier", "--json", token=root))
    trail = [(i["action"], i["outcome"], i["target_id"]) for i in reversed(audit["items"])]
    assert trail == [
        ("deposits.list", "SUCCESS", None),
        ("deposits.approve", "SUCCESS", deposit_id),
        ("deposits.approve", "FAILED", deposit_id),
        ("admins.list", "DENIED", None),
    ]
    human = cli("--local", "audit", "list", "--action", "deposits.approve", token=root)
    assert human.returncode == 0 and "cashier" in human.stdout and "SUCCESS" in human.stdout

    everything = " ".join(r.stdout + r.stderr for r in (listed, twice, denied, human))
    assert root not in everything and cashier not in everything
