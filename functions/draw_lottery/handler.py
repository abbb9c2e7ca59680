"""draw-lottery (admin, IAM invoke only): draws a SOLD_OUT lottery at once, through the same code path as the
scheduled draw (`luckymart.draws`)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from luckymart import draws
from luckymart.admin import AdminCall, AdminFunction, AdminParams

admin = AdminFunction("draw-lottery")


class DrawParams(AdminParams):
    lottery_id: UUID


@admin.action("lotteries.draw", DrawParams, target="lottery")
def draw(call: AdminCall[DrawParams]) -> Any:
    return draws.complete(call.rpc("admin_draw_claim", {"p_lottery_id": call.params.lottery_id}))


handler = admin.handler
