-- The previous LuckyMart database as /work/shared/seed/DATABASE_MAPPING.md ("Active & Verified Tables" and the
-- empty ones) and ORIGINAL.md (deposit_requests, withdrawal_requests, payment_config) document it: the documented
-- columns only, uuid ids, and deliberately few constraints, because the live data violates the ones a careful
-- schema would have (duplicate codes, orphans, negative balances). Money columns are text: the old functions
-- wrote JS values through PostgREST, and the migration must read "12.50", "12,5", "NaN" and "-3" alike.
-- Loaded into a separate database by the tests; the migration only ever reads it.

create table users (
  id uuid primary key, telegram_id text, telegram_username text,
  first_name text, last_name text, avatar_url text,
  language_code text, phone_number text, email text,
  status text, is_verified boolean, kyc_level text,
  two_factor_enabled boolean,
  last_login_at timestamptz, last_active_at timestamptz,
  referral_code text, referred_by_id uuid, referrer_id uuid,
  referral_level integer, level integer, commission_rate text,
  total_spent text, total_won text, total_lotteries integer, winning_rate text,
  created_at timestamptz, updated_at timestamptz, deleted_at timestamptz
);

create table user_sessions (
  id uuid primary key, user_id uuid, session_token text,
  device text, ip_address text, user_agent text, location text,
  is_active boolean, expires_at timestamptz, created_at timestamptz
);

create table wallets (
  id uuid primary key, user_id uuid,
  type text, currency text,
  balance text, frozen_balance text,
  total_deposits text, total_withdrawals text,
  version integer, created_at timestamptz, updated_at timestamptz
);

create table wallet_transactions (
  id uuid primary key, wallet_id uuid,
  type text, amount text, balance_before text, balance_after text,
  status text, description text,
  related_order_id uuid, related_lottery_id uuid, reference_id text,
  processed_at timestamptz, created_at timestamptz
);

create table lotteries (
  id uuid primary key, period text, title text, description text, image_url text,
  ticket_price text, total_tickets integer, max_per_user integer, currency text,
  title_i18n jsonb, description_i18n jsonb, details_i18n jsonb,
  specifications_i18n jsonb, material_i18n jsonb, name_i18n jsonb,
  image_urls jsonb,
  status text, sold_tickets integer, unlimited_purchase boolean,
  start_time timestamptz, end_time timestamptz, draw_time timestamptz, actual_draw_time timestamptz,
  winning_numbers jsonb, winning_ticket_number integer, winning_user_id uuid,
  vrf_seed text, vrf_proof text, vrf_timestamp timestamptz,
  draw_algorithm_data jsonb,
  created_at timestamptz, updated_at timestamptz
);

create table tickets (
  id uuid primary key, user_id uuid, lottery_id uuid, order_id uuid,
  ticket_number integer, is_winning boolean, created_at timestamptz
);

create table lottery_entries (
  id uuid primary key, user_id uuid, lottery_id uuid, order_id uuid,
  numbers jsonb, is_winning boolean, prize_amount text, prize_rank integer,
  status text, is_from_market boolean, original_owner uuid,
  created_at timestamptz, updated_at timestamptz
);

create table orders (
  id uuid primary key, user_id uuid, order_number text,
  type text, total_amount text, currency text, payment_method text,
  lottery_id uuid, quantity integer, selected_numbers jsonb,
  status text, payment_id text, payment_data jsonb, paid_at timestamptz,
  created_at timestamptz, updated_at timestamptz, expired_at timestamptz
);

create table transactions (
  id uuid primary key, user_id uuid,
  type text, amount text, currency text, status text,
  related_id text, related_type text,
  balance_before text, balance_after text, notes text,
  created_at timestamptz, updated_at timestamptz
);

create table commissions (
  id uuid primary key, user_id uuid, from_user_id uuid,
  level integer, type text,
  amount text, rate text, source_amount text,
  related_order_id uuid, related_lottery_id uuid,
  status text, paid_at timestamptz,
  created_at timestamptz, updated_at timestamptz
);

create table prizes (
  id uuid primary key, user_id uuid, lottery_id uuid,
  prize_type text, prize_value text,
  status text, created_at timestamptz, won_at timestamptz
);

create table shipping (
  id uuid primary key, prize_id uuid, user_id uuid,
  recipient_name text, phone text, address text,
  tracking_number text, shipping_method text,
  status text, shipped_at timestamptz, delivered_at timestamptz
);

create table resales (
  id uuid primary key, seller_id uuid, buyer_id uuid,
  lottery_id uuid, ticket_id uuid,
  resale_price text, original_price text,
  status text, created_at timestamptz, updated_at timestamptz, sold_at timestamptz
);

create table showoffs (
  id uuid primary key, user_id uuid, lottery_id uuid, prize_id uuid,
  content text, images jsonb,
  likes_count integer, comments_count integer,
  status text, admin_note text, reviewed_at timestamptz,
  reward_coins text,
  created_at timestamptz, updated_at timestamptz
);

create table likes (
  id uuid primary key, post_id uuid, user_id uuid, created_at timestamptz
);

create table notifications (
  id uuid primary key, user_id uuid, type text, title text, content text,
  related_id text, related_type text, is_read boolean, read_at timestamptz,
  priority text, action_url text, expires_at timestamptz,
  created_at timestamptz, updated_at timestamptz
);

create table deposit_requests (
  id uuid primary key, user_id uuid, order_number text,
  amount text, currency text, payment_method text,
  payment_proof_images jsonb, payment_reference text, payer_name text, payer_account text,
  status text, admin_id uuid, admin_note text, reviewed_at timestamptz,
  created_at timestamptz, updated_at timestamptz
);

create table withdrawal_requests (
  id uuid primary key, user_id uuid, order_number text,
  amount text, currency text, withdrawal_method text,
  bank_name text, bank_account_number text, bank_account_name text, bank_branch text,
  id_card_number text, id_card_name text, phone_number text,
  mobile_wallet_number text, mobile_wallet_name text,
  status text, admin_id uuid, admin_note text, reviewed_at timestamptz,
  transfer_proof_images jsonb, transfer_reference text, completed_at timestamptz,
  created_at timestamptz, updated_at timestamptz
);

create table payment_config (
  id uuid primary key, config_key text, config_type text, config_data jsonb,
  is_enabled boolean, sort_order integer, created_at timestamptz, updated_at timestamptz
);
