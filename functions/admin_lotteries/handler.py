"""admin-lotteries (admin, IAM invoke only): lotteries.create / update / list / show / cancel.

Creation generates the lottery id and its fair-draw seed here, seals the seed and signs the commitment
(luckymart.draws), so the commitment exists before the first ticket can be sold."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import AwareDatetime, Field, Strict, model_validator

from luckymart import draws
from luckymart.admin import AdminCall, AdminFunction, AdminPage, AdminParams
from luckymart.money import AdminMoney

admin = AdminFunction("admin-lotteries")

LotteryStatus = Literal["UPCOMING", "ACTIVE", "SOLD_OUT", "DRAWING", "COMPLETED", "CANCELLED"]
I18n = dict[str, Any] | None


class CreateParams(AdminParams):
    title: str = Field(min_length=1, max_length=200)
    ticket_price: AdminMoney
    total_tickets: Annotated[int, Strict(), Field(ge=1, le=8_999_999)]
    end_time: AwareDatetime
    start_time: AwareDatetime | None = None
    description: str | None = Field(None, max_length=10_000)
    max_per_user: Annotated[int, Strict(), Field(ge=1)] | None = None
    unlimited_purchase: bool = False
    currency: Literal["TJS", "USD"] = "TJS"
    image_url: str | None = Field(None, max_length=2000)
    image_urls: list[Annotated[str, Field(max_length=2000)]] = Field(default_factory=list, max_length=20)
    title_i18n: I18n = None
    description_i18n: I18n = None
    details_i18n: I18n = None
    specifications_i18n: I18n = None
    material_i18n: I18n = None
    name_i18n: I18n = None
    period: str | None = Field(None, min_length=1, max_length=64)
    # https images, the window ahead, price x tickets within numeric(18,2) and the currency are checked once,
    # in SQL (private.check_lottery), for create and update alike.


class UpdateParams(AdminParams):
    """Only the fields given change. Content at any time; the sale terms only before the first sale."""

    lottery_id: UUID
    title: str | None = Field(None, min_length=1, max_length=200)
    description: str | None = Field(None, max_length=10_000)
    image_url: str | None = Field(None, max_length=2000)
    image_urls: list[Annotated[str, Field(max_length=2000)]] | None = Field(None, max_length=20)
    title_i18n: I18n = None
    description_i18n: I18n = None
    details_i18n: I18n = None
    specifications_i18n: I18n = None
    material_i18n: I18n = None
    name_i18n: I18n = None
    ticket_price: AdminMoney | None = None
    total_tickets: Annotated[int, Strict(), Field(ge=1, le=8_999_999)] | None = None
    max_per_user: Annotated[int, Strict(), Field(ge=1)] | None = None
    unlimited_purchase: bool | None = None
    currency: Literal["TJS", "USD"] | None = None
    start_time: AwareDatetime | None = None
    end_time: AwareDatetime | None = None

    @model_validator(mode="after")
    def _something(self) -> UpdateParams:
        if not self.changes():
            raise ValueError("give at least one field to change")
        return self

    def changes(self) -> dict[str, Any]:
        return self.model_dump(exclude_unset=True, exclude={"lottery_id"})


class ListParams(AdminPage):
    status: LotteryStatus | None = None


class LotteryParams(AdminParams):
    lottery_id: UUID


class CancelParams(LotteryParams):
    reason: str | None = Field(None, max_length=500)


@admin.action("lotteries.create", CreateParams, target="lottery")
def create(call: AdminCall[CreateParams]) -> Any:
    lottery_id = str(uuid.uuid4())
    return call.rpc(
        "admin_create_lottery",
        {
            "p_lottery_id": lottery_id,
            "p_fields": call.params.model_dump(),
            **draws.new_commitment(lottery_id, call.params.total_tickets),
        },
    )


@admin.action("lotteries.update", UpdateParams, target="lottery")
def update(call: AdminCall[UpdateParams]) -> Any:
    p = call.params
    # A new ticket count needs a new commitment (it names the count); SQL uses it only if the count changes.
    commitment = draws.new_commitment(str(p.lottery_id), p.total_tickets) if p.total_tickets is not None else {}
    return call.rpc("admin_update_lottery", {"p_lottery_id": p.lottery_id, "p_fields": p.changes(), **commitment})


@admin.action("lotteries.list", ListParams)
def list_lotteries(call: AdminCall[ListParams]) -> Any:
    return call.rpc(
        "admin_list_lotteries",
        {"p_status": call.params.status, **call.params.page_args()},
    )


@admin.action("lotteries.show", LotteryParams, target="lottery")
def show(call: AdminCall[LotteryParams]) -> Any:
    return call.rpc("admin_show_lottery", {"p_lottery_id": call.params.lottery_id})


@admin.action("lotteries.cancel", CancelParams, target="lottery")
def cancel(call: AdminCall[CancelParams]) -> Any:
    return call.rpc(
        "admin_cancel_lottery", {"p_lottery_id": call.params.lottery_id, "p_reason": call.params.reason}
    )


handler = admin.handler
