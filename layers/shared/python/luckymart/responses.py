"""What the user functions answer inside the envelope's `data`, as pydantic models.

They document the API (openapi.json, and from it the frontend's TypeScript types in clients/typescript) and are
enforced by the tests: every handler response the test suites produce is validated against its model, and
`extra="forbid"` makes a field the SQL returns but the model does not declare fail there. Handlers never validate
at run time (the SQL function is the one source of the shape; validating would only cost latency).

Money is a JSON number (never a string, never a float in our code: Decimal); times are ISO-8601 strings.

Every handler imports this module and none validates with it, so it is kept cheap to import: models are built on
first use (`defer_build`), and annotations are real objects, not strings that pydantic would evaluate one by one
for each of the ~55 classes (no `from __future__ import annotations`: define a model before using it)."""

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, RootModel, WithJsonSchema

Money = Annotated[Decimal, WithJsonSchema({"type": "number", "description": "exact decimal amount (2 places)"})]
Rate = Annotated[Decimal, WithJsonSchema({"type": "number"})]
Json = dict[str, Any]


class Out(BaseModel):
    # built on first use (tests, openapi), never at import (see the module's docstring)
    model_config = ConfigDict(extra="forbid", defer_build=True)


# ---------------------------------------------------------------------------------------------- people, wallets
class User(Out):
    id: UUID
    telegram_id: str
    telegram_username: str | None
    first_name: str | None
    last_name: str | None
    avatar_url: str | None
    language_code: str
    status: str
    kyc_level: str
    is_verified: bool
    referral_code: str
    invite_code: str
    referred_by_id: UUID | None
    created_at: datetime


class Wallet(Out):
    id: UUID
    type: str
    currency: str
    balance: Money
    frozen_balance: Money
    total_deposits: Money
    total_withdrawals: Money
    version: int


class NewSession(Out):
    token: str
    expires_at: datetime


class SignIn(Out):
    user: User
    wallets: list[Wallet]
    session: NewSession
    is_new_user: bool


class SessionInfo(Out):
    created_at: datetime
    expires_at: datetime


class SessionCheck(Out):
    user: User
    session: SessionInfo


class LoggedOut(Out):
    logged_out: bool
    sessions_revoked: int  # 1, or every active session of the user with `all: true`


class FirstDepositBonus(Out):
    status: str
    amount: Money
    expire_at: datetime | None
    activated_at: datetime | None
    invited_users: int
    required_invites: int


class WalletBalance(Out):
    wallets: list[Wallet]
    first_deposit_bonus: FirstDepositBonus


class LedgerEntry(Out):
    id: UUID
    wallet_id: UUID
    wallet_type: str
    currency: str
    type: str
    amount: Money
    balance_before: Money
    balance_after: Money
    frozen_delta: Money
    status: str
    description: str | None
    reference_type: str | None
    reference_id: str | None
    related_order_id: UUID | None
    related_lottery_id: UUID | None
    created_at: datetime


class Exchange(Out):
    exchange_id: UUID
    amount: Money
    converted_amount: Money
    exchange_rate: Rate
    new_balance: Money
    lucky_coin_balance: Money


class PaymentMethod(Out):
    id: UUID
    config_key: str
    config_type: str
    method: str
    is_enabled: bool
    min_amount: Money | None
    max_amount: Money | None
    fee_rate: Rate
    processing_time: str | None
    sort_order: int
    config_data: Json


class PaymentMethods(RootModel[list[PaymentMethod]]):
    """Every enabled method of the asked type, in display order (a plain list: there is nothing to page)."""

    model_config = ConfigDict(defer_build=True)


class UploadSlot(Out):
    url: str
    fields: dict[str, str]
    key: str
    content_type: str
    max_bytes: int
    expires_in: int


class Deposit(Out):
    id: UUID
    order_number: str
    amount: Money
    currency: str
    payment_method: str
    payment_proof_images: list[str]
    payment_reference: str | None
    payer_name: str | None
    payer_account: str | None
    status: str
    admin_note: str | None
    reviewed_at: datetime | None
    created_at: datetime
    updated_at: datetime


class Withdrawal(Out):
    id: UUID
    order_number: str
    amount: Money
    fee: Money
    net_amount: Money
    currency: str
    withdrawal_method: str
    bank_name: str | None
    bank_branch: str | None
    bank_account_name: str | None
    bank_account_number: str | None
    mobile_wallet_name: str | None
    mobile_wallet_number: str | None
    phone_number: str | None
    id_card_name: str | None
    id_card_number: str | None
    status: str
    admin_note: str | None
    transfer_reference: str | None
    reviewed_at: datetime | None
    completed_at: datetime | None
    created_at: datetime
    updated_at: datetime
    balance: Money
    frozen_balance: Money


class BonusActivation(Out):
    bonus_amount: Money
    bonus_balance: Money
    first_deposit_bonus: FirstDepositBonus


class ReferralStats(Out):
    referral_code: str
    invite_code: str
    level1_referrals: int
    level2_referrals: int
    level3_referrals: int
    total_referrals: int
    total_invites: int
    total_commission: Money
    pending_commission: Money
    paid_commission: Money
    bonus_balance: Money
    first_deposit_bonus_status: str
    first_deposit_bonus_amount: Money
    first_deposit_bonus_expire_at: datetime | None
    first_deposit_bonus_activated_at: datetime | None
    activation_invite_count: int
    activation_required_invites: int
    activation_conditions_met: bool
    activation_share_count: int


class InvitedUser(Out):
    id: UUID
    telegram_username: str | None
    avatar_url: str | None
    created_at: datetime
    level: int
    commission_earned: Money
    total_spent: Money


# ---------------------------------------------------------------------------------------------- lotteries
class LotterySummary(Out):
    """The lottery as a prize, listing or showoff shows it."""

    id: UUID
    period: str | None
    title: str
    title_i18n: Json | None
    name_i18n: Json | None
    image_url: str | None
    image_urls: list[str]
    ticket_price: Money
    total_tickets: int
    status: str
    end_time: datetime
    draw_time: datetime | None


class FrozenEntries(Out):
    """The ticket list frozen at sell-out: the RFC 6962 root over `leaf` strings of every ticket in seq order."""

    scheme: str
    leaf: str
    count: int
    root: str
    frozen_at: datetime | None


class VerifyLink(Out):
    function: str
    lottery_id: UUID
    path: str
    page: str
    tool: str


class DrawResult(Out):
    winning_ticket_number: int
    # masked: first letter, ***, last letter; never an id or a full name. None only for a lottery drawn before
    # cutover whose recorded winner did not hold the recorded number (docs/cutover.md)
    winner_display_name: str | None
    drawn_at: datetime | None
    verify: VerifyLink


class CatalogueLottery(Out):
    """A lottery in the public catalogue (list-lotteries)."""

    id: UUID
    period: str | None
    title: str
    title_i18n: Json | None
    name_i18n: Json | None
    description: str | None
    description_i18n: Json | None
    image_url: str | None
    image_urls: list[str]
    ticket_price: Money
    currency: str
    total_tickets: int
    sold_tickets: int
    remaining_tickets: int
    progress: Rate
    max_per_user: int | None
    unlimited_purchase: bool
    start_time: datetime
    end_time: datetime
    draw_time: datetime | None
    status: str
    commitment_hash: str | None
    result: DrawResult | None
    my_ticket_count: int | None  # with a session only


class LotteryDetail(CatalogueLottery):
    """One lottery (get-lottery): the catalogue item with its long texts, the signed commitment, the frozen entries
    (from sell-out) and, with a session, the caller's ticket numbers."""

    details_i18n: Json | None
    specifications_i18n: Json | None
    material_i18n: Json | None
    draw_commitment: Json | None
    entries: FrozenEntries | None
    my_ticket_numbers: list[int] | None


class Order(Out):
    id: UUID
    order_number: str
    type: str
    lottery_id: UUID | None
    quantity: int | None
    total_amount: Money
    currency: str
    payment_method: str | None
    status: str
    paid_at: datetime | None
    refunded_at: datetime | None
    created_at: datetime


class OrderLottery(Out):
    id: UUID
    title: str
    status: str
    image_url: str | None


class MyOrder(Order):
    lottery: OrderLottery | None
    ticket_numbers: list[int]


class ReceiptTicket(Out):
    seq: int
    ticket_number: int
    ticket_id: UUID
    leaf_hash: str


class Receipt(Out):
    """A signed purchase receipt (luckymart-receipt-v1, docs/fairness.md): Ed25519 over the canonical JSON of the
    other fields, with the receipt key that verify-draw publishes."""

    format: str
    lottery_id: UUID
    commitment_hash: str
    order_id: UUID
    order_number: str
    buyer_ref: str
    tickets: list[ReceiptTicket]
    purchased_at: str
    receipt_public_key: str
    receipt_signature: str


class Purchase(Out):
    order: Order
    ticket_numbers: list[int]
    participation_codes: list[str]
    remaining_balance: Money
    wallet_type: str
    is_sold_out: bool
    # null only if signing failed after the purchase had committed: repeat the request with the same
    # Idempotency-Key to get it (the purchase is not made twice)
    receipt: Receipt | None


class TicketLottery(Out):
    id: UUID
    title: str
    status: str
    image_url: str | None
    draw_time: datetime | None
    winning_ticket_number: int | None


class Ticket(Out):
    id: UUID
    lottery_id: UUID
    order_id: UUID
    seq: int
    ticket_number: int
    numbers: str
    buyer_ref: str
    status: str
    is_winning: bool
    created_at: datetime
    lottery: TicketLottery


class DrawTickets(Out):
    items: list[Json]
    limit: int
    offset: int
    total: int


class DrawVerification(Out):
    """Everything scripts/verify_draw.py needs; `commitment` and `record` are checked by the verifier itself."""

    lottery_id: UUID
    title: str
    status: str
    commitment: Json | None
    entries: FrozenEntries | None
    record: Json | None
    tickets: DrawTickets
    operator_public_key: str
    receipt_public_key: str


class TicketProof(Out):
    seq: int
    ticket_number: int
    ticket_id: UUID
    buyer_ref: str
    leaf_index: int
    leaf_hash: str
    audit_path: list[str]


class TicketProofs(Out):
    lottery_id: UUID
    entries: FrozenEntries
    proofs: list[TicketProof]


# ---------------------------------------------------------------------------------------------- prizes, market
class Shipping(Out):
    id: UUID
    prize_id: UUID
    status: str
    recipient_name: str
    recipient_phone: str
    recipient_address: str
    recipient_city: str | None
    recipient_region: str | None
    recipient_postal_code: str | None
    recipient_country: str
    notes: str | None
    tracking_number: str | None
    shipping_company: str | None
    requested_at: datetime
    shipped_at: datetime | None
    delivered_at: datetime | None


class Resale(Out):
    id: UUID
    prize_id: UUID
    lottery_id: UUID | None
    ticket_id: UUID | None
    original_price: Money
    resale_price: Money
    fee_amount: Money | None
    seller_amount: Money | None
    payment_method: str | None
    status: str
    created_at: datetime
    sold_at: datetime | None
    cancelled_at: datetime | None


class CancelledResale(Resale):
    prize_status: str


class Prize(Out):
    id: UUID
    lottery_id: UUID | None
    ticket_id: UUID | None
    prize_name: str
    prize_image: str | None
    prize_value: Money
    prize_type: str
    status: str
    acquired_via: str
    source_prize_id: UUID | None
    winning_code: str | None
    winning_ticket_number: int | None
    ticket_numbers: str | None  # the winning ticket number as text: the old frontend's MarketCreatePage reads it
    won_at: datetime
    processed_at: datetime | None
    created_at: datetime
    lottery: LotterySummary | None
    lotteries: LotterySummary | None  # the old frontend's name for `lottery`
    shipping: Shipping | None
    resale_listing: Resale | None


class ShippingRequested(Out):
    prize_id: UUID
    prize_status: str
    shipping_id: UUID
    status: str
    shipping: Shipping


class MarketPrize(Out):
    id: UUID
    prize_name: str
    prize_image: str | None
    prize_value: Money


class MarketTicket(Out):
    id: UUID
    ticket_number: int


class Seller(Out):
    telegram_username: str | None


class MarketItem(Out):
    id: UUID
    prize_id: UUID
    lottery_id: UUID | None
    ticket_id: UUID | None
    original_price: Money
    resale_price: Money
    discount_percent: int
    status: str
    created_at: datetime
    sold_at: datetime | None
    cancelled_at: datetime | None
    prize: MarketPrize
    ticket: MarketTicket | None
    seller: Seller
    lottery: LotterySummary | None
    lotteries: LotterySummary | None  # the old frontend's name for `lottery`


class ResaleBought(Out):
    resale_id: UUID
    status: str
    price: Money
    fee_amount: Money
    payment_method: str
    new_balance: Money
    prize: Prize


# ---------------------------------------------------------------------------------------------- social
class ShowoffAuthor(Out):
    first_name: str | None
    telegram_username: str | None
    avatar_url: str | None


class Showoff(Out):
    id: UUID
    prize_id: UUID
    lottery_id: UUID | None
    content: str
    images: list[str]
    status: str
    likes_count: int
    comments_count: int
    reward_coins: Money
    is_liked: bool | None
    created_at: datetime
    reviewed_at: datetime | None
    user: ShowoffAuthor
    lottery: LotterySummary | None


class Like(Out):
    showoff_id: UUID
    liked: bool
    action: str
    likes_count: int


class Notification(Out):
    id: UUID
    type: str
    title: str
    content: str
    data: Json | None
    related_id: str | None
    related_type: str | None
    is_read: bool
    read_at: datetime | None
    created_at: datetime


class NotificationsRead(Out):
    updated: int
    unread_count: int


# ---------------------------------------------------------------------------------------------- the Telegram bot
class TelegramWebhookResult(Out):
    handled: bool
    command: str | None = None
    reply: str | None = None  # the sendMessage outcome (sent, unreachable, retry, failed)
