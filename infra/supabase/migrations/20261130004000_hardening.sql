-- Hardening (issue 15): rate limits inside the SQL call, a cap on active sessions, retention of what piles up,
-- one database role per class of Lambda. Every limit is in system_config (docs/security.md); a missing bucket
-- means "no limit".

-- ---------------------------------------------------------------- a database role per function class
-- The Lambdas reach PostgREST with a JWT whose `role` claim names one of these (keys minted per class, in SSM);
-- PostgREST switches to it, and the role may EXECUTE only its own class of functions (private.function_roles,
-- applied by private.lock_down_functions). No table privileges: every function is security definer.
do $$
declare
  v_role text;
begin
  foreach v_role in array array['luckymart_user', 'luckymart_system', 'luckymart_admin'] loop
    if not exists (select 1 from pg_roles where rolname = v_role) then
      execute format('create role %I nologin noinherit', v_role);
    end if;
    execute format('grant %I to authenticator', v_role);
    execute format('grant usage on schema public to %I', v_role);
  end loop;
end
$$;

insert into public.system_config (key, value, description) values
  ('rate_limits',
   '{"sign_in_user": {"limit": 10, "window_seconds": 60},
     "sign_in_ip": {"limit": 300, "window_seconds": 60},
     "upload_url": {"limit": 20, "window_seconds": 3600},
     "write": {"limit": 300, "window_seconds": 60}}',
   'requests per sliding window: sign-ins per Telegram user and per source IP, upload URLs and writes per user'),
  ('sessions', '{"max_active_per_user": 10}', 'active sessions per user; a new sign-in revokes the oldest beyond it'),
  ('retention',
   '{"batch_size": 1000, "sessions_days": 7, "idempotency_hours": 24, "outbox_days": 7,
     "read_notifications_days": 90}',
   'the scheduled sweep deletes at most batch_size rows of each kind per run: sessions expired or revoked that '
   'many days ago, idempotency keys past their replay window, processed commission outbox rows, read notifications')
on conflict (key) do nothing;

-- ---------------------------------------------------------------- rate limits
-- One row per (bucket, key): a sliding-window counter (the current fixed window's count plus the previous
-- window's count weighted by how much of it still overlaps the sliding window). Writes only through
-- private.rate_limit; RLS on, no grant to the API roles.
create table public.rate_limits (
  bucket         text not null,
  key            text not null,
  window_start   timestamptz not null,
  count          integer not null check (count >= 0),
  previous_count integer not null default 0 check (previous_count >= 0),
  expires_at     timestamptz not null,   -- when the row no longer affects any decision (swept after that)
  primary key (bucket, key)
);
create index rate_limits_expires_idx on public.rate_limits (expires_at);
alter table public.rate_limits enable row level security;
alter table public.rate_limits force row level security;
revoke all on table public.rate_limits from anon, authenticated;
grant all on table public.rate_limits to service_role;

-- Counts one request of p_key in p_bucket and raises 429 RATE_LIMITED when the sliding-window estimate exceeds
-- p_limit. A refused request rolls back with its transaction, so it does not count: a client that keeps trying
-- gets through at the configured rate, never faster. The row lock serialises one key's requests (per user or IP).
create or replace function private.rate_limit(p_bucket text, p_key text, p_limit integer, p_window_seconds integer)
returns void
language plpgsql
set search_path = ''
as $$
declare
  v_window  interval := make_interval(secs => p_window_seconds);
  v_start   timestamptz := to_timestamp(floor(extract(epoch from now()) / p_window_seconds) * p_window_seconds);
  v_count   integer;
  v_prev    integer;
  v_overlap numeric;
begin
  if p_key is null or p_limit is null or p_window_seconds is null or p_window_seconds <= 0 then
    return;
  end if;
  insert into public.rate_limits as r (bucket, key, window_start, count, previous_count, expires_at)
  values (p_bucket, p_key, v_start, 1, 0, v_start + 2 * v_window)
  on conflict (bucket, key) do update
     set previous_count = case when r.window_start = excluded.window_start then r.previous_count
                               when r.window_start = excluded.window_start - v_window then r.count
                               else 0 end,
         count = case when r.window_start = excluded.window_start then r.count + 1 else 1 end,
         window_start = excluded.window_start,
         expires_at = excluded.expires_at
  returning count, previous_count into v_count, v_prev;
  v_overlap := 1 - extract(epoch from now() - v_start) / p_window_seconds;
  if v_count + v_prev * v_overlap > p_limit then
    perform private.fail('RATE_LIMITED', 'too many requests; try again later', 429,
                         jsonb_build_object('retry_after_seconds',
                                            ceil(extract(epoch from v_start + v_window - now()))::integer));
  end if;
end
$$;

-- The configured limit of a bucket (system_config.rate_limits); no configuration, no limit.
create or replace function private.rate_limit(p_bucket text, p_key text) returns void
language plpgsql
set search_path = ''
as $$
declare
  v_config jsonb;
begin
  select c.value -> p_bucket into v_config from public.system_config c where c.key = 'rate_limits';
  if v_config is not null then
    perform private.rate_limit(p_bucket, p_key, (v_config ->> 'limit')::integer,
                               (v_config ->> 'window_seconds')::integer);
  end if;
end
$$;

-- private.session_user for user functions that change state: also counts the request in the user's "write"
-- bucket, inside the same transaction (no extra round trip).
create or replace function private.session_writer(p_session text) returns public.users
language plpgsql
set search_path = ''
as $$
declare
  v_user public.users := private.session_user(p_session);
begin
  perform private.rate_limit('write', v_user.id::text);
  return v_user;
end
$$;

-- create-upload-url: authenticates and counts the slot in the user's "upload_url" bucket; the handler then signs
-- the S3 POST for a key under deposits/<user id>/.
create or replace function public.create_upload_slot(p_session text) returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_user public.users := private.session_user(p_session);
begin
  perform private.rate_limit('upload_url', v_user.id::text);
  return jsonb_build_object('user_id', v_user.id);
end
$$;

-- ---------------------------------------------------------------- one rewarded showoff per physical item
-- Each resale creates a new prize row for the same item (source_prize_id points at the previous one), so a
-- showoff is tied to the chain's root prize and at most one showoff per root may carry a reward.
create or replace function private.root_prize_id(p_prize_id uuid) returns uuid
language sql stable
set search_path = ''
as $$
  with recursive chain as (
    select p.id, p.source_prize_id, 0 as depth from public.prizes p where p.id = p_prize_id
    union all
    select p.id, p.source_prize_id, c.depth + 1 from public.prizes p join chain c on p.id = c.source_prize_id
     where c.depth < 10000)
  select id from chain where source_prize_id is null
$$;

create or replace function private.showoff_set_root() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  new.root_prize_id := private.root_prize_id(new.prize_id);
  return new;
end
$$;

alter table public.showoffs add column root_prize_id uuid not null references public.prizes (id);
-- public like prize_id (it is the first prize of the same item), so the old frontend's select('*') keeps working
grant select (root_prize_id) on public.showoffs to anon, authenticated;
create trigger showoffs_set_root before insert on public.showoffs
  for each row execute function private.showoff_set_root();
create unique index showoffs_one_reward_per_item on public.showoffs (root_prize_id) where reward_coins > 0;

-- ---------------------------------------------------------------- read-only compatibility views
-- A join view cannot be written, and PostgreSQL says so (55000, answered as 500) before it checks privileges.
-- An INSTEAD OF trigger makes the write reach the privilege check (42501: PostgREST answers 401 to anon, 403 to
-- a signed-in role); a role that does hold the privilege is refused by the trigger itself.
create or replace function private.refuse_view_write() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  raise exception 'the compatibility view %.% is read-only', tg_table_schema, tg_table_name
    using errcode = 'insufficient_privilege';
end
$$;

create trigger transactions_read_only instead of insert or update or delete on public.transactions
  for each row execute function private.refuse_view_write();

-- ---------------------------------------------------------------- retention
create index user_sessions_expires_idx on public.user_sessions (expires_at);
create index user_sessions_revoked_idx on public.user_sessions (revoked_at) where revoked_at is not null;
create index idempotency_keys_created_idx on public.idempotency_keys (created_at);
create index commission_outbox_processed_idx on public.commission_outbox (processed_at) where processed_at is not null;
create index notifications_read_idx on public.notifications (read_at) where is_read;

-- Run by the scheduled function every minute: deletes at most batch_size rows of each kind (short transactions,
-- bounded work), oldest first. Returns how many rows of each kind went.
create or replace function public.retention_sweep() returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_config   jsonb := private.config('retention');
  v_batch    integer := coalesce((v_config ->> 'batch_size')::integer, 1000);
  v_sessions integer;
  v_keys     integer;
  v_outbox   integer;
  v_notes    integer;
  v_limits   integer;
begin
  with doomed as (
    select id from public.user_sessions
     where expires_at < now() - make_interval(days => (v_config ->> 'sessions_days')::integer)
    union
    select id from public.user_sessions
     where revoked_at < now() - make_interval(days => (v_config ->> 'sessions_days')::integer)
    limit v_batch)
  delete from public.user_sessions s using doomed where s.id = doomed.id;
  get diagnostics v_sessions = row_count;

  with doomed as (
    select user_id, scope, key from public.idempotency_keys
     where created_at < now() - make_interval(hours => (v_config ->> 'idempotency_hours')::integer)
     order by created_at limit v_batch)
  delete from public.idempotency_keys k using doomed
   where (k.user_id, k.scope, k.key) = (doomed.user_id, doomed.scope, doomed.key);
  get diagnostics v_keys = row_count;

  with doomed as (
    select order_id from public.commission_outbox
     where processed_at < now() - make_interval(days => (v_config ->> 'outbox_days')::integer)
     order by processed_at limit v_batch)
  delete from public.commission_outbox o using doomed where o.order_id = doomed.order_id;
  get diagnostics v_outbox = row_count;

  with doomed as (
    select id from public.notifications
     where is_read and read_at < now() - make_interval(days => (v_config ->> 'read_notifications_days')::integer)
     order by read_at limit v_batch)
  delete from public.notifications n using doomed where n.id = doomed.id;
  get diagnostics v_notes = row_count;

  with doomed as (
    select bucket, key from public.rate_limits where expires_at < now() order by expires_at limit v_batch)
  delete from public.rate_limits r using doomed where (r.bucket, r.key) = (doomed.bucket, doomed.key);
  get diagnostics v_limits = row_count;

  return jsonb_build_object('sessions', v_sessions, 'idempotency_keys', v_keys, 'commission_outbox', v_outbox,
                            'notifications', v_notes, 'rate_limits', v_limits);
end
$$;

select private.lock_down_functions();
