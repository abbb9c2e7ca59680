-- Wallets and money movement (issue 3): balances, the ledger, exchange, deposits, withdrawals, the first-deposit
-- bonus, and the admin review of deposits and withdrawals.
-- Every balance change goes through private.wallet_apply with reference_type/reference_id set, so the unique
-- index wallet_transactions_once forbids a second credit or debit for the same cause. State transitions are
-- conditional UPDATEs (... WHERE status = 'PENDING'): of two concurrent reviews exactly one wins.

insert into public.system_config (key, value, description) values
  ('deposit', '{"max_pending": 5}', 'pending deposit requests allowed per user')
on conflict (key) do nothing;

-- ---------------------------------------------------------------- shared pieces
-- Defence in depth behind the Python money type: positive, at most two decimals.
create or replace function private.require_money(p_amount numeric) returns void
language plpgsql immutable
set search_path = ''
as $$
begin
  if p_amount is null or p_amount <= 0 or p_amount <> round(p_amount, 2) then
    perform private.fail('VALIDATION_ERROR', 'amount must be a positive number with at most 2 decimals', 400);
  end if;
end
$$;

-- DP/WD + UTC date + 12 random hex digits: no global sequence, so numbers reveal nothing about volume
-- (48 random bits a day; deposits.order_number and withdrawals.order_number are unique all the same).
create or replace function private.order_number(p_prefix text) returns text
language sql volatile
set search_path = ''
as $$
  select p_prefix || to_char(now() at time zone 'UTC', 'YYYYMMDD')
         || upper(left(replace(gen_random_uuid()::text, '-', ''), 12))
$$;

-- The first-deposit bonus as every reader must see it: PENDING turns EXPIRED at expire_at, sweep or not.
create or replace function private.first_deposit_bonus_status(p_user public.users) returns text
language sql stable
set search_path = ''
as $$
  select case when p_user.first_deposit_bonus_status = 'pending'
                   and p_user.first_deposit_bonus_expire_at <= now() then 'expired'
              else p_user.first_deposit_bonus_status end
$$;

-- plpgsql: keeps its plan for the session (see private.config)
create or replace function private.first_deposit_bonus_json(p_user public.users) returns jsonb
language plpgsql stable
set search_path = ''
as $$
begin
  return jsonb_build_object(
    'status', private.first_deposit_bonus_status(p_user),
    'amount', p_user.first_deposit_bonus_amount,
    'expire_at', p_user.first_deposit_bonus_expire_at,
    'activated_at', p_user.first_deposit_bonus_activated_at,
    'invited_users', (select count(*) from public.users u where u.referred_by_id = p_user.id),
    'required_invites', (select (c.value ->> 'min_invites')::integer from public.system_config c
                          where c.key = 'first_deposit_bonus'));
end
$$;

create or replace function private.deposit_json(p_deposit public.deposits) returns jsonb
language sql stable
set search_path = ''
as $$
  select jsonb_build_object(
    'id', p_deposit.id, 'order_number', p_deposit.order_number, 'amount', p_deposit.amount,
    'currency', p_deposit.currency, 'payment_method', p_deposit.payment_method,
    'payment_proof_images', p_deposit.payment_proof_images, 'payment_reference', p_deposit.payment_reference,
    'payer_name', p_deposit.payer_name, 'payer_account', p_deposit.payer_account, 'status', p_deposit.status,
    'admin_note', p_deposit.admin_note, 'reviewed_at', p_deposit.reviewed_at,
    'created_at', p_deposit.created_at, 'updated_at', p_deposit.updated_at)
$$;

create or replace function private.withdrawal_json(p_withdrawal public.withdrawals) returns jsonb
language sql stable
set search_path = ''
as $$
  select jsonb_build_object(
    'id', p_withdrawal.id, 'order_number', p_withdrawal.order_number, 'amount', p_withdrawal.amount,
    'fee', p_withdrawal.fee, 'net_amount', p_withdrawal.amount - p_withdrawal.fee,
    'currency', p_withdrawal.currency, 'withdrawal_method', p_withdrawal.withdrawal_method,
    'bank_name', p_withdrawal.bank_name, 'bank_account_number', p_withdrawal.bank_account_number,
    'bank_account_name', p_withdrawal.bank_account_name, 'bank_branch', p_withdrawal.bank_branch,
    'id_card_number', p_withdrawal.id_card_number, 'id_card_name', p_withdrawal.id_card_name,
    'phone_number', p_withdrawal.phone_number, 'mobile_wallet_number', p_withdrawal.mobile_wallet_number,
    'mobile_wallet_name', p_withdrawal.mobile_wallet_name, 'status', p_withdrawal.status,
    'transfer_reference', p_withdrawal.transfer_reference, 'admin_note', p_withdrawal.admin_note,
    'reviewed_at', p_withdrawal.reviewed_at, 'completed_at', p_withdrawal.completed_at,
    'created_at', p_withdrawal.created_at, 'updated_at', p_withdrawal.updated_at)
$$;

-- The enabled payment method of a kind, or a 400 naming the methods that exist.
create or replace function private.payment_method(p_type text, p_method text) returns public.payment_configs
language plpgsql stable
set search_path = ''
as $$
declare
  v_config public.payment_configs;
begin
  select * into v_config from public.payment_configs
   where config_type = p_type and method = upper(p_method) and is_enabled;
  if not found then
    perform private.fail('VALIDATION_ERROR', 'unknown or disabled payment method', 400,
                         jsonb_build_object('methods', (select coalesce(jsonb_agg(method order by sort_order), '[]')
                                                          from public.payment_configs
                                                         where config_type = p_type and is_enabled)));
  end if;
  return v_config;
end
$$;

create or replace function private.require_within(p_amount numeric, p_min numeric, p_max numeric) returns void
language plpgsql immutable
set search_path = ''
as $$
begin
  perform private.require_money(p_amount);
  if p_amount < p_min or p_amount > p_max then
    perform private.fail('VALIDATION_ERROR', format('amount must be between %s and %s', p_min, p_max), 400,
                         jsonb_build_object('min_amount', p_min, 'max_amount', p_max));
  end if;
end
$$;

-- ---------------------------------------------------------------- reads
create or replace function public.get_wallet_balance(p_session text) returns jsonb
language plpgsql stable
security definer
set search_path = ''
as $$
declare
  v_user public.users := private.session_user(p_session);
begin
  return jsonb_build_object('wallets', private.wallets_json(v_user.id),
                            'first_deposit_bonus', private.first_deposit_bonus_json(v_user));
end
$$;

create or replace function public.get_transactions(p_session text, p_wallet_type text default null,
                                                   p_limit integer default 20, p_offset integer default 0)
returns json
language plpgsql stable
security definer
set search_path = ''
as $$
declare
  v_user public.users := private.session_user(p_session);
begin
  return (
    with matching as not materialized (
      select t.*, w.type as wallet_type, w.currency
        from public.wallet_transactions t
        join public.wallets w on w.id = t.wallet_id
       where w.user_id = v_user.id and (p_wallet_type is null or w.type = p_wallet_type)
    ),
    page as (
      select * from matching order by created_at desc, id
       limit private.page_limit(p_limit) offset private.page_offset(p_offset)
    )
    select private.page_json(
      (select json_agg(row_to_json(m) order by m.created_at desc, m.id)
         from (select id, wallet_id, wallet_type, currency, type, amount, balance_before, balance_after,
                      frozen_delta, status, description, reference_type, reference_id, related_order_id,
                      related_lottery_id, created_at
                 from page) m),
      (select count(*) from matching)));
end
$$;

create or replace function public.get_payment_config(p_type text default 'DEPOSIT') returns jsonb
language sql stable
security definer
set search_path = ''
as $$
  -- config_data carries the limits too: the old frontend reads config_data.min_amount etc.
  select coalesce(jsonb_agg(jsonb_build_object(
           'id', c.id, 'config_key', c.config_key, 'config_type', c.config_type, 'method', c.method,
           'min_amount', c.min_amount, 'max_amount', c.max_amount, 'fee_rate', c.fee_rate,
           'processing_time', c.processing_time, 'is_enabled', c.is_enabled, 'sort_order', c.sort_order,
           'config_data', c.config_data || jsonb_build_object(
             'method', c.method, 'enabled', c.is_enabled, 'min_amount', c.min_amount, 'max_amount', c.max_amount,
             'fee_rate', c.fee_rate, 'processing_time', c.processing_time))
         order by c.sort_order, c.method), '[]'::jsonb)
    from public.payment_configs c
   where c.config_type = upper(p_type) and c.is_enabled
$$;

-- ---------------------------------------------------------------- exchange BALANCE -> LUCKY_COIN (one way)
create or replace function public.exchange_balance(p_session text, p_amount numeric,
                                                   p_idempotency_key text default null,
                                                   p_request_hash text default null)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_user      public.users := private.session_writer(p_session);
  v_replay    jsonb;
  v_rate      numeric := (private.config('exchange_rate'))::text::numeric;
  v_converted numeric(18, 2);
  v_id        uuid := gen_random_uuid();
  v_source_id uuid;
  v_target_id uuid;
  v_source    public.wallets;
  v_target    public.wallets;
  v_result    jsonb;
begin
  v_replay := private.idempotency_begin(v_user.id, 'exchange-balance', p_idempotency_key, p_request_hash);
  if v_replay is not null then
    return v_replay;
  end if;
  perform private.require_money(p_amount);
  v_converted := trunc(p_amount * v_rate, 2);  -- never credit more than the rate gives
  if v_converted <= 0 then
    perform private.fail('VALIDATION_ERROR', 'amount is too small to exchange', 400);
  end if;
  select (array_agg(w.id) filter (where w.type = 'BALANCE'))[1],
         (array_agg(w.id) filter (where w.type = 'LUCKY_COIN'))[1]
    into v_source_id, v_target_id
    from public.wallets w
   where w.user_id = v_user.id and w.type in ('BALANCE', 'LUCKY_COIN') and w.currency = 'TJS';
  -- Both wallets change (and so are locked) in id order, as every multi-wallet change locks them (lottery_cancel,
  -- purchase_resale, process_commissions): BALANCE then LUCKY_COIN could deadlock against a refund holding them
  -- the other way. The UPDATEs take the locks themselves: no separate SELECT ... FOR UPDATE first.
  if v_source_id < v_target_id then
    v_source := private.wallet_apply(v_source_id, -p_amount, 'EXCHANGE_OUT', 'exchange', v_id,
                                     'Exchange to LUCKY_COIN');
  end if;
  v_target := private.wallet_apply(v_target_id, v_converted, 'EXCHANGE_IN', 'exchange', v_id,
                                   'Exchange from BALANCE');
  if v_source_id is null or v_source_id > v_target_id then
    v_source := private.wallet_apply(v_source_id, -p_amount, 'EXCHANGE_OUT', 'exchange', v_id,
                                     'Exchange to LUCKY_COIN');
  end if;
  insert into public.exchange_records
    (id, user_id, amount, currency, exchange_rate, converted_amount, source_wallet_id, target_wallet_id,
     source_balance_before, source_balance_after, target_balance_before, target_balance_after)
  values
    (v_id, v_user.id, p_amount, v_source.currency, v_rate, v_converted, v_source.id, v_target.id,
     v_source.balance + p_amount, v_source.balance, v_target.balance - v_converted, v_target.balance);
  v_result := jsonb_build_object(
    'exchange_id', v_id, 'amount', p_amount, 'exchange_rate', v_rate, 'converted_amount', v_converted,
    'new_balance', v_source.balance, 'lucky_coin_balance', v_target.balance);
  return private.idempotency_finish(v_user.id, 'exchange-balance', p_idempotency_key, v_result);
end
$$;

-- ---------------------------------------------------------------- deposits
-- Proof images are object keys under the caller's own prefix in the uploads bucket (create-upload-url).
create or replace function public.deposit_request(
  p_session text, p_amount numeric, p_payment_method text, p_currency text default 'TJS',
  p_proof_images jsonb default '[]'::jsonb, p_payment_reference text default null,
  p_payer_name text default null, p_payer_account text default null,
  p_idempotency_key text default null, p_request_hash text default null)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_user    public.users := private.session_writer(p_session);
  v_replay  jsonb;
  v_method  public.payment_configs;
  v_images  jsonb := coalesce(p_proof_images, '[]'::jsonb);
  v_pattern text := '^deposits/' || v_user.id::text || '/[0-9a-f-]{36}\.(jpg|png|webp)$';
  v_deposit public.deposits;
begin
  v_replay := private.idempotency_begin(v_user.id, 'deposit-request', p_idempotency_key, p_request_hash);
  if v_replay is not null then
    return v_replay;
  end if;
  v_method := private.payment_method('DEPOSIT', p_payment_method);
  perform private.require_within(p_amount, v_method.min_amount, v_method.max_amount);
  if coalesce(p_currency, 'TJS') <> 'TJS' then
    perform private.fail('VALIDATION_ERROR', 'only TJS deposits are accepted', 400);
  end if;
  if jsonb_typeof(v_images) <> 'array' or jsonb_array_length(v_images) > 5
     or exists (select 1 from jsonb_array_elements(v_images) e
                 where jsonb_typeof(e) <> 'string' or (e #>> '{}') !~ v_pattern) then
    perform private.fail('VALIDATION_ERROR',
                         'payment proof images must be at most 5 uploads of your own (create-upload-url)', 400);
  end if;
  -- Serialise this user's requests so the pending cap holds under concurrency.
  perform pg_advisory_xact_lock(hashtextextended('deposit:' || v_user.id::text, 0));
  if (select count(*) from public.deposits where user_id = v_user.id and status = 'PENDING')
     >= (private.config('deposit') ->> 'max_pending')::integer then
    perform private.fail('LIMIT_EXCEEDED', 'too many deposit requests are waiting for review', 409);
  end if;
  insert into public.deposits (user_id, order_number, amount, currency, payment_method, payment_proof_images,
                               payment_reference, payer_name, payer_account)
  values (v_user.id, private.order_number('DP'), p_amount, 'TJS', v_method.method, v_images,
          left(p_payment_reference, 200), left(p_payer_name, 200), left(p_payer_account, 200))
  returning * into v_deposit;
  return private.idempotency_finish(v_user.id, 'deposit-request', p_idempotency_key,
                                    private.deposit_json(v_deposit));
end
$$;

-- ---------------------------------------------------------------- withdrawals
-- The amount is frozen at request (balance -> frozen_balance); an admin later completes or rejects it.
create or replace function public.withdrawal_request(
  p_session text, p_amount numeric, p_withdrawal_method text, p_details jsonb default '{}'::jsonb,
  p_currency text default 'TJS', p_idempotency_key text default null, p_request_hash text default null)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_user       public.users := private.session_writer(p_session);
  v_replay     jsonb;
  v_limits     jsonb := private.config('withdrawal');
  v_method     public.payment_configs;
  v_details    jsonb := coalesce(p_details, '{}'::jsonb);
  v_wallet_id  uuid;
  v_withdrawal public.withdrawals;
  v_wallet     public.wallets;
begin
  v_replay := private.idempotency_begin(v_user.id, 'withdrawal-request', p_idempotency_key, p_request_hash);
  if v_replay is not null then
    return v_replay;
  end if;
  v_method := private.payment_method('WITHDRAWAL', p_withdrawal_method);
  perform private.require_within(p_amount,
                                 greatest((v_limits ->> 'min_amount')::numeric, v_method.min_amount),
                                 least((v_limits ->> 'max_amount')::numeric, v_method.max_amount));
  if coalesce(p_currency, 'TJS') <> 'TJS' then
    perform private.fail('VALIDATION_ERROR', 'only TJS withdrawals are possible', 400);
  end if;
  -- where the money goes: at least one of the method's destination fields (payment_configs.config_data)
  if not exists (select 1 from jsonb_array_elements_text(coalesce(v_method.config_data -> 'destination_fields',
                                                                  '["mobile_wallet_number", "phone_number"]')) f
                  where coalesce(btrim(v_details ->> f), '') <> '') then
    perform private.fail('VALIDATION_ERROR',
                         format('%s needs one of: %s', v_method.method,
                                (select string_agg(f, ', ') from jsonb_array_elements_text(
                                   coalesce(v_method.config_data -> 'destination_fields',
                                            '["mobile_wallet_number", "phone_number"]')) f)), 400);
  end if;

  -- The wallet row lock serialises this user's withdrawals: the pending cap and the balance hold together.
  -- (NO KEY UPDATE: the same lock wallet_apply takes, and no conflict with foreign-key checks of other rows.)
  select id into v_wallet_id from public.wallets
   where user_id = v_user.id and type = 'BALANCE' and currency = 'TJS'
     for no key update;
  if (select count(*) from public.withdrawals where user_id = v_user.id and status = 'PENDING')
     >= (v_limits ->> 'max_pending')::integer then
    perform private.fail('LIMIT_EXCEEDED',
                         format('at most %s withdrawals may be pending at once', v_limits ->> 'max_pending'), 409);
  end if;
  insert into public.withdrawals
    (user_id, wallet_id, order_number, amount, fee, currency, withdrawal_method, bank_name, bank_account_number,
     bank_account_name, bank_branch, id_card_number, id_card_name, phone_number, mobile_wallet_number,
     mobile_wallet_name)
  values
    (v_user.id, v_wallet_id, private.order_number('WD'), p_amount, round(p_amount * v_method.fee_rate, 2), 'TJS',
     v_method.method, v_details ->> 'bank_name', v_details ->> 'bank_account_number',
     v_details ->> 'bank_account_name', v_details ->> 'bank_branch', v_details ->> 'id_card_number',
     v_details ->> 'id_card_name', v_details ->> 'phone_number', v_details ->> 'mobile_wallet_number',
     v_details ->> 'mobile_wallet_name')
  returning * into v_withdrawal;
  v_wallet := private.wallet_apply(v_wallet_id, -p_amount, 'WITHDRAWAL_FREEZE', 'withdrawal', v_withdrawal.id,
                                   'Withdrawal requested: amount frozen', p_amount);
  return private.idempotency_finish(
    v_user.id, 'withdrawal-request', p_idempotency_key,
    private.withdrawal_json(v_withdrawal)
      || jsonb_build_object('balance', v_wallet.balance, 'frozen_balance', v_wallet.frozen_balance));
end
$$;

-- ---------------------------------------------------------------- first-deposit bonus
create or replace function public.activate_first_deposit_bonus(p_session text, p_idempotency_key text default null,
                                                               p_request_hash text default null)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_user     public.users := private.session_writer(p_session);
  v_replay   jsonb;
  v_required integer := (private.config('first_deposit_bonus') ->> 'min_invites')::integer;
  v_invited  integer;
  v_wallet   public.wallets;
  v_result   jsonb;
begin
  v_replay := private.idempotency_begin(v_user.id, 'activate-first-deposit-bonus', p_idempotency_key,
                                        p_request_hash);
  if v_replay is not null then
    return v_replay;
  end if;
  -- The user row lock makes activation once-only under concurrency (the ledger index is the backstop).
  -- NO KEY UPDATE, not UPDATE: the idempotency claim above holds a KEY SHARE lock on this row (foreign key),
  -- and two racing activations would deadlock on FOR UPDATE.
  select * into v_user from public.users where id = v_user.id for no key update;
  case private.first_deposit_bonus_status(v_user)
    when 'activated' then
      perform private.fail('ALREADY_PROCESSED', 'the first-deposit bonus is already activated', 409);
    when 'expired' then
      perform private.fail('BONUS_EXPIRED', 'the first-deposit bonus has expired', 409);
    when 'none' then
      perform private.fail('NOT_ELIGIBLE', 'there is no first-deposit bonus to activate', 409);
    else
      null;
  end case;
  select count(*) into v_invited from public.users where referred_by_id = v_user.id;
  if v_invited < v_required then
    perform private.fail('CONDITIONS_NOT_MET', format('invite at least %s user(s) to activate the bonus', v_required),
                         409, jsonb_build_object('invited_users', v_invited, 'required_invites', v_required));
  end if;
  v_wallet := private.wallet_apply(private.wallet_id(v_user.id, 'BONUS'), v_user.first_deposit_bonus_amount, 'BONUS',
                                   'first_deposit_bonus', v_user.id, 'First-deposit bonus activated');
  update public.users
     set first_deposit_bonus_status = 'activated', first_deposit_bonus_activated_at = now()
   where id = v_user.id
  returning * into v_user;
  perform private.notify(v_user.id, 'BONUS_ACTIVATED', 'Bonus activated',
                         format('Your first-deposit bonus of %s TJS is in your BONUS wallet.',
                                v_user.first_deposit_bonus_amount),
                         jsonb_build_object('amount', v_user.first_deposit_bonus_amount), v_user.id, 'FIRST_DEPOSIT_BONUS');
  v_result := jsonb_build_object('bonus_amount', v_user.first_deposit_bonus_amount,
                                 'first_deposit_bonus', private.first_deposit_bonus_json(v_user),
                                 'bonus_balance', v_wallet.balance);
  return private.idempotency_finish(v_user.id, 'activate-first-deposit-bonus', p_idempotency_key, v_result);
end
$$;

-- ---------------------------------------------------------------- admin: deposits
create or replace function public.admin_list_deposits(p_admin text, p_request jsonb, p_status text default null,
                                                      p_limit integer default 50, p_offset integer default 0)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
begin
  perform private.admin_begin(p_admin, 'deposits.list', 'deposit', null, p_request);
  return (
    with matching as (
      select * from public.deposits where p_status is null or status = p_status
    ),
    page as (
      select * from matching order by created_at desc, id desc
       limit private.admin_page_limit(p_limit) offset private.page_offset(p_offset)
    )
    select private.page_json(
      (select jsonb_agg(private.deposit_json(d) || jsonb_build_object('user', private.user_brief_json(u))
                        order by d.created_at desc, d.id desc)
         from page d join public.users u on u.id = d.user_id),
      (select count(*) from matching)));
end
$$;

-- Locks the deposit by moving it out of PENDING; 404 when it does not exist, 409 when already reviewed.
create or replace function private.review_deposit(p_deposit_id uuid, p_admin_id uuid, p_status text, p_note text)
returns public.deposits
language plpgsql
set search_path = ''
as $$
declare
  v_deposit public.deposits;
begin
  update public.deposits
     set status = p_status, admin_id = p_admin_id, admin_note = left(p_note, 1000), reviewed_at = now()
   where id = p_deposit_id and status = 'PENDING'
  returning * into v_deposit;
  if not found then
    if exists (select 1 from public.deposits where id = p_deposit_id) then
      perform private.fail('ALREADY_PROCESSED', 'this deposit has already been reviewed', 409);
    end if;
    perform private.fail('NOT_FOUND', 'deposit not found', 404);
  end if;
  return v_deposit;
end
$$;

create or replace function public.admin_approve_deposit(p_admin text, p_request jsonb, p_deposit_id uuid,
                                                        p_note text default null)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_admin   uuid := private.admin_begin(p_admin, 'deposits.approve', 'deposit', p_deposit_id::text, p_request);
  v_deposit public.deposits := private.review_deposit(p_deposit_id, v_admin, 'APPROVED', p_note);
  v_bonus   jsonb := private.config('first_deposit_bonus');
  v_wallet  public.wallets;
begin
  -- The first approved deposit of at least min_deposit makes the bonus PENDING (once: only from 'none').
  if v_deposit.amount >= (v_bonus ->> 'min_deposit')::numeric then
    update public.users
       set first_deposit_bonus_status = 'pending',
           first_deposit_bonus_amount = (v_bonus ->> 'bonus_amount')::numeric,
           first_deposit_bonus_expire_at = now() + make_interval(days => (v_bonus ->> 'expire_days')::integer)
     where id = v_deposit.user_id and first_deposit_bonus_status = 'none';
  end if;
  v_wallet := private.wallet_apply(private.wallet_id(v_deposit.user_id, 'BALANCE', v_deposit.currency),
                                   v_deposit.amount, 'DEPOSIT', 'deposit', v_deposit.id,
                                   'Deposit ' || v_deposit.order_number || ' approved');
  perform private.notify(v_deposit.user_id, 'PAYMENT_SUCCESS', 'Deposit approved',
                         format('Your deposit of %s %s has been credited.', v_deposit.amount, v_deposit.currency),
                         jsonb_build_object('amount', v_deposit.amount, 'order_number', v_deposit.order_number),
                         v_deposit.id, 'DEPOSIT');
  return private.deposit_json(v_deposit) || jsonb_build_object('balance', v_wallet.balance);
end
$$;

create or replace function public.admin_reject_deposit(p_admin text, p_request jsonb, p_deposit_id uuid,
                                                       p_note text default null)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_admin   uuid := private.admin_begin(p_admin, 'deposits.reject', 'deposit', p_deposit_id::text, p_request);
  v_deposit public.deposits := private.review_deposit(p_deposit_id, v_admin, 'REJECTED', p_note);
begin
  perform private.notify(v_deposit.user_id, 'PAYMENT_FAILED', 'Deposit rejected',
                         format('Your deposit of %s %s was rejected.%s', v_deposit.amount, v_deposit.currency,
                                coalesce(' ' || v_deposit.admin_note, '')),
                         jsonb_build_object('amount', v_deposit.amount, 'order_number', v_deposit.order_number,
                                            'note', v_deposit.admin_note),
                         v_deposit.id, 'DEPOSIT');
  return private.deposit_json(v_deposit);
end
$$;

-- ---------------------------------------------------------------- admin: withdrawals
create or replace function public.admin_list_withdrawals(p_admin text, p_request jsonb, p_status text default null,
                                                         p_limit integer default 50, p_offset integer default 0)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
begin
  perform private.admin_begin(p_admin, 'withdrawals.list', 'withdrawal', null, p_request);
  return (
    with matching as (
      select * from public.withdrawals where p_status is null or status = p_status
    ),
    page as (
      select * from matching order by created_at desc, id desc
       limit private.admin_page_limit(p_limit) offset private.page_offset(p_offset)
    )
    select private.page_json(
      (select jsonb_agg(private.withdrawal_json(w) || jsonb_build_object('user', private.user_brief_json(u))
                        order by w.created_at desc, w.id desc)
         from page w join public.users u on u.id = w.user_id),
      (select count(*) from matching)));
end
$$;

create or replace function private.review_withdrawal(p_withdrawal_id uuid, p_admin_id uuid, p_status text,
                                                     p_note text, p_transfer_reference text default null)
returns public.withdrawals
language plpgsql
set search_path = ''
as $$
declare
  v_withdrawal public.withdrawals;
begin
  update public.withdrawals
     set status = p_status, admin_id = p_admin_id, admin_note = left(p_note, 1000), reviewed_at = now(),
         transfer_reference = left(p_transfer_reference, 200),
         completed_at = case when p_status = 'COMPLETED' then now() end
   where id = p_withdrawal_id and status = 'PENDING'
  returning * into v_withdrawal;
  if not found then
    if exists (select 1 from public.withdrawals where id = p_withdrawal_id) then
      perform private.fail('ALREADY_PROCESSED', 'this withdrawal has already been reviewed', 409);
    end if;
    perform private.fail('NOT_FOUND', 'withdrawal not found', 404);
  end if;
  return v_withdrawal;
end
$$;

-- Paid out: the frozen amount leaves the wallet (balance unchanged, frozen -X, total_withdrawals +X).
create or replace function public.admin_complete_withdrawal(p_admin text, p_request jsonb, p_withdrawal_id uuid,
                                                            p_transfer_reference text default null,
                                                            p_note text default null)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_admin      uuid := private.admin_begin(p_admin, 'withdrawals.complete', 'withdrawal', p_withdrawal_id::text,
                                           p_request);
  v_withdrawal public.withdrawals := private.review_withdrawal(p_withdrawal_id, v_admin, 'COMPLETED', p_note,
                                                               p_transfer_reference);
  v_wallet     public.wallets;
begin
  v_wallet := private.wallet_apply(v_withdrawal.wallet_id, 0, 'WITHDRAWAL', 'withdrawal', v_withdrawal.id,
                                   'Withdrawal ' || v_withdrawal.order_number || ' paid out', -v_withdrawal.amount);
  perform private.notify(v_withdrawal.user_id, 'PAYMENT_SUCCESS', 'Withdrawal paid',
                         format('Your withdrawal of %s %s has been paid out.', v_withdrawal.amount,
                                v_withdrawal.currency),
                         jsonb_build_object('amount', v_withdrawal.amount, 'order_number', v_withdrawal.order_number),
                         v_withdrawal.id, 'WITHDRAWAL');
  return private.withdrawal_json(v_withdrawal)
         || jsonb_build_object('balance', v_wallet.balance, 'frozen_balance', v_wallet.frozen_balance);
end
$$;

-- Refused: the frozen amount returns to the balance.
create or replace function public.admin_reject_withdrawal(p_admin text, p_request jsonb, p_withdrawal_id uuid,
                                                          p_note text default null)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_admin      uuid := private.admin_begin(p_admin, 'withdrawals.reject', 'withdrawal', p_withdrawal_id::text,
                                           p_request);
  v_withdrawal public.withdrawals := private.review_withdrawal(p_withdrawal_id, v_admin, 'REJECTED', p_note);
  v_wallet     public.wallets;
begin
  v_wallet := private.wallet_apply(v_withdrawal.wallet_id, v_withdrawal.amount, 'WITHDRAWAL_REFUND', 'withdrawal',
                                   v_withdrawal.id, 'Withdrawal ' || v_withdrawal.order_number || ' rejected: refunded',
                                   -v_withdrawal.amount);
  perform private.notify(v_withdrawal.user_id, 'PAYMENT_FAILED', 'Withdrawal rejected',
                         format('Your withdrawal of %s %s was rejected and the amount returned to your balance.%s',
                                v_withdrawal.amount, v_withdrawal.currency,
                                coalesce(' ' || v_withdrawal.admin_note, '')),
                         jsonb_build_object('amount', v_withdrawal.amount, 'order_number', v_withdrawal.order_number,
                                            'note', v_withdrawal.admin_note),
                         v_withdrawal.id, 'WITHDRAWAL');
  return private.withdrawal_json(v_withdrawal)
         || jsonb_build_object('balance', v_wallet.balance, 'frozen_balance', v_wallet.frozen_balance);
end
$$;

select private.lock_down_functions();
