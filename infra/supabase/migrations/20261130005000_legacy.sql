-- Cutover from the previous LuckyMart database (issue 16, `luckymart-admin migrate-legacy`, docs/cutover.md).
-- The operator tool (luckymart_cli/legacy) streams the old tables in batches and writes them with set-based SQL;
-- what it needs to be resumable, idempotent and explainable lives here:
--   private.legacy_steps          checkpoint per step (last legacy key done, counts), written in each batch's txn
--   private.legacy_id_map         legacy id -> our id, for rows whose id changes (merged duplicates, wallets)
--   private.legacy_report_rows    every skipped or fixed legacy row with its reason (exported as CSV)
--   private.legacy_money_notes    every cent that differs between the old wallets and ours, with its reason
--   private.legacy_lottery_winners  the recorded winner of each lottery drawn before cutover
--   private.legacy_archive        read-only history never replayed: the old ledger, commissions, settled requests

create table private.legacy_steps (
  step        text primary key,
  last_key    text,
  done        boolean not null default false,
  read        bigint not null default 0,
  imported    bigint not null default 0,
  started_at  timestamptz not null default now(),
  finished_at timestamptz
);

create table private.legacy_id_map (
  kind      text not null,
  legacy_id text not null,
  target_id uuid not null,
  primary key (kind, legacy_id)
);
create index legacy_id_map_target_idx on private.legacy_id_map (kind, target_id);

create table private.legacy_report_rows (
  id           bigint generated always as identity primary key,
  step         text not null,
  legacy_table text not null,
  legacy_id    text,
  action       text not null check (action in ('skipped', 'fixed')),
  reason       text not null,
  detail       text,
  unique (step, legacy_table, legacy_id, action, reason)
);

create table private.legacy_money_notes (
  id           bigint generated always as identity primary key,
  currency     text not null,
  wallet_type  text not null,
  amount       numeric,          -- null: the old value was not a number (listed, cannot be summed)
  reason       text not null,
  legacy_table text not null,
  legacy_id    text not null,
  unique (legacy_table, legacy_id, reason)
);

-- Who won each lottery drawn before cutover (the public lotteries table names no user): read by the tickets and
-- prizes steps to mark the winner's ticket and owe the winner's prize.
create table private.legacy_lottery_winners (
  lottery_id uuid primary key references public.lotteries (id),
  user_id    uuid not null references public.users (id)
);

create table private.legacy_archive (
  source_table text not null,
  source_id    text not null,
  data         jsonb not null,
  archived_at  timestamptz not null default now(),
  primary key (source_table, source_id)
);

-- History is kept as it was: no update or delete, ever (truncate included).
create or replace function private.legacy_archive_read_only() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  raise exception 'legacy_archive is read-only history' using errcode = 'insufficient_privilege';
end
$$;
create trigger legacy_archive_read_only before update or delete on private.legacy_archive
  for each row execute function private.legacy_archive_read_only();
create trigger legacy_archive_no_truncate before truncate on private.legacy_archive
  for each statement execute function private.legacy_archive_read_only();

-- ---------------------------------------------------------------- tolerant parsing of the old values
-- Old amounts were written as JS values through PostgREST: "12.50", " 12,5 ", "+7", "NaN", "". Anything that is
-- not a plain decimal number is null (reported), never guessed.
create or replace function private.legacy_money(p_text text) returns numeric
language sql immutable
set search_path = ''
as $$
  select case when replace(btrim(p_text), ',', '.') ~ '^[-+]?[0-9]{1,15}(\.[0-9]+)?$'
              then replace(btrim(p_text), ',', '.')::numeric end
$$;

create or replace function private.legacy_uuid(p_text text) returns uuid
language sql immutable
set search_path = ''
as $$
  select case when btrim(p_text) ~* '^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$'
              then btrim(p_text)::uuid end
$$;

create or replace function private.legacy_jsonb(p_text text) returns jsonb
language plpgsql immutable
set search_path = ''
as $$
begin
  return p_text::jsonb;
exception when others then
  return null;
end
$$;

-- ---------------------------------------------------------------- row-wise steps (each in its own subtransaction)
-- Links a referrer through the same guard every sign-up goes through; a link that would close a cycle is refused
-- by the trigger and reported instead of failing the batch.
create or replace function private.legacy_link_referrer(p_user uuid, p_referrer uuid) returns text
language plpgsql
set search_path = ''
as $$
begin
  update public.users set referred_by_id = p_referrer, referrer_id = p_referrer, referral_level = 1
   where id = p_user and referred_by_id is null;
  return null;
exception when check_violation then
  return 'referral_cycle';
end
$$;

-- Freezes an old PENDING withdrawal now (the old system never did), through the one ledger path. Returns false
-- when the balance cannot cover it: the caller reports the user and imports nothing (no negative balance).
create or replace function private.legacy_freeze_withdrawal(p_withdrawal_id uuid) returns boolean
language plpgsql
set search_path = ''
as $$
declare
  v_withdrawal public.withdrawals;
begin
  select * into v_withdrawal from public.withdrawals where id = p_withdrawal_id;
  perform private.wallet_apply(v_withdrawal.wallet_id, -v_withdrawal.amount, 'WITHDRAWAL_FREEZE', 'withdrawal',
                               v_withdrawal.id, 'pending at cutover: frozen by migrate-legacy', v_withdrawal.amount);
  return true;
exception when sqlstate 'LM409' or check_violation then
  return false;
end
$$;

-- Refunds one PAID order of a lottery that was still on sale at cutover, exactly once (order status guard plus
-- the ledger's unique (wallet, type, cause) index).
create or replace function private.legacy_refund_order(p_order_id uuid) returns numeric
language plpgsql
set search_path = ''
as $$
declare
  v_order public.orders;
begin
  update public.orders set status = 'REFUNDED', refunded_at = now()
   where id = p_order_id and status = 'PAID' and wallet_id is not null
  returning * into v_order;
  if not found or v_order.total_amount = 0 then
    return 0;
  end if;
  perform private.wallet_apply(v_order.wallet_id, v_order.total_amount, 'LOTTERY_REFUND', 'order', v_order.id,
                               'refund: lottery still on sale at cutover', 0, v_order.id, v_order.lottery_id);
  return v_order.total_amount;
end
$$;

-- ---------------------------------------------------------------- verify-draw for lotteries drawn before cutover
-- The usual verify-draw shape with no commitment and no frozen entries; `record` is the legacy record, whose
-- `legacy: true, verifiable: false, message: "drawn by the previous system, not independently verifiable"` (and
-- `previous`: the old draw data) is what a verifier shows instead of failing.
create or replace function private.legacy_verify_draw_json(p_lottery public.lotteries, p_tickets_limit integer,
                                                           p_tickets_offset integer)
returns jsonb
language sql stable
set search_path = ''
as $$
  select jsonb_build_object(
    'lottery_id', p_lottery.id, 'title', p_lottery.title, 'status', p_lottery.status,
    'lottery', private.verify_draw_lottery_json(p_lottery),
    'commitment', null, 'entries', null,
    'record', p_lottery.draw_algorithm_data,
    'tickets', jsonb_build_object(
      'items', coalesce((
        select jsonb_agg(jsonb_build_object('seq', t.seq, 'ticket_id', t.id, 'ticket_number', t.ticket_number,
                                            'buyer_ref', t.buyer_ref) order by t.seq)
          from public.tickets t
         where t.lottery_id = p_lottery.id and t.seq > private.page_offset(p_tickets_offset)
           and t.seq <= private.page_offset(p_tickets_offset) + private.page_limit(p_tickets_limit, 1000)),
        '[]'::jsonb),
      'total', (select count(*) from public.tickets t where t.lottery_id = p_lottery.id),
      'limit', private.page_limit(p_tickets_limit, 1000), 'offset', private.page_offset(p_tickets_offset)))
$$;

select private.lock_down_functions();
