-- Operating LuckyMart without SQL (issue 14): lottery edits, payment methods, configuration, market moderation,
-- user search, the ledger export, statistics and admin account recovery. Same mechanism as every admin action:
-- one security-definer function per action, private.admin_begin (token, permission, audit row) first.

-- ---------------------------------------------------------------- audit: old -> new
alter table public.admin_logs add column if not exists old_values jsonb;
alter table public.admin_logs add column if not exists new_values jsonb;

-- Records what an action changed on its own SUCCESS row (written by admin_begin in this same transaction).
create or replace function private.admin_log_change(p_admin_id uuid, p_action text, p_old jsonb, p_new jsonb)
returns void
language sql
set search_path = ''
as $$
  update public.admin_logs set old_values = p_old, new_values = p_new
   where admin_id = p_admin_id and action = p_action and outcome = 'SUCCESS'
     and xmin = pg_current_xact_id()::xid
$$;

-- The keys of p_new whose values differ from p_old, as {"old": {...}, "new": {...}}.
create or replace function private.json_diff(p_old jsonb, p_new jsonb) returns jsonb
language sql immutable
set search_path = ''
as $$
  select jsonb_build_object(
    'old', coalesce(jsonb_object_agg(n.key, p_old -> n.key) filter (where p_old -> n.key is distinct from n.value), '{}'),
    'new', coalesce(jsonb_object_agg(n.key, n.value) filter (where p_old -> n.key is distinct from n.value), '{}'))
    from jsonb_each(p_new) n
$$;

-- A 400 naming the field, in the same shape as the handlers' pydantic errors.
create or replace function private.field_error(p_field text, p_message text) returns void
language sql
set search_path = ''
as $$
  select private.fail('VALIDATION_ERROR', p_field || ': ' || p_message, 400,
                      jsonb_build_array(jsonb_build_object('field', p_field, 'message', p_message)))
$$;

-- ---------------------------------------------------------------- lotteries: one validation for create and update
-- The currencies sign-up opens wallets in (public.auth_telegram creates BALANCE, LUCKY_COIN and BONUS in TJS):
-- a lottery in any other currency could never be bought.
create or replace function private.wallet_currencies() returns text[]
language sql immutable
set search_path = ''
as $$ select array['TJS'] $$;

create or replace function private.is_https_url(p_url text) returns boolean
language sql immutable
set search_path = ''
as $$ select p_url ~ '^https://[A-Za-z0-9.-]+(:[0-9]{1,5})?(/[^[:space:]"''<>\\]*)?$' and length(p_url) <= 2000 $$;

-- Everything a lottery row must satisfy beyond its CHECK constraints; p_window: the sale window is being set now
-- (create, or an update that changes it), so it must still lie ahead.
create or replace function private.check_lottery(p_lottery public.lotteries, p_window boolean) returns void
language plpgsql
set search_path = ''
as $$
declare
  v_url text;
  v_i   integer := 0;
begin
  if p_lottery.title is null or length(btrim(p_lottery.title)) not between 1 and 200 then
    perform private.field_error('title', 'must be 1-200 characters');
  end if;
  if p_lottery.image_url is not null and not private.is_https_url(p_lottery.image_url) then
    perform private.field_error('image_url', 'must be an https:// URL');
  end if;
  if jsonb_typeof(p_lottery.image_urls) <> 'array' then
    perform private.field_error('image_urls', 'must be an array of https:// URLs');
  end if;
  for v_url in select jsonb_array_elements(p_lottery.image_urls) #>> '{}' loop
    if v_url is null or not private.is_https_url(v_url) then
      perform private.field_error(format('image_urls.%s', v_i), 'must be an https:// URL');
    end if;
    v_i := v_i + 1;
  end loop;
  if p_lottery.ticket_price is null or p_lottery.ticket_price <= 0 then
    perform private.field_error('ticket_price', 'must be greater than 0');
  end if;
  if p_lottery.total_tickets is null or p_lottery.total_tickets not between 1 and 8999999 then
    perform private.field_error('total_tickets', 'must be between 1 and 8999999');
  end if;
  -- the prize value and every order total must fit numeric(18,2)
  if p_lottery.ticket_price * p_lottery.total_tickets > 9999999999999999.99 then
    perform private.field_error('ticket_price', 'ticket_price x total_tickets exceeds 9999999999999999.99');
  end if;
  if p_lottery.max_per_user is not null and p_lottery.max_per_user not between 1 and p_lottery.total_tickets then
    perform private.field_error('max_per_user', 'must be between 1 and total_tickets');
  end if;
  if p_lottery.currency is null or not p_lottery.currency = any (private.wallet_currencies()) then
    perform private.field_error('currency', format('users have no wallets in %s (allowed: %s)', p_lottery.currency,
                                                   array_to_string(private.wallet_currencies(), ', ')));
  end if;
  if p_window then
    if p_lottery.end_time is null or p_lottery.end_time <= now() then
      perform private.field_error('end_time', 'must be in the future');
    end if;
    if p_lottery.end_time <= p_lottery.start_time then
      perform private.field_error('end_time', 'must be after start_time');
    end if;
  end if;
end
$$;

-- lotteries.update: title, description, i18n and images at any time; price, tickets, per-user limit, currency and
-- the sale window only while no ticket is sold. The lottery row is locked first: a purchase claims its tickets
-- with a conditional UPDATE of this row, so it either sold before (and this refuses) or sells after with the new
-- values (lottery_purchase re-checks the price and currency under that lock). A new total_tickets comes with a
-- fresh signed commitment (the old one names the old ticket count); the fair-draw seed is replaced with it.
create or replace function public.admin_update_lottery(p_admin text, p_request jsonb, p_lottery_id uuid,
                                                       p_fields jsonb, p_commitment jsonb default null,
                                                       p_seed_ciphertext text default null,
                                                       p_seed_commitment text default null)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_actor   uuid := private.admin_begin(p_admin, 'lotteries.update', 'lottery', p_lottery_id::text, p_request);
  v_content constant text[] := array['title', 'description', 'image_url', 'image_urls', 'title_i18n',
                                     'description_i18n', 'details_i18n', 'specifications_i18n', 'material_i18n',
                                     'name_i18n'];
  v_sale    constant text[] := array['ticket_price', 'total_tickets', 'max_per_user', 'unlimited_purchase',
                                     'currency', 'start_time', 'end_time'];
  v_old     public.lotteries;
  v_new     public.lotteries;
  v_key     text;
  v_changes jsonb;
  v_sale_changed boolean;
begin
  if p_fields is null or jsonb_typeof(p_fields) <> 'object' or p_fields = '{}'::jsonb then
    perform private.field_error('fields', 'give at least one field to change');
  end if;
  for v_key in select jsonb_object_keys(p_fields) loop
    if not (v_key = any (v_content) or v_key = any (v_sale)) then
      perform private.field_error(v_key, 'cannot be changed');
    end if;
  end loop;
  select * into v_old from public.lotteries where id = p_lottery_id for update;
  if not found then
    perform private.fail('NOT_FOUND', 'lottery not found', 404);
  end if;
  v_new := jsonb_populate_record(v_old, p_fields);
  v_changes := private.json_diff(to_jsonb(v_old), to_jsonb(v_new) - 'updated_at');
  if v_changes -> 'new' = '{}'::jsonb then
    return private.lottery_json(v_old) || jsonb_build_object('changed', '[]'::jsonb);
  end if;
  select exists (select 1 from jsonb_object_keys(v_changes -> 'new') k where k = any (v_sale)) into v_sale_changed;
  if v_sale_changed then
    if v_old.sold_tickets > 0 or exists (select 1 from public.orders o where o.lottery_id = p_lottery_id) then
      perform private.fail('INVALID_STATE', 'price, tickets, limits, currency and the sale window cannot change '
                           'after the first sale', 409,
                           jsonb_build_object('sold_tickets', v_old.sold_tickets,
                                              'fields', (select jsonb_agg(k) from jsonb_object_keys(v_changes -> 'new') k
                                                          where k = any (v_sale))));
    end if;
    if v_old.status not in ('UPCOMING', 'ACTIVE') then
      perform private.fail('INVALID_STATE', format('a %s lottery cannot be changed', v_old.status), 409);
    end if;
    v_new.status := case when v_new.start_time <= now() then 'ACTIVE' else 'UPCOMING' end;
  end if;
  perform private.check_lottery(v_new, v_sale_changed
                                       and (v_changes -> 'new' ? 'start_time' or v_changes -> 'new' ? 'end_time'));
  if v_new.total_tickets <> v_old.total_tickets then
    if p_commitment is null
       or (p_commitment ->> 'seed_commitment') is distinct from p_seed_commitment
       or (p_commitment ->> 'lottery_id') is distinct from p_lottery_id::text
       or (p_commitment ->> 'ticket_count')::integer is distinct from v_new.total_tickets then
      perform private.fail('VALIDATION_ERROR', 'the commitment does not describe this lottery', 400);
    end if;
    update public.draw_commitments
       set seed_ciphertext = decode(p_seed_ciphertext, 'hex'), seed_commitment = p_seed_commitment,
           merkle_frontier = '{}', merkle_heights = '{}', entries_count = 0, entries_root = null
     where lottery_id = p_lottery_id and entries_count = 0;
    if not found then
      perform private.fail('INVALID_STATE', 'the lottery already has entries', 409);
    end if;
    v_new.draw_commitment := p_commitment;
  end if;
  begin
    update public.lotteries
       set title = v_new.title, description = v_new.description, image_url = v_new.image_url,
           image_urls = v_new.image_urls, title_i18n = v_new.title_i18n, description_i18n = v_new.description_i18n,
           details_i18n = v_new.details_i18n, specifications_i18n = v_new.specifications_i18n,
           material_i18n = v_new.material_i18n, name_i18n = v_new.name_i18n, ticket_price = v_new.ticket_price,
           total_tickets = v_new.total_tickets, max_per_user = v_new.max_per_user,
           unlimited_purchase = v_new.unlimited_purchase, currency = v_new.currency,
           start_time = v_new.start_time, end_time = v_new.end_time, status = v_new.status,
           draw_commitment = v_new.draw_commitment
     where id = p_lottery_id
    returning * into v_new;
  exception when check_violation then
    perform private.fail('VALIDATION_ERROR', 'lottery fields are out of range', 400);
  end;
  perform private.admin_log_change(v_actor, 'lotteries.update', v_changes -> 'old', v_changes -> 'new');
  return private.lottery_json(v_new) || jsonb_build_object(
    'changed', (select jsonb_agg(k order by k) from jsonb_object_keys(v_changes -> 'new') k),
    'draw_commitment', v_new.draw_commitment);
end
$$;

-- ---------------------------------------------------------------- payment methods
-- One flat view of a method (columns + the account details and instructions kept in config_data, which the
-- Mini App reads through get_payment_config).
create or replace function private.payment_method_json(p_config public.payment_configs) returns jsonb
language sql stable
set search_path = ''
as $$
  select jsonb_build_object(
    'id', p_config.id, 'config_key', p_config.config_key, 'config_type', p_config.config_type,
    'method', p_config.method, 'min_amount', p_config.min_amount, 'max_amount', p_config.max_amount,
    'fee_rate', p_config.fee_rate, 'processing_time', p_config.processing_time, 'is_enabled', p_config.is_enabled,
    'sort_order', p_config.sort_order, 'account_number', p_config.config_data ->> 'account_number',
    'account_name', p_config.config_data ->> 'account_name', 'bank_name', p_config.config_data ->> 'bank_name',
    'instructions', p_config.config_data -> 'instructions', 'updated_at', p_config.updated_at)
$$;

create or replace function private.text_field(p_value jsonb, p_field text, p_required boolean, p_max integer)
returns text
language plpgsql
set search_path = ''
as $$
declare
  v_text text := p_value ->> p_field;
begin
  if p_value -> p_field is not null and jsonb_typeof(p_value -> p_field) not in ('string', 'null') then
    perform private.field_error(p_field, 'must be text');
  end if;
  if p_required and (v_text is null or btrim(v_text) = '') then
    perform private.field_error(p_field, 'is required');
  end if;
  if length(v_text) > p_max then
    perform private.field_error(p_field, format('must be at most %s characters', p_max));
  end if;
  return nullif(btrim(v_text), '');
end
$$;

-- A JSON number (or decimal string) within [p_min, p_max]; p_integer: no fraction.
create or replace function private.number_field(p_value jsonb, p_field text, p_min numeric, p_max numeric,
                                                p_integer boolean default false, p_label text default null)
returns numeric
language plpgsql
set search_path = ''
as $$
declare
  v_item  jsonb := p_value -> p_field;
  v_label text := coalesce(p_label, p_field);
  v_num   numeric;
begin
  if v_item is null or jsonb_typeof(v_item) not in ('number', 'string') then
    perform private.field_error(v_label, 'must be a number');
  end if;
  begin
    v_num := (v_item #>> '{}')::numeric;
  exception when others then
    perform private.field_error(v_label, 'must be a number');
  end;
  if v_num is null or v_num = 'NaN' or v_num < p_min or v_num > p_max then
    perform private.field_error(v_label, format('must be between %s and %s', p_min, p_max));
  end if;
  if p_integer and v_num <> trunc(v_num) then
    perform private.field_error(v_label, 'must be a whole number');
  end if;
  -- 10.0 is stored as 10: readers cast whole-number settings with ::integer, which refuses '10.0'
  return case when p_integer then trunc(v_num) else v_num end;
end
$$;

-- Checks a method (flat shape) and returns the row to store. Fields named in every error.
create or replace function private.check_payment_method(p_method jsonb) returns public.payment_configs
language plpgsql
set search_path = ''
as $$
declare
  v_row  public.payment_configs;
  v_lang text;
begin
  v_row.config_type := private.text_field(p_method, 'config_type', true, 20);
  if v_row.config_type not in ('DEPOSIT', 'WITHDRAWAL') then
    perform private.field_error('config_type', 'must be DEPOSIT or WITHDRAWAL');
  end if;
  v_row.method := private.text_field(p_method, 'method', true, 32);
  if v_row.method !~ '^[A-Z_]{2,32}$' then
    perform private.field_error('method', 'must be 2-32 of A-Z and _');
  end if;
  v_row.min_amount := round(private.number_field(p_method, 'min_amount', 0.01, 9999999999999999.99), 2);
  v_row.max_amount := round(private.number_field(p_method, 'max_amount', 0.01, 9999999999999999.99), 2);
  if v_row.max_amount < v_row.min_amount then
    perform private.field_error('max_amount', 'must be at least min_amount');
  end if;
  v_row.fee_rate := private.number_field(p_method, 'fee_rate', 0, 0.5);
  if v_row.fee_rate <> round(v_row.fee_rate, 4) then
    perform private.field_error('fee_rate', 'at most 4 decimals (0.0150 = 1.5%)');
  end if;
  v_row.processing_time := private.number_field(p_method, 'processing_time', 0, 43200, true)::integer::text;
  v_row.sort_order := private.number_field(p_method, 'sort_order', -1000, 1000, true)::integer;
  v_row.is_enabled := coalesce((p_method ->> 'is_enabled')::boolean, true);
  -- players read them in their language: every language the app speaks
  if jsonb_typeof(p_method -> 'instructions') is distinct from 'object' then
    perform private.field_error('instructions', 'must be an object with zh, ru, tg and en');
  end if;
  foreach v_lang in array array['zh', 'ru', 'tg', 'en'] loop
    perform private.text_field(p_method -> 'instructions', v_lang, true, 2000);
  end loop;
  if exists (select 1 from jsonb_object_keys(p_method -> 'instructions') k
              where k not in ('zh', 'ru', 'tg', 'en')) then
    perform private.field_error('instructions', 'only zh, ru, tg and en');
  end if;
  -- users pay INTO a deposit method: it needs the account to pay to (and the bank, for a bank transfer)
  v_row.config_data := jsonb_strip_nulls(jsonb_build_object(
    'method', v_row.method,
    'account_number', private.text_field(p_method, 'account_number', v_row.config_type = 'DEPOSIT', 100),
    'account_name', private.text_field(p_method, 'account_name', v_row.config_type = 'DEPOSIT', 100),
    'bank_name', private.text_field(p_method, 'bank_name',
                                    v_row.config_type = 'DEPOSIT' and v_row.method like '%BANK%', 100),
    'instructions', p_method -> 'instructions'));
  return v_row;
end
$$;

create or replace function public.admin_list_payment_methods(p_admin text, p_request jsonb,
                                                             p_config_type text default null,
                                                             p_limit integer default 50, p_offset integer default 0)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
begin
  perform private.admin_begin(p_admin, 'payments.list', 'payment_config', null, p_request);
  return (
    with matching as (
      select * from public.payment_configs where p_config_type is null or config_type = p_config_type
    ),
    page as (
      select * from matching order by config_type, sort_order, method
       limit private.admin_page_limit(p_limit) offset private.page_offset(p_offset)
    )
    select private.page_json(
      (select jsonb_agg(private.payment_method_json(c) order by c.config_type, c.sort_order, c.method) from page c),
      (select count(*) from matching)));
end
$$;

create or replace function public.admin_add_payment_method(p_admin text, p_request jsonb, p_method jsonb)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_actor uuid := private.admin_begin(p_admin, 'payments.add', 'payment_config', p_method ->> 'method', p_request);
  v_row   public.payment_configs := private.check_payment_method(
            jsonb_build_object('sort_order', 0, 'fee_rate', 0, 'processing_time', 0) || p_method);
begin
  insert into public.payment_configs (config_key, config_type, method, config_data, min_amount, max_amount,
                                      fee_rate, processing_time, is_enabled, sort_order)
  values (lower(v_row.config_type || '_' || v_row.method), v_row.config_type, v_row.method, v_row.config_data,
          v_row.min_amount, v_row.max_amount, v_row.fee_rate, v_row.processing_time, v_row.is_enabled,
          v_row.sort_order)
  on conflict do nothing
  returning * into v_row;
  if not found then
    perform private.fail('ALREADY_EXISTS', 'this method already exists for this type; use payments.update', 409);
  end if;
  perform private.admin_log_change(v_actor, 'payments.add', null, private.payment_method_json(v_row));
  return private.payment_method_json(v_row);
end
$$;

-- Changes, enables or disables a method: the merged method is checked as a whole, old -> new audited.
create or replace function private.change_payment_method(p_actor uuid, p_action text, p_id uuid, p_changes jsonb)
returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  v_old  public.payment_configs;
  v_row  public.payment_configs;
  v_diff jsonb;
begin
  select * into v_old from public.payment_configs where id = p_id for update;
  if not found then
    perform private.fail('NOT_FOUND', 'payment method not found', 404);
  end if;
  if p_changes ? 'config_type' or p_changes ? 'method' then
    perform private.field_error(case when p_changes ? 'method' then 'method' else 'config_type' end,
                                'cannot be changed; add a new method and disable this one');
  end if;
  v_row := private.check_payment_method(private.payment_method_json(v_old) || p_changes);
  update public.payment_configs
     set config_data = v_old.config_data || v_row.config_data, min_amount = v_row.min_amount,
         max_amount = v_row.max_amount, fee_rate = v_row.fee_rate, processing_time = v_row.processing_time,
         is_enabled = v_row.is_enabled, sort_order = v_row.sort_order
   where id = p_id
  returning * into v_row;
  v_diff := private.json_diff(private.payment_method_json(v_old) - 'updated_at',
                              private.payment_method_json(v_row) - 'updated_at');
  perform private.admin_log_change(p_actor, p_action, v_diff -> 'old', v_diff -> 'new');
  return private.payment_method_json(v_row);
end
$$;

create or replace function public.admin_update_payment_method(p_admin text, p_request jsonb, p_id uuid,
                                                              p_changes jsonb)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_actor uuid := private.admin_begin(p_admin, 'payments.update', 'payment_config', p_id::text, p_request);
begin
  if p_changes is null or jsonb_typeof(p_changes) <> 'object' or p_changes = '{}'::jsonb then
    perform private.field_error('fields', 'give at least one field to change');
  end if;
  return private.change_payment_method(v_actor, 'payments.update', p_id, p_changes);
end
$$;

create or replace function public.admin_enable_payment_method(p_admin text, p_request jsonb, p_id uuid,
                                                              p_enabled boolean)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_action text := case when p_enabled then 'payments.enable' else 'payments.disable' end;
  v_actor  uuid := private.admin_begin(p_admin, v_action, 'payment_config', p_id::text, p_request);
begin
  return private.change_payment_method(v_actor, v_action, p_id, jsonb_build_object('is_enabled', p_enabled));
end
$$;

-- ---------------------------------------------------------------- configuration
-- Each settable key, checked by its own rule; returns the value to store (numbers normalised). Anything else is
-- refused: a key without a rule is not settable from the CLI. Readers take the value at the time of each
-- operation, and stored records keep the rate they were made with, so a change is never retroactive.
create or replace function private.check_config(p_key text, p_value jsonb) returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  v_keys    text[];
  v_rates   numeric[];
  v_min     numeric;
  v_buckets text[] := array['sign_in_ip', 'sign_in_user', 'upload_url', 'write'];  -- private.rate_limit's callers
  v_bucket  text;
  v_limit   jsonb;
  v_result  jsonb := '{}';
begin
  v_keys := case p_key
    when 'withdrawal' then array['fee_rate', 'max_amount', 'max_pending', 'min_amount']
    when 'first_deposit_bonus' then array['bonus_amount', 'expire_days', 'min_deposit', 'min_invites']
    when 'referral_commission_rates' then array['1', '2', '3']
    when 'lottery' then array['draw_delay_seconds', 'max_quantity']
    when 'resale' then array['fee_rate', 'max_ratio', 'min_ratio']
    when 'showoff' then array['max_reward']
    when 'deposit' then array['max_pending']
    when 'sessions' then array['max_active_per_user']
    when 'retention' then array['batch_size', 'idempotency_hours', 'outbox_days', 'read_notifications_days',
                                'sessions_days']
    when 'telegram_push' then array['chat_interval_ms', 'commission_digest_seconds', 'lease_seconds',
                                    'max_wait_seconds', 'per_second', 'ttl_hours']
    else null end;
  if v_keys is not null then
    if jsonb_typeof(p_value) <> 'object' then
      perform private.field_error('value', format('must be an object with %s', array_to_string(v_keys, ', ')));
    end if;
    if (select array_agg(k order by k) from jsonb_object_keys(p_value) k) is distinct from v_keys then
      perform private.field_error('value', format('must have exactly the keys %s', array_to_string(v_keys, ', ')));
    end if;
  end if;
  case p_key
    when 'exchange_rate' then
      return to_jsonb(private.number_field(jsonb_build_object('value', p_value), 'value', 0.000001, 1000));
    when 'session_ttl_seconds' then
      return to_jsonb(private.number_field(jsonb_build_object('value', p_value), 'value', 300, 2592000, true));
    when 'withdrawal' then
      v_min := private.number_field(p_value, 'min_amount', 0.01, 1000000, false, 'value.min_amount');
      return jsonb_build_object(
        'min_amount', v_min,
        'max_amount', private.number_field(p_value, 'max_amount', v_min, 9999999999999999.99, false, 'value.max_amount'),
        'max_pending', private.number_field(p_value, 'max_pending', 1, 100, true, 'value.max_pending'),
        'fee_rate', private.number_field(p_value, 'fee_rate', 0, 0.2, false, 'value.fee_rate'));
    when 'first_deposit_bonus' then
      return jsonb_build_object(
        'min_deposit', private.number_field(p_value, 'min_deposit', 0.01, 1000000, false, 'value.min_deposit'),
        'bonus_amount', private.number_field(p_value, 'bonus_amount', 0, 1000, false, 'value.bonus_amount'),
        'expire_days', private.number_field(p_value, 'expire_days', 1, 365, true, 'value.expire_days'),
        'min_invites', private.number_field(p_value, 'min_invites', 0, 100, true, 'value.min_invites'));
    when 'referral_commission_rates' then
      -- commissions are paid on every sale: at most 10% per level and 15% in all
      v_rates := array[private.number_field(p_value, '1', 0, 0.1, false, 'value.1'),
                       private.number_field(p_value, '2', 0, 0.1, false, 'value.2'),
                       private.number_field(p_value, '3', 0, 0.1, false, 'value.3')];
      if v_rates[1] + v_rates[2] + v_rates[3] > 0.15 then
        perform private.field_error('value', 'the three rates add up to more than 0.15');
      end if;
      return jsonb_build_object('1', v_rates[1], '2', v_rates[2], '3', v_rates[3]);
    when 'lottery' then
      return jsonb_build_object(
        'draw_delay_seconds', private.number_field(p_value, 'draw_delay_seconds', 0, 86400, true,
                                                   'value.draw_delay_seconds'),
        -- orders.quantity is 1..100
        'max_quantity', private.number_field(p_value, 'max_quantity', 1, 100, true, 'value.max_quantity'));
    when 'resale' then
      v_min := private.number_field(p_value, 'min_ratio', 0.01, 1, false, 'value.min_ratio');
      return jsonb_build_object(
        'min_ratio', v_min,
        'max_ratio', private.number_field(p_value, 'max_ratio', greatest(v_min, 1), 5, false, 'value.max_ratio'),
        'fee_rate', private.number_field(p_value, 'fee_rate', 0, 0.5, false, 'value.fee_rate'));
    when 'showoff' then
      -- showoffs.reward_coins is at most 100
      return jsonb_build_object('max_reward', private.number_field(p_value, 'max_reward', 0, 100, false,
                                                                   'value.max_reward'));
    when 'deposit' then
      return jsonb_build_object('max_pending', private.number_field(p_value, 'max_pending', 1, 100, true,
                                                                    'value.max_pending'));
    when 'rate_limits' then
      -- docs/security.md: a bucket left out has no limit (only a migration removes one); each listed bucket is
      -- requests per sliding window, never 0 (that would lock every user out)
      if jsonb_typeof(p_value) <> 'object' then
        perform private.field_error('value', format('must be an object of buckets (%s)',
                                                    array_to_string(v_buckets, ', ')));
      end if;
      for v_bucket, v_limit in select e.key, e.value from jsonb_each(p_value) e order by e.key loop
        if not v_bucket = any (v_buckets) then
          perform private.field_error('value.' || left(v_bucket, 50),
                                      format('is not a rate-limit bucket (%s)', array_to_string(v_buckets, ', ')));
        end if;
        if jsonb_typeof(v_limit) <> 'object'
           or (select array_agg(k order by k) from jsonb_object_keys(v_limit) k)
              is distinct from array['limit', 'window_seconds'] then
          perform private.field_error('value.' || v_bucket, 'must have exactly the keys limit, window_seconds');
        end if;
        v_result := v_result || jsonb_build_object(v_bucket, jsonb_build_object(
          'limit', private.number_field(v_limit, 'limit', 1, 1000000, true, 'value.' || v_bucket || '.limit'),
          'window_seconds', private.number_field(v_limit, 'window_seconds', 1, 86400, true,
                                                 'value.' || v_bucket || '.window_seconds')));
      end loop;
      return v_result;
    when 'sessions' then
      return jsonb_build_object('max_active_per_user', private.number_field(p_value, 'max_active_per_user', 1, 100,
                                                                            true, 'value.max_active_per_user'));
    when 'retention' then
      -- each run deletes up to batch_size rows of each kind in one transaction: bounded so it stays short;
      -- idempotency keys are kept at least a day, the replay window clients rely on (SPEC: a replay moves no money)
      return jsonb_build_object(
        'batch_size', private.number_field(p_value, 'batch_size', 1, 10000, true, 'value.batch_size'),
        'sessions_days', private.number_field(p_value, 'sessions_days', 1, 3650, true, 'value.sessions_days'),
        'idempotency_hours', private.number_field(p_value, 'idempotency_hours', 24, 8760, true,
                                                  'value.idempotency_hours'),
        'outbox_days', private.number_field(p_value, 'outbox_days', 1, 3650, true, 'value.outbox_days'),
        'read_notifications_days', private.number_field(p_value, 'read_notifications_days', 1, 3650, true,
                                                        'value.read_notifications_days'));
    when 'telegram_push' then
      -- Telegram allows ~30 messages/s per bot and ~1/s per chat, and a consumer may send up to 0.3 s late
      -- (send-telegram-notifications): per_second x 1.3 + 1 < 30 and chat_interval_ms - 300 > 1000. The SENDING
      -- lease must outlive the consumer's 60 s timeout, or a batch still sending would be closed under it.
      return jsonb_build_object(
        'per_second', private.number_field(p_value, 'per_second', 0.1, 22, false, 'value.per_second'),
        'chat_interval_ms', private.number_field(p_value, 'chat_interval_ms', 1301, 600000, true,
                                                 'value.chat_interval_ms'),
        'max_wait_seconds', private.number_field(p_value, 'max_wait_seconds', 0, 5, false, 'value.max_wait_seconds'),
        'lease_seconds', private.number_field(p_value, 'lease_seconds', 61, 3600, true, 'value.lease_seconds'),
        'commission_digest_seconds', private.number_field(p_value, 'commission_digest_seconds', 0, 86400, true,
                                                          'value.commission_digest_seconds'),
        'ttl_hours', private.number_field(p_value, 'ttl_hours', 1, 720, true, 'value.ttl_hours'));
    else
      perform private.field_error('key', format('%s has no validation rule and cannot be set here', p_key));
  end case;
  return null;
end
$$;

create or replace function public.admin_show_config(p_admin text, p_request jsonb, p_key text default null)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
begin
  perform private.admin_begin(p_admin, 'config.show', 'config', p_key, p_request);
  if p_key is not null and not exists (select 1 from public.system_config where key = p_key) then
    perform private.fail('NOT_FOUND', format('no configuration key %s', p_key), 404);
  end if;
  return (
    with matching as (select * from public.system_config where p_key is null or key = p_key)
    select private.page_json(
      (select jsonb_agg(jsonb_build_object('key', c.key, 'value', c.value, 'description', c.description,
                                           'updated_at', c.updated_at) order by c.key) from matching c),
      (select count(*) from matching)));
end
$$;

-- An object value is merged key by key ({"fee_rate": 0.04} changes only the fee), and one level deeper for nested
-- objects ({"write": {"limit": 100}} keeps the bucket's window), then checked as a whole.
create or replace function public.admin_set_config(p_admin text, p_request jsonb, p_key text, p_value jsonb)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_actor uuid := private.admin_begin(p_admin, 'config.set', 'config', p_key, p_request);
  v_old   public.system_config;
  v_value jsonb;
begin
  select * into v_old from public.system_config where key = p_key for update;
  if not found then
    perform private.fail('NOT_FOUND', format('no configuration key %s', p_key), 404);
  end if;
  if p_value is null then
    perform private.field_error('value', 'is required');
  end if;
  v_value := case when jsonb_typeof(v_old.value) = 'object' and jsonb_typeof(p_value) = 'object'
                  then v_old.value || coalesce((
                    select jsonb_object_agg(e.key, case when jsonb_typeof(v_old.value -> e.key) = 'object'
                                                         and jsonb_typeof(e.value) = 'object'
                                                        then (v_old.value -> e.key) || e.value else e.value end)
                      from jsonb_each(p_value) e), '{}')
                  else p_value end;
  v_value := private.check_config(p_key, v_value);
  update public.system_config set value = v_value where key = p_key;
  perform private.admin_log_change(v_actor, 'config.set', jsonb_build_object(p_key, v_old.value),
                                   jsonb_build_object(p_key, v_value));
  return jsonb_build_object('key', p_key, 'old_value', v_old.value, 'value', v_value,
                            'changed', v_old.value is distinct from v_value);
end
$$;

-- ---------------------------------------------------------------- commissions and the referral tree
create or replace function public.admin_list_commissions(p_admin text, p_request jsonb, p_user_id uuid default null,
                                                         p_order_id uuid default null, p_status text default null,
                                                         p_from timestamptz default null,
                                                         p_to timestamptz default null,
                                                         p_limit integer default 50, p_offset integer default 0)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
begin
  perform private.admin_begin(p_admin, 'commissions.list', 'commission', coalesce(p_user_id, p_order_id)::text,
                              p_request);
  return (
    with matching as (
      select * from public.commissions c
       where (p_user_id is null or c.user_id = p_user_id) and (p_order_id is null or c.related_order_id = p_order_id)
         and (p_status is null or c.status = p_status)
         and (p_from is null or c.created_at >= p_from) and (p_to is null or c.created_at < p_to)
    ),
    page as (
      select * from matching order by created_at desc, id desc
       limit private.admin_page_limit(p_limit) offset private.page_offset(p_offset)
    )
    select private.page_json(
      (select jsonb_agg(jsonb_build_object(
                'id', c.id, 'status', c.status, 'level', c.level, 'amount', c.amount, 'rate', c.rate,
                'source_amount', c.source_amount, 'order_id', c.related_order_id,
                'lottery_id', c.related_lottery_id, 'paid_at', c.paid_at, 'created_at', c.created_at,
                'earner', private.user_brief_json(e), 'buyer', private.user_brief_json(b))
              order by c.created_at desc, c.id desc)
         from page c join public.users e on e.id = c.user_id join public.users b on b.id = c.from_user_id),
      (select count(*) from matching))
      || jsonb_build_object('totals', (select coalesce(jsonb_object_agg(t.status, jsonb_build_object(
                                                 'count', t.n, 'amount', t.amount)), '{}')
                                         from (select status, count(*) as n, sum(amount) as amount
                                                 from matching group by status) t)));
end
$$;

-- Three levels below a user: each member's spend (paid lottery orders) and what the user earned from them.
create or replace function public.admin_referral_tree(p_admin text, p_request jsonb, p_user_id uuid,
                                                      p_limit integer default 50, p_offset integer default 0)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_user public.users;
begin
  perform private.admin_begin(p_admin, 'referrals.tree', 'user', p_user_id::text, p_request);
  select * into v_user from public.users where id = p_user_id;
  if not found then
    perform private.fail('NOT_FOUND', 'user not found', 404);
  end if;
  return (
    with matching as (
      select u as member, u.id, u.created_at, t.level,
             (select coalesce(sum(o.total_amount), 0) from public.orders o
               where o.user_id = u.id and o.type = 'LOTTERY_PURCHASE' and o.status = 'PAID') as spent,
             (select coalesce(sum(c.amount) filter (where c.status = 'PAID'), 0) from public.commissions c
               where c.user_id = p_user_id and c.from_user_id = u.id) as earned_paid,
             (select coalesce(sum(c.amount) filter (where c.status = 'PENDING'), 0) from public.commissions c
               where c.user_id = p_user_id and c.from_user_id = u.id) as earned_pending
        from private.referral_tree(p_user_id) t join public.users u on u.id = t.user_id
    ),
    page as (
      select * from matching order by level, created_at desc, id desc
       limit private.admin_page_limit(p_limit) offset private.page_offset(p_offset)
    )
    select private.page_json(
      (select jsonb_agg(jsonb_build_object(
                'level', m.level, 'user', private.user_brief_json(m.member),
                'referred_by_id', (m.member).referred_by_id, 'status', (m.member).status,
                'created_at', m.created_at, 'total_spent', m.spent,
                'commission_paid', m.earned_paid, 'commission_pending', m.earned_pending)
              order by m.level, m.created_at desc, m.id desc)
         from page m),
      (select count(*) from matching))
      || jsonb_build_object(
           'user', private.user_brief_json(v_user),
           'referred_by', (select private.user_brief_json(r) from public.users r where r.id = v_user.referred_by_id),
           'levels', (select coalesce(jsonb_object_agg(l.level, jsonb_build_object(
                                'members', l.n, 'total_spent', l.spent, 'commission_paid', l.paid,
                                'commission_pending', l.pending)), '{}')
                        from (select level, count(*) as n, sum(spent) as spent, sum(earned_paid) as paid,
                                     sum(earned_pending) as pending
                                from matching group by level) l)));
end
$$;

-- ---------------------------------------------------------------- resale market moderation
create or replace function public.admin_list_resales(p_admin text, p_request jsonb, p_status text default null,
                                                     p_seller_id uuid default null,
                                                     p_limit integer default 50, p_offset integer default 0)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
begin
  perform private.admin_begin(p_admin, 'resales.list', 'resale', p_seller_id::text, p_request);
  return (
    with matching as (
      -- the seller owns the listed prize (resales keeps no user id: anon reads ACTIVE rows)
      select * from public.resales
       where (p_status is null or status = p_status)
         and (p_seller_id is null or prize_id in (select id from public.prizes where user_id = p_seller_id))
    ),
    page as (
      select * from matching order by created_at desc, id desc
       limit private.admin_page_limit(p_limit) offset private.page_offset(p_offset)
    )
    select private.page_json(
      (select jsonb_agg(private.resale_json(r) || jsonb_build_object(
                'seller', private.user_brief_json(s),
                -- the buyer owns the prize the sale created
                'buyer', (select private.user_brief_json(b) from public.prizes bp join public.users b
                                                                 on b.id = bp.user_id
                           where bp.source_prize_id = r.prize_id),
                'prize', jsonb_build_object('id', p.id, 'prize_name', p.prize_name, 'status', p.status,
                                            'prize_value', p.prize_value))
              order by r.created_at desc, r.id desc)
         from page r join public.prizes p on p.id = r.prize_id join public.users s on s.id = p.user_id),
      (select count(*) from matching)));
end
$$;

-- An ACTIVE listing only (the conditional UPDATE: a concurrent purchase either sold it first, then this is a 409,
-- or finds it CANCELLED); the prize returns to PENDING and the seller is told why.
create or replace function public.admin_cancel_resale(p_admin text, p_request jsonb, p_resale_id uuid,
                                                      p_reason text)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_actor  uuid := private.admin_begin(p_admin, 'resales.cancel', 'resale', p_resale_id::text, p_request);
  v_resale public.resales;
begin
  if p_reason is null or length(btrim(p_reason)) not between 1 and 500 then
    perform private.field_error('reason', 'is required (1-500 characters; the seller reads it)');
  end if;
  update public.resales set status = 'CANCELLED', cancelled_at = now()
   where id = p_resale_id and status = 'ACTIVE'
  returning * into v_resale;
  if not found then
    if exists (select 1 from public.resales where id = p_resale_id) then
      perform private.fail('ALREADY_PROCESSED', 'only an ACTIVE listing can be cancelled', 409);
    end if;
    perform private.fail('NOT_FOUND', 'listing not found', 404);
  end if;
  update public.prizes set status = 'PENDING', processed_at = now()
   where id = v_resale.prize_id and status = 'RESELLING';
  perform private.notify((select user_id from public.prizes where id = v_resale.prize_id), 'RESALE_CANCELLED', 'Your listing was removed',
                         format('Your resale listing was removed by LuckyMart: %s. The prize is yours again.',
                                btrim(p_reason)),
                         jsonb_build_object('resale_id', v_resale.id, 'prize_id', v_resale.prize_id,
                                            'reason', btrim(p_reason)),
                         v_resale.id, 'resale');
  perform private.admin_log_change(v_actor, 'resales.cancel', jsonb_build_object('status', 'ACTIVE'),
                                   jsonb_build_object('status', 'CANCELLED', 'reason', btrim(p_reason)));
  return private.resale_json(v_resale) || jsonb_build_object('prize_status', 'PENDING');
end
$$;

-- ---------------------------------------------------------------- users: search and list
create extension if not exists pg_trgm with schema extensions;

-- What users.search matches, in one string; immutable so it can be indexed (trigram GIN: partial,
-- case-insensitive ILIKE uses it).
create or replace function private.user_search_text(p_telegram_id text, p_username text, p_first_name text,
                                                    p_last_name text, p_referral_code text, p_phone text)
returns text
language sql immutable parallel safe
set search_path = ''
as $$
  select lower(concat_ws(' ', p_telegram_id, p_username, p_first_name, p_last_name, p_referral_code, p_phone))
$$;

create index if not exists users_search_trgm_idx on public.users using gin (
  private.user_search_text(telegram_id, telegram_username, first_name, last_name, referral_code, phone_number)
  extensions.gin_trgm_ops);
create index if not exists users_created_idx on public.users (created_at desc, id desc);
-- No index on total_spent (performance, issue 17): every purchase updates its buyer's total_spent, and an index
-- on it made that UPDATE a non-HOT one, a new entry in every index of users (the trigram GIN one included) per
-- purchase. The "spend" order below (NULLS LAST, then created_at) could not use such an index anyway.

create or replace function public.admin_search_users(p_admin text, p_request jsonb, p_q text,
                                                     p_limit integer default 50, p_offset integer default 0)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_q       text := lower(btrim(coalesce(p_q, '')));
  v_pattern text;
begin
  perform private.admin_begin(p_admin, 'users.search', 'user', null, p_request);
  if length(v_q) not between 2 and 100 then
    perform private.field_error('q', 'must be 2-100 characters');
  end if;
  v_q := ltrim(v_q, '@');  -- "@name" as Telegram shows it
  v_pattern := '%' || replace(replace(replace(v_q, '\', '\\'), '%', '\%'), '_', '\_') || '%';
  return (
    with matching as (
      select u as found, u.id, u.created_at,
             (u.telegram_id = v_q or lower(u.telegram_username) = v_q or lower(u.referral_code) = v_q
              or u.phone_number = v_q) as exact
        from public.users u
       where private.user_search_text(u.telegram_id, u.telegram_username, u.first_name, u.last_name,
                                      u.referral_code, u.phone_number) like v_pattern
    ),
    page as (
      select * from matching order by exact desc, created_at desc, id desc
       limit private.admin_page_limit(p_limit) offset private.page_offset(p_offset)
    )
    select private.page_json(
      (select jsonb_agg(private.user_brief_json(m.found) || jsonb_build_object(
                'referral_code', (m.found).referral_code, 'phone_number', (m.found).phone_number,
                'status', (m.found).status, 'total_spent', (m.found).total_spent, 'created_at', m.created_at,
                'exact', m.exact)
              order by m.exact desc, m.created_at desc, m.id desc)
         from page m),
      (select count(*) from matching)));
end
$$;

create or replace function public.admin_list_users(p_admin text, p_request jsonb, p_sort text default 'newest',
                                                   p_status text default null,
                                                   p_limit integer default 50, p_offset integer default 0)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
begin
  perform private.admin_begin(p_admin, 'users.list', 'user', null, p_request);
  if p_sort not in ('newest', 'spend') then
    perform private.field_error('sort', 'must be newest or spend');
  end if;
  return (
    with matching as (
      select * from public.users where p_status is null or status = p_status
    ),
    page as (
      select * from matching
       order by case when p_sort = 'spend' then total_spent end desc nulls last, created_at desc, id desc
       limit private.admin_page_limit(p_limit) offset private.page_offset(p_offset)
    )
    select private.page_json(
      (select jsonb_agg(private.user_brief_json(m) || jsonb_build_object(
                'referral_code', m.referral_code, 'status', m.status, 'total_spent', m.total_spent,
                'total_won', m.total_won, 'last_active_at', m.last_active_at, 'created_at', m.created_at)
              order by case when p_sort = 'spend' then m.total_spent end desc nulls last, m.created_at desc,
                       m.id desc)
         from page m),
      (select count(*) from matching)));
end
$$;

-- ---------------------------------------------------------------- the ledger (finance's monthly audit)
-- By time, newest first (ledger.list's order); covering what stats.summary reads, so a month of ledger rows is an
-- index-only scan rather than a random heap read per row.
create index if not exists wallet_transactions_created_idx on public.wallet_transactions (created_at desc, id desc)
  include (wallet_id, type, amount);

create or replace function public.admin_list_ledger(p_admin text, p_request jsonb, p_user_id uuid default null,
                                                    p_wallet_type text default null, p_type text default null,
                                                    p_from timestamptz default null, p_to timestamptz default null,
                                                    p_limit integer default 50, p_offset integer default 0)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
begin
  perform private.admin_begin(p_admin, 'ledger.list', 'user', p_user_id::text, p_request);
  if p_from is not null and p_to is not null and p_to <= p_from then
    perform private.field_error('to', 'must be after from');
  end if;
  return (
    with matching as (
      select t.*, w.user_id, w.type as wallet_type, w.currency
        from public.wallet_transactions t join public.wallets w on w.id = t.wallet_id
       where (p_user_id is null or w.user_id = p_user_id) and (p_wallet_type is null or w.type = p_wallet_type)
         and (p_type is null or t.type = p_type)
         and (p_from is null or t.created_at >= p_from) and (p_to is null or t.created_at < p_to)
    ),
    page as (
      select * from matching order by created_at desc, id desc
       limit private.admin_page_limit(p_limit) offset private.page_offset(p_offset)
    )
    select private.page_json(
      (select jsonb_agg(jsonb_build_object(
                'id', m.id, 'created_at', m.created_at, 'user_id', m.user_id, 'telegram_id', u.telegram_id,
                'wallet_type', m.wallet_type, 'currency', m.currency, 'type', m.type, 'amount', m.amount,
                'frozen_delta', m.frozen_delta, 'balance_before', m.balance_before,
                'balance_after', m.balance_after, 'status', m.status, 'reference_type', m.reference_type,
                'reference_id', m.reference_id, 'order_id', m.related_order_id,
                'lottery_id', m.related_lottery_id, 'description', m.description)
              order by m.created_at desc, m.id desc)
         from page m join public.users u on u.id = m.user_id),
      (select count(*) from matching))
      -- totals over every matching row, not just this page
      || jsonb_build_object('totals', (select coalesce(jsonb_agg(jsonb_build_object(
                                                 'type', t.type, 'currency', t.currency, 'count', t.n,
                                                 'amount', t.amount, 'frozen_delta', t.frozen)
                                                 order by t.currency, t.type), '[]')
                                         from (select type, currency, count(*) as n, sum(amount) as amount,
                                                      sum(frozen_delta) as frozen
                                                 from matching group by type, currency) t)));
end
$$;

-- ---------------------------------------------------------------- statistics
create index if not exists orders_paid_idx on public.orders (paid_at) where type = 'LOTTERY_PURCHASE';
create index if not exists commissions_paid_idx on public.commissions (paid_at) where status = 'PAID';
create index if not exists deposits_reviewed_idx on public.deposits (reviewed_at) where status = 'APPROVED';
create index if not exists withdrawals_completed_idx on public.withdrawals (completed_at)
  where status = 'COMPLETED';

-- stats.summary: the last p_days UTC days including today. Money moved = approved deposits (by review time),
-- completed withdrawals (by payout time), lottery orders still PAID (by payment time; refunded ones drop out),
-- PAID commissions (by payment time), BONUS and SHOWOFF_REWARD ledger credits; active users = users with a
-- ledger row in the window. Prizes and lotteries by status are the current counts.
-- jit off: compiling this one-off query cost seconds (more than running it) under load.
create or replace function public.admin_stats_summary(p_admin text, p_request jsonb, p_days integer)
returns jsonb
language plpgsql
security definer
set search_path = ''
set jit = off
as $$
declare
  v_today date := (now() at time zone 'UTC')::date;
  v_first date;
  v_since timestamptz;
begin
  perform private.admin_begin(p_admin, 'stats.summary', 'stats', p_days::text, p_request);
  if p_days is null or p_days not in (1, 7, 30) then
    perform private.field_error('days', 'must be 1, 7 or 30');
  end if;
  v_first := v_today - (p_days - 1);
  v_since := v_first::timestamp at time zone 'UTC';
  return (
    with days as (
      select d::date as day from generate_series(v_first, v_today, interval '1 day') d
    ),
    signups as (
      select (created_at at time zone 'UTC')::date as day, count(*) as n
        from public.users where created_at >= v_since group by 1
    ),
    ledger as materialized (
      select (t.created_at at time zone 'UTC')::date as day, t.type, t.amount, w.user_id
        from public.wallet_transactions t join public.wallets w on w.id = t.wallet_id
       where t.created_at >= v_since
    ),
    active as (
      select day, count(distinct user_id) as n from ledger group by day
    ),
    deposits as (
      select (reviewed_at at time zone 'UTC')::date as day, currency, count(*) as n, sum(amount) as amount
        from public.deposits where status = 'APPROVED' and reviewed_at >= v_since group by 1, 2
    ),
    withdrawals as (
      select (completed_at at time zone 'UTC')::date as day, currency, count(*) as n, sum(amount) as amount
        from public.withdrawals where status = 'COMPLETED' and completed_at >= v_since group by 1, 2
    ),
    sales as (
      select (paid_at at time zone 'UTC')::date as day, currency, count(*) as orders, sum(quantity) as tickets,
             sum(total_amount) as gmv
        from public.orders
       where type = 'LOTTERY_PURCHASE' and status = 'PAID' and paid_at >= v_since group by 1, 2
    ),
    commissions as (
      select (paid_at at time zone 'UTC')::date as day, count(*) as n, sum(amount) as amount
        from public.commissions where status = 'PAID' and paid_at >= v_since group by 1
    ),
    bonuses as (
      select day, type, count(*) as n, sum(amount) as amount
        from ledger where type in ('BONUS', 'SHOWOFF_REWARD') group by 1, 2
    )
    select jsonb_build_object(
      'days', p_days, 'from', v_since, 'to', now(),
      'signups', (select coalesce(sum(n), 0) from signups),
      'active_users', (select count(distinct user_id) from ledger),
      'deposits', (select jsonb_build_object('count', coalesce(sum(n), 0), 'sum', coalesce(sum(amount), 0))
                     from deposits),
      'withdrawals', (select jsonb_build_object('count', coalesce(sum(n), 0), 'sum', coalesce(sum(amount), 0))
                        from withdrawals),
      'ticket_sales', (select jsonb_build_object(
                                'orders', coalesce(sum(orders), 0), 'tickets', coalesce(sum(tickets), 0),
                                'gmv', coalesce((select jsonb_object_agg(g.currency, g.gmv)
                                                   from (select currency, sum(gmv) as gmv from sales
                                                          group by currency) g), '{}'))
                         from sales),
      'commissions_paid', (select jsonb_build_object('count', coalesce(sum(n), 0), 'sum', coalesce(sum(amount), 0))
                             from commissions),
      'bonuses', (select jsonb_build_object(
                           'count', coalesce(sum(n), 0), 'sum', coalesce(sum(amount), 0),
                           'by_type', coalesce(jsonb_object_agg(type, jsonb_build_object('count', n, 'sum', amount))
                                                 filter (where type is not null), '{}'))
                    from (select type, sum(n) as n, sum(amount) as amount from bonuses group by type) b),
      'prizes_by_status', (select coalesce(jsonb_object_agg(status, n), '{}')
                             from (select status, count(*) as n from public.prizes group by status) p),
      'lotteries_by_status', (select coalesce(jsonb_object_agg(status, n), '{}')
                                from (select status, count(*) as n from public.lotteries group by status) l),
      'series', (select jsonb_agg(jsonb_build_object(
                   'day', d.day, 'signups', coalesce(s.n, 0), 'active_users', coalesce(a.n, 0),
                   'deposits_count', coalesce(dp.n, 0), 'deposits_sum', coalesce(dp.amount, 0),
                   'withdrawals_count', coalesce(wd.n, 0), 'withdrawals_sum', coalesce(wd.amount, 0),
                   'tickets_sold', coalesce(sl.tickets, 0), 'gmv', coalesce(sl.gmv, 0),
                   'commissions_paid', coalesce(c.amount, 0), 'bonuses', coalesce(b.amount, 0))
                   order by d.day)
                   from days d
                   left join signups s on s.day = d.day
                   left join active a on a.day = d.day
                   left join (select day, sum(n) as n, sum(amount) as amount from deposits group by day) dp
                          on dp.day = d.day
                   left join (select day, sum(n) as n, sum(amount) as amount from withdrawals group by day) wd
                          on wd.day = d.day
                   left join (select day, sum(tickets) as tickets, sum(gmv) as gmv from sales group by day) sl
                          on sl.day = d.day
                   left join commissions c on c.day = d.day
                   left join (select day, sum(amount) as amount from bonuses group by day) b on b.day = d.day)));
end
$$;

-- ---------------------------------------------------------------- admin accounts: enable, set_role
-- A disabled admin comes back with a NEW token (returned once): whatever led to the disable may have exposed
-- the old one.
create or replace function public.admin_enable_admin(p_admin text, p_request jsonb, p_username text,
                                                     p_token_hash text)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_actor uuid;
  v_admin public.admins;
begin
  perform pg_advisory_xact_lock(hashtextextended('luckymart:admins.disable', 0));
  v_actor := private.admin_begin(p_admin, 'admins.enable', 'admin', p_username, p_request);
  update public.admins set status = 'ACTIVE', token_hash = p_token_hash, token_created_at = now()
   where username = p_username and status = 'DISABLED'
  returning * into v_admin;
  if not found then
    if exists (select 1 from public.admins where username = p_username) then
      perform private.fail('ALREADY_PROCESSED', format('admin %s is already active', p_username), 409);
    end if;
    perform private.fail('NOT_FOUND', format('admin %s not found', p_username), 404);
  end if;
  perform private.admin_log_change(v_actor, 'admins.enable', jsonb_build_object('status', 'DISABLED'),
                                   jsonb_build_object('status', 'ACTIVE'));
  return private.admin_json(v_admin);
end
$$;

-- Under the same lock as admins.disable: the last active SUPER_ADMIN keeps the role.
create or replace function public.admin_set_admin_role(p_admin text, p_request jsonb, p_username text, p_role text)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_actor uuid;
  v_old   public.admins;
  v_admin public.admins;
begin
  perform pg_advisory_xact_lock(hashtextextended('luckymart:admins.disable', 0));
  v_actor := private.admin_begin(p_admin, 'admins.set_role', 'admin', p_username, p_request);
  if not exists (select 1 from public.roles where name = p_role) then
    perform private.field_error('role', format('unknown role %s', p_role));
  end if;
  select * into v_old from public.admins where username = p_username for update;
  if not found then
    perform private.fail('NOT_FOUND', format('admin %s not found', p_username), 404);
  end if;
  if v_old.role_name = p_role then
    perform private.fail('ALREADY_PROCESSED', format('admin %s already has role %s', p_username, p_role), 409);
  end if;
  if v_old.role_name = 'SUPER_ADMIN' and v_old.status = 'ACTIVE'
     and (select count(*) from public.admins where role_name = 'SUPER_ADMIN' and status = 'ACTIVE') <= 1 then
    perform private.fail('INVALID_STATE', 'the last active SUPER_ADMIN keeps the role', 409);
  end if;
  update public.admins set role_name = p_role where id = v_old.id returning * into v_admin;
  perform private.admin_log_change(v_actor, 'admins.set_role', jsonb_build_object('role', v_old.role_name),
                                   jsonb_build_object('role', p_role));
  return private.admin_json(v_admin);
end
$$;

-- ---------------------------------------------------------------- roles and permissions (issue 14)
update public.roles set description = 'deposits, withdrawals, payment methods, ledger, commissions'
 where name = 'FINANCE';
update public.roles set description = 'lotteries, draws, shipping, showoffs, resale market, broadcasts'
 where name = 'OPERATIONS';
update public.roles set description = 'read-only search and lists of users, orders, prizes, listings, referrals'
 where name = 'SUPPORT';

insert into public.permissions (role_name, action) values
  ('FINANCE', 'payments.list'), ('FINANCE', 'payments.add'), ('FINANCE', 'payments.update'),
  ('FINANCE', 'payments.enable'), ('FINANCE', 'payments.disable'),
  ('FINANCE', 'ledger.list'), ('FINANCE', 'commissions.list'), ('FINANCE', 'referrals.tree'),
  ('FINANCE', 'stats.summary'), ('FINANCE', 'users.search'),
  ('OPERATIONS', 'lotteries.update'), ('OPERATIONS', 'resales.list'), ('OPERATIONS', 'resales.cancel'),
  ('OPERATIONS', 'stats.summary'), ('OPERATIONS', 'users.search'),  -- broadcasts: notifications.broadcast (telegram)
  ('SUPPORT', 'users.search'), ('SUPPORT', 'users.list'), ('SUPPORT', 'resales.list'),
  ('SUPPORT', 'commissions.list'), ('SUPPORT', 'referrals.tree')
on conflict do nothing;

select private.lock_down_functions();
