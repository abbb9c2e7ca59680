"""admin-finance (IAM invoke only; admin token + permission per action): review of deposits and withdrawals,
payment methods (payments.list | add | update | enable | disable), the ledger export (ledger.list) and the
statistics (stats.summary). The rules of a payment method (min <= max, fee range, required account details
per type, zh/ru/tg instructions) are checked in SQL, once, with the field named in the 400."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, Literal, Self
from uuid import UUID

from pydantic import AwareDatetime, BeforeValidator, Field, Strict, StringConstraints, model_validator

from luckymart.admin import AdminCall, AdminFunction, AdminPage, AdminParams
from luckymart.finance import PaymentKind, PaymentMethod, WalletType, upper
from luckymart.money import AdminMoney

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


def _decimal(value: Any) -> Any:
    """Rates arrive as decimal strings (Lambda's JSON parser would make numbers floats); floats are refused."""
    if isinstance(value, str):
        try:
            return Decimal(value.strip())
        except ArithmeticError:
            raise ValueError('must be a decimal string such as "0.015"') from None
    if isinstance(value, float | bool):
        raise ValueError('must be a decimal string such as "0.015"')
    return value


Rate = Annotated[Decimal, BeforeValidator(_decimal), Field(allow_inf_nan=False, max_digits=12)]
Detail = Annotated[str, StringConstraints(max_length=100)]
Instruction = Annotated[str, StringConstraints(min_length=1, max_length=2000)]
LedgerType = Literal[
    "DEPOSIT", "WITHDRAWAL_FREEZE", "WITHDRAWAL_REFUND", "WITHDRAWAL", "EXCHANGE_OUT", "EXCHANGE_IN",
    "LOTTERY_PURCHASE", "LOTTERY_REFUND", "COMMISSION", "BONUS", "RESALE_PURCHASE", "RESALE_INCOME",
    "SHOWOFF_REWARD", "ADJUSTMENT", "MIGRATION_OPENING",
]  # fmt: skip


class Instructions(AdminParams):
    zh: Instruction
    ru: Instruction
    tg: Instruction
    en: Instruction


class PaymentFields(AdminParams):
    min_amount: AdminMoney | None = None
    max_amount: AdminMoney | None = None
    fee_rate: Rate | None = None
    processing_time: Annotated[int, Strict(), Field(ge=0, le=43_200, description="minutes")] | None = None
    sort_order: Annotated[int, Strict(), Field(ge=-1000, le=1000)] | None = None
    account_number: Detail | None = None
    account_name: Detail | None = None
    bank_name: Detail | None = None
    instructions: Instructions | None = None

    def fields(self) -> dict[str, Any]:
        return self.model_dump(exclude_unset=True, exclude={"id"})


class PaymentAdd(PaymentFields):
    config_type: PaymentKind
    method: PaymentMethod
    min_amount: AdminMoney
    max_amount: AdminMoney
    instructions: Instructions
    is_enabled: bool = True


class PaymentUpdate(PaymentFields):
    id: UUID

    @model_validator(mode="after")
    def _something(self) -> Self:
        if not self.fields():
            raise ValueError("give at least one field to change")
        return self


class PaymentId(AdminParams):
    id: UUID


class PaymentList(AdminPage):
    config_type: PaymentKind | None = None


class LedgerList(AdminPage):
    user_id: UUID | None = None
    wallet_type: WalletType | None = None
    type: Annotated[LedgerType, BeforeValidator(upper)] | None = None
    from_: AwareDatetime | None = Field(None, alias="from")
    to: AwareDatetime | None = None


class StatsSummary(AdminParams):
    days: Literal[1, 7, 30] = 7


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


@admin.action("payments.list", PaymentList)
def list_payment_methods(call: AdminCall[PaymentList]) -> Any:
    return call.rpc(
        "admin_list_payment_methods", {"p_config_type": call.params.config_type, **call.params.page_args()}
    )


@admin.action("payments.add", PaymentAdd, target="payment_config", target_field="method")
def add_payment_method(call: AdminCall[PaymentAdd]) -> Any:
    return call.rpc("admin_add_payment_method", {"p_method": call.params.model_dump(exclude_unset=True)})


@admin.action("payments.update", PaymentUpdate, target="payment_config", target_field="id")
def update_payment_method(call: AdminCall[PaymentUpdate]) -> Any:
    return call.rpc("admin_update_payment_method", {"p_id": call.params.id, "p_changes": call.params.fields()})


@admin.action("payments.enable", PaymentId, target="payment_config", target_field="id")
def enable_payment_method(call: AdminCall[PaymentId]) -> Any:
    return call.rpc("admin_enable_payment_method", {"p_id": call.params.id, "p_enabled": True})


@admin.action("payments.disable", PaymentId, target="payment_config", target_field="id")
def disable_payment_method(call: AdminCall[PaymentId]) -> Any:
    return call.rpc("admin_enable_payment_method", {"p_id": call.params.id, "p_enabled": False})


@admin.action("ledger.list", LedgerList, target="user")
def list_ledger(call: AdminCall[LedgerList]) -> Any:
    p = call.params
    return call.rpc(
        "admin_list_ledger",
        {
            "p_user_id": p.user_id,
            "p_wallet_type": p.wallet_type,
            "p_type": p.type,
            "p_from": p.from_,
            "p_to": p.to,
            **p.page_args(),
        },
    )


@admin.action("stats.summary", StatsSummary)
def stats_summary(call: AdminCall[StatsSummary]) -> Any:
    return call.rpc("admin_stats_summary", {"p_days": call.params.days})


handler = admin.handler
