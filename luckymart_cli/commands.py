"""The admin contract as data: one row per admin action (Lambda function, action = permission name, params).
The CLI's subcommands, their options and help are generated from these rows; nothing here branches on an action.

Subcommand words come from the action: `deposits.approve` -> `luckymart-admin deposits approve`,
`commissions.dlq_replay` -> `commissions dlq-replay`. Option names are the param names with dashes.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

Kind = Literal["text", "uuid", "money", "decimal", "int", "bool", "json", "time"]


@dataclass(frozen=True)
class Param:
    name: str
    kind: Kind = "text"
    required: bool = False
    positional: bool = False  # the row's main id, typed without an option name
    help: str = ""

    @property
    def option(self) -> str:
        return "--" + self.name.replace("_", "-")


@dataclass(frozen=True)
class Command:
    action: str
    function: str
    params: tuple[Param, ...]
    help: str
    columns: tuple[str, ...] = ()  # what a human table shows for lists (dotted paths into each item)
    view: Literal["plain", "stats"] = "plain"  # how a human reads the answer (luckymart_cli.output)

    @property
    def group(self) -> str:
        return self.action.split(".", 1)[0]

    @property
    def verb(self) -> str:
        return self.action.split(".", 1)[1].replace("_", "-")


def _id(name: str, what: str) -> Param:
    return Param(name, "uuid", required=True, positional=True, help=f"id of the {what}")


# Every list action pages alike (luckymart.admin.AdminPage, SQL private.admin_page_limit): newest first.
PAGING = (
    Param("limit", "int", help="rows per page, 1-200 (default 50); lists are newest first"),
    Param("offset", "int", help="rows to skip (default 0)"),
)


def _page(*statuses: str) -> tuple[Param, ...]:
    status = (Param("status", help="filter: " + " | ".join(statuses)),) if statuses else ()
    return status + PAGING


PAYMENT_FIELDS = (
    Param("min_amount", "money", help='decimal string, e.g. "10.00"'),
    Param("max_amount", "money", help='decimal string, e.g. "50000.00"'),
    Param("fee_rate", "decimal", help='fraction, e.g. "0.015" (0 to 0.5)'),
    Param("processing_time", "int", help="minutes"),
    Param("sort_order", "int"),
    Param("account_number", help="where users pay to (deposit methods)"),
    Param("account_name"),
    Param("bank_name"),
    Param("instructions", "json", help='\'{"zh": "…", "ru": "…", "tg": "…", "en": "…"}\''),
)
NOTE = Param("note", help="note stored with the review (shown to the user where the function says so)")
LIST_USER = ("user.telegram_id", "user.telegram_username")

FINANCE = "admin-finance"
LOTTERIES = "admin-lotteries"
PRIZES = "admin-prizes"
USERS = "admin-users"
COMMISSIONS = "admin-commissions"
ACCOUNTS = "admin-accounts"
NOTIFICATIONS = "admin-notifications"

COMMANDS: tuple[Command, ...] = (
    # ------------------------------------------------------------- deposits and withdrawals (FINANCE)
    Command(
        "deposits.list",
        FINANCE,
        _page("PENDING", "APPROVED", "REJECTED"),
        "list deposit requests, newest first",
        ("id", "order_number", "amount", "payment_method", "status", *LIST_USER, "created_at"),
    ),
    Command("deposits.approve", FINANCE, (_id("deposit_id", "deposit"), NOTE), "approve: credits BALANCE once"),
    Command("deposits.reject", FINANCE, (_id("deposit_id", "deposit"), NOTE), "reject a pending deposit"),
    Command(
        "withdrawals.list",
        FINANCE,
        _page("PENDING", "COMPLETED", "REJECTED"),
        "list withdrawal requests, newest first",
        ("id", "order_number", "amount", "withdrawal_method", "status", *LIST_USER, "created_at"),
    ),
    Command(
        "withdrawals.complete",
        FINANCE,
        (
            _id("withdrawal_id", "withdrawal"),
            Param("transfer_reference", help="bank or wallet reference of the payout"),
            NOTE,
        ),
        "mark a withdrawal paid out (removes the frozen amount)",
    ),
    Command(
        "withdrawals.reject",
        FINANCE,
        (_id("withdrawal_id", "withdrawal"), NOTE),
        "reject a withdrawal (returns the frozen amount to BALANCE)",
    ),
    # ------------------------------------------------------------- lotteries and draws (OPERATIONS)
    Command(
        "lotteries.create",
        LOTTERIES,
        (
            Param("title", required=True),
            Param("ticket_price", "money", required=True, help='decimal string, e.g. "5.00"'),
            Param("total_tickets", "int", required=True),
            Param("end_time", "time", required=True, help="ISO-8601, e.g. 2026-12-31T18:00:00Z"),
            Param("start_time", "time", help="ISO-8601 (default: now)"),
            Param("description"),
            Param("max_per_user", "int"),
            Param("unlimited_purchase", "bool", help="no per-user ticket limit"),
            Param("currency"),
            Param("image_url"),
            Param("image_urls", "json", help="JSON array, e.g. '[\"https://…/1.png\"]'"),
            *(
                Param(f"{field}_i18n", "json", help='JSON object, e.g. \'{"zh": "…", "ru": "…", "tg": "…"}\'')
                for field in ("title", "description", "details", "specifications", "material", "name")
            ),
            Param("period"),
        ),
        "create a lottery (its fair-draw commitment is published at once)",
    ),
    Command(
        "lotteries.update",
        LOTTERIES,
        (
            _id("lottery_id", "lottery"),
            Param("title"),
            Param("description"),
            Param("image_url", help="https:// only"),
            Param("image_urls", "json", help="JSON array of https:// URLs"),
            *(
                Param(f"{field}_i18n", "json", help='JSON object, e.g. \'{"zh": "…", "ru": "…", "tg": "…"}\'')
                for field in ("title", "description", "details", "specifications", "material", "name")
            ),
            Param("ticket_price", "money", help="before the first sale only"),
            Param("total_tickets", "int", help="before the first sale only (a new commitment is published)"),
            Param("max_per_user", "int", help="before the first sale only"),
            Param("unlimited_purchase", "bool", help="before the first sale only"),
            Param("currency", help="before the first sale only"),
            Param("start_time", "time", help="before the first sale only; ISO-8601"),
            Param("end_time", "time", help="before the first sale only; ISO-8601"),
        ),
        "change a lottery: texts and images any time, sale terms only before the first sale (old -> new audited)",
    ),
    Command(
        "lotteries.list",
        LOTTERIES,
        _page("UPCOMING", "ACTIVE", "SOLD_OUT", "DRAWING", "COMPLETED", "CANCELLED"),
        "list lotteries, newest first",
        ("id", "title", "status", "ticket_price", "sold_tickets", "total_tickets", "end_time"),
    ),
    Command("lotteries.show", LOTTERIES, (_id("lottery_id", "lottery"),), "show one lottery"),
    Command(
        "lotteries.cancel",
        LOTTERIES,
        (_id("lottery_id", "lottery"), Param("reason")),
        "cancel a lottery and refund every buyer",
    ),
    Command(
        "lotteries.draw",
        "draw-lottery",
        (_id("lottery_id", "lottery"),),
        "draw a sold-out lottery now (same code path as the automatic draw)",
    ),
    # ------------------------------------------------------------- payment methods, ledger, statistics (FINANCE)
    Command(
        "payments.list",
        FINANCE,
        (Param("config_type", help="DEPOSIT | WITHDRAWAL"), *PAGING),
        "list deposit and withdrawal methods (enabled or not), by type and sort order",
        ("id", "config_type", "method", "is_enabled", "min_amount", "max_amount", "fee_rate", "account_number"),
    ),
    Command(
        "payments.add",
        FINANCE,
        (
            Param("config_type", required=True, help="DEPOSIT | WITHDRAWAL"),
            Param("method", required=True, help="e.g. ALIF_MOBI (A-Z and _)"),
            *(replace(p, required=p.name in ("min_amount", "max_amount", "instructions")) for p in PAYMENT_FIELDS),
        ),
        "add a payment method (deposit methods need the account number and name; *BANK* deposits the bank name)",
    ),
    Command(
        "payments.update",
        FINANCE,
        (Param("id", "uuid", required=True, positional=True, help="id of the method"), *PAYMENT_FIELDS),
        "change a payment method (only the options given; old -> new audited)",
    ),
    Command(
        "payments.enable",
        FINANCE,
        (Param("id", "uuid", required=True, positional=True, help="id of the method"),),
        "offer a payment method to users again",
    ),
    Command(
        "payments.disable",
        FINANCE,
        (Param("id", "uuid", required=True, positional=True, help="id of the method"),),
        "stop offering a payment method (requests already made stay as they are)",
    ),
    Command(
        "ledger.list",
        FINANCE,
        (
            Param("user_id", "uuid", help="only this user's wallets"),
            Param("wallet_type", help="BALANCE | LUCKY_COIN | BONUS"),
            Param("type", help="ledger type, e.g. DEPOSIT, LOTTERY_PURCHASE, COMMISSION"),
            Param("from", "time", help="from this time (inclusive), ISO-8601"),
            Param("to", "time", help="until this time (exclusive), ISO-8601"),
            *PAGING,
        ),
        "the ledger, newest first, with totals per type over everything that matches (--csv: every page)",
        ("created_at", "telegram_id", "wallet_type", "type", "amount", "balance_after", "reference_type"),
    ),
    Command(
        "stats.summary",
        FINANCE,
        (Param("days", "int", help="1 | 7 | 30 (default 7): today and the days before it, UTC"),),
        "signups, active users, money in and out, ticket sales, commissions, bonuses, prizes and lotteries",
        view="stats",
    ),
    # ------------------------------------------------------------- prizes: shipping and showoffs (OPERATIONS)
    Command(
        "shipping.list",
        PRIZES,
        _page("PENDING", "SHIPPED", "DELIVERED", "CANCELLED"),
        "list shipping requests, newest first",
        ("id", "status", "recipient_name", "recipient_city", "tracking_number", *LIST_USER, "requested_at"),
    ),
    Command(
        "shipping.ship",
        PRIZES,
        (
            _id("shipping_id", "shipping request"),
            Param("tracking_number", required=True),
            Param("shipping_company"),
        ),
        "mark a prize shipped (the user is notified)",
    ),
    Command(
        "shipping.deliver", PRIZES, (_id("shipping_id", "shipping request"),), "mark a shipped prize delivered"
    ),
    Command(
        "showoffs.list",
        PRIZES,
        _page("PENDING", "APPROVED", "REJECTED"),
        "list showoff posts, newest first",
        ("id", "status", "content", "likes_count", "reward_coins", *LIST_USER, "created_at"),
    ),
    Command(
        "showoffs.approve",
        PRIZES,
        (
            _id("showoff_id", "showoff"),
            Param("reward_coins", "money", help='LUCKY_COIN reward, "0" to "100"'),
            NOTE,
        ),
        "approve a showoff, optionally with a reward (credited once)",
    ),
    Command(
        "showoffs.reject",
        PRIZES,
        (_id("showoff_id", "showoff"), Param("note", required=True, help="why (shown to the user)")),
        "reject a showoff",
    ),
    # ------------------------------------------------------------- the resale market (OPERATIONS)
    Command(
        "resales.list",
        PRIZES,
        (
            Param("status", help="ACTIVE | SOLD | CANCELLED"),
            Param("seller_id", "uuid", help="only this seller"),
            *PAGING,
        ),
        "list resale listings, newest first",
        ("id", "status", "resale_price", "prize.prize_name", "seller.telegram_username", "created_at"),
    ),
    Command(
        "resales.cancel",
        PRIZES,
        (_id("resale_id", "listing"), Param("reason", required=True, help="why (the seller is told)")),
        "remove an ACTIVE listing: the prize returns to the seller (PENDING), who is notified",
    ),
    # ------------------------------------------------------------- users (SUPPORT reads; SUPER_ADMIN bans)
    Command(
        "users.search",
        USERS,
        (
            Param(
                "q",
                required=True,
                positional=True,
                help="part of a username, name, Telegram id, referral code or phone",
            ),
            *PAGING,
        ),
        "find users (partial, case-insensitive); exact matches first, then newest",
        ("id", "telegram_id", "telegram_username", "first_name", "referral_code", "status", "created_at"),
    ),
    Command(
        "users.list",
        USERS,
        (
            Param("sort", help="newest (default) | spend"),
            Param("status", help="ACTIVE | SUSPENDED | BANNED"),
            *PAGING,
        ),
        "list users, newest first (or by total spent with --sort spend)",
        ("id", "telegram_id", "telegram_username", "status", "total_spent", "created_at"),
    ),
    Command(
        "users.show",
        USERS,
        (Param("user_id", "uuid"), Param("telegram_id", help="Telegram user id")),
        "show a user by --user-id or --telegram-id: profile, wallets, counts",
    ),
    Command(
        "users.ban",
        USERS,
        (Param("user_id", "uuid", required=True, positional=True, help="id of the user"), Param("reason")),
        "ban a user: every session is revoked at once, sign-in refused",
    ),
    Command(
        "users.unban",
        USERS,
        (Param("user_id", "uuid", required=True, positional=True, help="id of the user"),),
        "lift a ban (the user signs in again)",
    ),
    Command(
        "orders.list",
        USERS,
        (Param("user_id", "uuid", help="only this user's orders"), *_page()),
        "list orders, newest first",
        ("id", "order_number", "type", "status", "total_amount", "payment_method", "lottery.title", "created_at"),
    ),
    Command(
        "prizes.list",
        USERS,
        (
            Param("user_id", "uuid", help="only this user's prizes"),
            *_page("PENDING", "SHIPPING", "SHIPPED", "DELIVERED", "RESELLING", "RESOLD"),
        ),
        "list prizes, newest first",
        ("id", "prize_name", "status", "prize_value", "acquired_via", *LIST_USER, "won_at"),
    ),
    # ------------------------------------------------------------- commissions and referrals (FINANCE)
    Command(
        "commissions.list",
        COMMISSIONS,
        (
            Param("user_id", "uuid", help="only what this user earned"),
            Param("order_id", "uuid", help="only this order's commissions"),
            Param("status", help="PENDING | PAID | CANCELLED (as stored)"),
            Param("from", "time", help="created from (inclusive), ISO-8601"),
            Param("to", "time", help="created until (exclusive), ISO-8601"),
            *PAGING,
        ),
        "list commissions, newest first, with totals per status",
        (
            "id",
            "status",
            "level",
            "amount",
            "rate",
            "earner.telegram_username",
            "buyer.telegram_username",
            "created_at",
        ),
    ),
    Command(
        "referrals.tree",
        COMMISSIONS,
        (Param("user_id", "uuid", required=True, positional=True, help="id of the user"), *PAGING),
        "a user's referrals three levels deep (by level, then newest): spend and commission earned from each",
        (
            "level",
            "user.telegram_id",
            "user.telegram_username",
            "total_spent",
            "commission_paid",
            "commission_pending",
        ),
    ),
    Command(
        "commissions.dlq_list",
        COMMISSIONS,
        (Param("limit", "int"),),
        "list commission messages in the dead-letter queue",
    ),
    Command(
        "commissions.dlq_replay",
        COMMISSIONS,
        (Param("message_id", help="one message"), Param("all", "bool", help="every message in the queue")),
        "send dead-lettered commission messages back to the queue",
    ),
    # ------------------------------------------------------------- admin accounts and audit (SUPER_ADMIN)
    Command(
        "admins.add",
        ACCOUNTS,
        (
            Param("username", required=True, positional=True, help="3-64 of a-z 0-9 _ . -"),
            Param("role", required=True, help="SUPER_ADMIN | FINANCE | OPERATIONS | SUPPORT"),
        ),
        "create an admin; prints its API token once",
    ),
    Command(
        "admins.list",
        ACCOUNTS,
        (),
        "list admins",
        ("username", "role", "status", "last_seen_at", "token_created_at", "created_by"),
    ),
    Command(
        "admins.disable",
        ACCOUNTS,
        (Param("username", required=True, positional=True),),
        "disable an admin: its token stops working at once",
    ),
    Command(
        "admins.enable",
        ACCOUNTS,
        (Param("username", required=True, positional=True),),
        "bring a disabled admin back with a NEW token (printed once); the old token stays dead",
    ),
    Command(
        "admins.set_role",
        ACCOUNTS,
        (
            Param("username", required=True, positional=True),
            Param("role", required=True, help="SUPER_ADMIN | FINANCE | OPERATIONS | SUPPORT"),
        ),
        "change an admin's role (the last active SUPER_ADMIN keeps it)",
    ),
    Command(
        "admins.rotate_token",
        ACCOUNTS,
        (Param("username", required=True, positional=True),),
        "issue a new token (printed once); the old one stops working at once",
    ),
    Command(
        "config.show",
        ACCOUNTS,
        (Param("key", positional=True, help="one key (default: all)"),),
        "show the system configuration (rates, bonus rules, resale bounds, draw delay, limits)",
        ("key", "value", "updated_at"),
    ),
    Command(
        "config.set",
        ACCOUNTS,
        (
            Param("key", required=True, positional=True, help="e.g. resale, referral_commission_rates"),
            Param("value", "json", required=True, help="JSON; objects merge: '{\"fee_rate\": 0.04}'"),
        ),
        "change one configuration key (checked by its rule; old -> new audited; applies to new operations only)",
    ),
    Command(
        "audit.list",
        ACCOUNTS,
        (
            Param("username", help="only this admin's actions"),
            Param("action", help="e.g. deposits.approve"),
            Param("outcome", help="SUCCESS | DENIED | FAILED"),
            *PAGING,
        ),
        "read the audit log, newest first",
        ("id", "created_at", "admin", "action", "target_id", "outcome", "error_code"),
    ),
    # ------------------------------------------------------------- Telegram broadcast (OPERATIONS)
    Command(
        "notifications.broadcast",
        NOTIFICATIONS,
        (
            Param("audience", required=True, help="all | active_days:N | lottery:<id>"),
            Param(
                "text_i18n", "json", required=True, help='JSON object, e.g. \'{"ru": "…", "tg": "…", "en": "…"}\''
            ),
            Param("button", "json", help='JSON, e.g. \'{"path": "/lottery/<id>", "text_i18n": {"ru": "…"}}\''),
            Param("dry_run", "bool", help="only count the recipients"),
        ),
        "push a message to an audience in Telegram (counts first with --dry-run)",
    ),
    Command(
        "notifications.dlq_list",
        NOTIFICATIONS,
        (Param("limit", "int"),),
        "list notification messages in the dead-letter queue",
    ),
    Command(
        "notifications.dlq_replay",
        NOTIFICATIONS,
        (Param("message_id", help="one message"), Param("all", "bool", help="every message in the queue")),
        "send dead-lettered notification messages back to the queue",
    ),
)

BY_ACTION = {command.action: command for command in COMMANDS}
