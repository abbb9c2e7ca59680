-- LuckyMart schema: every table of SPEC §6 with its constraints, indexes and RLS.
-- Statuses are text + CHECK (easy to extend in a migration); money is numeric(18,2); every FK is declared.
-- RLS is enabled on every table; only public data gets a read policy for anon/authenticated, and writes go
-- exclusively through security-definer functions called with the service-role key.

create schema if not exists private;
revoke all on schema private from public;

create or replace function private.touch_updated_at() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  new.updated_at := now();
  return new;
end
$$;

-- ---------------------------------------------------------------- users and sessions
create table public.users (
  id                                 uuid primary key default gen_random_uuid(),
  telegram_id                        text not null unique check (telegram_id ~ '^[0-9]{1,20}$'),
  telegram_username                  text,
  first_name                         text,
  last_name                          text,
  avatar_url                         text,
  language_code                      text not null default 'zh',
  phone_number                       text,
  email                              text,
  status                             text not null default 'ACTIVE' check (status in ('ACTIVE', 'SUSPENDED', 'BANNED')),
  is_verified                        boolean not null default false,
  kyc_level                          text not null default 'NONE',
  two_factor_enabled                 boolean not null default false,
  last_login_at                      timestamptz,
  last_active_at                     timestamptz,
  referral_code                      text not null unique check (referral_code ~ '^[A-Z0-9]{4,16}$'),
  referred_by_id                     uuid references public.users (id),
  referrer_id                        uuid references public.users (id),  -- legacy mirror of referred_by_id
  referral_level                     integer not null default 0,
  level                              integer not null default 1,
  commission_rate                    numeric(6, 4) not null default 0,
  total_spent                        numeric(18, 2) not null default 0 check (total_spent >= 0),
  total_won                          numeric(18, 2) not null default 0 check (total_won >= 0),
  total_lotteries                    integer not null default 0 check (total_lotteries >= 0),
  winning_rate                       numeric(6, 2) not null default 0,
  first_deposit_bonus_status         text not null default 'none'
                                     check (first_deposit_bonus_status in ('none', 'pending', 'activated', 'expired')),
  first_deposit_bonus_amount         numeric(18, 2) not null default 0 check (first_deposit_bonus_amount >= 0),
  first_deposit_bonus_expire_at      timestamptz,
  first_deposit_bonus_activated_at   timestamptz,
  created_at                         timestamptz not null default now(),
  updated_at                         timestamptz not null default now(),
  deleted_at                         timestamptz,
  constraint users_not_own_referrer check (referred_by_id is distinct from id),
  constraint users_referrer_mirror check (referrer_id is not distinct from referred_by_id),
  constraint users_bonus_pending_has_expiry
    check (first_deposit_bonus_status <> 'pending' or first_deposit_bonus_expire_at is not null)
);
create index users_referred_by_idx on public.users (referred_by_id) where referred_by_id is not null;
create trigger users_touch before update on public.users for each row execute function private.touch_updated_at();

-- A referrer is set once, never to oneself, never closing a cycle (walks the ancestors of the new referrer).
create or replace function private.guard_referrer() returns trigger
language plpgsql
set search_path = ''
as $$
declare
  v_cursor uuid := new.referred_by_id;
  v_depth  integer := 0;
begin
  if tg_op = 'UPDATE' and old.referred_by_id is not null
     and new.referred_by_id is distinct from old.referred_by_id then
    raise exception 'referrer is immutable once set' using errcode = 'check_violation';
  end if;
  while v_cursor is not null loop
    if v_cursor = new.id then
      raise exception 'referral cycle' using errcode = 'check_violation';
    end if;
    v_depth := v_depth + 1;
    if v_depth > 10000 then
      raise exception 'referral chain too deep' using errcode = 'check_violation';
    end if;
    select u.referred_by_id into v_cursor from public.users u where u.id = v_cursor;
  end loop;
  return new;
end
$$;
create trigger users_guard_referrer
  before insert or update of referred_by_id on public.users
  for each row when (new.referred_by_id is not null)
  execute function private.guard_referrer();

create table public.user_sessions (
  id           uuid primary key default gen_random_uuid(),
  user_id      uuid not null references public.users (id) on delete cascade,
  token_hash   text not null unique check (token_hash ~ '^[0-9a-f]{64}$'),  -- sha256 hex; the token itself is never stored
  device       text,
  ip_address   text,
  user_agent   text,
  location     text,
  is_active    boolean not null default true,
  expires_at   timestamptz not null,
  created_at   timestamptz not null default now(),
  last_seen_at timestamptz,
  revoked_at   timestamptz,
  constraint user_sessions_revoked_inactive check (revoked_at is null or not is_active)
);
create index user_sessions_user_idx on public.user_sessions (user_id) where is_active;

-- ---------------------------------------------------------------- admins, roles, permissions, audit
create table public.roles (
  name        text primary key check (name ~ '^[A-Z_]{3,32}$'),
  description text not null default ''
);

create table public.permissions (
  role_name  text not null references public.roles (name) on delete cascade,
  action     text not null check (action ~ '^(\*|[a-z_]+\.[a-z_]+|[a-z_]+\.\*)$'),
  primary key (role_name, action)
);

create table public.admins (
  id               uuid primary key default gen_random_uuid(),
  username         text not null unique check (username ~ '^[a-z0-9_.-]{3,64}$'),
  display_name     text,
  role_name        text not null references public.roles (name),
  token_hash       text unique check (token_hash ~ '^[0-9a-f]{64}$'),
  token_created_at timestamptz,
  status           text not null default 'ACTIVE' check (status in ('ACTIVE', 'DISABLED')),
  created_by       uuid references public.admins (id),
  last_seen_at     timestamptz,
  created_at       timestamptz not null default now(),
  updated_at       timestamptz not null default now()
);
create trigger admins_touch before update on public.admins for each row execute function private.touch_updated_at();

create table public.admin_logs (
  id              bigint generated always as identity primary key,
  admin_id        uuid references public.admins (id),
  action          text not null,
  target_type     text,
  target_id       text,
  request_summary jsonb not null default '{}'::jsonb,
  outcome         text not null check (outcome in ('SUCCESS', 'DENIED', 'FAILED')),
  error_code      text,
  created_at      timestamptz not null default now()
);
create index admin_logs_admin_idx on public.admin_logs (admin_id, created_at desc);
create index admin_logs_created_idx on public.admin_logs (created_at desc);

-- ---------------------------------------------------------------- configuration
create table public.system_config (
  key         text primary key check (key ~ '^[a-z0-9_]+$'),
  value       jsonb not null,
  description text not null default '',
  updated_at  timestamptz not null default now()
);
create trigger system_config_touch before update on public.system_config
  for each row execute function private.touch_updated_at();

create table public.payment_configs (
  id              uuid primary key default gen_random_uuid(),
  config_key      text not null unique,
  config_type     text not null check (config_type in ('DEPOSIT', 'WITHDRAWAL')),
  method          text not null check (method ~ '^[A-Z_]{2,32}$'),
  config_data     jsonb not null default '{}'::jsonb,
  min_amount      numeric(18, 2) not null check (min_amount > 0),
  max_amount      numeric(18, 2) not null,
  fee_rate        numeric(6, 4) not null default 0 check (fee_rate >= 0 and fee_rate < 1),
  processing_time text,
  is_enabled      boolean not null default true,
  sort_order      integer not null default 0,
  created_at      timestamptz not null default now(),
  updated_at      timestamptz not null default now(),
  unique (config_type, method),
  check (max_amount >= min_amount)
);
create trigger payment_configs_touch before update on public.payment_configs
  for each row execute function private.touch_updated_at();

-- ---------------------------------------------------------------- wallets and the ledger
create table public.wallets (
  id                uuid primary key default gen_random_uuid(),
  user_id           uuid not null references public.users (id) on delete cascade,
  type              text not null check (type in ('BALANCE', 'LUCKY_COIN', 'BONUS')),
  currency          text not null default 'TJS' check (currency in ('TJS', 'USD')),
  balance           numeric(18, 2) not null default 0,
  frozen_balance    numeric(18, 2) not null default 0,
  total_deposits    numeric(18, 2) not null default 0 check (total_deposits >= 0),
  total_withdrawals numeric(18, 2) not null default 0 check (total_withdrawals >= 0),
  version           integer not null default 1,
  created_at        timestamptz not null default now(),
  updated_at        timestamptz not null default now(),
  constraint wallets_non_negative check (balance >= 0 and frozen_balance >= 0),
  unique (user_id, type, currency)
);
create trigger wallets_touch before update on public.wallets for each row execute function private.touch_updated_at();

create table public.lotteries (
  id                    uuid primary key default gen_random_uuid(),
  period                text unique,
  title                 text not null check (length(title) between 1 and 200),
  description           text,
  image_url             text,
  image_urls            jsonb not null default '[]'::jsonb check (jsonb_typeof(image_urls) = 'array'),
  ticket_price          numeric(18, 2) not null check (ticket_price > 0),
  total_tickets         integer not null check (total_tickets between 1 and 8999999),
  max_per_user          integer check (max_per_user > 0),
  unlimited_purchase    boolean not null default false,
  currency              text not null default 'TJS' check (currency in ('TJS', 'USD')),
  title_i18n            jsonb,
  description_i18n      jsonb,
  details_i18n          jsonb,
  specifications_i18n   jsonb,
  material_i18n         jsonb,
  name_i18n             jsonb,
  status                text not null default 'UPCOMING'
                        check (status in ('UPCOMING', 'ACTIVE', 'SOLD_OUT', 'DRAWING', 'COMPLETED', 'CANCELLED')),
  sold_tickets          integer not null default 0,
  start_time            timestamptz not null,
  end_time              timestamptz not null,
  draw_time             timestamptz,
  actual_draw_time      timestamptz,
  winning_numbers       jsonb,
  winning_ticket_number integer,   -- the winner is the ticket with is_winning: no user id in a public table
  vrf_seed              text,
  vrf_proof             text,
  vrf_timestamp         timestamptz,
  draw_commitment       jsonb,   -- public signed fair-draw commitment (notes/fairdraw.md §1)
  draw_algorithm_data   jsonb,   -- the signed draw record once drawn
  cancelled_at          timestamptz,
  created_at            timestamptz not null default now(),
  updated_at            timestamptz not null default now(),
  constraint lotteries_sold_bounds check (sold_tickets between 0 and total_tickets),
  constraint lotteries_window check (end_time > start_time),
  constraint lotteries_sold_out_complete check (status not in ('SOLD_OUT', 'DRAWING', 'COMPLETED')
                                                or sold_tickets = total_tickets),
  constraint lotteries_completed_has_winner check (status <> 'COMPLETED' or winning_ticket_number is not null),
  -- anon never sees a CANCELLED row, so every row it sees has cancelled_at null
  constraint lotteries_cancelled_at check (cancelled_at is null or status = 'CANCELLED')
);
create index lotteries_status_idx on public.lotteries (status, draw_time);
create trigger lotteries_touch before update on public.lotteries for each row execute function private.touch_updated_at();

-- The secret half of the fair draw: never exposed through PostgREST (no policy, no grant).
create table public.draw_commitments (
  lottery_id        uuid primary key references public.lotteries (id) on delete cascade,
  seed_ciphertext   bytea not null,
  seed_commitment   text not null check (seed_commitment ~ '^[0-9a-f]{64}$'),
  merkle_frontier   bytea[] not null default '{}',   -- RFC 6962 compact range: perfect-subtree roots
  merkle_heights    integer[] not null default '{}',
  entries_count     integer not null default 0 check (entries_count >= 0),
  entries_root      text check (entries_root ~ '^[0-9a-f]{64}$'),
  frozen_at         timestamptz,
  seed_revealed_at  timestamptz,
  created_at        timestamptz not null default now()
);

create table public.orders (
  id               uuid primary key default gen_random_uuid(),
  user_id          uuid not null references public.users (id),
  order_number     text not null unique,
  type             text not null check (type in ('LOTTERY_PURCHASE', 'DEPOSIT', 'WITHDRAW', 'MARKET')),
  total_amount     numeric(18, 2) not null check (total_amount >= 0),
  currency         text not null default 'TJS' check (currency in ('TJS', 'USD')),
  payment_method   text not null check (payment_method in ('BALANCE', 'LUCKY_COIN', 'BONUS')),
  wallet_id        uuid references public.wallets (id),
  lottery_id       uuid references public.lotteries (id),
  quantity         integer check (quantity between 1 and 100),
  selected_numbers jsonb,
  status           text not null default 'PENDING' check (status in ('PENDING', 'PAID', 'CANCELLED', 'REFUNDED', 'EXPIRED')),
  payment_id       text,
  payment_data     jsonb,
  paid_at          timestamptz,
  refunded_at      timestamptz,
  created_at       timestamptz not null default now(),
  updated_at       timestamptz not null default now(),
  expired_at       timestamptz
);
create index orders_user_idx on public.orders (user_id, created_at desc);
create index orders_lottery_idx on public.orders (lottery_id, status);
create trigger orders_touch before update on public.orders for each row execute function private.touch_updated_at();

create table public.wallet_transactions (
  id                 uuid primary key default gen_random_uuid(),
  wallet_id          uuid not null references public.wallets (id),
  type               text not null check (type in (
                       'DEPOSIT', 'WITHDRAWAL_FREEZE', 'WITHDRAWAL_REFUND', 'WITHDRAWAL',
                       'EXCHANGE_OUT', 'EXCHANGE_IN', 'LOTTERY_PURCHASE', 'LOTTERY_REFUND',
                       'COMMISSION', 'BONUS', 'RESALE_PURCHASE', 'RESALE_INCOME', 'SHOWOFF_REWARD', 'ADJUSTMENT',
                       'MIGRATION_OPENING')),  -- a legacy wallet's balance at cutover (luckymart-admin migrate-legacy)
  amount             numeric(18, 2) not null,
  balance_before     numeric(18, 2) not null,
  balance_after      numeric(18, 2) not null check (balance_after >= 0),
  frozen_delta       numeric(18, 2) not null default 0,  -- change of frozen_balance (withdrawal freeze / payout)
  status             text not null default 'COMPLETED' check (status in ('PENDING', 'COMPLETED', 'FAILED')),
  description        text,
  related_order_id   uuid references public.orders (id),
  related_lottery_id uuid references public.lotteries (id),
  reference_type     text,
  reference_id       uuid,
  processed_at       timestamptz not null default now(),
  created_at         timestamptz not null default now(),
  constraint wallet_transactions_arithmetic check (balance_after = balance_before + amount),
  constraint wallet_transactions_moves_money check (amount <> 0 or frozen_delta <> 0),
  constraint wallet_transactions_reference check ((reference_type is null) = (reference_id is null))
);
create index wallet_transactions_wallet_idx on public.wallet_transactions (wallet_id, created_at desc);
-- One ledger row per (wallet, kind, cause): a replayed cause cannot credit or debit twice.
create unique index wallet_transactions_once on public.wallet_transactions (wallet_id, type, reference_type, reference_id)
  where reference_id is not null;
-- Audits and the invariant checker look ledger rows up by their cause (deposit, withdrawal, exchange, commission).
create index wallet_transactions_reference_idx on public.wallet_transactions (reference_id) where reference_id is not null;

create table public.exchange_records (
  id                    uuid primary key default gen_random_uuid(),
  user_id               uuid not null references public.users (id),
  exchange_type         text not null default 'BALANCE_TO_COIN' check (exchange_type in ('BALANCE_TO_COIN')),
  amount                numeric(18, 2) not null check (amount > 0),
  currency              text not null default 'TJS',
  exchange_rate         numeric(12, 6) not null check (exchange_rate > 0),
  converted_amount      numeric(18, 2) not null check (converted_amount >= 0),
  source_wallet_id      uuid not null references public.wallets (id),
  target_wallet_id      uuid not null references public.wallets (id),
  source_balance_before numeric(18, 2) not null,
  source_balance_after  numeric(18, 2) not null,
  target_balance_before numeric(18, 2) not null,
  target_balance_after  numeric(18, 2) not null,
  created_at            timestamptz not null default now()
);
create index exchange_records_user_idx on public.exchange_records (user_id, created_at desc);

create table public.tickets (
  id            uuid primary key default gen_random_uuid(),
  lottery_id    uuid not null references public.lotteries (id),
  user_id       uuid not null references public.users (id),
  order_id      uuid not null references public.orders (id),
  seq           integer not null check (seq >= 1),
  ticket_number integer not null,
  buyer_ref     text not null check (buyer_ref ~ '^[0-9a-f]{16}$'),
  status        text not null default 'ACTIVE' check (status in ('ACTIVE', 'REFUNDED')),
  is_winning    boolean not null default false,
  created_at    timestamptz not null default now(),
  constraint tickets_number_from_seq check (ticket_number = 1000000 + seq),
  unique (lottery_id, seq),
  unique (lottery_id, ticket_number)
);
create unique index tickets_one_winner on public.tickets (lottery_id) where is_winning;
create index tickets_user_idx on public.tickets (user_id, lottery_id);
create index tickets_order_idx on public.tickets (order_id);

create table public.lottery_results (
  id                   uuid primary key default gen_random_uuid(),
  lottery_id           uuid not null unique references public.lotteries (id),
  winner_ticket_number integer not null,   -- who won is private: tickets.is_winning, prizes

  winning_number       text not null,
  algorithm_type       text not null default 'fairdraw-v1',
  algorithm_data       jsonb not null,
  draw_time            timestamptz not null,
  created_at           timestamptz not null default now(),
  foreign key (lottery_id, winner_ticket_number) references public.tickets (lottery_id, ticket_number)
);

create table public.commissions (
  id                 uuid primary key default gen_random_uuid(),
  user_id            uuid not null references public.users (id),   -- the referrer who earns
  from_user_id       uuid not null references public.users (id),   -- the buyer
  level              integer not null check (level between 1 and 3),
  type               text not null default 'LOTTERY_PURCHASE',
  amount             numeric(18, 2) not null check (amount >= 0),
  rate               numeric(6, 4) not null check (rate >= 0 and rate < 1),
  source_amount      numeric(18, 2) not null check (source_amount > 0),
  related_order_id   uuid not null references public.orders (id),
  related_lottery_id uuid references public.lotteries (id),
  status             text not null default 'PENDING' check (status in ('PENDING', 'PAID', 'CANCELLED')),
  paid_at            timestamptz,
  created_at         timestamptz not null default now(),
  updated_at         timestamptz not null default now(),
  constraint commissions_not_self check (user_id <> from_user_id),
  unique (related_order_id, level)
);
create index commissions_user_idx on public.commissions (user_id, created_at desc);
create index commissions_from_idx on public.commissions (from_user_id);

create table public.deposits (
  id                   uuid primary key default gen_random_uuid(),
  user_id              uuid not null references public.users (id),
  order_number         text not null unique,
  amount               numeric(18, 2) not null check (amount > 0),
  currency             text not null default 'TJS' check (currency in ('TJS', 'USD')),
  payment_method       text not null,
  payment_proof_images jsonb not null default '[]'::jsonb
                       check (jsonb_typeof(payment_proof_images) = 'array' and jsonb_array_length(payment_proof_images) <= 5),
  payment_reference    text,
  payer_name           text,
  payer_account        text,
  status               text not null default 'PENDING' check (status in ('PENDING', 'APPROVED', 'REJECTED')),
  admin_id             uuid references public.admins (id),
  admin_note           text,
  reviewed_at          timestamptz,
  created_at           timestamptz not null default now(),
  updated_at           timestamptz not null default now(),
  constraint deposits_reviewed check ((status = 'PENDING') = (reviewed_at is null))
);
create index deposits_status_idx on public.deposits (status, created_at);
create index deposits_user_idx on public.deposits (user_id, created_at desc);
create trigger deposits_touch before update on public.deposits for each row execute function private.touch_updated_at();

create table public.withdrawals (
  id                    uuid primary key default gen_random_uuid(),
  user_id               uuid not null references public.users (id),
  wallet_id             uuid not null references public.wallets (id),
  order_number          text not null unique,
  amount                numeric(18, 2) not null check (amount > 0),
  fee                   numeric(18, 2) not null default 0 check (fee >= 0),
  currency              text not null default 'TJS' check (currency in ('TJS', 'USD')),
  withdrawal_method     text not null,
  bank_name             text,
  bank_account_number   text,
  bank_account_name     text,
  bank_branch           text,
  id_card_number        text,
  id_card_name          text,
  phone_number          text,
  mobile_wallet_number  text,
  mobile_wallet_name    text,
  status                text not null default 'PENDING' check (status in ('PENDING', 'COMPLETED', 'REJECTED')),
  transfer_proof_images jsonb not null default '[]'::jsonb,
  transfer_reference    text,
  admin_id              uuid references public.admins (id),
  admin_note            text,
  reviewed_at           timestamptz,
  completed_at          timestamptz,
  created_at            timestamptz not null default now(),
  updated_at            timestamptz not null default now(),
  constraint withdrawals_fee_le_amount check (fee <= amount),
  constraint withdrawals_completed check ((status = 'COMPLETED') = (completed_at is not null))
);
create index withdrawals_status_idx on public.withdrawals (status, created_at);
create index withdrawals_user_pending_idx on public.withdrawals (user_id) where status = 'PENDING';
create trigger withdrawals_touch before update on public.withdrawals for each row execute function private.touch_updated_at();

-- ---------------------------------------------------------------- prizes, shipping, market, social
create table public.prizes (
  id              uuid primary key default gen_random_uuid(),
  user_id         uuid not null references public.users (id),
  lottery_id      uuid not null references public.lotteries (id),
  ticket_id       uuid references public.tickets (id),
  source_prize_id uuid references public.prizes (id),   -- set when acquired on the resale market
  acquired_via    text not null default 'DRAW' check (acquired_via in ('DRAW', 'RESALE')),
  winning_code    text not null,
  prize_name      text not null,
  prize_image     text,
  prize_type      text not null default 'PHYSICAL',
  prize_value     numeric(18, 2) not null check (prize_value > 0),
  status          text not null default 'PENDING'
                  check (status in ('PENDING', 'SHIPPING', 'SHIPPED', 'DELIVERED', 'RESELLING', 'RESOLD')),
  algorithm_data  jsonb,
  won_at          timestamptz not null default now(),
  processed_at    timestamptz,
  created_at      timestamptz not null default now(),
  updated_at      timestamptz not null default now(),
  constraint prizes_origin check ((acquired_via = 'RESALE') = (source_prize_id is not null))
);
create unique index prizes_one_draw_prize on public.prizes (lottery_id) where acquired_via = 'DRAW';
create unique index prizes_resold_once on public.prizes (source_prize_id) where source_prize_id is not null;
create index prizes_user_idx on public.prizes (user_id, won_at desc);
create trigger prizes_touch before update on public.prizes for each row execute function private.touch_updated_at();

create table public.shipping (
  id                    uuid primary key default gen_random_uuid(),
  prize_id              uuid not null references public.prizes (id),
  user_id               uuid not null references public.users (id),
  recipient_name        text not null check (length(recipient_name) between 1 and 100),
  recipient_phone       text not null check (length(recipient_phone) between 3 and 32),
  recipient_address     text not null check (length(recipient_address) between 1 and 500),
  recipient_city        text,
  recipient_region      text,
  recipient_postal_code text,
  recipient_country     text not null default 'Tajikistan',
  notes                 text,
  status                text not null default 'PENDING' check (status in ('PENDING', 'SHIPPED', 'DELIVERED', 'CANCELLED')),
  tracking_number       text,
  shipping_company      text,
  shipping_method       text,
  admin_notes           text,
  requested_at          timestamptz not null default now(),
  shipped_at            timestamptz,
  delivered_at          timestamptz,
  created_at            timestamptz not null default now(),
  updated_at            timestamptz not null default now(),
  constraint shipping_shipped_has_tracking check (status not in ('SHIPPED', 'DELIVERED') or tracking_number is not null)
);
create unique index shipping_one_per_prize on public.shipping (prize_id) where status <> 'CANCELLED';
create index shipping_status_idx on public.shipping (status, requested_at);
create trigger shipping_touch before update on public.shipping for each row execute function private.touch_updated_at();

-- anon reads ACTIVE listings with select=*, so no user id lives here: the seller owns the listed prize
-- (prizes.user_id), the buyer owns the prize the sale created (prizes.source_prize_id = prize_id); what a sale
-- paid out is null on every ACTIVE row (resales_active_unsettled), the only rows anon sees.
create table public.resales (
  id             uuid primary key default gen_random_uuid(),
  prize_id       uuid not null references public.prizes (id),
  lottery_id     uuid not null references public.lotteries (id),
  ticket_id      uuid references public.tickets (id),
  resale_price   numeric(18, 2) not null check (resale_price > 0),
  original_price numeric(18, 2) not null check (original_price > 0),
  fee_amount     numeric(18, 2) check (fee_amount >= 0),
  seller_amount  numeric(18, 2) check (seller_amount >= 0),
  payment_method text check (payment_method in ('BALANCE', 'LUCKY_COIN')),
  status         text not null default 'ACTIVE' check (status in ('ACTIVE', 'SOLD', 'CANCELLED')),
  sold_at        timestamptz,
  cancelled_at   timestamptz,
  created_at     timestamptz not null default now(),
  updated_at     timestamptz not null default now(),
  constraint resales_active_unsettled check (status <> 'ACTIVE' or (fee_amount is null
                                             and seller_amount is null and payment_method is null
                                             and sold_at is null and cancelled_at is null)),
  constraint resales_sold_complete check (status <> 'SOLD' or (sold_at is not null
                                          and fee_amount is not null and seller_amount is not null))
);
create unique index resales_one_active_per_prize on public.resales (prize_id) where status = 'ACTIVE';
create index resales_market_idx on public.resales (status, created_at desc);
create trigger resales_touch before update on public.resales for each row execute function private.touch_updated_at();

-- anon reads APPROVED showoffs with select=*: the author is the prize's owner (prizes.user_id) and the moderation
-- details live in showoff_reviews, so nothing here names a user or an admin.
create table public.showoffs (
  id             uuid primary key default gen_random_uuid(),
  lottery_id     uuid not null references public.lotteries (id),
  prize_id       uuid not null unique references public.prizes (id),
  content        text not null check (length(content) between 1 and 2000),
  images         jsonb not null default '[]'::jsonb
                 check (jsonb_typeof(images) = 'array' and jsonb_array_length(images) <= 9),
  likes_count    integer not null default 0 check (likes_count >= 0),
  comments_count integer not null default 0 check (comments_count >= 0),
  status         text not null default 'PENDING' check (status in ('PENDING', 'APPROVED', 'REJECTED')),
  reviewed_at    timestamptz,
  reward_coins   numeric(18, 2) not null default 0 check (reward_coins between 0 and 100),
  hidden_at      timestamptz,   -- set while the author is banned: off the feed, not likeable
  created_at     timestamptz not null default now(),
  updated_at     timestamptz not null default now()
);
create index showoffs_feed_idx on public.showoffs (status, created_at desc);
create trigger showoffs_touch before update on public.showoffs for each row execute function private.touch_updated_at();

create table public.showoff_reviews (
  showoff_id  uuid primary key references public.showoffs (id) on delete cascade,
  reviewed_by uuid not null references public.admins (id),
  admin_note  text,
  created_at  timestamptz not null default now()
);

create table public.likes (
  id         uuid primary key default gen_random_uuid(),
  post_id    uuid not null references public.showoffs (id) on delete cascade,
  user_id    uuid not null references public.users (id),
  created_at timestamptz not null default now(),
  unique (post_id, user_id)
);

create table public.notifications (
  id           uuid primary key default gen_random_uuid(),
  user_id      uuid not null references public.users (id),
  type         text not null,
  title        text not null,
  content      text not null default '',
  data         jsonb not null default '{}'::jsonb,
  related_id   uuid,
  related_type text,
  is_read      boolean not null default false,
  read_at      timestamptz,
  created_at   timestamptz not null default now(),
  updated_at   timestamptz not null default now()
);
create index notifications_user_idx on public.notifications (user_id, created_at desc);
create index notifications_unread_idx on public.notifications (user_id) where not is_read;

create table public.idempotency_keys (
  user_id      uuid not null references public.users (id) on delete cascade,
  scope        text not null,
  key          text not null check (length(key) between 1 and 255),
  request_hash text not null,
  response     jsonb,
  created_at   timestamptz not null default now(),
  primary key (user_id, scope, key)
);

-- ---------------------------------------------------------------- compatibility views (old readers)
-- security_invoker: the caller's RLS applies, so these expose nothing their base tables do not.
create view public.lottery_entries with (security_invoker = true) as
select t.id, t.user_id, t.lottery_id, t.order_id,
       to_jsonb(t.ticket_number::text) as numbers,
       t.is_winning, null::numeric(18, 2) as prize_amount, null::integer as prize_rank,
       t.status, false as is_from_market, null::uuid as original_owner,
       t.created_at, t.created_at as updated_at
  from public.tickets t;

create view public.transactions with (security_invoker = true) as
select wt.id, w.user_id, wt.type, wt.amount, w.currency, wt.status,
       wt.reference_id as related_id, wt.reference_type as related_type,
       wt.balance_before, wt.balance_after, wt.description as notes,
       wt.created_at, wt.processed_at as updated_at
  from public.wallet_transactions wt
  join public.wallets w on w.id = wt.wallet_id;

-- ---------------------------------------------------------------- RLS and grants
do $$
declare
  t record;
begin
  for t in select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
            where n.nspname = 'public' and c.relkind = 'r'
  loop
    execute format('alter table public.%I enable row level security', t.relname);
    execute format('alter table public.%I force row level security', t.relname);
    execute format('revoke all on table public.%I from anon, authenticated', t.relname);
    execute format('grant all on table public.%I to service_role', t.relname);
  end loop;
end
$$;
revoke all on public.lottery_entries, public.transactions from anon, authenticated;

-- Public data only: listed lotteries, draw results, the market's active listings, approved showoffs, enabled
-- payment methods. These five tables hold no private column at all (user ids, admin notes and payouts live in
-- tables anon cannot read), so the old frontend's `select('*')` works; every column is still granted by name,
-- so a column added later stays hidden (and select=* fails in tests/security) until someone decides it is public.
grant select (id, period, title, description, image_url, image_urls, ticket_price, total_tickets, max_per_user,
              unlimited_purchase, currency, title_i18n, description_i18n, details_i18n, specifications_i18n,
              material_i18n, name_i18n, status, sold_tickets, start_time, end_time, draw_time, actual_draw_time,
              winning_numbers, winning_ticket_number, vrf_seed, vrf_proof, vrf_timestamp, draw_commitment,
              draw_algorithm_data, cancelled_at, created_at, updated_at)
  on public.lotteries to anon, authenticated;
create policy lotteries_public_read on public.lotteries for select to anon, authenticated
  using (status in ('UPCOMING', 'ACTIVE', 'SOLD_OUT', 'DRAWING', 'COMPLETED'));

grant select (id, lottery_id, winner_ticket_number, winning_number, algorithm_type, algorithm_data, draw_time,
              created_at)
  on public.lottery_results to anon, authenticated;
create policy lottery_results_public_read on public.lottery_results for select to anon, authenticated using (true);

grant select (id, prize_id, lottery_id, ticket_id, resale_price, original_price, fee_amount, seller_amount,
              payment_method, status, sold_at, cancelled_at, created_at, updated_at)
  on public.resales to anon, authenticated;
create policy resales_public_read on public.resales for select to anon, authenticated using (status = 'ACTIVE');

-- hidden_at is always null on the rows anon sees (the policy below): public so that select('*') works
grant select (id, lottery_id, prize_id, content, images, likes_count, comments_count, status, reviewed_at,
              reward_coins, hidden_at, created_at, updated_at)
  on public.showoffs to anon, authenticated;
create policy showoffs_public_read on public.showoffs for select to anon, authenticated
  using (status = 'APPROVED' and hidden_at is null);

grant select (id, config_key, config_type, method, config_data, min_amount, max_amount, fee_rate, processing_time,
              is_enabled, sort_order, created_at, updated_at)
  on public.payment_configs to anon, authenticated;
create policy payment_configs_public_read on public.payment_configs for select to anon, authenticated
  using (is_enabled);

-- No function of this project is executable by the API roles unless a migration grants it explicitly.
alter default privileges in schema public revoke execute on functions from public, anon, authenticated;
alter default privileges in schema private revoke execute on functions from public;
