"""admin-users (IAM invoke only): look a user up, find users (users.search: username, name, Telegram id, referral
code, phone; partial and case-insensitive over a trigram index) and list them (users.list, newest or biggest
spenders first), ban (revoking every session) or unban, and read-only lists of orders and prizes for support."""

from __future__ import annotations

from typing import Annotated, Any, Literal, Self
from uuid import UUID

from pydantic import BeforeValidator, StringConstraints, model_validator

from luckymart.admin import AdminCall, AdminFunction, AdminPage, AdminParams
from luckymart.finance import upper

admin = AdminFunction("admin-users")


def _digits(value: Any) -> Any:
    """Telegram ids arrive as numbers or strings; both mean the same id."""
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


TelegramId = Annotated[str, BeforeValidator(_digits), StringConstraints(pattern=r"^[0-9]{1,20}$")]
Reason = Annotated[str, StringConstraints(min_length=1, max_length=500)]


class ShowUser(AdminParams):
    user_id: UUID | None = None
    telegram_id: TelegramId | None = None

    @model_validator(mode="after")
    def exactly_one_key(self) -> Self:
        if (self.user_id is None) == (self.telegram_id is None):
            raise ValueError("give exactly one of user_id or telegram_id")
        return self


class BanUser(AdminParams):
    user_id: UUID
    reason: Reason | None = None


class UnbanUser(AdminParams):
    user_id: UUID


class ListParams(AdminPage):
    user_id: UUID | None = None


class PrizeList(ListParams):
    status: (
        Annotated[
            Literal["PENDING", "SHIPPING", "SHIPPED", "DELIVERED", "RESELLING", "RESOLD"], BeforeValidator(upper)
        ]
        | None
    ) = None


class SearchUsers(AdminPage):
    q: Annotated[str, StringConstraints(min_length=2, max_length=100)]


class ListUsers(AdminPage):
    sort: Literal["newest", "spend"] = "newest"
    status: Annotated[Literal["ACTIVE", "SUSPENDED", "BANNED"], BeforeValidator(upper)] | None = None


@admin.action("users.search", SearchUsers)
def search_users(call: AdminCall[SearchUsers]) -> Any:
    return call.rpc("admin_search_users", {"p_q": call.params.q, **call.params.page_args()})


@admin.action("users.list", ListUsers)
def list_users(call: AdminCall[ListUsers]) -> Any:
    p = call.params
    return call.rpc("admin_list_users", {"p_sort": p.sort, "p_status": p.status, **p.page_args()})


@admin.action("users.show", ShowUser, target="user")
def show_user(call: AdminCall[ShowUser]) -> Any:
    p = call.params
    return call.rpc("admin_show_user", {"p_user_id": p.user_id, "p_telegram_id": p.telegram_id})


@admin.action("users.ban", BanUser, target="user")
def ban_user(call: AdminCall[BanUser]) -> Any:
    return call.rpc("admin_ban_user", {"p_user_id": call.params.user_id, "p_reason": call.params.reason})


@admin.action("users.unban", UnbanUser, target="user")
def unban_user(call: AdminCall[UnbanUser]) -> Any:
    return call.rpc("admin_unban_user", {"p_user_id": call.params.user_id})


@admin.action("orders.list", ListParams, target="user")
def list_orders(call: AdminCall[ListParams]) -> Any:
    p = call.params
    return call.rpc("admin_list_orders", {"p_user_id": p.user_id, **p.page_args()})


@admin.action("prizes.list", PrizeList, target="user")
def list_prizes(call: AdminCall[PrizeList]) -> Any:
    p = call.params
    return call.rpc(
        "admin_list_prizes",
        {"p_user_id": p.user_id, "p_status": p.status, **p.page_args()},
    )


handler = admin.handler
