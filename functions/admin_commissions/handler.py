"""admin-commissions: commissions as stored (commissions.list), a user's referral tree three levels deep with each
member's spend and the commission earned from them (referrals.tree), and the commission dead-letter queue
(messages that failed 5 receives).

commissions.dlq_list {limit?}: the messages, with their order id and receive count.
commissions.dlq_replay {message_id? | all?}: sends the message(s) back to the commission queue and deletes
them from the DLQ, with their message attributes (the correlation id). Replaying is always safe: the consumer
pays each (order, level) once. The queue plumbing is shared with admin-notifications: luckymart.dead_letters.

The admin is authorised (and the action audited) in SQL before the queue is touched. Env: COMMISSION_DLQ_URL,
COMMISSION_QUEUE_URL.
"""

from __future__ import annotations

from typing import Any, Literal
from uuid import UUID

from pydantic import AwareDatetime, Field

from luckymart import dead_letters
from luckymart.admin import AdminCall, AdminFunction, AdminPage
from luckymart.commission_queue import QUEUE_URL_ENV, parse_message
from luckymart.dead_letters import DlqList, DlqReplay

DLQ_URL_ENV = "COMMISSION_DLQ_URL"

admin = AdminFunction("admin-commissions")


class CommissionList(AdminPage):
    user_id: UUID | None = Field(None, description="the earner")
    order_id: UUID | None = None
    status: Literal["PENDING", "PAID", "CANCELLED"] | None = None
    from_: AwareDatetime | None = Field(None, alias="from")
    to: AwareDatetime | None = None


class ReferralTree(AdminPage):
    user_id: UUID


@admin.action("commissions.list", CommissionList)
def list_commissions(call: AdminCall[CommissionList]) -> Any:
    p = call.params
    return call.rpc(
        "admin_list_commissions",
        {
            "p_user_id": p.user_id,
            "p_order_id": p.order_id,
            "p_status": p.status,
            "p_from": p.from_,
            "p_to": p.to,
            **p.page_args(),
        },
    )


@admin.action("referrals.tree", ReferralTree, target="user")
def referral_tree(call: AdminCall[ReferralTree]) -> Any:
    return call.rpc("admin_referral_tree", {"p_user_id": call.params.user_id, **call.params.page_args()})


@admin.action("commissions.dlq_list", DlqList)
def dlq_list(call: AdminCall[DlqList]) -> Any:
    call.rpc("admin_dead_letters_authorize", {"p_action": call.action})
    return dead_letters.list_messages(DLQ_URL_ENV, call.params.limit, "order_id", parse_message)


@admin.action("commissions.dlq_replay", DlqReplay, target="message")
def dlq_replay(call: AdminCall[DlqReplay]) -> Any:
    call.rpc("admin_dead_letters_authorize", {"p_action": call.action, "p_message_id": call.params.message_id})
    return dead_letters.replay(DLQ_URL_ENV, QUEUE_URL_ENV, call.params)


handler = admin.handler
