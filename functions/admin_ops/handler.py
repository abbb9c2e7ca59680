"""admin-ops (IAM invoke only): the on-call health report behind `luckymart-admin health` — database time and
migration version, last scheduled run, overdue draws, commission outbox backlog and age, table sizes."""

from __future__ import annotations

from typing import Any

from luckymart.admin import AdminCall, AdminFunction, NoParams

admin = AdminFunction("admin-ops")


@admin.action("ops.health", NoParams)
def health(call: AdminCall[NoParams]) -> Any:
    return call.rpc("admin_ops_health")


handler = admin.handler
