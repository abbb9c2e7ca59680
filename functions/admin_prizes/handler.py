"""admin-prizes (IAM invoke only): shipping requests (list, ship, deliver), showoff review (list, approve with
an optional LUCKY_COIN reward, reject with a note) and the resale market (resales.list, resales.cancel of an
ACTIVE listing: the prize returns to PENDING). The user is notified at each step."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import BeforeValidator, Field

from luckymart.admin import AdminCall, AdminFunction, AdminPage, AdminParams
from luckymart.money import AdminMoney

admin = AdminFunction("admin-prizes")


class ShippingList(AdminPage):
    status: Literal["PENDING", "SHIPPED", "DELIVERED", "CANCELLED"] | None = None


class Ship(AdminParams):
    shipping_id: UUID
    tracking_number: str = Field(min_length=1, max_length=100)
    shipping_company: str | None = Field(None, max_length=100)


class Deliver(AdminParams):
    shipping_id: UUID


class ShowoffList(AdminPage):
    status: Literal["PENDING", "APPROVED", "REJECTED"] | None = None


class ResaleList(AdminPage):
    status: Literal["ACTIVE", "SOLD", "CANCELLED"] | None = None
    seller_id: UUID | None = None


class ResaleCancel(AdminParams):
    resale_id: UUID
    reason: str = Field(min_length=1, max_length=500)


def _zero_is_no_reward(value: Any) -> Any:
    return None if value in (0, "0", "0.0", "0.00") else value


class Approve(AdminParams):
    showoff_id: UUID
    # the upper bound (system_config 'showoff'.max_reward, 100) is enforced in SQL next to the credit
    reward_coins: Annotated[AdminMoney | None, BeforeValidator(_zero_is_no_reward)] = None
    note: str | None = Field(None, max_length=1000)


class Reject(AdminParams):
    showoff_id: UUID
    note: str = Field(min_length=1, max_length=1000)


def _page(rows: dict[str, Any]) -> dict[str, Any]:
    return {"items": rows.get("items") or [], "total": int(rows.get("total") or 0)}


@admin.action("shipping.list", ShippingList)
def list_shipping(call: AdminCall[ShippingList]) -> Any:
    p = call.params
    return _page(call.rpc("admin_list_shipping", {"p_status": p.status, **p.page_args()}))


@admin.action("shipping.ship", Ship, target="shipping")
def ship(call: AdminCall[Ship]) -> Any:
    p = call.params
    return call.rpc(
        "admin_ship_shipping",
        {
            "p_shipping_id": p.shipping_id,
            "p_tracking_number": p.tracking_number,
            "p_shipping_company": p.shipping_company,
        },
    )


@admin.action("shipping.deliver", Deliver, target="shipping")
def deliver(call: AdminCall[Deliver]) -> Any:
    return call.rpc("admin_deliver_shipping", {"p_shipping_id": call.params.shipping_id})


@admin.action("showoffs.list", ShowoffList)
def list_showoffs(call: AdminCall[ShowoffList]) -> Any:
    p = call.params
    return _page(call.rpc("admin_list_showoffs", {"p_status": p.status, **p.page_args()}))


@admin.action("showoffs.approve", Approve, target="showoff")
def approve(call: AdminCall[Approve]) -> Any:
    p = call.params
    return call.rpc(
        "admin_approve_showoff",
        {"p_showoff_id": p.showoff_id, "p_reward_coins": p.reward_coins or Decimal(0), "p_note": p.note},
    )


@admin.action("showoffs.reject", Reject, target="showoff")
def reject(call: AdminCall[Reject]) -> Any:
    return call.rpc("admin_reject_showoff", {"p_showoff_id": call.params.showoff_id, "p_note": call.params.note})


@admin.action("resales.list", ResaleList)
def list_resales(call: AdminCall[ResaleList]) -> Any:
    p = call.params
    return call.rpc("admin_list_resales", {"p_status": p.status, "p_seller_id": p.seller_id, **p.page_args()})


@admin.action("resales.cancel", ResaleCancel, target="resale")
def cancel_resale(call: AdminCall[ResaleCancel]) -> Any:
    return call.rpc("admin_cancel_resale", {"p_resale_id": call.params.resale_id, "p_reason": call.params.reason})


handler = admin.handler
