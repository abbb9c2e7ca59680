"""Issue 14 on the real stack: every new admin action by role (allowed roles succeed, the others get 403 and one
DENIED row), bad input is a 400 naming the field and changes nothing, lotteries.update keeps the sale terms
once a ticket is sold, config.set and the other changes record old -> new on their audit row, users.search uses
its index, resales.cancel returns the prize and notifies the seller, the ledger's totals and stats.summary equal
a direct recount, and every admin list pages alike."""

from __future__ import annotations

import secrets
import string
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import psycopg
import pytest
from psycopg.types.json import Jsonb

from luckymart_cli.commands import COMMANDS
from tests.support import admin_invoke, invoke, make_admin, sign_in
from tests.support_admin import ROLES, audit_rows, error_code
from tests.support_commissions import order_message, referral_chain, sqs_record
from tests.support_lottery import create_lottery, fund
from tests.support_prizes import win_prize

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean")]

PAYMENT = {
    "config_type": "DEPOSIT",
    "method": "HUMO_BANK",
    "min_amount": "20.00",
    "max_amount": "5000.00",
    "fee_rate": "0.01",
    "processing_time": 30,
    "account_number": "TJ00 1111 2222",
    "account_name": "LuckyMart LLC",
    "bank_name": "Humo",
    "instructions": {"zh": "转账", "ru": "Переведите", "tg": "Интиқол диҳед", "en": "Transfer"},
}


@pytest.fixture
def restore_config(clean: psycopg.Connection) -> Iterator[None]:
    """system_config and payment_configs survive `clean`: put them back as they were."""
    config = clean.execute("select key, value from system_config").fetchall()
    methods = clean.execute("select * from payment_configs").fetchall()
    yield
    for key, value in config:
        clean.execute("update system_config set value = %s where key = %s", (Jsonb(value), key))
    clean.execute("delete from payment_configs")
    with clean.cursor() as cur:
        for row in methods:
            cur.execute(
                f"insert into payment_configs values ({', '.join(['%s'] * len(row))})",
                [Jsonb(v) if isinstance(v, dict) else v for v in row],
            )


def _method_name() -> str:
    return "M_" + "".join(secrets.choice(string.ascii_uppercase) for _ in range(8))


def call(function: str, action: str, token: str, /, **params: Any) -> dict[str, Any]:
    return admin_invoke(function, action, params, token=token)


def ok(response: dict[str, Any]) -> Any:
    assert response["success"], response
    return response["data"]


def bad_field(response: dict[str, Any]) -> set[str]:
    """The fields a 400 names."""
    assert error_code(response) == (400, "VALIDATION_ERROR"), response
    return {detail["field"] for detail in response["error"]["details"]}


def listing(pg: psycopg.Connection) -> tuple[dict[str, Any], Any]:
    """An ACTIVE resale listing of a freshly won prize: (listing, seller)."""
    seller = sign_in()
    prize = win_prize(pg, seller)
    created = invoke("create-resale", {"prize_id": prize["prize_id"], "price": 100}, token=seller.token)
    assert created.status == 200, created.body
    return dict(created.data), seller


# ---------------------------------------------------------------- role x action, for the new actions
EXPECTED = {
    "lotteries.update": {"OPERATIONS"},
    "payments.list": {"FINANCE"},
    "payments.add": {"FINANCE"},
    "payments.update": {"FINANCE"},
    "payments.enable": {"FINANCE"},
    "payments.disable": {"FINANCE"},
    "ledger.list": {"FINANCE"},
    "stats.summary": {"FINANCE", "OPERATIONS"},
    "resales.list": {"OPERATIONS", "SUPPORT"},
    "resales.cancel": {"OPERATIONS"},
    "commissions.list": {"FINANCE", "SUPPORT"},
    "referrals.tree": {"FINANCE", "SUPPORT"},
}
MATRIX: dict[str, tuple[str, Callable[[psycopg.Connection, dict[str, Any]], dict[str, Any]]]] = {
    "lotteries.update": (
        "admin-lotteries",
        lambda pg, w: {"lottery_id": w["lottery"], "title": secrets.token_hex(4)},
    ),
    "payments.list": ("admin-finance", lambda pg, w: {"config_type": "DEPOSIT"}),
    "payments.add": ("admin-finance", lambda pg, w: {**PAYMENT, "method": _method_name()}),
    "payments.update": ("admin-finance", lambda pg, w: {"id": w["method"], "processing_time": 20}),
    "payments.enable": ("admin-finance", lambda pg, w: {"id": w["method"]}),
    "payments.disable": ("admin-finance", lambda pg, w: {"id": w["method"]}),
    "ledger.list": ("admin-finance", lambda pg, w: {"user_id": w["user"]}),
    "stats.summary": ("admin-finance", lambda pg, w: {"days": 7}),
    "resales.list": ("admin-prizes", lambda pg, w: {"status": "ACTIVE"}),
    "resales.cancel": ("admin-prizes", lambda pg, w: {"resale_id": listing(pg)[0]["id"], "reason": "matrix"}),
    "commissions.list": ("admin-commissions", lambda pg, w: {"user_id": w["user"]}),
    "referrals.tree": ("admin-commissions", lambda pg, w: {"user_id": w["user"]}),
}


@pytest.mark.usefixtures("restore_config")
def test_role_action_matrix_of_the_new_actions(clean: psycopg.Connection) -> None:
    tokens = {role: make_admin(clean, role, role.lower()) for role in ROLES}
    method = ok(call("admin-finance", "payments.add", tokens["SUPER_ADMIN"], **PAYMENT))
    world = {"lottery": create_lottery(clean)["id"], "method": method["id"], "user": sign_in().user["id"]}
    for action, (function, make_params) in MATRIX.items():
        allowed = {"SUPER_ADMIN", *EXPECTED[action]}
        for role, token in tokens.items():
            before = len(audit_rows(clean, action))
            response = admin_invoke(function, action, make_params(clean, world), token=token)
            rows = audit_rows(clean, action)[before:]
            if role in allowed:
                assert response["success"], (role, action, response)
                assert [(r["outcome"], r["username"]) for r in rows] == [("SUCCESS", role.lower())]
            else:
                assert error_code(response) == (403, "FORBIDDEN"), (role, action, response)
                assert [(r["outcome"], r["error_code"]) for r in rows] == [("DENIED", "FORBIDDEN")], (role, action)


# ---------------------------------------------------------------- lotteries: create validation, update
def test_lottery_create_refuses_bad_terms_naming_the_field_and_changes_nothing(clean: psycopg.Connection) -> None:
    ops = make_admin(clean, "OPERATIONS")
    future = (datetime.now(UTC) + timedelta(days=2)).isoformat()
    base = {"title": "Phone", "ticket_price": "1.00", "total_tickets": 10, "end_time": future}
    past = datetime.now(UTC) - timedelta(days=1)
    cases: list[tuple[dict[str, Any], str]] = [
        ({"ticket_price": "9999999999999999.99", "total_tickets": 2}, "ticket_price"),
        ({"ticket_price": "5000000000000000.00", "total_tickets": 3}, "ticket_price"),
        ({"start_time": (past - timedelta(days=1)).isoformat(), "end_time": past.isoformat()}, "end_time"),
        ({"start_time": future, "end_time": (datetime.now(UTC) + timedelta(days=1)).isoformat()}, "end_time"),
        ({"image_url": "javascript:alert(1)"}, "image_url"),
        ({"image_url": "http://img.test/a.png"}, "image_url"),
        ({"image_urls": ["https://img.test/a.png", "JAVASCRIPT:alert(1)"]}, "image_urls.1"),
        ({"image_urls": ['https://img.test/a.png" onerror="x']}, "image_urls.0"),
        ({"currency": "USD"}, "currency"),
        ({"max_per_user": 11}, "max_per_user"),
    ]
    for overrides, field in cases:
        response = call("admin-lotteries", "lotteries.create", ops, **{**base, **overrides})
        assert bad_field(response) == {field}, (overrides, response)
    assert clean.execute("select count(*) from lotteries").fetchone() == (0,)
    assert clean.execute("select count(*) from draw_commitments").fetchone() == (0,)
    outcomes = {r["outcome"] for r in audit_rows(clean, "lotteries.create")}
    assert outcomes == {"FAILED"}
    # the largest price that fits: price x tickets = 9999999999999999.99 exactly is accepted
    ok(
        call(
            "admin-lotteries",
            "lotteries.create",
            ops,
            **{**base, "ticket_price": "3333333333333333.33", "total_tickets": 3},
        )
    )


def test_lottery_update_content_any_time_terms_only_before_the_first_sale(clean: psycopg.Connection) -> None:
    ops = make_admin(clean, "OPERATIONS", "ops")
    lottery = create_lottery(clean, total_tickets=10, ticket_price="2.00")
    lottery_id = lottery["id"]
    old_commitment = lottery["draw_commitment"]

    # before the first sale: price and tickets change; a new ticket count gets a new signed commitment
    updated = ok(
        call(
            "admin-lotteries",
            "lotteries.update",
            ops,
            lottery_id=lottery_id,
            ticket_price="3.00",
            total_tickets=20,
            title="Phone 2",
        )
    )
    assert (updated["ticket_price"], updated["total_tickets"], updated["title"]) == (
        Decimal("3.00"),
        20,
        "Phone 2",
    )
    assert updated["changed"] == ["ticket_price", "title", "total_tickets"]
    assert updated["draw_commitment"]["ticket_count"] == 20 and updated["draw_commitment"] != old_commitment
    row = clean.execute(
        "select c.seed_commitment, l.draw_commitment ->> 'seed_commitment' from draw_commitments c "
        "join lotteries l on l.id = c.lottery_id where c.lottery_id = %s",
        (lottery_id,),
    ).fetchone()
    assert row is not None and row[0] == row[1]
    audit = audit_rows(clean, "lotteries.update")[-1]
    assert audit["outcome"] == "SUCCESS"
    logged = clean.execute(
        "select old_values, new_values from admin_logs where action = 'lotteries.update' order by id desc limit 1"
    ).fetchone()
    assert logged == (
        {"ticket_price": 2.00, "title": "Test phone", "total_tickets": 10},
        {"ticket_price": 3.00, "title": "Phone 2", "total_tickets": 20},
    )

    buyer = sign_in()
    fund(clean, buyer.user["id"], "10.00")
    bought = invoke(
        "lottery-purchase",
        {"lottery_id": lottery_id, "quantity": 1, "payment_method": "BALANCE"},
        token=buyer.token,
    )
    assert bought.status == 200, bought.body
    assert bought.data["order"]["total_amount"] == Decimal("3.00")

    # after it: the terms are frozen, the content is not
    for change in (
        {"ticket_price": "1.00"},
        {"total_tickets": 30},
        {"max_per_user": 2},
        {"currency": "TJS", "end_time": (datetime.now(UTC) + timedelta(days=9)).isoformat()},
    ):
        refused = call("admin-lotteries", "lotteries.update", ops, lottery_id=lottery_id, **change)
        assert error_code(refused) == (409, "INVALID_STATE"), (change, refused)
    after = clean.execute(
        "select ticket_price, total_tickets, max_per_user, end_time from lotteries where id = %s", (lottery_id,)
    ).fetchone()
    assert after is not None and after[:3] == (Decimal("3.00"), 20, None)
    images = ["https://img.test/1.png", "https://img.test/2.png"]
    ok(
        call(
            "admin-lotteries",
            "lotteries.update",
            ops,
            lottery_id=lottery_id,
            image_urls=images,
            title_i18n={"zh": "手机", "ru": "Телефон", "tg": "Телефон"},
        )
    )
    bad = call("admin-lotteries", "lotteries.update", ops, lottery_id=lottery_id, image_url="javascript:x")
    assert bad_field(bad) == {"image_url"}
    assert bad_field(call("admin-lotteries", "lotteries.update", ops, lottery_id=lottery_id)) == {""}
    assert bad_field(
        call("admin-lotteries", "lotteries.update", ops, lottery_id=lottery_id, status="COMPLETED")
    ) == {"status"}
    missing = call("admin-lotteries", "lotteries.update", ops, lottery_id=str(secrets.token_hex(16)), title="x")
    assert error_code(missing)[0] in (400, 404)


def test_update_of_an_unsold_window_moves_the_status_and_refuses_the_past(clean: psycopg.Connection) -> None:
    ops = make_admin(clean, "OPERATIONS")
    lottery = create_lottery(clean)
    later = datetime.now(UTC) + timedelta(hours=2)
    moved = ok(
        call(
            "admin-lotteries",
            "lotteries.update",
            ops,
            lottery_id=lottery["id"],
            start_time=later.isoformat(),
            end_time=(later + timedelta(days=1)).isoformat(),
        )
    )
    assert moved["status"] == "UPCOMING"
    past = call(
        "admin-lotteries",
        "lotteries.update",
        ops,
        lottery_id=lottery["id"],
        start_time=(datetime.now(UTC) - timedelta(days=3)).isoformat(),
        end_time=(datetime.now(UTC) - timedelta(days=2)).isoformat(),
    )
    assert bad_field(past) == {"end_time"}
    assert clean.execute("select status from lotteries where id = %s", (lottery["id"],)).fetchone() == (
        "UPCOMING",
    )


# ---------------------------------------------------------------- payment methods
@pytest.mark.usefixtures("restore_config")
def test_payment_methods_validated_audited_and_what_users_see(clean: psycopg.Connection) -> None:
    cashier = make_admin(clean, "FINANCE")
    before = clean.execute("select count(*) from payment_configs").fetchone()
    refusals: list[tuple[dict[str, Any], str]] = [
        ({"min_amount": "600.00", "max_amount": "500.00"}, "max_amount"),
        ({"fee_rate": "-0.01"}, "fee_rate"),
        ({"fee_rate": "0.6"}, "fee_rate"),
        ({"account_number": None}, "account_number"),
        ({"bank_name": None}, "bank_name"),
        ({"min_amount": "0"}, "min_amount"),
        ({"instructions": {"zh": "a", "ru": "b", "en": "d"}}, "instructions.tg"),
        ({"instructions": {"zh": "a", "ru": "b", "tg": "c"}}, "instructions.en"),  # players read all four
        ({"method": "bad method"}, "method"),
    ]
    for change, field in refusals:
        params = {k: v for k, v in {**PAYMENT, **change}.items() if v is not None}
        response = call("admin-finance", "payments.add", cashier, **params)
        assert not response["success"], change
        assert bad_field(response) == {field}, change
    assert clean.execute("select count(*) from payment_configs").fetchone() == before

    method = ok(call("admin-finance", "payments.add", cashier, **PAYMENT))
    assert (method["config_key"], method["is_enabled"], method["processing_time"]) == (
        "deposit_humo_bank",
        True,
        "30",
    )
    again = call("admin-finance", "payments.add", cashier, **PAYMENT)
    assert error_code(again) == (409, "ALREADY_EXISTS")
    # a withdrawal method needs no account of ours
    ok(
        call(
            "admin-finance",
            "payments.add",
            cashier,
            **{
                **PAYMENT,
                "config_type": "WITHDRAWAL",
                "account_number": None,
                "account_name": None,
                "bank_name": None,
            }
            | {},
        )
    )

    shown = invoke("get-payment-config", {"type": "DEPOSIT"})
    humo = next(m for m in shown.data if m["method"] == "HUMO_BANK")
    assert humo["config_data"]["account_number"] == "TJ00 1111 2222"

    changed = ok(call("admin-finance", "payments.update", cashier, id=method["id"], account_number="TJ00 9999"))
    assert changed["account_number"] == "TJ00 9999"
    logged = clean.execute(
        "select old_values, new_values from admin_logs where action = 'payments.update' and outcome = 'SUCCESS'"
    ).fetchone()
    assert logged == ({"account_number": "TJ00 1111 2222"}, {"account_number": "TJ00 9999"})
    bad = call("admin-finance", "payments.update", cashier, id=method["id"], min_amount="9000.00")
    assert bad_field(bad) == {"max_amount"}
    assert bad_field(call("admin-finance", "payments.update", cashier, id=method["id"])) == {""}

    ok(call("admin-finance", "payments.disable", cashier, id=method["id"]))
    assert "HUMO_BANK" not in {m["method"] for m in invoke("get-payment-config", {"type": "DEPOSIT"}).data}
    user = sign_in()
    refused = invoke("deposit-request", {"amount": 50, "payment_method": "HUMO_BANK"}, token=user.token)
    assert refused.status == 400
    ok(call("admin-finance", "payments.enable", cashier, id=method["id"]))
    assert "HUMO_BANK" in {m["method"] for m in invoke("get-payment-config", {"type": "DEPOSIT"}).data}
    listed = ok(call("admin-finance", "payments.list", cashier, config_type="DEPOSIT"))
    assert "HUMO_BANK" in {m["method"] for m in listed["items"]}


# ---------------------------------------------------------------- configuration
@pytest.mark.usefixtures("restore_config")
def test_config_set_is_checked_per_key_audited_and_used_by_new_operations(clean: psycopg.Connection) -> None:
    root = make_admin(clean, "SUPER_ADMIN", "root")
    shown = ok(call("admin-accounts", "config.show", root))
    assert {"resale", "referral_commission_rates", "exchange_rate"} <= {i["key"] for i in shown["items"]}

    stored = clean.execute("select key, value from system_config order by key").fetchall()
    refusals = [
        ("referral_commission_rates", {"1": 0.5}, "value.1"),
        ("referral_commission_rates", {"1": 0.08, "2": 0.05, "3": 0.04}, "value"),
        ("resale", {"fee_rate": -0.01}, "value.fee_rate"),
        ("resale", {"min_ratio": 0.9, "max_ratio": 0.8}, "value.max_ratio"),
        ("resale", {"surprise": 1}, "value"),
        ("exchange_rate", 0, "value"),
        ("exchange_rate", "abc", "value"),
        ("lottery", {"max_quantity": 101}, "value.max_quantity"),
        ("lottery", {"draw_delay_seconds": 1.5}, "value.draw_delay_seconds"),
        ("withdrawal", {"min_amount": 100, "max_amount": 50}, "value.max_amount"),
        ("first_deposit_bonus", {"expire_days": 0}, "value.expire_days"),
        ("showoff", {"max_reward": 101}, "value.max_reward"),
        ("session_ttl_seconds", 10, "value"),
    ]
    for key, value, field in refusals:
        assert bad_field(call("admin-accounts", "config.set", root, key=key, value=value)) == {field}, (key, value)
    assert clean.execute("select key, value from system_config order by key").fetchall() == stored
    assert error_code(call("admin-accounts", "config.set", root, key="nope", value=1)) == (404, "NOT_FOUND")

    changed = ok(call("admin-accounts", "config.set", root, key="resale", value={"fee_rate": 0.04}))
    d = Decimal
    assert changed["old_value"] == {"min_ratio": d("0.5"), "max_ratio": d("1.5"), "fee_rate": d("0.05")}
    assert changed["value"] == {"min_ratio": d("0.5"), "max_ratio": d("1.5"), "fee_rate": d("0.04")}
    row = clean.execute(
        "select old_values, new_values, request_summary from admin_logs where action = 'config.set' "
        "and outcome = 'SUCCESS'"
    ).fetchone()
    assert row is not None
    assert row[0] == {"resale": {"min_ratio": 0.5, "max_ratio": 1.5, "fee_rate": 0.05}}
    assert row[1] == {"resale": {"min_ratio": 0.5, "max_ratio": 1.5, "fee_rate": 0.04}}
    audit = ok(call("admin-accounts", "audit.list", root, action="config.set"))["items"][0]
    assert (audit["old"]["resale"]["fee_rate"], audit["new"]["resale"]["fee_rate"]) == (d("0.05"), d("0.04"))

    # effective at once for a new sale on the market: the seller of 100 gets 96 now
    prize_listing, _ = listing(clean)
    buyer = sign_in()
    fund(clean, buyer.user["id"], "100.00", "LUCKY_COIN")
    sold = invoke(
        "purchase-resale",
        {"resale_id": prize_listing["id"]},
        token=buyer.token,
        headers={"Idempotency-Key": secrets.token_hex(8)},
    )
    assert sold.status == 200, sold.body
    assert sold.data["fee_amount"] == Decimal("4.00")


SETTINGS_REFUSED = [
    # rate limits: requests per sliding window; never 0, never absurd, only the buckets the SQL uses
    ("rate_limits", {"write": {"limit": 0}}, "value.write.limit"),
    ("rate_limits", {"write": {"limit": -5, "window_seconds": 60}}, "value.write.limit"),
    ("rate_limits", {"write": {"limit": 2.5}}, "value.write.limit"),
    ("rate_limits", {"write": {"limit": "lots"}}, "value.write.limit"),
    ("rate_limits", {"write": {"limit": True}}, "value.write.limit"),
    ("rate_limits", {"write": {"limit": 10**9}}, "value.write.limit"),
    ("rate_limits", {"sign_in_ip": {"window_seconds": 0}}, "value.sign_in_ip.window_seconds"),
    ("rate_limits", {"sign_in_ip": {"window_seconds": 86_401}}, "value.sign_in_ip.window_seconds"),
    ("rate_limits", {"downloads": {"limit": 1, "window_seconds": 60}}, "value.downloads"),
    ("rate_limits", {"write": 300}, "value.write"),
    ("rate_limits", {"write": None}, "value.write"),
    ("rate_limits", {"write": {"limit": 10, "burst": 5}}, "value.write"),
    ("rate_limits", "fast", "value"),
    # sessions
    ("sessions", {"max_active_per_user": 0}, "value.max_active_per_user"),
    ("sessions", {"max_active_per_user": 1000}, "value.max_active_per_user"),
    ("sessions", {"max_active_per_user": "ten"}, "value.max_active_per_user"),
    ("sessions", {"max_active": 5}, "value"),
    ("sessions", 5, "value"),
    # retention
    ("retention", {"batch_size": 0}, "value.batch_size"),
    ("retention", {"batch_size": 10_000_000}, "value.batch_size"),
    ("retention", {"idempotency_hours": 1}, "value.idempotency_hours"),  # shorter than a client's retries
    ("retention", {"sessions_days": -1}, "value.sessions_days"),
    ("retention", {"read_notifications_days": 1.5}, "value.read_notifications_days"),
    ("retention", {"outbox_days": "NaN"}, "value.outbox_days"),
    ("retention", {"forever": True}, "value"),
    # telegram pushes: within Telegram's limits, a lease that outlives the consumer
    ("telegram_push", {"per_second": 30}, "value.per_second"),
    ("telegram_push", {"per_second": 0}, "value.per_second"),
    ("telegram_push", {"chat_interval_ms": 500}, "value.chat_interval_ms"),
    ("telegram_push", {"lease_seconds": 30}, "value.lease_seconds"),
    ("telegram_push", {"ttl_hours": 0}, "value.ttl_hours"),
    ("telegram_push", {"max_wait_seconds": -1}, "value.max_wait_seconds"),
    ("telegram_push", {"bot": "other"}, "value"),
    ("deposit", {"max_pending": 0}, "value.max_pending"),
]


@pytest.mark.usefixtures("restore_config")
def test_config_set_checks_the_limit_session_retention_and_push_settings(clean: psycopg.Connection) -> None:
    root = make_admin(clean, "SUPER_ADMIN", "root")
    stored = clean.execute("select key, value from system_config order by key").fetchall()
    for key, value, field in SETTINGS_REFUSED:
        assert bad_field(call("admin-accounts", "config.set", root, key=key, value=value)) == {field}, (key, value)
    assert clean.execute("select key, value from system_config order by key").fetchall() == stored
    assert not [row for row in audit_rows(clean, "config.set") if row["outcome"] == "SUCCESS"]

    # a nested bucket is merged: only the write limit changes, its window and the other buckets stay
    limits = ok(call("admin-accounts", "config.set", root, key="rate_limits", value={"write": {"limit": "2.0"}}))
    assert limits["value"]["write"] == {"limit": 2, "window_seconds": 60}
    assert limits["value"]["sign_in_user"] == limits["old_value"]["sign_in_user"]
    user = sign_in()
    writes = [invoke("mark-notifications-read", {"all": True}, token=user.token).status for _ in range(3)]
    assert writes == [200, 200, 429]  # effective at once, read by the SQL limiter as stored

    sessions = ok(call("admin-accounts", "config.set", root, key="sessions", value={"max_active_per_user": 2}))
    assert sessions["value"] == {"max_active_per_user": 2}
    tokens = [sign_in(telegram_id=int(user.user["telegram_id"])).token for _ in range(3)]
    assert [invoke("validate-session", {}, token=t).status for t in tokens] == [401, 200, 200]

    retention = ok(call("admin-accounts", "config.set", root, key="retention", value={"batch_size": 500}))
    assert retention["value"]["batch_size"] == 500 and retention["value"]["idempotency_hours"] == 24
    assert clean.execute("select public.retention_sweep() ? 'sessions'").fetchone() == (True,)

    push = ok(call("admin-accounts", "config.set", root, key="telegram_push", value={"chat_interval_ms": 2000.0}))
    assert push["value"]["chat_interval_ms"] == 2000 and push["value"]["per_second"] == 20
    deposit = ok(call("admin-accounts", "config.set", root, key="deposit", value={"max_pending": 2}))
    assert deposit["value"] == {"max_pending": 2}
    assert [row["target_id"] for row in audit_rows(clean, "config.set") if row["outcome"] == "SUCCESS"] == [
        "rate_limits", "sessions", "retention", "telegram_push", "deposit",
    ]  # fmt: skip


# ---------------------------------------------------------------- users
def test_users_search_partial_case_insensitive_indexed_and_list(clean: psycopg.Connection) -> None:
    support = make_admin(clean, "SUPPORT")
    zarina = sign_in(username="Zarina_TJ")
    firuz = sign_in(username="firuz77")
    clean.execute(
        "update users set phone_number = '+992900112233', first_name = 'Фируз' where id = %s", (firuz.user["id"],)
    )
    clean.execute("update users set total_spent = 500 where id = %s", (zarina.user["id"],))

    def found(q: str) -> list[str]:
        return [i["id"] for i in ok(call("admin-users", "users.search", support, q=q))["items"]]

    assert found("zarina") == [zarina.user["id"]]
    assert found("@ZARINA_tj") == [zarina.user["id"]]
    assert found("фир") == [firuz.user["id"]]
    assert found("0011223") == [firuz.user["id"]]
    assert found(zarina.user["referral_code"].lower()) == [zarina.user["id"]]
    assert found(str(firuz.user["telegram_id"])) == [firuz.user["id"]]
    assert found(str(firuz.user["telegram_id"])[:-2])[0] in {zarina.user["id"], firuz.user["id"]}
    assert found("100%") == [] and found("a_b") == []  # LIKE wildcards are literal
    assert bad_field(call("admin-users", "users.search", support, q="z")) == {"q"}
    with clean.transaction(force_rollback=True):
        clean.execute("set local enable_seqscan = off")
        plan = clean.execute(
            "explain select 1 from users where private.user_search_text(telegram_id, telegram_username, "
            "first_name, last_name, referral_code, phone_number) like '%zarina%'"
        ).fetchall()
    assert "users_search_trgm_idx" in " ".join(line for (line,) in plan)

    newest = ok(call("admin-users", "users.list", support))["items"]
    assert [i["id"] for i in newest[:2]] == [firuz.user["id"], zarina.user["id"]]
    spenders = ok(call("admin-users", "users.list", support, sort="spend", limit=1))
    assert [i["id"] for i in spenders["items"]] == [zarina.user["id"]] and spenders["total"] == 2
    assert bad_field(call("admin-users", "users.list", support, sort="oldest")) == {"sort"}


# ---------------------------------------------------------------- the resale market
def test_resales_cancel_active_only_prize_back_seller_notified(clean: psycopg.Connection) -> None:
    ops = make_admin(clean, "OPERATIONS")
    active, seller = listing(clean)
    listed = ok(call("admin-prizes", "resales.list", ops, status="ACTIVE", seller_id=seller.user["id"]))
    assert [i["id"] for i in listed["items"]] == [active["id"]]
    assert listed["items"][0]["seller"]["id"] == seller.user["id"]

    assert bad_field(call("admin-prizes", "resales.cancel", ops, resale_id=active["id"], reason="")) == {"reason"}
    cancelled = ok(call("admin-prizes", "resales.cancel", ops, resale_id=active["id"], reason="fake photos"))
    assert (cancelled["status"], cancelled["prize_status"]) == ("CANCELLED", "PENDING")
    assert clean.execute("select status from prizes where id = %s", (active["prize_id"],)).fetchone() == (
        "PENDING",
    )
    note = clean.execute(
        "select type, content from notifications where user_id = %s and type = 'RESALE_CANCELLED'",
        (seller.user["id"],),
    ).fetchone()
    assert note is not None and "fake photos" in note[1]
    assert error_code(call("admin-prizes", "resales.cancel", ops, resale_id=active["id"], reason="again")) == (
        409,
        "ALREADY_PROCESSED",
    )
    # a SOLD listing stays sold
    other, _ = listing(clean)
    buyer = sign_in()
    fund(clean, buyer.user["id"], "200.00", "LUCKY_COIN")
    sold = invoke(
        "purchase-resale",
        {"resale_id": other["id"]},
        token=buyer.token,
        headers={"Idempotency-Key": secrets.token_hex(8)},
    )
    assert sold.status == 200, sold.body
    assert error_code(call("admin-prizes", "resales.cancel", ops, resale_id=other["id"], reason="late")) == (
        409,
        "ALREADY_PROCESSED",
    )
    assert clean.execute("select status from resales where id = %s", (other["id"],)).fetchone() == ("SOLD",)


# ---------------------------------------------------------------- commissions and referrals
def _pay_commissions(pg: psycopg.Connection, buyer_id: str, amount: Decimal) -> str:
    from tests.support_commissions import consume, create_lottery, paid_order

    order_id, _ = paid_order(pg, buyer_id, amount, create_lottery(pg))
    assert consume([sqs_record(order_message(order_id))])["batchItemFailures"] == []
    return order_id


def test_commissions_list_and_referral_tree(clean: psycopg.Connection) -> None:
    finance = make_admin(clean, "FINANCE")
    chain = referral_chain(4)  # chain[0] invited chain[1], who invited chain[2], ...
    root = chain[0].user["id"]
    order_id = _pay_commissions(clean, chain[3].user["id"], Decimal("100.00"))
    _pay_commissions(clean, chain[1].user["id"], Decimal("10.00"))

    mine = ok(call("admin-commissions", "commissions.list", finance, user_id=root))
    stored = clean.execute(
        "select id::text, status, amount from commissions where user_id = %s order by created_at desc, id desc",
        (root,),
    ).fetchall()
    assert [(i["id"], i["status"], i["amount"]) for i in mine["items"]] == stored
    assert mine["totals"] == {
        status: {
            "count": sum(1 for s in stored if s[1] == status),
            "amount": sum(s[2] for s in stored if s[1] == status),
        }
        for status in {s[1] for s in stored}
    }
    by_order = ok(call("admin-commissions", "commissions.list", finance, order_id=order_id))
    assert sorted(i["level"] for i in by_order["items"]) == [1, 2, 3]
    none_yet = ok(
        call(
            "admin-commissions",
            "commissions.list",
            finance,
            to=(datetime.now(UTC) - timedelta(days=1)).isoformat(),
        )
    )
    assert none_yet["total"] == 0

    tree = ok(call("admin-commissions", "referrals.tree", finance, user_id=root))
    assert [(i["level"], i["user"]["id"]) for i in tree["items"]] == [
        (1, chain[1].user["id"]),
        (2, chain[2].user["id"]),
        (3, chain[3].user["id"]),
    ]
    spent = {i["user"]["id"]: i["total_spent"] for i in tree["items"]}
    assert spent == {
        chain[1].user["id"]: Decimal("10.00"),
        chain[2].user["id"]: 0,
        chain[3].user["id"]: Decimal("100.00"),
    }
    earned = {i["user"]["id"]: i["commission_paid"] + i["commission_pending"] for i in tree["items"]}
    direct: dict[str, Decimal] = dict(
        clean.execute(
            "select from_user_id::text, sum(amount) from commissions where user_id = %s group by 1", (root,)
        ).fetchall()
    )
    assert {k: v for k, v in earned.items() if v} == direct
    assert set(tree["levels"]) == {"1", "2", "3"}


# ---------------------------------------------------------------- the ledger and statistics
def _activity(pg: psycopg.Connection) -> list[Any]:
    """Some money movement through the real functions: deposits approved, a withdrawal paid, tickets bought."""
    finance = make_admin(pg, "FINANCE")
    users = [sign_in() for _ in range(3)]
    for user in users:
        requested = invoke(
            "deposit-request",
            {"amount": 100, "payment_method": "ALIF_MOBI"},
            token=user.token,
            headers={"Idempotency-Key": secrets.token_hex(8)},
        )
        assert requested.status == 200, requested.body
        ok(call("admin-finance", "deposits.approve", finance, deposit_id=requested.data["id"]))
    lottery = create_lottery(pg, total_tickets=50, ticket_price="2.00")
    for user, quantity in zip(users, (1, 3, 5), strict=True):
        bought = invoke(
            "lottery-purchase",
            {"lottery_id": lottery["id"], "quantity": quantity, "payment_method": "BALANCE"},
            token=user.token,
        )
        assert bought.status == 200, bought.body
    withdrawal = invoke(
        "withdrawal-request",
        {
            "amount": 20,
            "withdrawal_method": "ALIF_MOBI",
            "mobile_wallet_number": "+992900000001",
            "mobile_wallet_name": "Test",
        },
        token=users[0].token,
        headers={"Idempotency-Key": secrets.token_hex(8)},
    )
    assert withdrawal.status == 200, withdrawal.body
    ok(call("admin-finance", "withdrawals.complete", finance, withdrawal_id=withdrawal.data["id"]))
    return users


def test_ledger_list_with_totals_equal_to_a_direct_sum(clean: psycopg.Connection) -> None:
    users = _activity(clean)
    finance = make_admin(clean, "FINANCE")
    everything = ok(call("admin-finance", "ledger.list", finance, limit=200))
    direct = clean.execute(
        "select t.type, w.currency, count(*), sum(t.amount), sum(t.frozen_delta) from wallet_transactions t "
        "join wallets w on w.id = t.wallet_id group by 1, 2 order by 2, 1"
    ).fetchall()
    assert [
        (t["type"], t["currency"], t["count"], t["amount"], t["frozen_delta"]) for t in everything["totals"]
    ] == [tuple(row) for row in direct]
    assert everything["total"] == sum(row[2] for row in direct) == len(everything["items"])
    stamps = [i["created_at"] for i in everything["items"]]
    assert stamps == sorted(stamps, reverse=True)
    one = ok(call("admin-finance", "ledger.list", finance, user_id=users[1].user["id"], type="LOTTERY_PURCHASE"))
    assert [(i["type"], i["amount"]) for i in one["items"]] == [("LOTTERY_PURCHASE", Decimal("-6.00"))]
    window = ok(call("admin-finance", "ledger.list", finance, **{"from": datetime.now(UTC).isoformat()}))
    assert window["total"] == 0
    assert bad_field(
        call(
            "admin-finance",
            "ledger.list",
            finance,
            **{"from": "2026-11-02T00:00:00Z", "to": "2026-11-01T00:00:00Z"},
        )
    ) == {"to"}
    assert bad_field(call("admin-finance", "ledger.list", finance, type="FREE_MONEY")) == {"type"}


def test_stats_summary_equals_a_direct_recount(clean: psycopg.Connection) -> None:
    _activity(clean)
    ops = make_admin(clean, "OPERATIONS")
    # one signup yesterday: inside 7 days, outside today
    clean.execute(
        "update users set created_at = now() - interval '1 day' "
        "where id = (select id from users order by created_at limit 1)"
    )
    stats = ok(call("admin-finance", "stats.summary", ops, days=7))
    start = clean.execute(
        "select ((now() at time zone 'UTC')::date - 6)::timestamp at time zone 'UTC'"
    ).fetchone()[0]  # type: ignore[index]

    def one(sql: str) -> Any:
        row = clean.execute(sql, {"since": start}).fetchone()
        assert row is not None
        return row[0] if len(row) == 1 else tuple(row)

    assert stats["signups"] == one("select count(*) from users where created_at >= %(since)s")
    assert stats["active_users"] == one(
        "select count(distinct w.user_id) from wallet_transactions t join wallets w on w.id = t.wallet_id "
        "where t.created_at >= %(since)s"
    )
    assert (stats["deposits"]["count"], stats["deposits"]["sum"]) == one(
        "select count(*), sum(amount) from deposits where status = 'APPROVED' and reviewed_at >= %(since)s"
    )
    assert (stats["withdrawals"]["count"], stats["withdrawals"]["sum"]) == one(
        "select count(*), sum(amount) from withdrawals where status = 'COMPLETED' and completed_at >= %(since)s"
    )
    sales = stats["ticket_sales"]
    assert (sales["orders"], sales["tickets"], sales["gmv"]["TJS"]) == one(
        "select count(*), sum(quantity), sum(total_amount) from orders where type = 'LOTTERY_PURCHASE' "
        "and status = 'PAID' and paid_at >= %(since)s"
    )
    assert (sales["orders"], sales["tickets"], sales["gmv"]["TJS"]) == (3, 9, Decimal("18.00"))
    assert (stats["deposits"]["count"], stats["deposits"]["sum"]) == (3, Decimal("300.00"))
    assert stats["lotteries_by_status"] == {"ACTIVE": 1}
    series = stats["series"]
    assert len(series) == 7 and series[-1]["day"] == one("select (now() at time zone 'UTC')::date::text")
    assert sum(d["tickets_sold"] for d in series) == 9
    assert sum(d["signups"] for d in series) == stats["signups"]
    assert sum(d["deposits_sum"] for d in series) == Decimal("300.00")
    today = ok(call("admin-finance", "stats.summary", ops, days=1))
    assert today["signups"] == stats["signups"] - 1 and len(today["series"]) == 1
    assert bad_field(call("admin-finance", "stats.summary", ops, days=14)) == {"days"}


# ---------------------------------------------------------------- admin accounts
def test_admins_enable_with_a_new_token_and_set_role(clean: psycopg.Connection) -> None:
    root = make_admin(clean, "SUPER_ADMIN", "root")
    old = make_admin(clean, "SUPPORT", "desk")
    ok(call("admin-accounts", "admins.disable", root, username="desk"))
    enabled = ok(call("admin-accounts", "admins.enable", root, username="desk"))
    assert enabled["admin"]["status"] == "ACTIVE" and enabled["token"].startswith("lma_")
    assert error_code(call("admin-users", "users.list", old)) == (401, "UNAUTHENTICATED")
    ok(call("admin-users", "users.list", enabled["token"]))
    assert error_code(call("admin-accounts", "admins.enable", root, username="desk")) == (409, "ALREADY_PROCESSED")

    promoted = ok(call("admin-accounts", "admins.set_role", root, username="desk", role="finance"))
    assert promoted["role"] == "FINANCE"
    ok(call("admin-finance", "ledger.list", enabled["token"]))
    assert bad_field(call("admin-accounts", "admins.set_role", root, username="desk", role="GOD")) == {"role"}
    last = call("admin-accounts", "admins.set_role", root, username="root", role="SUPPORT")
    assert error_code(last) == (409, "INVALID_STATE")
    logged = clean.execute(
        "select old_values, new_values from admin_logs where action = 'admins.set_role' and outcome = 'SUCCESS'"
    ).fetchone()
    assert logged == ({"role": "SUPPORT"}, {"role": "FINANCE"})


# ---------------------------------------------------------------- one paging shape
def test_every_admin_list_pages_alike(clean: psycopg.Connection) -> None:
    root = make_admin(clean, "SUPER_ADMIN")
    needs = {"referrals.tree": {"user_id": sign_in().user["id"]}, "users.search": {"q": "test"}}
    lists = [c for c in COMMANDS if {"limit", "offset"} <= {p.name for p in c.params}]
    assert len(lists) >= 15
    for command in lists:
        base = needs.get(command.action, {})
        too_big = admin_invoke(command.function, command.action, {**base, "limit": 201}, token=root)
        assert bad_field(too_big) == {"limit"}, command.action
        negative = admin_invoke(command.function, command.action, {**base, "offset": -1}, token=root)
        assert bad_field(negative) == {"offset"}, command.action
        page = ok(admin_invoke(command.function, command.action, {**base, "limit": 200}, token=root))
        assert set(page) >= {"items", "total"}, command.action
    # the SQL clamp for direct callers is the same 200
    rows = clean.execute("select private.admin_page_limit(10000), private.admin_page_limit(null)").fetchone()
    assert rows == (200, 50)


def test_a_purchase_that_read_the_old_price_is_refused_not_charged(stack: Any, clean: psycopg.Connection) -> None:
    """The interleaving forced: the purchase reads price 2.00, the update changes it to 3.00 while holding the
    lottery row, the purchase's claim then finds other terms: 409 CONFLICT, nothing charged, nothing sold."""
    import threading

    lottery = create_lottery(clean, total_tickets=10, ticket_price="2.00")
    buyer = sign_in()
    fund(clean, buyer.user["id"], "10.00")
    outcome: dict[str, Any] = {}
    with psycopg.connect(stack.database_url) as holder:
        holder.execute("select 1 from lotteries where id = %s for update", (lottery["id"],))

        def buy() -> None:
            outcome["result"] = invoke(
                "lottery-purchase",
                {"lottery_id": lottery["id"], "quantity": 1, "payment_method": "BALANCE"},
                token=buyer.token,
            )

        thread = threading.Thread(target=buy)
        thread.start()
        for _ in range(200):  # until the purchase waits for the lottery row
            waiting = clean.execute(
                "select count(*) from pg_stat_activity where wait_event_type = 'Lock' "
                "and query ilike '%lottery_purchase%'"
            ).fetchone()
            if waiting and waiting[0]:
                break
            time.sleep(0.05)
        holder.execute("update lotteries set ticket_price = 3.00 where id = %s", (lottery["id"],))
        holder.commit()
        thread.join(30)
    result = outcome["result"]
    assert (result.status, result.code) == (409, "CONFLICT"), result.body
    assert clean.execute(
        "select balance from wallets where user_id = %s and type = 'BALANCE'", (buyer.user["id"],)
    ).fetchone() == (Decimal("10.00"),)
    assert clean.execute("select sold_tickets from lotteries where id = %s", (lottery["id"],)).fetchone() == (0,)
