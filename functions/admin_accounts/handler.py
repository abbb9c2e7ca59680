"""admin-accounts (IAM invoke only): admin accounts (add, list, disable, enable, set_role, rotate_token), the audit
log and the system configuration (config.show, config.set: each key checked by its own rule in SQL, old -> new in
the audit row). Tokens are created here, returned once and handed to SQL only as their SHA-256; rotation and
re-enabling replace the hash, so an old token never works again."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, StringConstraints

from luckymart.admin import AdminCall, AdminFunction, AdminPage, AdminParams, NoParams
from luckymart.admin_tokens import new_admin_token
from luckymart.finance import upper

admin = AdminFunction("admin-accounts")

Username = Annotated[str, StringConstraints(pattern=r"^[a-z0-9_.-]{3,64}$")]
# Which roles exist is data (the roles table); only the shape is checked here.
Role = Annotated[str, BeforeValidator(upper), StringConstraints(pattern=r"^[A-Z_]{3,32}$")]
Action = Annotated[str, StringConstraints(pattern=r"^[a-z_]+\.[a-z_]+$", max_length=100)]
ConfigKey = Annotated[str, StringConstraints(pattern=r"^[a-z0-9_]{1,64}$")]


class AddAdmin(AdminParams):
    username: Username
    role: Role


class AdminByName(AdminParams):
    username: Username


class SetRole(AdminParams):
    username: Username
    role: Role


class ConfigShow(AdminParams):
    key: ConfigKey | None = None


class ConfigSet(AdminParams):
    key: ConfigKey
    # a number or an object of numbers; objects are merged key by key, then the whole value is checked in SQL
    value: dict[str, Any] | int | Decimal | str


class AuditList(AdminPage):
    username: Username | None = None
    action: Action | None = None
    outcome: Annotated[Literal["SUCCESS", "DENIED", "FAILED"], BeforeValidator(upper)] | None = None


@admin.action("admins.add", AddAdmin, target="admin", target_field="username")
def add_admin(call: AdminCall[AddAdmin]) -> Any:
    new = new_admin_token()
    account = call.rpc(
        "admin_add_admin",
        {"p_username": call.params.username, "p_role": call.params.role, "p_token_hash": new.token_hash},
    )
    return {"admin": account, "token": new.token}


@admin.action("admins.list", NoParams)
def list_admins(call: AdminCall[NoParams]) -> Any:
    return call.rpc("admin_list_admins")


@admin.action("admins.disable", AdminByName, target="admin", target_field="username")
def disable_admin(call: AdminCall[AdminByName]) -> Any:
    return call.rpc("admin_disable_admin", {"p_username": call.params.username})


@admin.action("admins.rotate_token", AdminByName, target="admin", target_field="username")
def rotate_token(call: AdminCall[AdminByName]) -> Any:
    new = new_admin_token()
    account = call.rpc(
        "admin_rotate_admin_token", {"p_username": call.params.username, "p_token_hash": new.token_hash}
    )
    return {"admin": account, "token": new.token}


@admin.action("admins.enable", AdminByName, target="admin", target_field="username")
def enable_admin(call: AdminCall[AdminByName]) -> Any:
    new = new_admin_token()
    account = call.rpc("admin_enable_admin", {"p_username": call.params.username, "p_token_hash": new.token_hash})
    return {"admin": account, "token": new.token}


@admin.action("admins.set_role", SetRole, target="admin", target_field="username")
def set_role(call: AdminCall[SetRole]) -> Any:
    return call.rpc("admin_set_admin_role", {"p_username": call.params.username, "p_role": call.params.role})


@admin.action("config.show", ConfigShow, target="config", target_field="key")
def show_config(call: AdminCall[ConfigShow]) -> Any:
    return call.rpc("admin_show_config", {"p_key": call.params.key})


@admin.action("config.set", ConfigSet, target="config", target_field="key")
def set_config(call: AdminCall[ConfigSet]) -> Any:
    return call.rpc("admin_set_config", {"p_key": call.params.key, "p_value": call.params.value})


@admin.action("audit.list", AuditList)
def list_audit(call: AdminCall[AuditList]) -> Any:
    p = call.params
    return call.rpc(
        "admin_list_audit",
        {
            "p_username": p.username,
            "p_action": p.action,
            "p_outcome": p.outcome,
            **p.page_args(),
        },
    )


handler = admin.handler
