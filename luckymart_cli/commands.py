"""The admin contract as data: one row per admin action (Lambda function, action = permission name, params).
The CLI's subcommands, their options and help are generated from these rows; nothing here branches on an action.

Subcommand words come from the action: `deposits.approve` -> `luckymart-admin deposits approve`,
`commissions.dlq_replay` -> `commissions dlq-replay`. Option names are the param names with dashes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal["text", "uuid", "money", "int", "bool", "json", "time"]


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

    @property
    def group(self) -> str:
        return self.action.split(".", 1)[0]

    @property
    def verb(self) -> str:
        return self.action.split(".", 1)[1].replace("_", "-")


def _id(name: str, what: str) -> Param:
    return Param(name, "uuid", required=True, positional=True, help=f"id of the {what}")


def _page(*statuses: str, limit: bool = True) -> tuple[Param, ...]:
    status = (Param("status", help="filter: " + " | ".join(statuses)),) if statuses else ()
    paging = (Param("limit", "int", help="rows per page"), Param("offset", "int", help="rows to skip"))
    return status + (paging if limit else ())


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
        "list deposit requests, oldest first",
        ("id", "order_number", "amount", "payment_method", "status", *LIST_USER, "created_at"),
    ),
    Command("deposits.approve", FINANCE, (_id("deposit_id", "deposit"), NOTE), "approve: credits BALANCE once"),
    Command("deposits.reject", FINANCE, (_id("deposit_id", "deposit"), NOTE), "reject a pending deposit"),
    Command(
        "withdrawals.list",
        FINANCE,
        _page("PENDING", "COMPLETED", "REJECTED"),
        "list withdrawal requests, oldest first",
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
        "lotteries.list",
        LOTTERIES,
        _page("UPCOMING", "ACTIVE", "SOLD_OUT", "DRAWING", "COMPLETED", "CANCELLED"),
        "list lotteries",
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
    # ------------------------------------------------------------- prizes: shipping and showoffs (OPERATIONS)
    Command(
        "shipping.list",
        PRIZES,
        _page("PENDING", "SHIPPED", "DELIVERED", "CANCELLED"),
        "list shipping requests",
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
        "list showoff posts",
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
    # ------------------------------------------------------------- users (SUPPORT reads; SUPER_ADMIN bans)
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
    # ------------------------------------------------------------- commission dead letters (FINANCE)
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
        "admins.rotate_token",
        ACCOUNTS,
        (Param("username", required=True, positional=True),),
        "issue a new token (printed once); the old one stops working at once",
    ),
    Command(
        "audit.list",
        ACCOUNTS,
        (
            Param("username", help="only this admin's actions"),
            Param("action", help="e.g. deposits.approve"),
            Param("outcome", help="SUCCESS | DENIED | FAILED"),
            Param("limit", "int"),
            Param("offset", "int"),
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
)

BY_ACTION = {command.action: command for command in COMMANDS}
