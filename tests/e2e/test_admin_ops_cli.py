"""A month of operations with `luckymart-admin --local` alone (issue 14's "done when"): become SUPER_ADMIN next to
make dev's demo OPERATIONS admin, create and edit a lottery, change a payment account, adjust a rate, find a
user, cancel a bad listing, export the ledger and the deposits as CSV, read the week's numbers, look at
commissions and a referral tree, and bring a disabled admin back. Every step exits 0 and is in the audit log."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest

from infra.local.stack import Stack
from tests.e2e.test_admin_cli import cli, ok_json
from tests.support import invoke, make_admin, sign_in
from tests.support_prizes import win_prize
from tests.support_wallets import deposit

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("clean")]


def run(*argv: str, token: str) -> str:
    result = cli("--local", *argv, token=token)
    assert result.returncode == 0, (argv, result.stderr)
    return result.stdout


@pytest.fixture
def restore_config(clean: psycopg.Connection) -> Any:
    rows = clean.execute("select key, value::text from system_config").fetchall()
    methods = clean.execute("select id, config_data::text, is_enabled from payment_configs").fetchall()
    yield
    for key, value in rows:
        clean.execute("update system_config set value = %s::jsonb where key = %s", (value, key))
    for method_id, data, enabled in methods:
        clean.execute(
            "update payment_configs set config_data = %s::jsonb, is_enabled = %s where id = %s",
            (data, enabled, method_id),
        )


@pytest.mark.usefixtures("restore_config")
def test_a_month_of_operations_through_the_cli(stack: Stack, clean: psycopg.Connection) -> None:
    make_admin(clean, "OPERATIONS", "demo_operations")  # what make dev creates: bootstrap still works
    root = ok_json(cli("bootstrap", "--username", "root", "--database-url", stack.database_url, "--json"))["token"]

    # lotteries: create, then fix a typo and the price before the first sale
    end = (datetime.now(UTC) + timedelta(days=5)).strftime("%Y-%m-%dT%H:%M:%SZ")
    created = json.loads(
        run(
            "lotteries",
            "create",
            "--title",
            "iPhnoe 16",
            "--ticket-price",
            "5.00",
            "--total-tickets",
            "30",
            "--end-time",
            end,
            "--json",
            token=root,
        )
    )
    refused = cli(
        "--local",
        "lotteries",
        "create",
        "--title",
        "x",
        "--ticket-price",
        "5.00",
        "--total-tickets",
        "3",
        "--end-time",
        end,
        "--image-url",
        "javascript:alert(1)",
        token=root,
    )
    assert refused.returncode == 1 and "image_url" in refused.stderr
    edited = json.loads(
        run(
            "lotteries",
            "update",
            created["id"],
            "--title",
            "iPhone 16",
            "--ticket-price",
            "6.00",
            "--json",
            token=root,
        )
    )
    assert (edited["title"], edited["ticket_price"], edited["changed"]) == (
        "iPhone 16",
        6,
        ["ticket_price", "title"],
    )

    # payments: change the bank account of a deposit method, switch a method off and on
    methods = json.loads(run("payments", "list", "--config-type", "DEPOSIT", "--json", token=root))["items"]
    alif = next(m for m in methods if m["method"] == "ALIF_MOBI")
    run("payments", "update", alif["id"], "--account-number", "+992 11 111 1111", token=root)
    assert "+992 11 111 1111" in run("payments", "list", token=root)
    run("payments", "disable", alif["id"], token=root)
    run("payments", "enable", alif["id"], token=root)
    bad = cli("--local", "payments", "update", alif["id"], "--min-amount", "99999.00", token=root)
    assert bad.returncode == 1 and "max_amount" in bad.stderr

    # a rate
    assert "fee_rate" in run("config", "show", "resale", token=root)
    run("config", "set", "resale", "--value", '{"fee_rate": 0.04}', token=root)
    too_much = cli("--local", "config", "set", "referral_commission_rates", "--value", '{"1": 0.5}', token=root)
    assert too_much.returncode == 1 and "value.1" in too_much.stderr

    # find a user; cancel their bad listing
    seller = sign_in(username="Shahlo_Market")
    prize = win_prize(clean, seller)
    listed = invoke("create-resale", {"prize_id": prize["prize_id"], "price": 100}, token=seller.token)
    assert listed.status == 200, listed.body
    assert "Shahlo_Market" in run("users", "search", "shahlo", token=root)
    assert seller.user["id"] in run("users", "list", "--sort", "spend", "--json", token=root)
    assert listed.data["id"] in run("resales", "list", "--status", "ACTIVE", token=root)
    run("resales", "cancel", listed.data["id"], "--reason", "stock photo, not the real item", token=root)
    assert "CANCELLED" in run("resales", "list", "--seller-id", seller.user["id"], token=root)

    # money: a deposit approved; the ledger and the deposits as CSV; the week's numbers
    user = sign_in()
    requested = deposit(user, 150)
    assert requested.status == 200, requested.body
    run("deposits", "approve", requested.data["id"], token=root)
    ledger = run("ledger", "list", "--type", "DEPOSIT", "--csv", token=root)
    rows, _, totals = ledger.partition("\n\n")
    parsed = list(csv.DictReader(io.StringIO(rows)))
    assert [(r["type"], r["amount"]) for r in parsed] == [("DEPOSIT", "150.00")]
    assert [t["amount"] for t in csv.DictReader(io.StringIO(totals))] == ["150.00"]
    deposits = list(csv.DictReader(io.StringIO(run("deposits", "list", "--csv", token=root))))
    assert [(d["order_number"], d["user.telegram_id"]) for d in deposits] == [
        (requested.data["order_number"], str(user.user["telegram_id"]))
    ]
    human = run("stats", "summary", "--days", "7", token=root)
    assert "deposits.sum" in human and "signups" in human and "█" in human  # the sparklines
    week = json.loads(run("stats", "summary", "--json", token=root))
    assert week["deposits"] == {"count": 1, "sum": 150} and len(week["series"]) == 7
    series = list(csv.DictReader(io.StringIO(run("stats", "summary", "--days", "30", "--csv", token=root))))
    assert len(series) == 30 and series[-1]["deposits_sum"] == "150.00"

    # commissions and a referral tree (nothing earned yet: empty, but answered)
    assert "(0 shown, 0 in total)" in run("commissions", "list", "--status", "PAID", token=root)
    assert "(0 shown, 0 in total)" in run("referrals", "tree", seller.user["id"], token=root)

    # staff: a cashier leaves and comes back with a new token and another role
    cashier = json.loads(run("admins", "add", "cashier", "--role", "FINANCE", "--json", token=root))["token"]
    run("admins", "disable", "cashier", token=root)
    back = json.loads(run("admins", "enable", "cashier", "--json", token=root))
    assert back["token"] != cashier
    run("admins", "set-role", "cashier", "--role", "SUPPORT", token=root)
    assert cli("--local", "ledger", "list", token=back["token"]).returncode == 1
    assert "Shahlo_Market" in run("users", "search", "@shahlo", token=back["token"])

    trail = json.loads(run("audit", "list", "--username", "root", "--limit", "200", "--json", token=root))
    actions = {(i["action"], i["outcome"]) for i in trail["items"]}
    for action in (
        "lotteries.update",
        "payments.update",
        "payments.disable",
        "config.set",
        "users.search",
        "resales.cancel",
        "ledger.list",
        "stats.summary",
        "admins.enable",
        "admins.set_role",
    ):
        assert (action, "SUCCESS") in actions, action
    config_row = next(i for i in trail["items"] if i["action"] == "config.set" and i["outcome"] == "SUCCESS")
    assert config_row["old"]["resale"]["fee_rate"] == 0.05 and config_row["new"]["resale"]["fee_rate"] == 0.04
    assert root not in json.dumps(trail)
