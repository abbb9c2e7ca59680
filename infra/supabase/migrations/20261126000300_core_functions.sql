-- Shared SQL building blocks (schema "private", never exposed by PostgREST) and the sign-in functions.
-- Conventions for every state-changing function of this project:
--   * security definer, set search_path = '', EXECUTE for service_role only;
--   * errors are raised with private.fail(code, message, http_status): SQLSTATE 'LM' || status, message = code;
--   * user functions take p_session (sha256 hex of the session token) and authenticate with
--     private.session_user() inside the same transaction: one round trip per request.

create or replace function private.fail(p_code text, p_message text, p_status integer default 409,
                                        p_details jsonb default null)
returns void
language plpgsql
set search_path = ''
as $$
begin
  raise exception using errcode = 'LM' || p_status::text, message = p_code, detail = p_message,
                        hint = coalesce(p_details::text, '');
end
$$;

-- plpgsql, not sql (performance, issue 17): a SQL function whose body reads a table cannot be inlined, and on
-- PostgreSQL 15 its body is parsed and planned again in every transaction that calls it (~15-50 us per call,
-- pg_stat_statements track_planning); a plpgsql function keeps its plan for the session. The same holds for
-- private.wallet_id, private.wallets_json and private.first_deposit_bonus_json.
create or replace function private.config(p_key text) returns jsonb
language plpgsql stable
set search_path = ''
as $$
begin
  return (select value from public.system_config where key = p_key);
end
$$;

-- Which database role may execute a public function, by a rule that also classes functions added later:
--   admin_*                                   -> luckymart_admin  (admin Lambdas, IAM invoke + admin token)
--   the explicit system list below            -> luckymart_system (scheduler, queue consumer)
--   lottery_draw_ticket, lottery_draw_complete -> both: a draw is completed by the scheduler or by draw-lottery
--   notification_outbox_claim                 -> both: the scheduler's re-publish, and the after-commit publish of a
--                                                draw's or a broadcast's fan-out (more than 50 rows, luckymart.db)
--   deploy_status                             -> all three: preflight checks each class's key with it
--   every other public function               -> luckymart_user   (the public Function URLs)
-- A new system function must be added to the list: until then it is user-class, and the catalog test
-- (tests/security/test_function_roles.py) fails for any user-class function without p_session that is not a
-- known public one.
create or replace function private.function_roles(p_name text) returns text[]
language sql immutable
set search_path = ''
as $$
  select case
    when p_name like 'admin\_%' then array['luckymart_admin']
    when p_name = 'deploy_status' then array['luckymart_user', 'luckymart_system', 'luckymart_admin']
    when p_name in ('lottery_draw_ticket', 'lottery_draw_complete', 'notification_outbox_claim')
      then array['luckymart_system', 'luckymart_admin']
    when p_name in ('lottery_scheduler_due', 'lottery_expire', 'lottery_draw_claim', 'commission_outbox_claim_stale',
                    'process_commissions', 'retention_sweep', 'notification_push_claim', 'notification_push_record',
                    'ops_scheduler_tick', 'proof_tagging_due', 'proof_tagging_done')
      then array['luckymart_system']
    else array['luckymart_user']
  end
$$;

-- Revokes EXECUTE from the API roles on every function of this project; grants each public function to
-- service_role (operators' key; no Lambda holds it) and to its class role (private.function_roles), once those
-- roles exist. Called at the end of each migration so a forgotten REVOKE cannot expose a new function.
create or replace function private.lock_down_functions() returns void
language plpgsql
set search_path = ''
as $$
declare
  f      record;
  v_role text;
  v_all  constant text[] := array['luckymart_user', 'luckymart_system', 'luckymart_admin'];
begin
  for f in select p.oid::regprocedure as sig, n.nspname as schema, p.proname as name
             from pg_proc p join pg_namespace n on n.oid = p.pronamespace
            where n.nspname in ('public', 'private')
  loop
    execute format('revoke all on function %s from public, anon, authenticated', f.sig);
    foreach v_role in array v_all loop
      if exists (select 1 from pg_roles where rolname = v_role) then
        execute format('revoke all on function %s from %I', f.sig, v_role);
        if f.schema = 'public' and v_role = any (private.function_roles(f.name)) then
          execute format('grant execute on function %s to %I', f.sig, v_role);
        end if;
      end if;
    end loop;
    if f.schema = 'public' then
      execute format('grant execute on function %s to service_role', f.sig);
    end if;
  end loop;
  -- Inlinable helpers (performance, issue 17): the private SQL helpers (JSON shapes, config, wallet ids, paging)
  -- each carried `set search_path = ''`. A SET clause makes PostgreSQL save and restore the setting on every call
  -- and forbids inlining the function into its caller's query: validate_session spent ~2/3 of its SQL time there
  -- (447 -> 141 us per call, docs/observability.md). They are only called from security-definer functions that
  -- already run with search_path = '' and their bodies use fully qualified names, so they inherit the same path.
  -- Done here, at the end of every migration, so helpers added later are covered too. The rule stays for every
  -- security-definer and plpgsql function (tests/security/test_function_roles.py).
  for f in select p.oid::regprocedure as sig
             from pg_proc p
             join pg_namespace n on n.oid = p.pronamespace
             join pg_language l on l.oid = p.prolang
            where n.nspname = 'private' and l.lanname = 'sql' and not p.prosecdef
              and p.proconfig = array['search_path=""']
  loop
    execute format('alter function %s reset search_path', f.sig);
  end loop;
end
$$;

-- ---------------------------------------------------------------- paging
-- Every list function answers {"items": [...], "total": n} in one shape, written once:
--   with matching as not materialized (select ... where <filter>),  -- the filter, written once
--        page as (select * from matching order by <key>, id
--                   limit private.page_limit(p_limit) offset private.page_offset(p_offset))
--   select private.page_json((select json_agg(<item json> order by <key>, id) from page),
--                            (select count(*) from matching));
-- `not materialized` lets the page read only its rows through an index on the sort key and the count stay an
-- index-only scan; a materialised CTE would copy every matching row first. User-facing lists build json, not
-- jsonb (issue 17): json_agg/json_build_object append text, while jsonb rebuilds every nested item and PostgREST
-- then prints the whole tree again (a page of 20 listings: 1.5 -> 0.5 ms). An item that is a plain projection is
-- row_to_json of a subquery (no per-row key arguments, no spaces: ~10% smaller); jsonb items (shared row
-- helpers) aggregate with json_agg alike. Extra top-level keys (e.g. unread_count) go in p_extra.
-- Limits are clamped here (1..p_max, default 20 when null); the handlers' pydantic models refuse out-of-range
-- values first with a 400, so the clamp only guards direct RPC callers.
create or replace function private.page_limit(p_limit integer, p_max integer default 100) returns integer
language sql immutable
set search_path = ''
as $$ select least(greatest(coalesce(p_limit, 20), 1), p_max) $$;

-- Every admin list action pages alike: 50 rows by default, at most 200, newest first.
create or replace function private.admin_page_limit(p_limit integer) returns integer
language sql immutable
set search_path = ''
as $$ select private.page_limit(coalesce(p_limit, 50), 200) $$;

create or replace function private.page_offset(p_offset integer) returns integer
language sql immutable
set search_path = ''
as $$ select greatest(coalesce(p_offset, 0), 0) $$;

-- stable, not immutable: json(b)_build_object is stable, and a function declared more strictly than its body is
-- never inlined (it would be planned on every list call).
create or replace function private.page_json(p_items jsonb, p_total bigint) returns jsonb
language sql stable
set search_path = ''
as $$ select jsonb_build_object('items', coalesce(p_items, '[]'::jsonb), 'total', coalesce(p_total, 0)) $$;

-- Two non-empty json objects as one, the right one's keys after the left's. The joined text is parsed once (a
-- cast), so this is for a page's few extra keys or one item's details, never per row of a long list.
create or replace function private.json_concat(p_left json, p_right json) returns json
language sql immutable
set search_path = ''
as $$ select (left(p_left::text, -1) || ',' || substr(p_right::text, 2))::json $$;

-- The json page; p_extra (a non-empty object) adds top-level keys after "total".
create or replace function private.page_json(p_items json, p_total bigint, p_extra jsonb default null)
returns json
language sql stable
set search_path = ''
as $$
  select case when p_extra is null
              then json_build_object('items', coalesce(p_items, '[]'::json), 'total', coalesce(p_total, 0))
              else private.json_concat(json_build_object('items', coalesce(p_items, '[]'::json),
                                                         'total', coalesce(p_total, 0)), p_extra::json) end
$$;

-- ---------------------------------------------------------------- sessions
create or replace function private.session_user(p_session text) returns public.users
language plpgsql stable
set search_path = ''
as $$
declare
  v_user      public.users;
  v_active    boolean;
  v_expires   timestamptz;
begin
  -- One lookup on the path every request takes; the refusals find out why with a second one.
  select u.* into v_user from public.users u
    join public.user_sessions s on s.user_id = u.id
   where s.token_hash = p_session and s.is_active and s.expires_at > now();
  if not found then
    select s.is_active, s.expires_at into v_active, v_expires
      from public.user_sessions s where s.token_hash = p_session;
    if not found or not v_active then
      perform private.fail('UNAUTHENTICATED', 'session is missing, invalid or signed out', 401);
    end if;
    perform private.fail('SESSION_EXPIRED', 'session has expired; sign in again', 401);
  end if;
  if v_user.status <> 'ACTIVE' then
    perform private.fail('FORBIDDEN', 'this account is not allowed to use the service', 403);
  end if;
  return v_user;
end
$$;

-- ---------------------------------------------------------------- idempotency
-- Claims (user, scope, key). Returns the stored response of an earlier identical request, or null when this
-- request is the first (the caller then does the work and calls private.idempotency_finish in the same
-- transaction). A concurrent twin blocks on the claim's row lock until the first commits or rolls back.
create or replace function private.idempotency_begin(p_user uuid, p_scope text, p_key text, p_request_hash text)
returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  v_row public.idempotency_keys;
begin
  if p_key is null then
    return null;
  end if;
  insert into public.idempotency_keys (user_id, scope, key, request_hash)
  values (p_user, p_scope, p_key, p_request_hash)
  on conflict do nothing;
  if found then
    return null;
  end if;
  select * into v_row from public.idempotency_keys
   where user_id = p_user and scope = p_scope and key = p_key;
  if v_row.request_hash <> p_request_hash then
    perform private.fail('IDEMPOTENCY_KEY_REUSED', 'this Idempotency-Key was used with a different request', 409);
  end if;
  -- The first request's answer, marked as a replay so the Lambda counts no second sale, deposit … in its metrics;
  -- luckymart.api removes the marker, so the caller gets exactly the first answer.
  return case when jsonb_typeof(v_row.response) = 'object' then v_row.response || '{"replayed": true}'::jsonb
              else v_row.response end;
end
$$;

create or replace function private.idempotency_finish(p_user uuid, p_scope text, p_key text, p_response jsonb)
returns jsonb
language plpgsql
set search_path = ''
as $$
begin
  if p_key is not null then
    update public.idempotency_keys set response = p_response
     where user_id = p_user and scope = p_scope and key = p_key;
  end if;
  return p_response;
end
$$;

-- ---------------------------------------------------------------- wallets: the one way money moves
-- Applies a signed change to a wallet's balance (and frozen balance) and writes its ledger row.
-- The row lock of the UPDATE serialises concurrent changes; the CHECK constraint makes overdraft impossible.
create or replace function private.wallet_apply(
  p_wallet_id uuid, p_amount numeric, p_type text,
  p_reference_type text default null, p_reference_id uuid default null,
  p_description text default null, p_frozen_delta numeric default 0,
  p_order_id uuid default null, p_lottery_id uuid default null)
returns public.wallets
language plpgsql
set search_path = ''
as $$
declare
  v_wallet public.wallets;
begin
  -- The WHERE clause refuses an overdraft (re-checked on the latest row version after a lock wait), so no
  -- exception block: that would open a subtransaction on every money movement. wallets_non_negative still
  -- guards the row; a null amount falls through to the NOT NULL constraints as before.
  update public.wallets
     set balance = balance + p_amount,
         frozen_balance = frozen_balance + p_frozen_delta,
         total_deposits = total_deposits + case when p_type = 'DEPOSIT' then p_amount else 0 end,
         total_withdrawals = total_withdrawals + case when p_type = 'WITHDRAWAL' then -p_frozen_delta else 0 end,
         version = version + 1
   where id = p_wallet_id and (balance + p_amount >= 0 and frozen_balance + p_frozen_delta >= 0) is not false
  returning * into v_wallet;
  if not found then
    if exists (select 1 from public.wallets where id = p_wallet_id) then
      perform private.fail('INSUFFICIENT_BALANCE', 'the wallet balance is too low for this operation', 409);
    end if;
    perform private.fail('NOT_FOUND', 'wallet not found', 404);
  end if;
  insert into public.wallet_transactions
    (wallet_id, type, amount, balance_before, balance_after, frozen_delta, description,
     related_order_id, related_lottery_id, reference_type, reference_id)
  values
    (p_wallet_id, p_type, p_amount, v_wallet.balance - p_amount, v_wallet.balance, p_frozen_delta, p_description,
     p_order_id, p_lottery_id, p_reference_type, p_reference_id);
  return v_wallet;
end
$$;

create or replace function private.wallet_id(p_user uuid, p_type text, p_currency text default 'TJS') returns uuid
language plpgsql stable
set search_path = ''
as $$
begin
  return (select id from public.wallets where user_id = p_user and type = p_type and currency = p_currency);
end
$$;

create or replace function private.notify(p_user uuid, p_type text, p_title text, p_content text,
                                          p_data jsonb default '{}'::jsonb, p_related_id uuid default null,
                                          p_related_type text default null)
returns void
language sql
set search_path = ''
as $$
  insert into public.notifications (user_id, type, title, content, data, related_id, related_type)
  values (p_user, p_type, p_title, p_content, coalesce(p_data, '{}'::jsonb), p_related_id, p_related_type)
$$;

-- ---------------------------------------------------------------- JSON shapes shared by functions
create or replace function private.money(p_value numeric) returns jsonb
language sql immutable
set search_path = ''
as $$ select to_jsonb(round(p_value, 2)) $$;

create or replace function private.user_json(p_user public.users) returns jsonb
language sql stable
set search_path = ''
as $$
  select jsonb_build_object(
    'id', p_user.id, 'telegram_id', p_user.telegram_id, 'telegram_username', p_user.telegram_username,
    'first_name', p_user.first_name, 'last_name', p_user.last_name, 'avatar_url', p_user.avatar_url,
    'language_code', p_user.language_code, 'referral_code', p_user.referral_code,
    'invite_code', p_user.referral_code, 'status', p_user.status, 'is_verified', p_user.is_verified,
    'kyc_level', p_user.kyc_level, 'referred_by_id', p_user.referred_by_id, 'created_at', p_user.created_at)
$$;

-- Who a request is about, as admin lists show it.
create or replace function private.user_brief_json(p_user public.users) returns jsonb
language sql stable
set search_path = ''
as $$
  select jsonb_build_object('id', p_user.id, 'telegram_id', p_user.telegram_id,
                            'telegram_username', p_user.telegram_username,
                            'first_name', p_user.first_name, 'last_name', p_user.last_name)
$$;

create or replace function private.wallets_json(p_user uuid) returns jsonb
language plpgsql stable
set search_path = ''
as $$
begin
  return (
    select coalesce(jsonb_agg(jsonb_build_object(
             'id', w.id, 'type', w.type, 'currency', w.currency, 'balance', w.balance,
             'frozen_balance', w.frozen_balance, 'total_deposits', w.total_deposits,
             'total_withdrawals', w.total_withdrawals, 'version', w.version)
           order by array_position(array['BALANCE', 'LUCKY_COIN', 'BONUS'], w.type), w.currency), '[]'::jsonb)
      from public.wallets w where w.user_id = p_user);
end
$$;

-- ---------------------------------------------------------------- referral codes
-- Codes are stored (users.referral_code, unique) and looked up by equality, so every code ever issued stays valid
-- whatever scheme made it. New codes: a counter through a keyed permutation of [0, 2^35) (a 4-round Feistel
-- network over 36 bits with HMAC-SHA256 rounds, cycle-walked below 2^35), 7 Crockford base32 symbols. Without
-- the key (SSM referral_code_key, passed in by auth-telegram) a code reveals neither the user count nor the
-- next code. An earlier scheme's code (an odd multiplier of the same counter) could coincide with a new value:
-- such a value is skipped.
create sequence private.referral_code_seq;

create or replace function private.referral_permute(p_value bigint, p_key text) returns bigint
language plpgsql immutable
set search_path = ''
as $$
declare
  v_value bigint := p_value;
  v_left  bigint;
  v_right bigint;
  v_next  bigint;
begin
  loop  -- cycle-walking: a permutation of [0, 2^36) restricted by iteration is a permutation of [0, 2^35)
    v_left := v_value >> 18;
    v_right := v_value & 262143;
    for r in 1..4 loop
      v_next := v_left # (('x' || left(encode(extensions.hmac(r || ':' || v_right, p_key, 'sha256'), 'hex'), 5))
                          ::bit(20)::integer & 262143);
      v_left := v_right;
      v_right := v_next;
    end loop;
    v_value := (v_left << 18) | v_right;
    exit when v_value < 34359738368;
  end loop;
  return v_value;
end
$$;

create or replace function private.next_referral_code(p_key text) returns text
language plpgsql
set search_path = ''
as $$
declare
  v_alphabet constant text := '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
  v_value    bigint;
  v_code     text;
begin
  if coalesce(length(p_key), 0) < 32 then
    raise exception 'referral code key is not configured';
  end if;
  loop
    v_value := private.referral_permute(nextval('private.referral_code_seq'), p_key);
    v_code := '';
    for i in 1..7 loop
      v_code := substr(v_alphabet, (v_value % 32)::integer + 1, 1) || v_code;
      v_value := v_value / 32;
    end loop;
    exit when not exists (select 1 from public.users where referral_code = 'LM' || v_code);
  end loop;
  return 'LM' || v_code;
end
$$;

-- ---------------------------------------------------------------- sign-in
-- Upserts the Telegram user, creates the three wallets of a new user, links the referrer named by
-- startParam "ref_<code>" (new users only: once, never self, never a cycle) and creates the session.
create or replace function public.auth_telegram(
  p_telegram_user jsonb, p_start_param text, p_token_hash text,
  p_device text default 'telegram_mini_app', p_ip_address text default null, p_user_agent text default null,
  p_referral_key text default null)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_telegram_id text := p_telegram_user ->> 'id';
  v_user        public.users;
  v_referrer    uuid;
  v_is_new      boolean := false;
  v_expires     timestamptz := now() + make_interval(secs => (private.config('session_ttl_seconds'))::text::integer);
begin
  if v_telegram_id is null or v_telegram_id !~ '^[0-9]{1,20}$' then
    perform private.fail('VALIDATION_ERROR', 'initData user has no valid id', 400);
  end if;
  -- Before any write: a refused sign-in changes nothing (the counters roll back with it).
  perform private.rate_limit('sign_in_user', v_telegram_id);
  perform private.rate_limit('sign_in_ip', p_ip_address);

  update public.users
     set telegram_username = p_telegram_user ->> 'username',
         first_name = p_telegram_user ->> 'first_name',
         last_name = p_telegram_user ->> 'last_name',
         language_code = coalesce(p_telegram_user ->> 'language_code', language_code),
         avatar_url = coalesce(p_telegram_user ->> 'photo_url', avatar_url),
         last_login_at = now(), last_active_at = now()
   where telegram_id = v_telegram_id
  returning * into v_user;

  if not found then
    -- no startParam: a `/start ref_<code>` the bot received before this first sign-in (telegram_bot_command)
    p_start_param := coalesce(p_start_param, (select 'ref_' || c.start_referral_code from public.telegram_chats c
                                               where c.telegram_id = v_telegram_id));
    if p_start_param ~ '^ref_[A-Za-z0-9]{4,16}$' then
      select id into v_referrer from public.users
       where referral_code = upper(substr(p_start_param, 5)) and status = 'ACTIVE';
    end if;
    insert into public.users (telegram_id, telegram_username, first_name, last_name, language_code, avatar_url,
                              referral_code, referred_by_id, referrer_id, last_login_at, last_active_at)
    values (v_telegram_id, p_telegram_user ->> 'username', p_telegram_user ->> 'first_name',
            p_telegram_user ->> 'last_name', coalesce(p_telegram_user ->> 'language_code', 'zh'),
            p_telegram_user ->> 'photo_url', private.next_referral_code(p_referral_key), v_referrer, v_referrer, now(), now())
    on conflict (telegram_id) do nothing
    returning * into v_user;
    if found then
      v_is_new := true;
      insert into public.wallets (user_id, type, currency)
      values (v_user.id, 'BALANCE', 'TJS'), (v_user.id, 'LUCKY_COIN', 'TJS'), (v_user.id, 'BONUS', 'TJS');
    else
      -- a concurrent first sign-in of the same Telegram user won the insert
      select * into v_user from public.users where telegram_id = v_telegram_id;
    end if;
  end if;

  if v_user.status <> 'ACTIVE' then
    perform private.fail('FORBIDDEN', 'this account is not allowed to use the service', 403);
  end if;

  insert into public.user_sessions (user_id, token_hash, device, ip_address, user_agent, expires_at)
  values (v_user.id, p_token_hash, p_device, p_ip_address, left(p_user_agent, 500), v_expires);
  -- At most sessions.max_active_per_user live sessions: the oldest beyond it are revoked (the user row locked
  -- above serialises concurrent sign-ins of one user, so the count is exact).
  update public.user_sessions set is_active = false, revoked_at = now()
   where id in (select s.id from public.user_sessions s
                 where s.user_id = v_user.id and s.is_active and s.expires_at > now()
                 order by s.token_hash = p_token_hash desc, s.created_at desc, s.id
                offset greatest(coalesce((private.config('sessions') ->> 'max_active_per_user')::integer, 10), 1));

  return jsonb_build_object(
    'user', private.user_json(v_user),
    'wallets', private.wallets_json(v_user.id),
    'session', jsonb_build_object('expires_at', v_expires),
    'is_new_user', v_is_new);
end
$$;

create or replace function public.validate_session(p_session text) returns jsonb
language plpgsql stable
security definer
set search_path = ''
as $$
declare
  v_user public.users := private.session_user(p_session);
begin
  return jsonb_build_object(
    'user', private.user_json(v_user),
    'session', (select jsonb_build_object('expires_at', s.expires_at, 'created_at', s.created_at)
                  from public.user_sessions s where s.token_hash = p_session));
end
$$;

-- Revokes this session, or with p_all every live session of its user ("log out everywhere").
create or replace function public.logout(p_session text, p_all boolean default false) returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_user    public.users;
  v_revoked integer;
begin
  if coalesce(p_all, false) then
    v_user := private.session_user(p_session);
    update public.user_sessions set is_active = false, revoked_at = now()
     where user_id = v_user.id and is_active;
    get diagnostics v_revoked = row_count;
    return jsonb_build_object('logged_out', true, 'sessions_revoked', v_revoked);
  end if;
  update public.user_sessions set is_active = false, revoked_at = now()
   where token_hash = p_session and is_active and expires_at > now();
  if not found then
    perform private.fail('UNAUTHENTICATED', 'session is missing, invalid or signed out', 401);
  end if;
  return jsonb_build_object('logged_out', true, 'sessions_revoked', 1);
end
$$;

select private.lock_down_functions();
