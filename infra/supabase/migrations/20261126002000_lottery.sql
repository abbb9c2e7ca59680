-- Lottery sales and fairdraw-v1 draws (issue 4, notes/fairdraw.md).
-- Lifecycle: UPCOMING -> ACTIVE -> SOLD_OUT -> DRAWING -> COMPLETED, or -> CANCELLED (with refunds).
-- The secret seed (AES-GCM sealed by the Lambda) and the incremental RFC 6962 Merkle frontier live in
-- public.draw_commitments, which no API role can read. The purchase appends its leaves to the frontier, so the
-- root at sell-out costs O(log N) and no Lambda ever holds the ticket list.

-- ---------------------------------------------------------------- Merkle frontier (RFC 6962, SHA-256)
create or replace function private.merkle_node(p_left bytea, p_right bytea) returns bytea
language sql immutable
set search_path = ''
as $$ select extensions.digest('\x01'::bytea || p_left || p_right, 'sha256') $$;

-- Appends one leaf: merges equal-height subtree roots at the end of the compact range.
create or replace function private.merkle_append(inout p_hashes bytea[], inout p_heights integer[], p_leaf text)
language plpgsql immutable
set search_path = ''
as $$
declare
  v_node   bytea := extensions.digest('\x00'::bytea || convert_to(p_leaf, 'UTF8'), 'sha256');
  v_height integer := 0;
  v_last   integer := coalesce(array_length(p_heights, 1), 0);
begin
  while v_last > 0 and p_heights[v_last] = v_height loop
    v_node := private.merkle_node(p_hashes[v_last], v_node);
    p_hashes := p_hashes[1:v_last - 1];
    p_heights := p_heights[1:v_last - 1];
    v_last := v_last - 1;
    v_height := v_height + 1;
  end loop;
  p_hashes := p_hashes || v_node;
  p_heights := p_heights || v_height;
end
$$;

create or replace function private.merkle_root(p_hashes bytea[]) returns text
language plpgsql immutable
set search_path = ''
as $$
declare
  v_count integer := coalesce(array_length(p_hashes, 1), 0);
  v_root  bytea;
begin
  if v_count = 0 then
    return encode(extensions.digest(''::bytea, 'sha256'), 'hex');
  end if;
  v_root := p_hashes[v_count];
  for i in reverse v_count - 1 .. 1 loop
    v_root := private.merkle_node(p_hashes[i], v_root);
  end loop;
  return encode(v_root, 'hex');
end
$$;

-- Pseudonymous buyer reference of notes/fairdraw.md §2; the pepper is a Lambda secret passed per call.
create or replace function private.buyer_ref(p_pepper text, p_lottery_id uuid, p_user_id uuid) returns text
language sql immutable
set search_path = ''
as $$ select left(encode(extensions.hmac(p_lottery_id::text || ':' || p_user_id::text, p_pepper, 'sha256'), 'hex'), 16) $$;

-- ---------------------------------------------------------------- shapes
-- (admins only) the winner is the winning ticket's owner: public tables hold no user id
create or replace function private.lottery_json(p_lottery public.lotteries) returns jsonb
language sql stable
set search_path = ''
as $$
  select to_jsonb(p_lottery) - 'vrf_seed' - 'vrf_proof' - 'draw_algorithm_data' - 'draw_commitment'
         || jsonb_build_object('winning_user_id', (select t.user_id from public.tickets t
                                                    where t.lottery_id = p_lottery.id and t.is_winning))
$$;

create or replace function private.order_json(p_order public.orders) returns jsonb
language sql stable
set search_path = ''
as $$
  select jsonb_build_object(
    'id', p_order.id, 'order_number', p_order.order_number, 'type', p_order.type, 'lottery_id', p_order.lottery_id,
    'quantity', p_order.quantity, 'total_amount', p_order.total_amount, 'currency', p_order.currency,
    'payment_method', p_order.payment_method, 'status', p_order.status, 'paid_at', p_order.paid_at,
    'refunded_at', p_order.refunded_at, 'created_at', p_order.created_at)
$$;

-- Raises the reason a lottery cannot be bought from right now.
create or replace function private.assert_on_sale(p_lottery public.lotteries) returns void
language plpgsql stable
set search_path = ''
as $$
begin
  if p_lottery.status in ('SOLD_OUT', 'DRAWING', 'COMPLETED') then
    perform private.fail('SOLD_OUT', 'this lottery is sold out', 409);
  elsif p_lottery.status = 'CANCELLED' then
    perform private.fail('LOTTERY_NOT_ACTIVE', 'this lottery was cancelled', 409);
  elsif p_lottery.start_time > now() then
    perform private.fail('LOTTERY_NOT_ACTIVE', 'ticket sales for this lottery have not started', 409);
  elsif p_lottery.end_time <= now() then
    perform private.fail('LOTTERY_NOT_ACTIVE', 'ticket sales for this lottery have ended', 409);
  end if;
end
$$;

-- ---------------------------------------------------------------- admin: create, list, show
-- The Lambda generates the lottery id and the seed, seals the seed and signs the commitment before this runs,
-- so the commitment is public from the moment the lottery exists.
create or replace function public.admin_create_lottery(p_admin text, p_request jsonb, p_lottery_id uuid,
                                                       p_fields jsonb, p_commitment jsonb,
                                                       p_seed_ciphertext text, p_seed_commitment text)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_lottery public.lotteries;
  v_start   timestamptz := coalesce((p_fields ->> 'start_time')::timestamptz, now());
begin
  perform private.admin_begin(p_admin, 'lotteries.create', 'lottery', p_lottery_id::text, p_request);
  if (p_commitment ->> 'seed_commitment') is distinct from p_seed_commitment
     or (p_commitment ->> 'lottery_id') is distinct from p_lottery_id::text
     or (p_commitment ->> 'ticket_count')::integer is distinct from (p_fields ->> 'total_tickets')::integer then
    perform private.fail('VALIDATION_ERROR', 'the commitment does not describe this lottery', 400);
  end if;
  -- https images, a window ahead, price x tickets within numeric(18,2), a currency with wallets (admin_ops)
  perform private.check_lottery(jsonb_populate_record(null::public.lotteries, p_fields || jsonb_build_object(
                                  'start_time', v_start, 'image_urls', coalesce(p_fields -> 'image_urls', '[]'),
                                  'currency', coalesce(p_fields ->> 'currency', 'TJS'))), true);
  begin
    insert into public.lotteries (
      id, period, title, description, image_url, image_urls, ticket_price, total_tickets, max_per_user,
      unlimited_purchase, currency, title_i18n, description_i18n, details_i18n, specifications_i18n,
      material_i18n, name_i18n, status, start_time, end_time, draw_commitment)
    values (
      p_lottery_id, p_fields ->> 'period', p_fields ->> 'title', p_fields ->> 'description', p_fields ->> 'image_url',
      coalesce(p_fields -> 'image_urls', '[]'::jsonb), (p_fields ->> 'ticket_price')::numeric,
      (p_fields ->> 'total_tickets')::integer, (p_fields ->> 'max_per_user')::integer,
      coalesce((p_fields ->> 'unlimited_purchase')::boolean, false), coalesce(p_fields ->> 'currency', 'TJS'),
      p_fields -> 'title_i18n', p_fields -> 'description_i18n', p_fields -> 'details_i18n',
      p_fields -> 'specifications_i18n', p_fields -> 'material_i18n', p_fields -> 'name_i18n',
      case when v_start <= now() then 'ACTIVE' else 'UPCOMING' end, v_start, (p_fields ->> 'end_time')::timestamptz,
      p_commitment)
    returning * into v_lottery;
  exception
    when unique_violation then
      perform private.fail('CONFLICT', 'a lottery with this id or period already exists', 409);
    when check_violation then
      perform private.fail('VALIDATION_ERROR', 'lottery fields are out of range', 400);
  end;
  insert into public.draw_commitments (lottery_id, seed_ciphertext, seed_commitment)
  values (v_lottery.id, decode(p_seed_ciphertext, 'hex'), p_seed_commitment);
  return private.lottery_json(v_lottery) || jsonb_build_object('draw_commitment', v_lottery.draw_commitment);
end
$$;

create or replace function public.admin_list_lotteries(p_admin text, p_request jsonb, p_status text,
                                                       p_limit integer, p_offset integer)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
begin
  perform private.admin_begin(p_admin, 'lotteries.list', 'lottery', null, p_request);
  return (
    with matching as (
      select * from public.lotteries where p_status is null or status = p_status
    ),
    page as (
      select * from matching order by created_at desc, id desc
       limit private.admin_page_limit(p_limit) offset private.page_offset(p_offset)
    )
    select private.page_json(
      (select jsonb_agg(private.lottery_json(l) order by l.created_at desc, l.id desc) from page l),
      (select count(*) from matching)));
end
$$;

create or replace function public.admin_show_lottery(p_admin text, p_request jsonb, p_lottery_id uuid)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_lottery public.lotteries;
begin
  perform private.admin_begin(p_admin, 'lotteries.show', 'lottery', p_lottery_id::text, p_request);
  select * into v_lottery from public.lotteries where id = p_lottery_id;
  if not found then
    perform private.fail('NOT_FOUND', 'lottery not found', 404);
  end if;
  return private.lottery_json(v_lottery) || jsonb_build_object(
    'draw_commitment', v_lottery.draw_commitment,
    'draw_record', v_lottery.draw_algorithm_data,
    'entries', (select jsonb_build_object('count', c.entries_count, 'root', c.entries_root, 'frozen_at', c.frozen_at,
                                          'seed_revealed_at', c.seed_revealed_at)
                  from public.draw_commitments c where c.lottery_id = p_lottery_id),
    'orders', (select jsonb_build_object('paid', count(*) filter (where status = 'PAID'),
                                         'refunded', count(*) filter (where status = 'REFUNDED'),
                                         'buyers', count(distinct user_id))
                 from public.orders where lottery_id = p_lottery_id));
end
$$;

-- ---------------------------------------------------------------- purchase
create or replace function public.lottery_purchase(p_session text, p_lottery_id uuid, p_quantity integer,
                                                   p_payment_method text, p_pepper text,
                                                   p_idempotency_key text default null,
                                                   p_request_hash text default null)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_user      public.users := private.session_writer(p_session);
  v_previous  jsonb;
  v_lottery   public.lotteries;
  v_current   public.lotteries;
  v_amount    numeric(18, 2);
  v_owned     integer;
  v_wallet_id uuid;
  v_wallet    public.wallets;
  v_order     public.orders;
  v_buyer_ref text;
  v_ids       uuid[] := '{}';
  v_sold      integer;
  v_first     integer;
  v_commit    public.draw_commitments;
  v_hashes    bytea[];
  v_heights   integer[];
  v_sold_out  boolean;
  v_referrer  uuid;
  v_tickets   jsonb := '[]';
  v_numbers   jsonb := '[]';
  v_codes     jsonb := '[]';
  v_queued    boolean := false;
begin
  v_previous := private.idempotency_begin(v_user.id, 'lottery-purchase', p_idempotency_key, p_request_hash);
  if v_previous is not null then
    return v_previous;
  end if;
  if p_quantity is null or p_quantity < 1
     or p_quantity > coalesce((private.config('lottery') ->> 'max_quantity')::integer, 100) then
    perform private.fail('VALIDATION_ERROR', 'quantity must be between 1 and 100', 400);
  end if;
  if p_payment_method is null or p_payment_method not in ('BALANCE', 'LUCKY_COIN', 'BONUS') then
    perform private.fail('VALIDATION_ERROR', 'payment_method must be BALANCE, LUCKY_COIN or BONUS', 400);
  end if;

  -- Validation on an unlocked read; the conditional UPDATE below re-checks everything under the lock.
  select * into v_lottery from public.lotteries where id = p_lottery_id;
  if not found then
    perform private.fail('NOT_FOUND', 'lottery not found', 404);
  end if;
  perform private.assert_on_sale(v_lottery);
  if p_payment_method = 'BONUS' and v_lottery.currency <> 'TJS' then
    perform private.fail('VALIDATION_ERROR', 'BONUS can only pay for TJS lotteries', 400);
  end if;
  v_amount := v_lottery.ticket_price * p_quantity;

  -- Locks the buyer's own row: serialises one user's purchases, so max_per_user holds under concurrency. Its
  -- referrer, read under that lock, decides whether the order needs a commission outbox row.
  update public.users set total_spent = total_spent + v_amount, last_active_at = now() where id = v_user.id
  returning referred_by_id into v_referrer;
  if not v_lottery.unlimited_purchase and v_lottery.max_per_user is not null then
    select count(*) into v_owned from public.tickets
     where lottery_id = p_lottery_id and user_id = v_user.id and status = 'ACTIVE';
    if v_owned + p_quantity > v_lottery.max_per_user then
      perform private.fail('LIMIT_EXCEEDED', format('at most %s tickets per user in this lottery',
                           v_lottery.max_per_user), 409,
                           jsonb_build_object('max_per_user', v_lottery.max_per_user, 'owned', v_owned));
    end if;
  end if;

  v_wallet_id := private.wallet_id(v_user.id, p_payment_method, v_lottery.currency);
  if v_wallet_id is null then
    perform private.fail('INSUFFICIENT_BALANCE', format('you have no %s %s wallet', v_lottery.currency,
                         p_payment_method), 409);
  end if;
  insert into public.orders (user_id, order_number, type, total_amount, currency, payment_method, wallet_id,
                             lottery_id, quantity, status, paid_at)
  values (v_user.id, 'LT' || to_char(clock_timestamp(), 'YYYYMMDDHH24MISS')
                     || upper(substr(replace(gen_random_uuid()::text, '-', ''), 1, 10)),
          'LOTTERY_PURCHASE', v_amount, v_lottery.currency, p_payment_method, v_wallet_id, p_lottery_id,
          p_quantity, 'PAID', now())
  returning * into v_order;
  v_wallet := private.wallet_apply(v_wallet_id, -v_amount, 'LOTTERY_PURCHASE', 'order', v_order.id,
                                   'lottery tickets ' || v_order.order_number, 0, v_order.id, p_lottery_id);
  v_buyer_ref := private.buyer_ref(p_pepper, p_lottery_id, v_user.id);
  -- the commission outbox row commits with the order (issue 5); the Lambda publishes it after commit. Written
  -- before the hot row is locked: nothing in it depends on the ticket numbers.
  if v_referrer is not null then
    v_queued := private.enqueue_commission(v_order.id);
  end if;
  -- Statements that depend on p_quantity through generate_series are planned again on every call (their custom
  -- plan always looks cheaper than the generic one): the ids and the response arrays are built without them.
  for i in 1 .. p_quantity loop
    v_ids := v_ids || gen_random_uuid();
  end loop;

  -- The hot row, locked last: from here to the commit only what needs the ticket numbers. Claim seq range
  -- (sold+1 .. sold+quantity) and close the sale at the last ticket.
  update public.lotteries
     set sold_tickets = sold_tickets + p_quantity,
         status = case when sold_tickets + p_quantity = total_tickets then 'SOLD_OUT' else 'ACTIVE' end,
         draw_time = case when sold_tickets + p_quantity = total_tickets
                          then now() + make_interval(secs => coalesce(
                                 (private.config('lottery') ->> 'draw_delay_seconds')::integer, 180))
                          else draw_time end
   where id = p_lottery_id and status in ('UPCOMING', 'ACTIVE') and start_time <= now() and end_time > now()
     and sold_tickets + p_quantity <= total_tickets
     -- lotteries.update may change these before the first sale: never sell at a price read before the change
     and ticket_price = v_lottery.ticket_price and currency = v_lottery.currency
     and max_per_user is not distinct from v_lottery.max_per_user and unlimited_purchase = v_lottery.unlimited_purchase
  returning sold_tickets, status = 'SOLD_OUT' into v_sold, v_sold_out;
  if not found then
    select * into v_current from public.lotteries where id = p_lottery_id;
    perform private.assert_on_sale(v_current);
    if (v_current.ticket_price, v_current.currency, v_current.max_per_user, v_current.unlimited_purchase)
       is distinct from (v_lottery.ticket_price, v_lottery.currency, v_lottery.max_per_user,
                         v_lottery.unlimited_purchase) then
      perform private.fail('CONFLICT', 'the lottery was changed while buying; try again', 409);
    end if;
    v_lottery := v_current;
    perform private.fail('SOLD_OUT', format('only %s tickets are left', v_lottery.total_tickets - v_lottery.sold_tickets),
                         409, jsonb_build_object('remaining', v_lottery.total_tickets - v_lottery.sold_tickets));
  end if;
  v_first := v_sold - p_quantity + 1;

  insert into public.tickets (id, lottery_id, user_id, order_id, seq, ticket_number, buyer_ref)
  select t.id, p_lottery_id, v_user.id, v_order.id, v_first + t.n - 1, 1000000 + v_first + t.n - 1, v_buyer_ref
    from unnest(v_ids) with ordinality as t (id, n);

  -- No row lock of its own: the lottery row lock above already serialises the purchases, and the UPDATE below
  -- only applies to the frontier this read saw (entries_count), so nothing can slip in between.
  select * into v_commit from public.draw_commitments where lottery_id = p_lottery_id;
  if v_commit.entries_count <> v_first - 1 then
    raise exception 'merkle frontier out of step for lottery %', p_lottery_id;
  end if;
  v_hashes := v_commit.merkle_frontier;
  v_heights := v_commit.merkle_heights;
  for i in 1 .. p_quantity loop
    select r.p_hashes, r.p_heights into v_hashes, v_heights
      from private.merkle_append(v_hashes, v_heights,
                                 format('%s:%s:%s', v_first + i - 1, v_ids[i], v_buyer_ref)) r;
    -- the response's ticket lists, in seq order
    v_tickets := v_tickets || jsonb_build_object('seq', v_first + i - 1, 'ticket_number', 1000000 + v_first + i - 1,
                                                 'ticket_id', v_ids[i]);
    v_numbers := v_numbers || to_jsonb(1000000 + v_first + i - 1);
    v_codes := v_codes || to_jsonb((1000000 + v_first + i - 1)::text);
  end loop;
  update public.draw_commitments
     set merkle_frontier = v_hashes, merkle_heights = v_heights, entries_count = v_sold,
         entries_root = case when v_sold_out then private.merkle_root(v_hashes) end,
         frozen_at = case when v_sold_out then now() end
   where lottery_id = p_lottery_id and entries_count = v_first - 1;
  if not found then
    raise exception 'merkle frontier out of step for lottery %', p_lottery_id;
  end if;

  return private.idempotency_finish(v_user.id, 'lottery-purchase', p_idempotency_key, jsonb_build_object(
    -- what the handler signs into the buyer's receipt (issue 18, docs/fairness.md)
    'receipt', jsonb_build_object(
      'lottery_id', p_lottery_id, 'commitment', v_lottery.draw_commitment, 'buyer_ref', v_buyer_ref,
      'tickets', v_tickets),
    'order', private.order_json(v_order),
    'ticket_numbers', v_numbers,
    'participation_codes', v_codes,
    'remaining_balance', v_wallet.balance,
    'wallet_type', p_payment_method,
    'is_sold_out', v_sold_out,
    'commission_queued', v_queued));
end
$$;

-- ---------------------------------------------------------------- the buyer's views
create or replace function public.get_my_tickets(p_session text, p_lottery_id uuid, p_limit integer,
                                                 p_offset integer)
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
      select t.* from public.tickets t
       where t.user_id = v_user.id and (p_lottery_id is null or t.lottery_id = p_lottery_id)
    ),
    page as (
      select * from matching order by created_at desc, seq
       limit private.page_limit(p_limit) offset private.page_offset(p_offset)
    )
    select private.page_json(
      -- row_to_json prints no spaces and names no keys per row: the smallest, fastest item
      (select json_agg(row_to_json(t) order by t.created_at desc, t.seq)
         from (select t.id, t.lottery_id, t.order_id, t.seq, t.ticket_number, t.ticket_number::text as numbers,
                      t.buyer_ref, t.status, t.is_winning, t.created_at,
                      (select row_to_json(l) from (select l.id, l.title, l.status, l.image_url, l.draw_time,
                                                          l.winning_ticket_number) l) as lottery
                 from page t join public.lotteries l on l.id = t.lottery_id) t),
      (select count(*) from matching)));
end
$$;

create or replace function public.get_my_orders(p_session text, p_status text, p_limit integer, p_offset integer)
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
      select o.* from public.orders o
       where o.user_id = v_user.id and (p_status is null or o.status = p_status)
    ),
    page as (
      select * from matching order by created_at desc, id
       limit private.page_limit(p_limit) offset private.page_offset(p_offset)
    )
    select private.page_json(
      (select json_agg(private.order_json(o::public.orders) || jsonb_build_object(
                'lottery', jsonb_build_object('id', l.id, 'title', l.title, 'status', l.status,
                                              'image_url', l.image_url),
                'ticket_numbers', to_jsonb(array(select t.ticket_number from public.tickets t
                                                  where t.order_id = o.id order by t.seq)))
              order by o.created_at desc, o.id)
         from page o left join public.lotteries l on l.id = o.lottery_id),
      (select count(*) from matching)));
end
$$;

-- Public: the commitment from creation on; from sell-out the frozen entries (root, count) and pages of the ticket
-- list (by seq, at most 1,000 per page: ~120 KB); after the draw the signed record.
-- What the verification page shows a player before the checks: the prize they played for and its result time.
-- Not part of anything signed: the checks bind the lottery by its id.
create or replace function private.verify_draw_lottery_json(p_lottery public.lotteries) returns jsonb
language sql stable
set search_path = ''
as $$
  select jsonb_build_object(
    'title', p_lottery.title, 'title_i18n', p_lottery.title_i18n, 'name_i18n', p_lottery.name_i18n,
    'image_url', coalesce(p_lottery.image_url, p_lottery.image_urls ->> 0),
    'ticket_price', p_lottery.ticket_price, 'currency', p_lottery.currency,
    'total_tickets', p_lottery.total_tickets, 'sold_tickets', p_lottery.sold_tickets,
    'draw_time', p_lottery.draw_time, 'drawn_at', p_lottery.actual_draw_time)
$$;

create or replace function public.verify_draw(p_lottery_id uuid, p_tickets_limit integer, p_tickets_offset integer)
returns jsonb
language plpgsql stable
security definer
set search_path = ''
as $$
declare
  v_lottery public.lotteries;
  v_entries jsonb;
  v_limit   integer := private.page_limit(p_tickets_limit, 1000);
  v_offset  integer := private.page_offset(p_tickets_offset);
begin
  select * into v_lottery from public.lotteries where id = p_lottery_id;
  -- Drawn by the previous system (migrate-legacy): there is no fair-draw record to check; say so.
  if v_lottery.draw_algorithm_data ->> 'legacy' = 'true' then
    return private.legacy_verify_draw_json(v_lottery, p_tickets_limit, p_tickets_offset);
  end if;
  if not found then
    perform private.fail('NOT_FOUND', 'lottery not found', 404);
  end if;
  v_entries := private.lottery_entries_json(p_lottery_id);
  return jsonb_build_object(
    'lottery_id', v_lottery.id, 'title', v_lottery.title, 'status', v_lottery.status,
    'lottery', private.verify_draw_lottery_json(v_lottery),
    'commitment', v_lottery.draw_commitment,
    'entries', v_entries,
    'record', case when v_lottery.status = 'COMPLETED' then v_lottery.draw_algorithm_data end,
    'tickets', jsonb_build_object(
      'items', case when v_entries is not null then coalesce((
                 select jsonb_agg(jsonb_build_object('seq', t.seq, 'ticket_id', t.id,
                                                     'ticket_number', t.ticket_number, 'buyer_ref', t.buyer_ref)
                                  order by t.seq)
                   from public.tickets t
                  where t.lottery_id = p_lottery_id and t.seq > v_offset and t.seq <= v_offset + v_limit),
                 '[]'::jsonb)
               else '[]'::jsonb end,
      'total', coalesce((v_entries ->> 'count')::integer, 0),
      'limit', v_limit, 'offset', v_offset));
end
$$;

-- ---------------------------------------------------------------- the draw (one path: scheduled and manual)
-- Claims a lottery for drawing: SOLD_OUT -> DRAWING once its draw_time has come (or at once for a manual draw),
-- or re-claims a DRAWING lottery whose drawer died more than 5 minutes ago. The outcome is fixed by the sealed
-- seed and the frozen root, so a re-run computes the same winner. Returns null when there is nothing to claim.
create or replace function private.lottery_draw_claim(p_lottery_id uuid, p_manual boolean) returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  v_lottery public.lotteries;
  v_commit  public.draw_commitments;
begin
  update public.lotteries
     set status = 'DRAWING'
   where id = p_lottery_id
     and ((status = 'SOLD_OUT' and (p_manual or draw_time <= now()))
          or (status = 'DRAWING' and updated_at < now() - interval '5 minutes'))
  returning * into v_lottery;
  if not found then
    return null;
  end if;
  select * into v_commit from public.draw_commitments where lottery_id = p_lottery_id;
  return jsonb_build_object(
    'lottery_id', v_lottery.id, 'ticket_count', v_lottery.total_tickets, 'entries_root', v_commit.entries_root,
    'seed_ciphertext', encode(v_commit.seed_ciphertext, 'hex'), 'commitment', v_lottery.draw_commitment,
    'draw_time', v_lottery.draw_time);  -- the DrawDelay metric: draw_time -> completion
end
$$;

create or replace function public.lottery_draw_claim(p_lottery_id uuid) returns jsonb
language sql
security definer
set search_path = ''
as $$ select private.lottery_draw_claim(p_lottery_id, false) $$;

create or replace function public.admin_draw_claim(p_admin text, p_request jsonb, p_lottery_id uuid) returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_claim  jsonb;
  v_status text;
begin
  perform private.admin_begin(p_admin, 'lotteries.draw', 'lottery', p_lottery_id::text, p_request);
  v_claim := private.lottery_draw_claim(p_lottery_id, true);
  if v_claim is null then
    select status into v_status from public.lotteries where id = p_lottery_id;
    if v_status is null then
      perform private.fail('NOT_FOUND', 'lottery not found', 404);
    elsif v_status in ('DRAWING', 'COMPLETED') then
      perform private.fail('ALREADY_PROCESSED', format('the lottery is already %s', v_status), 409);
    end if;
    perform private.fail('LOTTERY_NOT_SOLD_OUT', format('only a SOLD_OUT lottery can be drawn (it is %s)', v_status),
                         409);
  end if;
  return v_claim;
end
$$;

create or replace function public.lottery_draw_ticket(p_lottery_id uuid, p_seq integer) returns uuid
language sql stable
security definer
set search_path = ''
as $$ select id from public.tickets where lottery_id = p_lottery_id and seq = p_seq $$;

-- DRAWING -> COMPLETED exactly once: checks the signed record against the frozen entries, then writes the
-- winner, the prize, the result row and every participant's notification in one transaction.
create or replace function public.lottery_draw_complete(p_lottery_id uuid, p_record jsonb) returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_commit  public.draw_commitments;
  v_ticket  public.tickets;
  v_lottery public.lotteries;
  v_drawn   timestamptz := (p_record ->> 'drawn_at')::timestamptz;
  v_prize   uuid;
  v_result  uuid;
begin
  select * into v_commit from public.draw_commitments where lottery_id = p_lottery_id;
  select * into v_ticket from public.tickets
   where lottery_id = p_lottery_id and seq = (p_record ->> 'winning_seq')::integer;
  if v_commit.entries_root is null
     or p_record -> 'entries' ->> 'root' is distinct from v_commit.entries_root
     or encode(extensions.digest(decode(p_record ->> 'server_seed', 'hex'), 'sha256'), 'hex')
        is distinct from v_commit.seed_commitment
     or v_ticket.id is null or p_record ->> 'winning_ticket_id' is distinct from v_ticket.id::text then
    perform private.fail('INTERNAL', 'the draw record does not match the frozen entries', 500);
  end if;

  update public.lotteries
     set status = 'COMPLETED', winning_ticket_number = v_ticket.ticket_number,
         winning_numbers = jsonb_build_array(v_ticket.ticket_number::text), vrf_seed = p_record ->> 'server_seed',
         vrf_proof = p_record ->> 'draw_signature', vrf_timestamp = v_drawn, actual_draw_time = v_drawn,
         draw_algorithm_data = p_record
   where id = p_lottery_id and status = 'DRAWING'
  returning * into v_lottery;
  if not found then
    perform private.fail('ALREADY_PROCESSED', 'this lottery is not being drawn', 409);
  end if;
  update public.draw_commitments set seed_revealed_at = now() where lottery_id = p_lottery_id;
  update public.tickets set is_winning = true where id = v_ticket.id;
  update public.users set total_won = total_won + v_lottery.ticket_price * v_lottery.total_tickets
   where id = v_ticket.user_id;

  insert into public.prizes (user_id, lottery_id, ticket_id, winning_code, prize_name, prize_image, prize_value,
                             algorithm_data, won_at)
  values (v_ticket.user_id, p_lottery_id, v_ticket.id, v_ticket.ticket_number::text, v_lottery.title,
          coalesce(v_lottery.image_url, v_lottery.image_urls ->> 0), v_lottery.ticket_price * v_lottery.total_tickets,
          jsonb_build_object('algorithm', 'fairdraw-v1', 'winner_index', p_record -> 'winner_index',
                             'winning_seq', p_record -> 'winning_seq', 'draw_input', p_record -> 'draw_input'),
          v_drawn)
  returning id into v_prize;
  insert into public.lottery_results (lottery_id, winner_ticket_number, winning_number, algorithm_data, draw_time)
  values (p_lottery_id, v_ticket.ticket_number, v_ticket.ticket_number::text,
          p_record - 'server_seed', v_drawn)
  returning id into v_result;

  insert into public.notifications (user_id, type, title, content, data, related_id, related_type)
  select b.user_id,
         case when b.user_id = v_ticket.user_id then 'LOTTERY_WIN' else 'LOTTERY_RESULT' end,
         case when b.user_id = v_ticket.user_id then 'You won!' else 'Draw result' end,
         format('%s: the winning ticket is %s', v_lottery.title, v_ticket.ticket_number),
         jsonb_build_object('lottery_id', p_lottery_id, 'winning_code', v_ticket.ticket_number::text,
                            'prize_id', case when b.user_id = v_ticket.user_id then v_prize end),
         p_lottery_id, 'lottery'
    from (select distinct user_id from public.tickets where lottery_id = p_lottery_id) b;

  return jsonb_build_object('lottery_id', p_lottery_id, 'status', 'COMPLETED',
                            'winning_ticket_number', v_ticket.ticket_number, 'winning_ticket_id', v_ticket.id,
                            'winning_user_id', v_ticket.user_id, 'prize_id', v_prize, 'lottery_result_id', v_result,
                            'drawn_at', v_drawn,
                            -- the purchases stand now: their commissions become payable (published after commit)
                            'commission_orders', to_jsonb(private.rearm_commissions(p_lottery_id)));
end
$$;

-- ---------------------------------------------------------------- cancellation and refunds
-- Cancels a lottery that has not been drawn and refunds every PAID order to the wallet it was paid from.
create or replace function private.lottery_cancel(p_lottery_id uuid, p_reason text) returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  v_lottery  public.lotteries;
  v_order    public.orders;
  v_refunded integer := 0;
begin
  -- The orders' commission outbox rows first, in order_id order: the commission consumer locks them before the
  -- earners' wallets too (process_commissions), so a buyer who is also a referrer cannot deadlock it.
  perform 1 from public.commission_outbox x join public.orders o on o.id = x.order_id
   where o.lottery_id = p_lottery_id order by x.order_id for update of x;
  -- Buyers' wallets before the lottery row: a purchase locks wallet then lottery, so the same order avoids deadlock.
  perform 1 from public.wallets
   where id in (select wallet_id from public.orders where lottery_id = p_lottery_id and status = 'PAID')
   order by id for update;
  update public.lotteries set status = 'CANCELLED', cancelled_at = now()
   where id = p_lottery_id and status in ('UPCOMING', 'ACTIVE', 'SOLD_OUT')
  returning * into v_lottery;
  if not found then
    return null;
  end if;
  for v_order in select * from public.orders where lottery_id = p_lottery_id and status = 'PAID' order by wallet_id
  loop
    perform private.wallet_apply(v_order.wallet_id, v_order.total_amount, 'LOTTERY_REFUND', 'order', v_order.id,
                                 'refund: lottery cancelled', 0, v_order.id, p_lottery_id);
    update public.users set total_spent = greatest(total_spent - v_order.total_amount, 0) where id = v_order.user_id;
    v_refunded := v_refunded + 1;
  end loop;
  update public.orders set status = 'REFUNDED', refunded_at = now() where lottery_id = p_lottery_id and status = 'PAID';
  update public.tickets set status = 'REFUNDED' where lottery_id = p_lottery_id;
  perform private.cancel_commissions(p_lottery_id);
  insert into public.notifications (user_id, type, title, content, data, related_id, related_type)
  select b.user_id, 'LOTTERY_CANCELLED', 'Lottery cancelled',
         format('%s was cancelled; your payment was refunded', v_lottery.title),
         jsonb_build_object('lottery_id', p_lottery_id, 'reason', p_reason), p_lottery_id, 'lottery'
    from (select distinct user_id from public.orders where lottery_id = p_lottery_id) b;
  return jsonb_build_object('lottery_id', p_lottery_id, 'status', 'CANCELLED', 'refunded_orders', v_refunded,
                            'reason', p_reason);
end
$$;

create or replace function public.admin_cancel_lottery(p_admin text, p_request jsonb, p_lottery_id uuid,
                                                       p_reason text)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_result jsonb;
begin
  perform private.admin_begin(p_admin, 'lotteries.cancel', 'lottery', p_lottery_id::text, p_request);
  v_result := private.lottery_cancel(p_lottery_id, coalesce(p_reason, 'cancelled by an administrator'));
  if v_result is null then
    if not exists (select 1 from public.lotteries where id = p_lottery_id) then
      perform private.fail('NOT_FOUND', 'lottery not found', 404);
    end if;
    perform private.fail('ALREADY_PROCESSED', 'only a lottery that has not been drawn can be cancelled', 409);
  end if;
  return v_result;
end
$$;

-- A lottery still on sale past its end_time (the scheduler calls this per lottery).
create or replace function public.lottery_expire(p_lottery_id uuid) returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
begin
  if not exists (select 1 from public.lotteries
                  where id = p_lottery_id and status in ('UPCOMING', 'ACTIVE') and end_time <= now()) then
    return null;
  end if;
  return private.lottery_cancel(p_lottery_id, 'the sale ended before every ticket was sold');
end
$$;

-- The scheduler's minute: opens lotteries whose start_time has come and lists what is due.
create or replace function public.lottery_scheduler_due() returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_activated integer;
begin
  update public.lotteries set status = 'ACTIVE'
   where status = 'UPCOMING' and start_time <= now() and end_time > now();
  get diagnostics v_activated = row_count;
  return jsonb_build_object(
    'activated', v_activated,
    'expired', coalesce((select jsonb_agg(id order by end_time) from public.lotteries
                          where status in ('UPCOMING', 'ACTIVE') and end_time <= now()), '[]'::jsonb),
    'due', coalesce((select jsonb_agg(id order by draw_time) from public.lotteries
                      where (status = 'SOLD_OUT' and draw_time <= now())
                         or (status = 'DRAWING' and updated_at < now() - interval '5 minutes')), '[]'::jsonb));
end
$$;

select private.lock_down_functions();
