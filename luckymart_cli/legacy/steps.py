"""The cutover as data: one Step per legacy table (or per follow-up pass), in dependency order.

A step with a `source` streams that legacy query in id order (server-side cursor, `batch` rows at a time) into a
temp table `{stage}` on the target, all columns as text, and runs its `sql` there in the batch's transaction:
  * statements mark rows to skip with `reason` (and `detail`), and fixed rows with `fixes` (reasons appended);
  * then they write the rows left with `reason is null` into our tables, set-based and idempotent
    (`on conflict do nothing` / `not exists`), so a re-run of a batch changes nothing.
The runner records every skipped/fixed row in private.legacy_report_rows and the checkpoint in
private.legacy_steps in the same transaction. A step without a source runs its `sql` once (a follow-up pass).

Money differences (every cent between the old wallets and ours) are written to private.legacy_money_notes by the
statements that cause them, with their reason; report.py reconciles old sums + notes = new sums to the cent.
"""

# ruff: noqa: E501 - SQL text reads better unwrapped than split to the line limit

from __future__ import annotations

from dataclasses import dataclass, field

WALLET_TYPES = "('BALANCE', 'LUCKY_COIN', 'BONUS')"
CURRENCIES = "('TJS', 'USD')"
LEGACY_MESSAGE = "drawn by the previous system, not independently verifiable"


@dataclass(frozen=True)
class Step:
    name: str
    table: str  # the legacy table named in the report
    columns: tuple[str, ...] = ()
    source: str | None = None
    sql: tuple[str, ...] = ()
    extra: dict[str, str] = field(default_factory=dict)  # typed stage columns the statements fill
    analyze: bool = True  # refresh the stage's statistics per batch (joins); pointless for a plain copy


def select_text(table: str, columns: tuple[str, ...]) -> str:
    """Every column as text (the old schema's types are not trusted), in id order after the checkpoint."""
    cols = ", ".join(f"{c}::text" for c in columns)
    return f"select {cols} from {table} where %(after)s::uuid is null or id > %(after)s::uuid order by id"


def _user(column: str, target: str = "target_user") -> str:
    """Resolves a legacy user id through the map (merged duplicates point at the kept user)."""
    return (
        f"update {{stage}} s set {target} = m.target_id from private.legacy_id_map m "
        f"where m.kind = 'user' and m.legacy_id = s.{column}"
    )


def _fix(reason: str, where: str) -> str:
    return f"update {{stage}} set fixes = fixes || '{reason}'::text where reason is null and ({where})"


def _skip(reason: str, where: str, detail: str = "null") -> str:
    return f"update {{stage}} set reason = '{reason}', detail = {detail} where reason is null and ({where})"


def _dup_in_batch(column: str) -> str:
    """True for every row of the batch but the first (in id order) with the same value: one window, not n²."""
    return (
        f"{{stage}}.id in (select id from (select id, row_number() over (partition by {column} order by id) rn "
        f"from {{stage}} where reason is null and {column} is not null) d where d.rn > 1)"
    )


# ---------------------------------------------------------------- people
USER_COLUMNS = (
    "id", "telegram_id", "telegram_username", "first_name", "last_name", "avatar_url", "language_code",
    "phone_number", "email", "status", "is_verified", "kyc_level", "two_factor_enabled", "last_login_at",
    "last_active_at", "referral_code", "referral_level", "level", "commission_rate", "total_spent", "total_won",
    "total_lotteries", "winning_rate", "created_at", "updated_at", "deleted_at",
)  # fmt: skip

USERS = Step(
    "users",
    "users",
    USER_COLUMNS,
    select_text("users", USER_COLUMNS),
    extra={"code": "text", "st": "text", "kept": "uuid"},
    sql=(
        _skip("invalid_id", "private.legacy_uuid(id) is null"),
        _skip("no_telegram_id", "telegram_id is null or btrim(telegram_id) !~ '^[0-9]{1,20}$'", "telegram_id"),
        # Another legacy row already holds this Telegram id (earlier batch or earlier in this one): merge.
        """update {stage} s set kept = u.id from public.users u
            where s.reason is null and u.telegram_id = btrim(s.telegram_id) and u.id <> s.id::uuid""",
        """update {stage} s set kept = f.first_id from (
             select btrim(telegram_id) tg, min(id::uuid::text)::uuid first_id from {stage}
              where reason is null group by 1 having count(*) > 1) f
            where s.reason is null and s.kept is null and btrim(s.telegram_id) = f.tg and s.id::uuid <> f.first_id""",
        """insert into private.legacy_id_map (kind, legacy_id, target_id)
           select 'user', id, kept from {stage} where reason is null and kept is not null on conflict do nothing""",
        _skip("duplicate_telegram_id_merged", "kept is not null", "'merged into user ' || kept"),
        # Referral codes: an old code keeps working for its first holder; duplicates (the old generator gave a
        # block of 1296 Telegram ids one code) and malformed ones get a fresh collision-free code.
        "update {stage} set code = upper(btrim(referral_code)) where reason is null",
        """update {stage} set code = null, fixes = fixes || 'referral_code_replaced'::text
            where reason is null and (code is null or code !~ '^[A-Z0-9]{4,16}$'
              or exists (select 1 from public.users u where u.referral_code = {stage}.code and u.id <> {stage}.id::uuid)
              or """
        + _dup_in_batch("code")
        + ")",
        "update {stage} set st = upper(btrim(status)) where reason is null",
        _fix("status_unknown_suspended", "st is null or st not in ('ACTIVE', 'SUSPENDED', 'BANNED')"),
        "update {stage} set st = 'SUSPENDED' where reason is null and (st is null or st not in ('ACTIVE', 'SUSPENDED', 'BANNED'))",
        _fix("language_defaulted", "nullif(btrim(language_code), '') is null"),
        """insert into public.users (id, telegram_id, telegram_username, first_name, last_name, avatar_url,
             language_code, phone_number, email, status, is_verified, kyc_level, two_factor_enabled, last_login_at,
             last_active_at, referral_code, referral_level, level, commission_rate, total_spent, total_won,
             total_lotteries, winning_rate, created_at, deleted_at)
           select id::uuid, btrim(telegram_id), telegram_username, first_name, last_name, avatar_url,
                  coalesce(nullif(btrim(language_code), ''), 'zh'), phone_number, email, st,
                  coalesce(is_verified::boolean, false), coalesce(kyc_level, 'NONE'),
                  coalesce(two_factor_enabled::boolean, false), last_login_at::timestamptz,
                  last_active_at::timestamptz, coalesce(code, private.next_referral_code(%(referral_key)s)),
                  0, coalesce(level::integer, 1),
                  least(greatest(coalesce(private.legacy_money(commission_rate), 0), 0), 0.99),
                  round(greatest(coalesce(private.legacy_money(total_spent), 0), 0), 2),
                  round(greatest(coalesce(private.legacy_money(total_won), 0), 0), 2),
                  greatest(coalesce(total_lotteries::integer, 0), 0),
                  least(greatest(coalesce(private.legacy_money(winning_rate), 0), 0), 9999),
                  coalesce(created_at::timestamptz, now()), deleted_at::timestamptz
             from {stage} s
            where reason is null and not exists (select 1 from public.users u where u.id = s.id::uuid)
            order by id""",
        """insert into private.legacy_id_map (kind, legacy_id, target_id)
           select 'user', id, id::uuid from {stage} where reason is null on conflict do nothing""",
    ),
)

# Referrer links after every user exists; through the sign-up guard, in id order: the link that would close a
# cycle is refused and reported, self-referrals and links to users that did not come over are reported.
REFERRALS = Step(
    "referrals",
    "users.referred_by_id",
    ("id", "referrer"),
    "select id::text, coalesce(referred_by_id, referrer_id)::text from users "
    "where coalesce(referred_by_id, referrer_id) is not null and (%(after)s::uuid is null or id > %(after)s::uuid) "
    "order by id",
    extra={"target_user": "uuid", "target_referrer": "uuid"},
    sql=(
        _skip("self_referral", "referrer = id"),
        _user("id"),
        _user("referrer", "target_referrer"),
        _skip("user_not_migrated", "target_user is null or target_user <> id::uuid"),
        _skip("referrer_not_migrated", "target_referrer is null", "referrer"),
        _skip("self_referral", "target_referrer = target_user"),
        """update {stage} s set reason = r.outcome, detail = 'link to ' || s.referrer || ' dropped'
             from (select id, private.legacy_link_referrer(target_user, target_referrer) outcome
                     from (select * from {stage} where reason is null order by id) o) r
            where s.id = r.id and r.outcome is not null""",
    ),
)

# ---------------------------------------------------------------- money
WALLET_COLUMNS = ("id", "user_id", "type", "currency", "balance", "frozen_balance", "created_at")
_NOTE = "insert into private.legacy_money_notes (currency, wallet_type, amount, reason, legacy_table, legacy_id) "

WALLETS = Step(
    "wallets",
    "wallets",
    WALLET_COLUMNS,
    select_text("wallets", WALLET_COLUMNS),
    extra={
        "target_user": "uuid",
        "wtype": "text",
        "wcur": "text",
        "b": "numeric",
        "f": "numeric",
        "opening": "numeric",
        "target_wallet": "uuid",
    },
    sql=(
        _user("user_id"),
        """update {stage} set wtype = coalesce(upper(btrim(type)), '?'), wcur = coalesce(upper(btrim(currency)), '?'),
                              b = private.legacy_money(balance), f = private.legacy_money(frozen_balance)""",
        _skip("owner_not_migrated", "target_user is null", "user_id"),
        _skip("unknown_wallet_type", f"wtype not in {WALLET_TYPES}", "type"),
        _skip("unknown_currency", f"wcur not in {CURRENCIES}", "currency"),
        # What a skipped wallet held leaves the sums: listed with the skip reason.
        _NOTE
        + """select wcur, wtype, -(coalesce(b, 0) + coalesce(f, 0)), 'wallet_not_migrated: ' || reason, 'wallets', id
                     from {stage} where reason is not null and coalesce(b, 0) + coalesce(f, 0) <> 0
                   on conflict do nothing""",
        # Values that are not numbers count as 0 on both sides; each is listed.
        _NOTE
        + """select wcur, wtype, null, 'balance_not_a_number: ' || coalesce(balance, 'null'), 'wallets', id
                     from {stage} where b is null and nullif(btrim(balance), '') is not null on conflict do nothing""",
        _NOTE
        + """select wcur, wtype, null, 'frozen_not_a_number: ' || coalesce(frozen_balance, 'null'), 'wallets', id
                     from {stage} where f is null and nullif(btrim(frozen_balance), '') is not null
                   on conflict do nothing""",
        _NOTE
        + """select wcur, wtype, -b, 'negative_balance_set_to_zero', 'wallets', id from {stage}
                    where reason is null and b < 0 on conflict do nothing""",
        _NOTE
        + """select wcur, wtype, -f, 'negative_frozen_balance_dropped', 'wallets', id from {stage}
                    where reason is null and f < 0 on conflict do nothing""",
        _NOTE
        + """select wcur, wtype, (round(greatest(coalesce(b, 0), 0), 2) - greatest(coalesce(b, 0), 0))
                          + (round(greatest(coalesce(f, 0), 0), 2) - greatest(coalesce(f, 0), 0)),
                          'rounded_to_cents', 'wallets', id from {stage}
                    where reason is null and (round(greatest(coalesce(b, 0), 0), 2) <> greatest(coalesce(b, 0), 0)
                                              or round(greatest(coalesce(f, 0), 0), 2) <> greatest(coalesce(f, 0), 0))
                   on conflict do nothing""",
        _fix("negative_balance_set_to_zero", "b < 0"),
        _fix("balance_not_a_number", "b is null and nullif(btrim(balance), '') is not null"),
        _fix("negative_frozen_balance_dropped", "f < 0"),
        # The old system never froze anything for withdrawals; a positive frozen amount stays the user's money.
        _fix("frozen_balance_added_to_balance", "f > 0"),
        _fix(
            "rounded_to_cents",
            "round(greatest(coalesce(b, 0), 0), 2) <> greatest(coalesce(b, 0), 0) "
            "or round(greatest(coalesce(f, 0), 0), 2) <> greatest(coalesce(f, 0), 0)",
        ),
        """update {stage} set opening = round(greatest(coalesce(b, 0), 0), 2) + round(greatest(coalesce(f, 0), 0), 2)
            where reason is null""",
        # One wallet per (user, type, currency): a duplicate old wallet is merged into the first (its own opening row).
        """insert into public.wallets (id, user_id, type, currency, created_at)
           select distinct on (target_user, wtype, wcur) id::uuid, target_user, wtype, wcur,
                  coalesce(created_at::timestamptz, now())
             from {stage} where reason is null order by target_user, wtype, wcur, id
           on conflict do nothing""",
        """update {stage} s set target_wallet = w.id from public.wallets w
            where s.reason is null and w.user_id = s.target_user and w.type = s.wtype and w.currency = s.wcur""",
        _fix("merged_into_wallet_of_same_type", "target_wallet <> id::uuid"),
        """insert into private.legacy_id_map (kind, legacy_id, target_id)
           select 'wallet', id, target_wallet from {stage} where reason is null on conflict do nothing""",
        # The opening row: balance = Σ ledger from day one.
        """with o as (
             select s.id, s.target_wallet, s.opening,
                    sum(s.opening) over (partition by s.target_wallet order by s.id) as running
               from {stage} s
              where s.reason is null and s.opening <> 0
                and not exists (select 1 from public.wallet_transactions t
                                 where t.wallet_id = s.target_wallet and t.type = 'MIGRATION_OPENING'
                                   and t.reference_type = 'legacy_wallet' and t.reference_id = s.id::uuid)),
           ins as (
             insert into public.wallet_transactions (wallet_id, type, amount, balance_before, balance_after,
                                                     reference_type, reference_id, description)
             select o.target_wallet, 'MIGRATION_OPENING', o.opening, w.balance + o.running - o.opening,
                    w.balance + o.running, 'legacy_wallet', o.id::uuid, 'opening balance from the previous system'
               from o join public.wallets w on w.id = o.target_wallet
             returning wallet_id, amount)
           update public.wallets w set balance = w.balance + x.total, version = w.version + 1
             from (select wallet_id, sum(amount) total from ins group by wallet_id) x
            where w.id = x.wallet_id""",
    ),
)

# Every migrated user has the three wallets our functions expect (missing ones start at 0).
ENSURE_WALLETS = Step(
    "ensure_wallets",
    "wallets",
    sql=(
        """insert into public.wallets (id, user_id, type, currency)
           select md5('legacy-wallet:' || m.target_id || ':' || t.type)::uuid, m.target_id, t.type, 'TJS'
             from private.legacy_id_map m
            cross join (values ('BALANCE'), ('LUCKY_COIN'), ('BONUS')) t(type)
            where m.kind = 'user' and m.target_id = m.legacy_id::uuid
           on conflict do nothing""",
    ),
)


def archive(name: str, table: str, reason: str | None = None) -> Step:
    """Read-only history: the whole old row as JSON in private.legacy_archive (never replayed)."""
    sql = [
        "insert into private.legacy_archive (source_table, source_id, data) "
        f"select '{table}', id, data::jsonb from {{stage}} on conflict do nothing",
    ]
    if reason:
        sql.append(f"update {{stage}} set reason = '{reason}'")
    return Step(
        name,
        table,
        ("id", "data"),
        f"select id::text, to_jsonb(t)::text from {table} t "
        "where %(after)s::uuid is null or id > %(after)s::uuid order by id",
        tuple(sql),
        analyze=False,
    )


LEDGER = archive("ledger_history", "wallet_transactions")
COMMISSIONS = archive("commissions_history", "commissions", reason="archived_never_credited_by_old_system")
TRANSACTIONS = archive("transactions_history", "transactions", reason="archived_duplicate_of_ledger")
SESSIONS = Step(
    "sessions",
    "user_sessions",
    ("id",),
    select_text("user_sessions", ("id",)),
    sql=("update {stage} set reason = 'sessions_not_migrated_sign_in_again'",),
    analyze=False,
)

# ---------------------------------------------------------------- lotteries, orders, tickets
LOTTERY_COLUMNS = (
    "id", "period", "title", "description", "image_url", "ticket_price", "total_tickets", "max_per_user",
    "currency", "title_i18n", "description_i18n", "details_i18n", "specifications_i18n", "material_i18n",
    "name_i18n", "image_urls", "status", "sold_tickets", "unlimited_purchase", "start_time", "end_time",
    "draw_time", "actual_draw_time", "winning_numbers", "winning_ticket_number", "winning_user_id", "vrf_seed",
    "vrf_proof", "vrf_timestamp", "draw_algorithm_data", "created_at", "updated_at",
)  # fmt: skip

LOTTERIES = Step(
    "lotteries",
    "lotteries",
    LOTTERY_COLUMNS,
    select_text("lotteries", LOTTERY_COLUMNS),
    extra={
        "price": "numeric",
        "st": "text",
        "new_status": "text",
        "winner": "uuid",
        "starts": "timestamptz",
        "total": "integer",
        "win_number": "integer",
    },
    sql=(
        "update {stage} set price = private.legacy_money(ticket_price), st = upper(btrim(status))",
        _skip("invalid_ticket_price", "price is null or price <= 0 or round(price, 2) <> price", "ticket_price"),
        _user("winning_user_id", "winner"),
        # The recorded winning number in our 7-digit form (the tickets step may renumber; lottery_totals follows).
        """update {stage} set win_number = case
             when btrim(winning_ticket_number) ~ '^10[0-9]{5}$' and btrim(winning_ticket_number)::integer > 1000000
             then btrim(winning_ticket_number)::integer
             when btrim(winning_ticket_number) ~ '^[0-9]{1,6}$' and btrim(winning_ticket_number)::integer > 0
             then 1000000 + btrim(winning_ticket_number)::integer end""",
        # Drawn lotteries become history (legacy record kept); everything not drawn is cancelled at cutover and
        # its buyers are refunded once (the `refunds` pass): carrying a sale over would need a fair-draw
        # commitment made before its first ticket, which the old system never made.
        """update {stage} set new_status = case
             when st in ('COMPLETED', 'DRAWN') and winner is not null and win_number is not null then 'COMPLETED'
             else 'CANCELLED' end
            where reason is null""",
        _fix("status_drawn_mapped_to_completed", "st = 'DRAWN' and new_status = 'COMPLETED'"),
        _fix(
            "drawn_without_winner_cancelled",
            "st in ('COMPLETED', 'DRAWN') and (winner is null or win_number is null)",
        ),
        _fix(
            "on_sale_at_cutover_cancelled_and_refunded",
            "coalesce(st, '') not in ('COMPLETED', 'DRAWN', 'CANCELLED')",
        ),
        _fix("title_defaulted", "nullif(btrim(title), '') is null"),
        _fix("currency_defaulted", f"coalesce(upper(btrim(currency)), '') not in {CURRENCIES}"),
        _fix(
            "period_duplicate_cleared",
            """period is not null and (
               exists (select 1 from public.lotteries l where l.period = {stage}.period and l.id <> {stage}.id::uuid)
               or """
            + _dup_in_batch("period")
            + ")",
        ),
        """update {stage} set starts = coalesce(start_time::timestamptz, created_at::timestamptz, now()),
                              total = least(greatest(coalesce(total_tickets::integer, 1), 1), 8999999)
            where reason is null""",
        f"""insert into public.lotteries (id, period, title, description, image_url, image_urls, ticket_price,
             total_tickets, max_per_user, unlimited_purchase, currency, title_i18n, description_i18n, details_i18n,
             specifications_i18n, material_i18n, name_i18n, status, sold_tickets, start_time, end_time, draw_time,
             actual_draw_time, winning_numbers, winning_ticket_number, draw_algorithm_data,
             cancelled_at, created_at)
           select id::uuid, case when 'period_duplicate_cleared' = any(fixes) then null else period end,
                  left(coalesce(nullif(btrim(title), ''), 'Lottery ' || coalesce(period, left(id, 8))), 200),
                  description, image_url,
                  coalesce(case when jsonb_typeof(private.legacy_jsonb(image_urls)) = 'array'
                                then private.legacy_jsonb(image_urls) end, '[]'::jsonb),
                  price, total,
                  case when max_per_user::integer > 0 then max_per_user::integer end,
                  coalesce(unlimited_purchase::boolean, false),
                  case when upper(btrim(currency)) in {CURRENCIES} then upper(btrim(currency)) else 'TJS' end,
                  private.legacy_jsonb(title_i18n), private.legacy_jsonb(description_i18n),
                  private.legacy_jsonb(details_i18n), private.legacy_jsonb(specifications_i18n),
                  private.legacy_jsonb(material_i18n), private.legacy_jsonb(name_i18n),
                  new_status,
                  case when new_status = 'COMPLETED' then total else 0 end,
                  starts, greatest(coalesce(end_time::timestamptz, draw_time::timestamptz, starts + interval '1 day'),
                                   starts + interval '1 second'),
                  draw_time::timestamptz,
                  case when new_status = 'COMPLETED'
                       then coalesce(actual_draw_time::timestamptz, draw_time::timestamptz, updated_at::timestamptz) end,
                  case when new_status = 'COMPLETED' then private.legacy_jsonb(winning_numbers) end,
                  case when new_status = 'COMPLETED' then win_number end,
                  jsonb_build_object(
                    'legacy', true, 'verifiable', false,
                    'message', case when new_status = 'COMPLETED' then '{LEGACY_MESSAGE}'
                                    when coalesce(st, '') = 'CANCELLED' then 'cancelled by the previous system'
                                    when st in ('COMPLETED', 'DRAWN')
                                    then 'drawn by the previous system without a recorded winner: cancelled at cutover'
                                    else 'on sale at cutover: cancelled, every paid order refunded once' end,
                    'cancelled_at_cutover', new_status = 'CANCELLED' and coalesce(st, '') <> 'CANCELLED',
                    'previous', jsonb_strip_nulls(jsonb_build_object(
                      'status', status, 'sold_tickets', sold_tickets, 'total_tickets', total_tickets,
                      'winning_numbers', private.legacy_jsonb(winning_numbers),
                      'winning_ticket_number', winning_ticket_number,
                      'vrf_seed', vrf_seed, 'vrf_proof', vrf_proof, 'vrf_timestamp', vrf_timestamp,
                      'draw_time', draw_time, 'actual_draw_time', actual_draw_time,
                      'draw_algorithm_data', private.legacy_jsonb(draw_algorithm_data)))),
                  case when new_status = 'CANCELLED' then now() end,
                  coalesce(created_at::timestamptz, now())
             from {{stage}} s
            where reason is null and not exists (select 1 from public.lotteries l where l.id = s.id::uuid)""",
        # Who won stays private (lotteries is a public table): the tickets and prizes steps read it from here.
        """insert into private.legacy_lottery_winners (lottery_id, user_id)
           select id::uuid, winner from {stage} where reason is null and new_status = 'COMPLETED'
           on conflict do nothing""",
    ),
)

ORDER_COLUMNS = (
    "id", "user_id", "order_number", "type", "total_amount", "currency", "payment_method", "lottery_id",
    "quantity", "selected_numbers", "status", "payment_id", "paid_at", "created_at", "expired_at",
)  # fmt: skip

ORDERS = Step(
    "orders",
    "orders",
    ORDER_COLUMNS,
    select_text("orders", ORDER_COLUMNS),
    extra={
        "target_user": "uuid",
        "otype": "text",
        "ost": "text",
        "pm": "text",
        "cur": "text",
        "amount": "numeric",
    },
    sql=(
        _user("user_id"),
        _skip("user_not_migrated", "target_user is null", "user_id"),
        _skip(
            "lottery_not_migrated",
            """lottery_id is not null
              and not exists (select 1 from public.lotteries l where l.id = {stage}.lottery_id::uuid)""",
            "lottery_id",
        ),
        """update {stage} set
             otype = case upper(btrim(type)) when 'LOTTERY' then 'LOTTERY_PURCHASE' when 'LOTTERY_PURCHASE'
                       then 'LOTTERY_PURCHASE' when 'DEPOSIT' then 'DEPOSIT' when 'WITHDRAW' then 'WITHDRAW'
                       when 'WITHDRAWAL' then 'WITHDRAW' when 'MARKET' then 'MARKET' end,
             ost = case upper(btrim(status)) when 'PAID' then 'PAID' when 'COMPLETED' then 'PAID'
                     when 'PENDING' then 'PENDING' when 'CANCELLED' then 'CANCELLED' when 'CANCELED' then 'CANCELLED'
                     when 'EXPIRED' then 'EXPIRED' when 'REFUNDED' then 'REFUNDED' end,
             pm = case upper(btrim(payment_method)) when 'BALANCE_WALLET' then 'BALANCE' when 'BALANCE' then 'BALANCE'
                    when 'LUCKY_COIN_WALLET' then 'LUCKY_COIN' when 'LUCKY_COIN' then 'LUCKY_COIN'
                    when 'BONUS' then 'BONUS' end,
             cur = upper(btrim(currency)), amount = private.legacy_money(total_amount)""",
        _skip("unknown_order_type", "otype is null", "type"),
        _skip("unknown_order_status", "ost is null", "status"),
        _skip("invalid_amount", "amount is null or amount < 0", "total_amount"),
        _fix("payment_method_defaulted_to_balance", "pm is null"),
        _fix("currency_defaulted", f"cur is null or cur not in {CURRENCIES}"),
        _fix(
            "order_number_replaced",
            """nullif(btrim(order_number), '') is null
               or exists (select 1 from public.orders o where o.order_number = {stage}.order_number and o.id <> {stage}.id::uuid)
               or """
            + _dup_in_batch("order_number"),
        ),
        _fix("amount_rounded_to_cents", "round(amount, 2) <> amount"),
        f"""insert into public.orders (id, user_id, order_number, type, total_amount, currency, payment_method,
             wallet_id, lottery_id, quantity, selected_numbers, status, payment_id, payment_data, paid_at, created_at,
             expired_at)
           select s.id::uuid, s.target_user,
                  case when 'order_number_replaced' = any(s.fixes) then 'LEGACY-' || s.id else s.order_number end,
                  s.otype, round(s.amount, 2), coalesce(case when s.cur in {CURRENCIES} then s.cur end, 'TJS'),
                  coalesce(s.pm, 'BALANCE'),
                  (select w.id from public.wallets w where w.user_id = s.target_user and w.type = coalesce(s.pm, 'BALANCE')
                      and w.currency = coalesce(case when s.cur in {CURRENCIES} then s.cur end, 'TJS')),
                  s.lottery_id::uuid, case when s.quantity::integer between 1 and 100 then s.quantity::integer end,
                  private.legacy_jsonb(s.selected_numbers), s.ost, s.payment_id,
                  jsonb_build_object('legacy', true, 'status', s.status, 'payment_method', s.payment_method),
                  s.paid_at::timestamptz, coalesce(s.created_at::timestamptz, now()), s.expired_at::timestamptz
             from {{stage}} s
            where s.reason is null and not exists (select 1 from public.orders o where o.id = s.id::uuid)""",
    ),
)

# Both old ticket tables (the RPC wrote `tickets` with plain 1..N numbers, the Edge Function wrote
# `lottery_entries` with 7-digit strings). A valid number n (1000000 + n or plain n) keeps its place (seq = n) for
# its first holder; duplicates and malformed numbers get the next free places after the lottery's largest one.
TICKETS_SOURCE = """
with raw as (
  select id, lottery_id, user_id, order_id, ticket_number::text as number, is_winning, created_at, 'tickets' as src
    from tickets
  union all
  select id, lottery_id, user_id, order_id, numbers #>> '{}', is_winning, created_at, 'lottery_entries'
    from lottery_entries where upper(coalesce(status, 'ACTIVE')) = 'ACTIVE'
), parsed as (
  select raw.*, case when number ~ '^10[0-9]{5}$' and number::integer > 1000000 then number::integer - 1000000
                     when number ~ '^[0-9]{1,6}$' and number::integer > 0 then number::integer end as n
    from raw
), ranked as (
  select parsed.*, case when n is not null
                        and row_number() over (partition by lottery_id, n order by created_at, id) = 1
                        then n end as kept_n
    from parsed
), placed as (
  select ranked.*,
         coalesce(kept_n, coalesce(max(kept_n) over (partition by lottery_id), 0)
                          + row_number() over (partition by lottery_id, kept_n is null order by created_at, id)) as seq
    from ranked
)
select id::text, lottery_id::text, user_id::text, order_id::text, number, is_winning::text, created_at::text,
       seq::text, src
  from placed where %(after)s::uuid is null or id > %(after)s::uuid order by id
"""

TICKETS = Step(
    "tickets",
    "tickets",
    ("id", "lottery_id", "user_id", "order_id", "number", "is_winning", "created_at", "seq", "src"),
    TICKETS_SOURCE,
    extra={
        "target_user": "uuid",
        "target_order": "uuid",
        "lstatus": "text",
        "winner": "uuid",
        "prev_number": "text",
        "win": "boolean",
    },
    sql=(
        _user("user_id"),
        _skip("user_not_migrated", "target_user is null", "user_id"),
        """update {stage} s set lstatus = l.status, winner = w.user_id,
                                prev_number = l.draw_algorithm_data -> 'previous' ->> 'winning_ticket_number'
             from public.lotteries l left join private.legacy_lottery_winners w on w.lottery_id = l.id
            where l.id = s.lottery_id::uuid""",
        _skip("lottery_not_migrated", "lstatus is null", "lottery_id"),
        _skip("ticket_number_out_of_range", "seq::integer > 8999999", "number"),
        _fix("ticket_renumbered", "coalesce(number, '') not in ((1000000 + seq::integer)::text, seq)"),
        _fix("number_normalized_to_7_digits", "number = seq"),
        """update {stage} s set target_order = o.id from public.orders o
            where s.reason is null and o.id = s.order_id::uuid and o.lottery_id = s.lottery_id::uuid""",
        _fix("order_missing_legacy_order_created", "target_order is null"),
        # A ticket whose order did not come over hangs off one zero-amount legacy order per (lottery, buyer).
        """update {stage} set target_order = md5('legacy-order:' || lottery_id || ':' || target_user)::uuid
            where reason is null and target_order is null""",
        """insert into public.orders (id, user_id, order_number, type, total_amount, payment_method, lottery_id,
                                     status, payment_data, paid_at, created_at)
           select distinct on (target_order) target_order, target_user, 'LEGACY-' || target_order, 'LOTTERY_PURCHASE', 0,
                  'BALANCE', lottery_id::uuid, 'PAID', '{"legacy": true, "synthetic": true}'::jsonb,
                  created_at::timestamptz, coalesce(created_at::timestamptz, now())
             from {stage} where reason is null and 'order_missing_legacy_order_created' = any(fixes)
           on conflict do nothing""",
        # The old winning ticket: the winner's ticket with the recorded number (or flagged winning), once per lottery.
        """update {stage} s set win = true from (
             select id, row_number() over (partition by lottery_id order by (number = prev_number or case when number ~ '^[0-9]{1,7}$'
                        then (1000000 + number::bigint)::text end = prev_number) desc, id) rn
               from {stage}
              where reason is null and lstatus = 'COMPLETED' and target_user = winner
                and (number = prev_number or case when number ~ '^[0-9]{1,7}$'
                        then (1000000 + number::bigint)::text end = prev_number or is_winning = 'true')) w
            where w.id = s.id and w.rn = 1
              and not exists (select 1 from public.tickets t where t.lottery_id = s.lottery_id::uuid and t.is_winning)""",
        """insert into public.tickets (id, lottery_id, user_id, order_id, seq, ticket_number, buyer_ref, status,
                                      is_winning, created_at)
           select id::uuid, lottery_id::uuid, target_user, target_order, seq::integer, 1000000 + seq::integer,
                  private.buyer_ref(%(pepper)s, lottery_id::uuid, target_user),
                  case when lstatus = 'CANCELLED' then 'REFUNDED' else 'ACTIVE' end, coalesce(win, false),
                  coalesce(created_at::timestamptz, now())
             from {stage} s where reason is null
           on conflict do nothing""",
        _skip("ticket_place_taken", "not exists (select 1 from public.tickets t where t.id = {stage}.id::uuid)"),
    ),
)

# After every ticket: history lotteries show their (possibly renumbered) winning ticket and real counts.
FINALIZE_LOTTERIES = Step(
    "lottery_totals",
    "lotteries",
    sql=(
        """update public.lotteries l set
             total_tickets = greatest(l.total_tickets, c.max_seq),
             sold_tickets = case when l.status = 'COMPLETED' then greatest(l.total_tickets, c.max_seq)
                                 else least(c.n, greatest(l.total_tickets, c.max_seq)) end
             from (select lottery_id, count(*) n, max(seq) max_seq from public.tickets group by lottery_id) c
            where c.lottery_id = l.id and l.draw_algorithm_data ->> 'legacy' = 'true'""",
        """update public.lotteries l set winning_ticket_number = t.ticket_number,
                                         winning_numbers = jsonb_build_array(t.ticket_number::text)
             from public.tickets t
            where t.lottery_id = l.id and t.is_winning and l.draw_algorithm_data ->> 'legacy' = 'true'""",
        """insert into private.legacy_report_rows (step, legacy_table, legacy_id, action, reason, detail)
           select 'lottery_totals', 'lotteries', l.id::text, 'fixed', 'winning_ticket_not_found', 'kept the recorded winner and number'
             from public.lotteries l
            where l.status = 'COMPLETED' and l.draw_algorithm_data ->> 'legacy' = 'true'
              and not exists (select 1 from public.tickets t where t.lottery_id = l.id and t.is_winning)
           on conflict do nothing""",
    ),
)

# Lotteries still on sale at cutover: every PAID order refunded exactly once to the wallet it was paid from.
REFUNDS = Step(
    "refunds",
    "orders",
    sql=(
        _NOTE
        + """select w.currency, w.type, r.refunded, 'refund_lottery_on_sale_at_cutover', 'orders', r.id::text
               from (select o.id, o.wallet_id, private.legacy_refund_order(o.id) refunded
                       from (select o.* from public.orders o join public.lotteries l on l.id = o.lottery_id
                              where l.draw_algorithm_data ->> 'cancelled_at_cutover' = 'true' and o.status = 'PAID'
                              order by o.id) o) r
               join public.wallets w on w.id = r.wallet_id
              where r.refunded > 0
             on conflict do nothing""",
        """insert into private.legacy_report_rows (step, legacy_table, legacy_id, action, reason, detail)
           select 'refunds', 'orders', legacy_id, 'fixed', reason, amount::text from private.legacy_money_notes
            where reason = 'refund_lottery_on_sale_at_cutover'
           on conflict do nothing""",
        # Paid orders of lotteries the old system cancelled: it never refunded anyone; listed for a decision.
        """insert into private.legacy_report_rows (step, legacy_table, legacy_id, action, reason, detail)
           select 'refunds', 'orders', o.id::text, 'fixed', 'paid_order_of_lottery_cancelled_by_previous_system',
                  'not refunded automatically: ' || o.total_amount || ' ' || o.currency
             from public.orders o join public.lotteries l on l.id = o.lottery_id
            where l.draw_algorithm_data ->> 'legacy' = 'true' and l.status = 'CANCELLED'
              and l.draw_algorithm_data ->> 'cancelled_at_cutover' = 'false' and o.status = 'PAID' and o.total_amount > 0
           on conflict do nothing""",
        """update public.tickets t set status = 'REFUNDED' from public.lotteries l
            where l.id = t.lottery_id and l.status = 'CANCELLED' and t.status = 'ACTIVE'
              and l.draw_algorithm_data ->> 'legacy' = 'true'""",
    ),
)

# ---------------------------------------------------------------- prizes and what hangs off them
PRIZE_COLUMNS = ("id", "user_id", "lottery_id", "prize_type", "prize_value", "status", "created_at", "won_at")
PRIZE_STATUSES = "('PENDING', 'SHIPPING', 'SHIPPED', 'DELIVERED', 'RESELLING', 'RESOLD')"

PRIZES = Step(
    "prizes",
    "prizes",
    PRIZE_COLUMNS,
    select_text("prizes", PRIZE_COLUMNS),
    extra={"target_user": "uuid", "pst": "text", "value": "numeric"},
    sql=(
        _user("user_id"),
        _skip("user_not_migrated", "target_user is null", "user_id"),
        _skip(
            "lottery_not_drawn_or_missing",
            """not exists (select 1 from public.lotteries l
              where l.id = {stage}.lottery_id::uuid and l.status = 'COMPLETED')""",
            "lottery_id",
        ),
        "update {stage} set pst = upper(btrim(status)), value = private.legacy_money(prize_value)",
        _fix("status_unknown_pending", f"pst is null or pst not in {PRIZE_STATUSES}"),
        _fix("value_from_lottery", "value is null or value <= 0 or round(value, 2) <> value"),
        f"""insert into public.prizes (id, user_id, lottery_id, ticket_id, winning_code, prize_name, prize_image,
             prize_type, prize_value, status, algorithm_data, won_at, created_at)
           select s.id::uuid, s.target_user, l.id,
                  (select t.id from public.tickets t where t.lottery_id = l.id and t.is_winning
                      and t.user_id = s.target_user),
                  coalesce(l.winning_ticket_number::text, '-'), l.title, coalesce(l.image_url, l.image_urls ->> 0),
                  coalesce(s.prize_type, 'PHYSICAL'),
                  case when 'value_from_lottery' = any(s.fixes) then l.ticket_price * l.total_tickets else s.value end,
                  case when s.pst in {PRIZE_STATUSES} then s.pst else 'PENDING' end,
                  jsonb_build_object('legacy', true, 'message', '{LEGACY_MESSAGE}'),
                  coalesce(s.won_at::timestamptz, s.created_at::timestamptz, l.actual_draw_time, now()),
                  coalesce(s.created_at::timestamptz, now())
             from {{stage}} s join public.lotteries l on l.id = s.lottery_id::uuid
            where s.reason is null
           on conflict do nothing""",
        _skip(
            "second_prize_for_lottery", "not exists (select 1 from public.prizes p where p.id = {stage}.id::uuid)"
        ),
    ),
)

# The old draw often failed to write its prize row (DATABASE_MAPPING: prizes "Empty"): the recorded winner of a
# drawn lottery gets the PENDING prize the old system owed, reported per lottery.
PRIZES_FOR_WINNERS = Step(
    "prizes_for_winners",
    "lotteries",
    sql=(
        """insert into private.legacy_report_rows (step, legacy_table, legacy_id, action, reason, detail)
           select 'prizes_for_winners', 'lotteries', l.id::text, 'fixed', 'prize_created_for_recorded_winner', w.user_id::text
             from public.lotteries l join private.legacy_lottery_winners w on w.lottery_id = l.id
            where l.status = 'COMPLETED' and l.draw_algorithm_data ->> 'legacy' = 'true'
              and not exists (select 1 from public.prizes p where p.lottery_id = l.id and p.acquired_via = 'DRAW')
           on conflict do nothing""",
        f"""insert into public.prizes (id, user_id, lottery_id, ticket_id, winning_code, prize_name, prize_image,
                                      prize_value, algorithm_data, won_at)
           select md5('legacy-prize:' || l.id)::uuid, w.user_id, l.id,
                  (select t.id from public.tickets t where t.lottery_id = l.id and t.is_winning
                      and t.user_id = w.user_id),
                  coalesce(l.winning_ticket_number::text, '-'), l.title, coalesce(l.image_url, l.image_urls ->> 0),
                  l.ticket_price * l.total_tickets, jsonb_build_object('legacy', true, 'message', '{LEGACY_MESSAGE}'),
                  coalesce(l.actual_draw_time, l.updated_at)
             from public.lotteries l join private.legacy_lottery_winners w on w.lottery_id = l.id
            where l.status = 'COMPLETED' and l.draw_algorithm_data ->> 'legacy' = 'true'
              and not exists (select 1 from public.prizes p where p.lottery_id = l.id and p.acquired_via = 'DRAW')""",
    ),
)

SHIPPING_COLUMNS = (
    "id", "prize_id", "user_id", "recipient_name", "phone", "address", "tracking_number", "shipping_method",
    "status", "shipped_at", "delivered_at",
)  # fmt: skip

SHIPPING = Step(
    "shipping",
    "shipping",
    SHIPPING_COLUMNS,
    select_text("shipping", SHIPPING_COLUMNS),
    extra={"sst": "text", "owner": "uuid"},
    sql=(
        "update {stage} s set owner = p.user_id from public.prizes p where p.id = s.prize_id::uuid",
        _skip("prize_not_migrated", "owner is null", "prize_id"),
        _skip(
            "incomplete_address",
            """length(btrim(coalesce(recipient_name, ''))) = 0
              or length(btrim(coalesce(phone, ''))) not between 3 and 32
              or length(btrim(coalesce(address, ''))) = 0""",
        ),
        """update {stage} set sst = case upper(btrim(status)) when 'PENDING' then 'PENDING' when 'PROCESSING' then 'PENDING'
             when 'SHIPPED' then 'SHIPPED' when 'IN_TRANSIT' then 'SHIPPED' when 'DELIVERED' then 'DELIVERED'
             when 'CANCELLED' then 'CANCELLED' when 'FAILED' then 'CANCELLED' end""",
        _fix("status_unknown_pending", "sst is null"),
        _fix(
            "tracking_number_unknown",
            "sst in ('SHIPPED', 'DELIVERED') and nullif(btrim(tracking_number), '') is null",
        ),
        """insert into public.shipping (id, prize_id, user_id, recipient_name, recipient_phone, recipient_address,
             status, tracking_number, shipping_method, shipped_at, delivered_at)
           select id::uuid, prize_id::uuid, owner, left(btrim(recipient_name), 100), btrim(phone), left(btrim(address), 500),
                  coalesce(sst, 'PENDING'),
                  case when sst in ('SHIPPED', 'DELIVERED') then coalesce(nullif(btrim(tracking_number), ''), 'LEGACY-UNKNOWN')
                       else nullif(btrim(tracking_number), '') end,
                  shipping_method, shipped_at::timestamptz, delivered_at::timestamptz
             from {stage} where reason is null
           on conflict do nothing""",
        _skip(
            "second_active_shipping_for_prize",
            "not exists (select 1 from public.shipping x where x.id = {stage}.id::uuid)",
        ),
        # The prize follows its shipment (request-shipping / admin ship / deliver keep them in step the same way).
        """update public.prizes p set status = case x.status when 'PENDING' then 'SHIPPING' else x.status end
             from public.shipping x join {stage} s on s.id::uuid = x.id
            where p.id = x.prize_id and s.reason is null and x.status <> 'CANCELLED'""",
    ),
)

RESALE_COLUMNS = ("id", "seller_id", "lottery_id", "resale_price", "original_price", "status", "created_at")

RESALES = Step(
    "resales",
    "resales",
    RESALE_COLUMNS,
    select_text("resales", RESALE_COLUMNS),
    extra={"seller": "uuid", "prize": "uuid", "price": "numeric"},
    sql=(
        _skip(
            "not_active_history_only", "upper(btrim(coalesce(status, ''))) not in ('ACTIVE', 'LISTED')", "status"
        ),
        _user("seller_id", "seller"),
        _skip("seller_not_migrated", "seller is null", "seller_id"),
        """update {stage} s set prize = (select p.id from public.prizes p
             where p.lottery_id = s.lottery_id::uuid and p.user_id = s.seller and p.status in ('PENDING', 'RESELLING')
             order by p.id limit 1), price = private.legacy_money(resale_price)""",
        _skip("no_prize_to_resell", "prize is null"),
        _skip("invalid_price", "price is null or price <= 0 or round(price, 2) <> price", "resale_price"),
        # The seller is the listed prize's owner (no user id in the public resales table).
        """insert into public.resales (id, prize_id, lottery_id, resale_price, original_price, status, created_at)
           select s.id::uuid, s.prize, p.lottery_id, s.price,
                  coalesce(case when private.legacy_money(s.original_price) > 0
                                 and round(private.legacy_money(s.original_price), 2) = private.legacy_money(s.original_price)
                                then private.legacy_money(s.original_price) end, p.prize_value),
                  'ACTIVE', coalesce(s.created_at::timestamptz, now())
             from {stage} s join public.prizes p on p.id = s.prize where s.reason is null
           on conflict do nothing""",
        _skip(
            "second_listing_for_prize", "not exists (select 1 from public.resales r where r.id = {stage}.id::uuid)"
        ),
        """update public.prizes p set status = 'RESELLING' from {stage} s
            where s.reason is null and p.id = s.prize and p.status <> 'RESELLING'""",
    ),
)

SHOWOFF_COLUMNS = (
    "id", "user_id", "lottery_id", "prize_id", "content", "images", "comments_count", "status", "admin_note",
    "reviewed_at", "reward_coins", "created_at",
)  # fmt: skip

SHOWOFFS = Step(
    "showoffs",
    "showoffs",
    SHOWOFF_COLUMNS,
    select_text("showoffs", SHOWOFF_COLUMNS),
    extra={"target_user": "uuid", "prize": "uuid", "sst": "text", "imgs": "jsonb", "reward": "numeric"},
    sql=(
        _user("user_id"),
        _skip("user_not_migrated", "target_user is null", "user_id"),
        """update {stage} s set prize = coalesce(
             (select p.id from public.prizes p where p.id = private.legacy_uuid(s.prize_id) and p.user_id = s.target_user),
             (select p.id from public.prizes p where p.lottery_id = private.legacy_uuid(s.lottery_id)
                 and p.user_id = s.target_user order by p.id limit 1))""",
        _skip("no_prize", "prize is null"),
        """update {stage} set sst = upper(btrim(status)), reward = private.legacy_money(reward_coins),
                              imgs = case when jsonb_typeof(private.legacy_jsonb(images)) = 'array'
                                          then private.legacy_jsonb(images) else '[]'::jsonb end""",
        _fix("status_unknown_pending", "sst is null or sst not in ('PENDING', 'APPROVED', 'REJECTED')"),
        _fix("content_defaulted", "nullif(btrim(content), '') is null"),
        _fix("images_truncated_to_9", "jsonb_array_length(imgs) > 9"),
        _fix(
            "reward_clamped", "reward is not null and (reward < 0 or reward > 100 or round(reward, 2) <> reward)"
        ),
        # One rewarded showoff per physical item (the chain's root prize): a later one keeps its post, not the
        # reward (the old system paid it; it sits in the opening balance either way).
        _fix(
            "second_reward_for_item_dropped",
            """reward > 0 and exists (select 1 from public.showoffs x
                where x.root_prize_id = private.root_prize_id({stage}.prize) and x.reward_coins > 0
                  and x.id <> {stage}.id::uuid)""",
        ),
        """update {stage} set reward = 0 where reason is null and 'second_reward_for_item_dropped' = any(fixes)""",
        # The author is the prize's owner (no user id in the public showoffs table); a banned author's posts hidden.
        """insert into public.showoffs (id, lottery_id, prize_id, content, images, comments_count, status,
             reviewed_at, reward_coins, hidden_at, created_at)
           select s.id::uuid, p.lottery_id, s.prize, left(coalesce(nullif(btrim(s.content), ''), '…'), 2000),
                  coalesce((select jsonb_agg(e) from (select e from jsonb_array_elements(s.imgs) with ordinality x(e, i)
                                                       where i <= 9 order by i) j), '[]'::jsonb),
                  greatest(coalesce(s.comments_count::integer, 0), 0),
                  case when s.sst in ('PENDING', 'APPROVED', 'REJECTED') then s.sst else 'PENDING' end,
                  case when s.sst in ('APPROVED', 'REJECTED') then coalesce(s.reviewed_at::timestamptz, now()) end,
                  least(greatest(round(coalesce(s.reward, 0), 2), 0), 100),
                  case when u.status = 'BANNED' then now() end, coalesce(s.created_at::timestamptz, now())
             from {stage} s join public.prizes p on p.id = s.prize join public.users u on u.id = p.user_id
            where s.reason is null
           on conflict do nothing""",
        _skip(
            "second_showoff_for_prize",
            "not exists (select 1 from public.showoffs x where x.id = {stage}.id::uuid)",
        ),
        # The old moderator's note: no admin account of ours wrote it (showoff_reviews needs one), so it is kept
        # as read-only history.
        """insert into private.legacy_archive (source_table, source_id, data)
           select 'showoffs.admin_note', id, jsonb_build_object('admin_note', admin_note, 'reviewed_at', reviewed_at)
             from {stage} where reason is null and nullif(btrim(admin_note), '') is not null
           on conflict do nothing""",
        # Their reward coins were paid (or not) by the old system and sit in the opening balances: marked legacy so
        # the money checker does not count them again.
        """insert into private.legacy_id_map (kind, legacy_id, target_id)
           select 'showoff', id, id::uuid from {stage} where reason is null on conflict do nothing""",
    ),
)

LIKES = Step(
    "likes",
    "likes",
    ("id", "post_id", "user_id", "created_at"),
    select_text("likes", ("id", "post_id", "user_id", "created_at")),
    extra={"target_user": "uuid"},
    sql=(
        _skip(
            "showoff_not_migrated",
            "not exists (select 1 from public.showoffs x where x.id = private.legacy_uuid({stage}.post_id))",
            "post_id",
        ),
        _user("user_id"),
        _skip("user_not_migrated", "target_user is null", "user_id"),
        """insert into public.likes (id, post_id, user_id, created_at)
           select id::uuid, post_id::uuid, target_user, coalesce(created_at::timestamptz, now())
             from {stage} where reason is null order by id
           on conflict do nothing""",
        _skip("duplicate_like", "not exists (select 1 from public.likes x where x.id = {stage}.id::uuid)"),
    ),
)

LIKES_COUNT = Step(
    "likes_count",
    "showoffs",
    sql=(
        """update public.showoffs s set likes_count = c.n
             from (select x.id, (select count(*) from public.likes l where l.post_id = x.id) n
                     from public.showoffs x
                     join private.legacy_id_map m on m.kind = 'showoff' and m.target_id = x.id) c
            where c.id = s.id and s.likes_count <> c.n""",
    ),
)

NOTIFICATION_COLUMNS = ("id", "user_id", "type", "title", "content", "related_id", "related_type", "is_read",
                        "created_at")  # fmt: skip

NOTIFICATIONS = Step(
    "notifications",
    "notifications",
    NOTIFICATION_COLUMNS,
    select_text("notifications", NOTIFICATION_COLUMNS),
    extra={"target_user": "uuid"},
    sql=(
        _skip("already_read", "coalesce(is_read, 'false') = 'true'"),
        _user("user_id"),
        _skip("user_not_migrated", "target_user is null", "user_id"),
        _fix("title_or_type_defaulted", "nullif(btrim(title), '') is null or nullif(btrim(type), '') is null"),
        """insert into public.notifications (id, user_id, type, title, content, data, related_id, related_type, created_at)
           select id::uuid, target_user, coalesce(nullif(btrim(type), ''), 'SYSTEM'),
                  coalesce(nullif(btrim(title), ''), nullif(btrim(type), ''), 'Notification'), coalesce(content, ''),
                  '{"legacy": true}'::jsonb, private.legacy_uuid(related_id), related_type,
                  coalesce(created_at::timestamptz, now())
             from {stage} where reason is null
           on conflict do nothing""",
    ),
)

# ---------------------------------------------------------------- requests waiting for an admin
DEPOSIT_COLUMNS = (
    "id", "user_id", "order_number", "amount", "currency", "payment_method", "payment_proof_images",
    "payment_reference", "payer_name", "payer_account", "status", "created_at",
)  # fmt: skip

DEPOSITS = Step(
    "deposits",
    "deposit_requests",
    DEPOSIT_COLUMNS,
    select_text("deposit_requests", DEPOSIT_COLUMNS),
    extra={"target_user": "uuid", "amt": "numeric", "imgs": "jsonb"},
    sql=(
        # Settled requests are already in the old balances: archived as history, not replayed.
        """insert into private.legacy_archive (source_table, source_id, data)
           select 'deposit_requests', id, to_jsonb(s) - 'reason' - 'detail' - 'fixes' - 'target_user' - 'amt' - 'imgs'
             from {stage} s on conflict do nothing""",
        _skip("settled_before_cutover_archived", "upper(btrim(coalesce(status, ''))) <> 'PENDING'", "status"),
        _user("user_id"),
        _skip("user_not_migrated", "target_user is null", "user_id"),
        "update {stage} set amt = private.legacy_money(amount)",
        _skip("invalid_amount", "amt is null or amt <= 0", "amount"),
        _fix("amount_rounded_to_cents", "round(amt, 2) <> amt"),
        _fix(
            "order_number_replaced",
            """nullif(btrim(order_number), '') is null
               or exists (select 1 from public.deposits d where d.order_number = {stage}.order_number and d.id <> {stage}.id::uuid)
               or """
            + _dup_in_batch("order_number"),
        ),
        """update {stage} set imgs = case when jsonb_typeof(private.legacy_jsonb(payment_proof_images)) = 'array'
                                          then private.legacy_jsonb(payment_proof_images) else '[]'::jsonb end""",
        f"""insert into public.deposits (id, user_id, order_number, amount, currency, payment_method, payment_proof_images,
             payment_reference, payer_name, payer_account, status, created_at)
           select id::uuid, target_user,
                  case when 'order_number_replaced' = any(fixes) then 'LEGACY-' || id else order_number end,
                  round(amt, 2), coalesce(case when upper(btrim(currency)) in {CURRENCIES} then upper(btrim(currency)) end, 'TJS'),
                  coalesce(nullif(upper(btrim(payment_method)), ''), 'OTHER'),
                  coalesce((select jsonb_agg(e) from (select e from jsonb_array_elements(imgs) with ordinality x(e, i)
                                                       where i <= 5 order by i) j), '[]'::jsonb),
                  payment_reference, payer_name, payer_account, 'PENDING', coalesce(created_at::timestamptz, now())
             from {{stage}} where reason is null
           on conflict do nothing""",
    ),
)

WITHDRAWAL_COLUMNS = (
    "id", "user_id", "order_number", "amount", "currency", "withdrawal_method", "bank_name", "bank_account_number",
    "bank_account_name", "bank_branch", "id_card_number", "id_card_name", "phone_number", "mobile_wallet_number",
    "mobile_wallet_name", "status", "created_at",
)  # fmt: skip

WITHDRAWALS = Step(
    "withdrawals",
    "withdrawal_requests",
    WITHDRAWAL_COLUMNS,
    select_text("withdrawal_requests", WITHDRAWAL_COLUMNS),
    extra={"target_user": "uuid", "amt": "numeric", "wallet": "uuid", "frozen": "boolean"},
    sql=(
        """insert into private.legacy_archive (source_table, source_id, data)
           select 'withdrawal_requests', id, to_jsonb(s) - 'reason' - 'detail' - 'fixes' - 'target_user' - 'amt'
                  - 'wallet' - 'frozen'
             from {stage} s on conflict do nothing""",
        # APPROVED meant "approved, not yet paid out": still owed to the user's bank, so it is frozen like PENDING.
        _skip(
            "settled_before_cutover_archived",
            "upper(btrim(coalesce(status, ''))) not in ('PENDING', 'APPROVED')",
            "status",
        ),
        _user("user_id"),
        _skip("user_not_migrated", "target_user is null", "user_id"),
        "update {stage} set amt = private.legacy_money(amount)",
        _skip("invalid_amount", "amt is null or amt <= 0 or round(amt, 2) <> amt", "amount"),
        f"""update {{stage}} s set wallet = w.id from public.wallets w
            where w.user_id = s.target_user and w.type = 'BALANCE'
              and w.currency = coalesce(case when upper(btrim(s.currency)) in {CURRENCIES} then upper(btrim(s.currency)) end,
                                        'TJS')""",
        _skip("no_balance_wallet", "wallet is null"),
        _fix("approved_not_paid_frozen_as_pending", "upper(btrim(status)) = 'APPROVED'"),
        _fix(
            "order_number_replaced",
            """nullif(btrim(order_number), '') is null
               or exists (select 1 from public.withdrawals d where d.order_number = {stage}.order_number and d.id <> {stage}.id::uuid)
               or """
            + _dup_in_batch("order_number"),
        ),
        """insert into public.withdrawals (id, user_id, wallet_id, order_number, amount, currency, withdrawal_method,
             bank_name, bank_account_number, bank_account_name, bank_branch, id_card_number, id_card_name, phone_number,
             mobile_wallet_number, mobile_wallet_name, status, created_at)
           select s.id::uuid, s.target_user, s.wallet,
                  case when 'order_number_replaced' = any(s.fixes) then 'LEGACY-' || s.id else s.order_number end,
                  s.amt, w.currency, coalesce(nullif(upper(btrim(s.withdrawal_method)), ''), 'OTHER'), s.bank_name,
                  s.bank_account_number, s.bank_account_name, s.bank_branch, s.id_card_number, s.id_card_name,
                  s.phone_number, s.mobile_wallet_number, s.mobile_wallet_name, 'PENDING',
                  coalesce(s.created_at::timestamptz, now())
             from {stage} s join public.wallets w on w.id = s.wallet
            where s.reason is null and not exists (select 1 from public.withdrawals x where x.id = s.id::uuid)""",
        # Frozen now, oldest first; one the balance cannot cover is not imported and its user is reported.
        """update {stage} s set frozen = f.ok
             from (select id, private.legacy_freeze_withdrawal(id::uuid) ok
                     from (select id from {stage} x where reason is null
                              and not exists (select 1 from public.wallet_transactions t
                                               where t.reference_type = 'withdrawal' and t.reference_id = x.id::uuid)
                            order by created_at, id) o) f
            where f.id = s.id""",
        """update {stage} s set reason = 'balance_cannot_cover', detail = format('user %s (telegram %s) asks %s, balance %s',
                  s.target_user, u.telegram_id, s.amt, w.balance)
             from public.wallets w, public.users u
            where s.frozen = false and w.id = s.wallet and u.id = s.target_user""",
        "delete from public.withdrawals x using {stage} s where s.frozen = false and x.id = s.id::uuid",
    ),
)

PAYMENT_CONFIG = Step(
    "payment_config",
    "payment_config",
    ("id", "config_key", "config_type", "config_data", "is_enabled", "sort_order"),
    select_text("payment_config", ("id", "config_key", "config_type", "config_data", "is_enabled", "sort_order")),
    extra={"data": "jsonb", "ctype": "text", "method": "text", "lo": "numeric", "hi": "numeric"},
    sql=(
        """update {stage} set data = private.legacy_jsonb(config_data), ctype = upper(btrim(config_type))""",
        "update {stage} set method = upper(btrim(data ->> 'method'))",
        _skip("unknown_config_type", "ctype is null or ctype not in ('DEPOSIT', 'WITHDRAWAL')", "config_type"),
        _skip("no_method", "method is null or method !~ '^[A-Z_]{2,32}$'"),
        """update {stage} set lo = private.legacy_money(data ->> 'min_amount'), hi = private.legacy_money(data ->> 'max_amount')""",
        # The operator's account numbers and instructions come over; our limits stay unless the old ones are sane.
        """insert into public.payment_configs (config_key, config_type, method, config_data, min_amount, max_amount,
                                              processing_time, is_enabled, sort_order)
           select lower(ctype || '_' || method), ctype, method, data - 'min_amount' - 'max_amount' - 'fee_rate',
                  case when lo > 0 then lo else 10 end, greatest(coalesce(hi, 10000), case when lo > 0 then lo else 10 end),
                  data ->> 'processing_time', coalesce(is_enabled::boolean, true), coalesce(sort_order::integer, 0)
             from {stage} where reason is null
           on conflict (config_type, method) do update
             set config_data = public.payment_configs.config_data || excluded.config_data
                   -- language by language: a language the old instructions lack keeps ours
                   || case when jsonb_typeof(excluded.config_data -> 'instructions') = 'object'
                                and jsonb_typeof(public.payment_configs.config_data -> 'instructions') = 'object'
                           then jsonb_build_object('instructions', (public.payment_configs.config_data -> 'instructions')
                                                                   || (excluded.config_data -> 'instructions'))
                           else '{}'::jsonb end,
                 is_enabled = excluded.is_enabled, sort_order = excluded.sort_order""",
    ),
)

STEPS: tuple[Step, ...] = (
    USERS,
    REFERRALS,
    WALLETS,
    ENSURE_WALLETS,
    LEDGER,
    LOTTERIES,
    ORDERS,
    TICKETS,
    FINALIZE_LOTTERIES,
    REFUNDS,
    PRIZES,
    PRIZES_FOR_WINNERS,
    SHIPPING,
    RESALES,
    SHOWOFFS,
    LIKES,
    LIKES_COUNT,
    NOTIFICATIONS,
    DEPOSITS,
    WITHDRAWALS,
    PAYMENT_CONFIG,
    SESSIONS,
    COMMISSIONS,
    TRANSACTIONS,
)
