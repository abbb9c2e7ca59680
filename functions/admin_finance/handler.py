"""admin-finance: review of deposits and withdrawals (IAM invoke only; admin token + permission per action)."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import BeforeValidator, StringConstraints

from luckymart.admin import AdminCall, AdminFunction, AdminPage, AdminParams
from luckymart.finance import upper

admin = AdminFunction("admin-finance")

Note = Annotated[str, StringConstraints(max_length=1000)]
Reference = Annotated[str, StringConstraints(max_length=200)]


class DepositList(AdminPage):
    status: Annotated[Literal["PENDING", "APPROVED", "REJECTED"], BeforeValidator(upper)] | None = None


class WithdrawalList(AdminPage):
    status: Annotated[Literal["PENDING", "COMPLETED", "REJECTED"], BeforeValidator(upper)] | None = None


class DepositReview(AdminParams):
    deposit_id: UUID
    note: Note | None = None


class WithdrawalComplete(AdminParams):
    withdrawal_id: UUID
    transfer_reference: Reference | None = None
    note: Note | None = None


class WithdrawalReject(AdminParams):
    withdrawal_id: UUID
    note: Note | None = None


def _page(params: DepositList | WithdrawalList) -> dict[str, Any]:
    return {"p_status": params.status, **params.page_args()}


@admin.action("deposits.list", DepositList)
def list_deposits(call: AdminCall[DepositList]) -> Any:
    return call.rpc("admin_list_deposits", _page(call.params))


@admin.action("deposits.approve", DepositReview, target="deposit")
def approve_deposit(call: AdminCall[DepositReview]) -> Any:
    return call.rpc(
        "admin_approve_deposit", {"p_deposit_id": str(call.params.deposit_id), "p_note": call.params.note}
    )


@admin.action("deposits.reject", DepositReview, target="deposit")
def reject_deposit(call: AdminCall[DepositReview]) -> Any:
    return call.rpc(
        "admin_reject_deposit", {"p_deposit_id": str(call.params.deposit_id), "p_note": call.params.note}
    )


@admin.action("withdrawals.list", WithdrawalList)
def list_withdrawals(call: AdminCall[WithdrawalList]) -> Any:
    return call.rpc("admin_list_withdrawals", _page(call.params))


@admin.action("withdrawals.complete", WithdrawalComplete, target="withdrawal")
def complete_withdrawal(call: AdminCall[WithdrawalComplete]) -> Any:
    params = call.params
    return call.rpc(
        "admin_complete_withdrawal",
        {
            "p_withdrawal_id": str(params.withdrawal_id),
            "p_transfer_reference": params.transfer_reference,
            "p_note": params.note,
        },
    )


@admin.action("withdrawals.reject", WithdrawalReject, target="withdrawal")
def reject_withdrawal(call: AdminCall[WithdrawalReject]) -> Any:
    return call.rpc(
        "admin_reject_withdrawal", {"p_withdrawal_id": str(call.params.withdrawal_id), "p_note": call.params.note}
    )


handler = admin.handler
