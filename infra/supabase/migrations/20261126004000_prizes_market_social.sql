-- Prizes, shipping, the resale market, showoffs and notifications (issue 6).
-- Every state change is one function; another user's prize, listing, showoff or shipping row answers 404 exactly
-- like a missing one, so ids leak nothing. Prize states: PENDING -> SHIPPING -> SHIPPED -> DELIVERED and
-- PENDING -> RESELLING -> RESOLD (RESELLING -> PENDING on cancel).

-- a prize's listings, newest first (the unique index covers only ACTIVE ones); the "most liked" feed
create index if not exists resales_prize_idx on public.resales (prize_id, created_at desc);
create index if not exists showoffs_popular_idx on public.showoffs (status, likes_count desc, created_at desc);

-- ---------------------------------------------------------------- JSON shapes
-- The row form has no FROM, so PostgreSQL inlines it into a list's query (no function call per row).
create or replace function private.lottery_brief_json(p_lottery public.lotteries) returns jsonb
language sql stable
set search_path = ''
as $$
  select jsonb_build_object('id', p_lottery.id, 'period', p_lottery.period, 'title', p_lottery.title,
                            'title_i18n', p_lottery.title_i18n, 'name_i18n', p_lottery.name_i18n,
                            'image_url', p_lottery.image_url, 'image_urls', p_lottery.image_urls,
                            'ticket_price', p_lottery.ticket_price, 'total_tickets', p_lottery.total_tickets,
                            'end_time', p_lottery.end_time, 'draw_time', p_lottery.draw_time,
                            'status', p_lottery.status)
$$;

create or replace function private.lottery_brief_json(p_lottery_id uuid) returns jsonb
language sql stable
set search_path = ''
as $$ select private.lottery_brief_json(l) from public.lotteries l where l.id = p_lottery_id $$;

create or replace function private.shipping_json(p_shipping public.shipping) returns jsonb
language sql stable
set search_path = ''
as $$
  select jsonb_build_object(
    'id', p_shipping.id, 'prize_id', p_shipping.prize_id, 'status', p_shipping.status,
    'recipient_name', p_shipping.recipient_name, 'recipient_phone', p_shipping.recipient_phone,
    'recipient_address', p_shipping.recipient_address, 'recipient_city', p_shipping.recipient_city,
    'recipient_region', p_shipping.recipient_region, 'recipient_postal_code', p_shipping.recipient_postal_code,
    'recipient_country', p_shipping.recipient_country, 'notes', p_shipping.notes,
    'tracking_number', p_shipping.tracking_number, 'shipping_company', p_shipping.shipping_company,
    'requested_at', p_shipping.requested_at, 'shipped_at', p_shipping.shipped_at,
    'delivered_at', p_shipping.delivered_at)
$$;

create or replace function private.resale_json(p_resale public.resales) returns jsonb
language sql stable
set search_path = ''
as $$
  select jsonb_build_object(
    'id', p_resale.id, 'prize_id', p_resale.prize_id, 'lottery_id', p_resale.lottery_id,
    'ticket_id', p_resale.ticket_id, 'resale_price', p_resale.resale_price,
    'original_price', p_resale.original_price, 'status', p_resale.status,
    'fee_amount', p_resale.fee_amount, 'seller_amount', p_resale.seller_amount,
    'payment_method', p_resale.payment_method, 'created_at', p_resale.created_at,
    'sold_at', p_resale.sold_at, 'cancelled_at', p_resale.cancelled_at)
$$;

-- A prize as its owner sees it, from its parts. `shipping` is the live request (an object or null: the old
-- frontend treated any array as "shipping"), `resale_listing` the live (ACTIVE) or SOLD listing, never a
-- CANCELLED one (the old frontend shows any listing as "resold"); `lotteries` and `ticket_numbers` are what its
-- MarketCreatePage reads. No FROM and no subquery, so PostgreSQL inlines it into the caller's query: a list builds
-- its page in one query (a per-row function with its own lookups cost ~0.1 ms a prize).
create or replace function private.prize_item_json(p_prize public.prizes, p_ticket_number integer,
                                                   p_lottery jsonb, p_shipping jsonb, p_resale jsonb)
returns json
language sql immutable
set search_path = ''
as $$
  select json_build_object(
    'id', p_prize.id, 'lottery_id', p_prize.lottery_id, 'ticket_id', p_prize.ticket_id,
    'status', p_prize.status, 'acquired_via', p_prize.acquired_via, 'source_prize_id', p_prize.source_prize_id,
    'prize_name', p_prize.prize_name, 'prize_image', p_prize.prize_image, 'prize_type', p_prize.prize_type,
    'prize_value', p_prize.prize_value, 'winning_code', p_prize.winning_code,
    'winning_ticket_number', p_ticket_number, 'ticket_numbers', p_ticket_number::text,
    'won_at', p_prize.won_at, 'created_at', p_prize.created_at, 'processed_at', p_prize.processed_at,
    'lottery', p_lottery, 'lotteries', p_lottery, 'shipping', p_shipping, 'resale_listing', p_resale)
$$;

-- What private.prize_item_json needs of a prize. A plain SQL set-returning function: with an argument without a
-- subquery PostgreSQL inlines it too (a list joins it laterally per row of its page).
create or replace function private.prize_parts(p_prize_id uuid)
returns table (prize public.prizes, ticket_number integer, lottery jsonb, shipping jsonb, resale jsonb)
language sql stable
set search_path = ''
as $$
  select p, t.ticket_number, brief.lottery,
         (select private.shipping_json(s) from public.shipping s
           where s.prize_id = p.id and s.status <> 'CANCELLED'),
         (select private.resale_json(r) from public.resales r
           where r.prize_id = p.id and r.status in ('ACTIVE', 'SOLD') order by r.created_at desc limit 1)
    from public.prizes p
    join public.lotteries l on l.id = p.lottery_id
    cross join lateral (select private.lottery_brief_json(l) offset 0) brief(lottery)  -- built once, used twice
    left join public.tickets t on t.id = p.ticket_id
   where p.id = p_prize_id
$$;

create or replace function private.prize_json(p_prize public.prizes) returns jsonb
language sql stable
set search_path = ''
as $$
  select private.prize_item_json(x.prize, x.ticket_number, x.lottery, x.shipping, x.resale)::jsonb
    from private.prize_parts(p_prize.id) x
$$;

-- A showoff from its parts (inlined like private.prize_item_json); is_liked is null without a viewer.
create or replace function private.showoff_item_json(p_showoff public.showoffs, p_author jsonb, p_lottery jsonb,
                                                     p_is_liked boolean)
returns json
language sql immutable
set search_path = ''
as $$
  select json_build_object(
    'id', p_showoff.id, 'prize_id', p_showoff.prize_id, 'lottery_id', p_showoff.lottery_id,
    'content', p_showoff.content, 'images', p_showoff.images, 'likes_count', p_showoff.likes_count,
    'comments_count', p_showoff.comments_count, 'status', p_showoff.status,
    'reward_coins', p_showoff.reward_coins, 'created_at', p_showoff.created_at,
    'reviewed_at', p_showoff.reviewed_at, 'user', p_author, 'lottery', p_lottery, 'is_liked', p_is_liked)
$$;

-- What private.showoff_item_json needs of a showoff (an inlinable set-returning function, like prize_parts).
create or replace function private.showoff_parts(p_showoff_id uuid, p_viewer uuid)
returns table (showoff public.showoffs, author jsonb, lottery jsonb, is_liked boolean)
language sql stable
set search_path = ''
as $$
  select s,
         case when u.id is not null then jsonb_build_object('telegram_username', u.telegram_username,
                                                             'first_name', u.first_name, 'avatar_url', u.avatar_url)
         end,
         private.lottery_brief_json(l),
         case when p_viewer is null then null
              else exists (select 1 from public.likes k where k.post_id = s.id and k.user_id = p_viewer) end
    from public.showoffs s
    join public.lotteries l on l.id = s.lottery_id
    left join public.prizes p on p.id = s.prize_id
    left join public.users u on u.id = p.user_id
   where s.id = p_showoff_id
$$;

create or replace function private.showoff_json(p_showoff public.showoffs, p_viewer uuid) returns jsonb
language sql stable
set search_path = ''
as $$
  select private.showoff_item_json(x.showoff, x.author, x.lottery, x.is_liked)::jsonb
    from private.showoff_parts(p_showoff.id, p_viewer) x
$$;

-- ---------------------------------------------------------------- prizes and shipping
create or replace function public.get_my_prizes(p_session text, p_status text default null,
                                                p_limit integer default 50, p_offset integer default 0)
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
      select p.* from public.prizes p where p.user_id = v_user.id and (p_status is null or p.status = p_status)
    ),
    page as (
      select id, won_at from matching order by won_at desc, id
       limit private.page_limit(p_limit) offset private.page_offset(p_offset)
    )
    select private.page_json(
      (select json_agg(private.prize_item_json(x.prize, x.ticket_number, x.lottery, x.shipping, x.resale)
                       order by p.won_at desc, p.id)
         from page p cross join lateral private.prize_parts(p.id) x),
      (select count(*) from matching)));
end
$$;

-- The caller's prize, locked; 404 when it is missing or someone else's.
create or replace function private.own_prize_for_update(p_user uuid, p_prize_id uuid) returns public.prizes
language plpgsql
set search_path = ''
as $$
declare
  v_prize public.prizes;
begin
  select * into v_prize from public.prizes where id = p_prize_id and user_id = p_user for update;
  if not found then
    perform private.fail('NOT_FOUND', 'prize not found', 404);
  end if;
  return v_prize;
end
$$;

create or replace function public.request_shipping(
  p_session text, p_prize_id uuid, p_recipient_name text, p_recipient_phone text, p_recipient_address text,
  p_recipient_city text default null, p_recipient_region text default null,
  p_recipient_postal_code text default null, p_recipient_country text default null, p_notes text default null)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_user     public.users := private.session_writer(p_session);
  v_prize    public.prizes := private.own_prize_for_update(v_user.id, p_prize_id);
  v_shipping public.shipping;
begin
  if v_prize.status <> 'PENDING' then
    perform private.fail('INVALID_STATE',
                         format('a %s prize cannot be shipped; only a PENDING one can', v_prize.status), 409);
  end if;
  insert into public.shipping (prize_id, user_id, recipient_name, recipient_phone, recipient_address,
                               recipient_city, recipient_region, recipient_postal_code, recipient_country, notes)
  values (v_prize.id, v_user.id, p_recipient_name, p_recipient_phone, p_recipient_address, p_recipient_city,
          p_recipient_region, p_recipient_postal_code, coalesce(p_recipient_country, 'Tajikistan'), p_notes)
  returning * into v_shipping;
  update public.prizes set status = 'SHIPPING', processed_at = now() where id = v_prize.id;
  perform private.notify(v_user.id, 'SHIPPING_REQUESTED', 'Shipping requested',
                         format('We received your shipping request for %s.', v_prize.prize_name),
                         jsonb_build_object('prize_id', v_prize.id, 'shipping_id', v_shipping.id),
                         v_shipping.id, 'shipping');
  return jsonb_build_object('shipping_id', v_shipping.id, 'prize_id', v_prize.id, 'status', v_shipping.status,
                            'prize_status', 'SHIPPING', 'shipping', private.shipping_json(v_shipping));
end
$$;

-- ---------------------------------------------------------------- resale market
create or replace function public.create_resale(p_session text, p_prize_id uuid, p_price numeric) returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_user   public.users := private.session_writer(p_session);
  v_prize  public.prizes := private.own_prize_for_update(v_user.id, p_prize_id);
  v_band   jsonb := private.config('resale');
  v_min    numeric(18, 2) := ceil(v_prize.prize_value * (v_band ->> 'min_ratio')::numeric * 100) / 100;
  v_max    numeric(18, 2) := floor(v_prize.prize_value * (v_band ->> 'max_ratio')::numeric * 100) / 100;
  v_resale public.resales;
begin
  if v_prize.status <> 'PENDING' then
    perform private.fail('INVALID_STATE',
                         format('a %s prize cannot be listed; only a PENDING one can', v_prize.status), 409);
  end if;
  if p_price is null or p_price <> round(p_price, 2) or p_price < v_min or p_price > v_max then
    perform private.fail('VALIDATION_ERROR', format('price must be between %s and %s', v_min, v_max), 400,
                         jsonb_build_object('min_price', v_min, 'max_price', v_max));
  end if;
  insert into public.resales (prize_id, lottery_id, ticket_id, resale_price, original_price)
  values (v_prize.id, v_prize.lottery_id, v_prize.ticket_id, p_price, v_prize.prize_value)
  returning * into v_resale;
  update public.prizes set status = 'RESELLING', processed_at = now() where id = v_prize.id;
  return private.resale_json(v_resale);
end
$$;

create or replace function public.list_resale_items(p_status text default 'ACTIVE', p_sort text default 'latest',
                                                    p_lottery_id uuid default null,
                                                    p_limit integer default 20, p_offset integer default 0)
returns json
language plpgsql stable
security definer
set search_path = ''
as $$
declare
  v_statuses text[] := case p_status when 'ALL' then array['ACTIVE', 'SOLD'] else array[p_status] end;
begin
  return (
    with matching as not materialized (
      select r.* from public.resales r
       where r.status = any (v_statuses) and (p_lottery_id is null or r.lottery_id = p_lottery_id)
    ),
    page as (
      select m.*, row_number() over (order by
               case when p_sort = 'price_low' then m.resale_price end asc,
               case when p_sort = 'price_high' then m.resale_price end desc,
               case when p_sort = 'discount' then m.resale_price / m.original_price end asc,
               m.created_at desc, m.id) as ord
        from matching m
       order by ord limit private.page_limit(p_limit) offset private.page_offset(p_offset)
    )
    select private.page_json(
      -- what a sale paid out (fee, seller amount, payment method) is between its two parties, not public
      (select json_agg(json_build_object(
                'id', r.id, 'prize_id', r.prize_id, 'lottery_id', r.lottery_id, 'ticket_id', r.ticket_id,
                'resale_price', r.resale_price, 'original_price', r.original_price, 'status', r.status,
                'created_at', r.created_at, 'sold_at', r.sold_at, 'cancelled_at', r.cancelled_at,
                'discount_percent', round((1 - r.resale_price / r.original_price) * 100),
                'seller', json_build_object('telegram_username', u.telegram_username),
                'lottery', l.brief,
                'lotteries', l.brief,  -- the old frontend's key (built once: it was 21% of the page's time)
                'ticket', case when t.id is not null
                               then json_build_object('id', t.id, 'ticket_number', t.ticket_number) end,
                'prize', json_build_object('id', p.id, 'prize_name', p.prize_name, 'prize_image', p.prize_image,
                                           'prize_value', p.prize_value))
              order by r.ord)
         from page r
         join public.prizes p on p.id = r.prize_id
         join public.users u on u.id = p.user_id
         left join public.tickets t on t.id = r.ticket_id
         join public.lotteries lottery on lottery.id = r.lottery_id
         cross join lateral (select private.lottery_brief_json(lottery) as brief offset 0) l),  -- built once
      (select count(*) from matching)));
end
$$;

-- Buyer pays price from BALANCE or LUCKY_COIN; the seller gets price - fee in the SAME wallet type (coins never
-- become withdrawable money). The conditional UPDATE on status = 'ACTIVE' sells a listing at most once; a losing
-- racer sees the row already SOLD and is charged nothing (its transaction never reaches the debit).
create or replace function public.purchase_resale(p_session text, p_resale_id uuid, p_payment_method text,
                                                  p_idempotency_key text default null,
                                                  p_request_hash text default null)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_user          public.users := private.session_writer(p_session);
  v_replay        jsonb := private.idempotency_begin(v_user.id, 'purchase-resale', p_idempotency_key,
                                                     p_request_hash);
  v_fee_rate      numeric := (private.config('resale') ->> 'fee_rate')::numeric;
  v_resale        public.resales;
  v_seller        uuid;
  v_buyer_wallet  uuid;
  v_seller_wallet uuid;
  v_buyer         public.wallets;
  v_old_prize     public.prizes;
  v_new_prize     public.prizes;
begin
  if v_replay is not null then
    return v_replay;
  end if;
  if p_payment_method not in ('BALANCE', 'LUCKY_COIN') then
    perform private.fail('VALIDATION_ERROR', 'payment_method must be BALANCE or LUCKY_COIN', 400);
  end if;

  -- the seller is the listed prize's owner
  update public.resales r
     set status = 'SOLD', sold_at = now(), payment_method = p_payment_method,
         fee_amount = round(resale_price * v_fee_rate, 2),
         seller_amount = resale_price - round(resale_price * v_fee_rate, 2)
    from public.prizes p
   where r.id = p_resale_id and r.status = 'ACTIVE' and p.id = r.prize_id and p.user_id <> v_user.id
     and exists (select 1 from public.users s where s.id = p.user_id and s.status = 'ACTIVE')
  returning r.* into v_resale;
  if not found then
    select * into v_resale from public.resales where id = p_resale_id;
    if not found then
      perform private.fail('NOT_FOUND', 'listing not found', 404);
    elsif exists (select 1 from public.prizes where id = v_resale.prize_id and user_id = v_user.id) then
      perform private.fail('FORBIDDEN', 'you cannot buy your own listing', 403);
    elsif v_resale.status = 'ACTIVE' then  -- a seller who is not ACTIVE (banned, suspended) is never paid
      perform private.fail('INVALID_STATE', 'this seller cannot sell right now', 409);
    end if;
    perform private.fail('ALREADY_PROCESSED', 'this listing is no longer available', 409);
  end if;

  select user_id into v_seller from public.prizes where id = v_resale.prize_id;
  -- Both wallets locked in id order so two users buying from each other cannot deadlock.
  v_buyer_wallet := private.wallet_id(v_user.id, p_payment_method);
  v_seller_wallet := private.wallet_id(v_seller, p_payment_method);
  perform 1 from public.wallets where id in (v_buyer_wallet, v_seller_wallet) order by id for update;
  v_buyer := private.wallet_apply(v_buyer_wallet, -v_resale.resale_price, 'RESALE_PURCHASE', 'resale',
                                  v_resale.id, 'resale purchase', 0, null, v_resale.lottery_id);
  perform private.wallet_apply(v_seller_wallet, v_resale.seller_amount, 'RESALE_INCOME', 'resale', v_resale.id,
                               format('resale income (price %s, fee %s)', v_resale.resale_price,
                                      v_resale.fee_amount), 0, null, v_resale.lottery_id);

  update public.prizes set status = 'RESOLD', processed_at = now()
   where id = v_resale.prize_id and status = 'RESELLING'
  returning * into v_old_prize;
  if not found then
    perform private.fail('INVALID_STATE', 'the listed prize is not for sale', 409);
  end if;
  insert into public.prizes (user_id, lottery_id, ticket_id, source_prize_id, acquired_via, winning_code,
                             prize_name, prize_image, prize_type, prize_value, status, algorithm_data)
  values (v_user.id, v_old_prize.lottery_id, v_old_prize.ticket_id, v_old_prize.id, 'RESALE',
          v_old_prize.winning_code, v_old_prize.prize_name, v_old_prize.prize_image, v_old_prize.prize_type,
          v_old_prize.prize_value, 'PENDING', v_old_prize.algorithm_data)
  returning * into v_new_prize;

  perform private.notify(v_seller, 'RESALE_SOLD', 'Your listing was sold',
                         format('%s sold for %s; %s credited after a %s fee.', v_old_prize.prize_name,
                                v_resale.resale_price, v_resale.seller_amount, v_resale.fee_amount),
                         jsonb_build_object('resale_id', v_resale.id, 'seller_amount', v_resale.seller_amount,
                                            'wallet_type', p_payment_method),
                         v_resale.id, 'resale');
  perform private.notify(v_user.id, 'RESALE_PURCHASED', 'Purchase complete',
                         format('You bought %s for %s.', v_old_prize.prize_name, v_resale.resale_price),
                         jsonb_build_object('resale_id', v_resale.id, 'prize_id', v_new_prize.id,
                                            'resale_price', v_resale.resale_price),
                         v_resale.id, 'resale');

  return private.idempotency_finish(v_user.id, 'purchase-resale', p_idempotency_key, jsonb_build_object(
    'resale_id', v_resale.id, 'status', v_resale.status, 'price', v_resale.resale_price,
    'payment_method', p_payment_method, 'fee_amount', v_resale.fee_amount,
    'new_balance', v_buyer.balance, 'prize', private.prize_json(v_new_prize)));
end
$$;

create or replace function public.cancel_resale(p_session text, p_resale_id uuid) returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_user   public.users := private.session_writer(p_session);
  v_resale public.resales;
begin
  update public.resales r set status = 'CANCELLED', cancelled_at = now()
    from public.prizes p
   where r.id = p_resale_id and r.status = 'ACTIVE' and p.id = r.prize_id and p.user_id = v_user.id
  returning r.* into v_resale;
  if not found then
    if exists (select 1 from public.resales r join public.prizes p on p.id = r.prize_id
                where r.id = p_resale_id and p.user_id = v_user.id) then
      perform private.fail('ALREADY_PROCESSED', 'this listing is no longer active', 409);
    end if;
    perform private.fail('NOT_FOUND', 'listing not found', 404);
  end if;
  update public.prizes set status = 'PENDING', processed_at = now()
   where id = v_resale.prize_id and status = 'RESELLING';
  return private.resale_json(v_resale) || jsonb_build_object('prize_status', 'PENDING');
end
$$;

-- ---------------------------------------------------------------- showoffs
create or replace function public.create_showoff(p_session text, p_prize_id uuid, p_content text, p_images jsonb)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_user    public.users := private.session_writer(p_session);
  v_prize   public.prizes := private.own_prize_for_update(v_user.id, p_prize_id);
  v_showoff public.showoffs;
begin
  if v_prize.status in ('RESELLING', 'RESOLD') then
    perform private.fail('INVALID_STATE', format('a %s prize cannot be shown off', v_prize.status), 409);
  end if;
  insert into public.showoffs (lottery_id, prize_id, content, images)
  values (v_prize.lottery_id, v_prize.id, p_content, coalesce(p_images, '[]'::jsonb))
  on conflict (prize_id) do nothing
  returning * into v_showoff;
  if not found then
    perform private.fail('ALREADY_EXISTS', 'this prize already has a showoff', 409);
  end if;
  return private.showoff_json(v_showoff, v_user.id);
end
$$;

-- Public feed of APPROVED showoffs; with a session, each item says whether the caller liked it.
create or replace function public.list_showoffs(p_session text default null, p_sort text default 'newest',
                                                p_limit integer default 20, p_offset integer default 0)
returns json
language plpgsql stable
security definer
set search_path = ''
as $$
declare
  v_viewer uuid := case when p_session is null then null else (private.session_user(p_session)).id end;
begin
  return (
    with matching as not materialized (
      select s.* from public.showoffs s where s.status = 'APPROVED' and s.hidden_at is null
    ),
    page as (
      select m.id, row_number() over (order by case when p_sort = 'most_liked' then m.likes_count end desc,
                                               m.created_at desc, m.id) as ord
        from matching m
       order by ord limit private.page_limit(p_limit) offset private.page_offset(p_offset)
    )
    select private.page_json(
      (select json_agg(private.showoff_item_json(x.showoff, x.author, x.lottery, x.is_liked) order by p.ord)
         from page p cross join lateral private.showoff_parts(p.id, v_viewer) x),
      (select count(*) from matching)));
end
$$;

-- Toggles the caller's like. The showoff row lock serialises toggles on one post, so likes_count stays equal to
-- the number of like rows whatever the concurrency.
create or replace function public.like_showoff(p_session text, p_showoff_id uuid) returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_user  public.users := private.session_writer(p_session);
  v_liked boolean;
  v_count integer;
begin
  perform 1 from public.showoffs where id = p_showoff_id and status = 'APPROVED' and hidden_at is null for update;
  if not found then
    perform private.fail('NOT_FOUND', 'showoff not found', 404);
  end if;
  delete from public.likes where post_id = p_showoff_id and user_id = v_user.id;
  v_liked := not found;
  if v_liked then
    insert into public.likes (post_id, user_id) values (p_showoff_id, v_user.id);
  end if;
  update public.showoffs set likes_count = likes_count + case when v_liked then 1 else -1 end
   where id = p_showoff_id
  returning likes_count into v_count;
  return jsonb_build_object('showoff_id', p_showoff_id, 'liked', v_liked, 'likes_count', v_count,
                            'action', case when v_liked then 'liked' else 'unliked' end);
end
$$;

-- ---------------------------------------------------------------- notifications
create or replace function public.get_notifications(p_session text, p_unread_only boolean default false,
                                                    p_limit integer default 20, p_offset integer default 0)
returns json
language plpgsql stable
security definer
set search_path = ''
as $$
declare
  v_user public.users := private.session_user(p_session);
  -- the language its pushes use (telegram.sql), so the app and the push say the same thing
  v_lang text := private.push_language(v_user, (select c.language from public.telegram_chats c
                                                 where c.telegram_id = v_user.telegram_id));
begin
  return (
    with matching as not materialized (
      select n.* from public.notifications n where n.user_id = v_user.id and (not p_unread_only or not n.is_read)
    ),
    page as (
      select * from matching order by created_at desc, id
       limit private.page_limit(p_limit) offset private.page_offset(p_offset)
    )
    select private.page_json(
      -- row_to_json prints no spaces and names no keys per row: the smallest, fastest item
      -- the handler renders title and content from `template` (luckymart/push_templates.py) and `subject`
      (select json_agg(row_to_json(n) order by n.created_at desc, n.id)
         from (select p.id, p.type, p.title, p.content, p.data, p.related_id, p.related_type, p.is_read, p.read_at,
                      p.created_at, v_lang as language,
                      coalesce(p.push_template,
                               (select t.template from private.push_templates t
                                 where t.type = p.type and t.related_type in (coalesce(p.related_type, ''), '')
                                 order by t.related_type desc limit 1),
                               p.type) as template,
                      private.notification_subject(p.data, v_lang) as subject
                 from page p) n),
      (select count(*) from matching),
      jsonb_build_object('unread_count', (select count(*) from public.notifications
                                           where user_id = v_user.id and not is_read))));
end
$$;

-- Marks the given ids (the caller's only; others are silently out of reach) or, with p_ids null, all unread.
create or replace function public.mark_notifications_read(p_session text, p_ids uuid[] default null)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_user    public.users := private.session_writer(p_session);
  v_updated integer;
begin
  update public.notifications set is_read = true, read_at = now(), updated_at = now()
   where user_id = v_user.id and not is_read and (p_ids is null or id = any (p_ids));
  get diagnostics v_updated = row_count;
  return jsonb_build_object(
    'updated', v_updated,
    'unread_count', (select count(*) from public.notifications where user_id = v_user.id and not is_read));
end
$$;

-- ---------------------------------------------------------------- admin: shipping
create or replace function public.admin_list_shipping(p_admin text, p_request jsonb, p_status text default null,
                                                      p_limit integer default 50, p_offset integer default 0)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
begin
  perform private.admin_begin(p_admin, 'shipping.list', 'shipping', null, p_request);
  return (
    with matching as (
      select * from public.shipping where p_status is null or status = p_status
    ),
    page as (
      select * from matching order by requested_at desc, id desc
       limit private.admin_page_limit(p_limit) offset private.page_offset(p_offset)
    )
    select private.page_json(
      (select jsonb_agg(private.shipping_json(s) || jsonb_build_object(
                          'user', private.user_brief_json(u),
                          'prize', jsonb_build_object('id', p.id, 'prize_name', p.prize_name,
                                                      'winning_code', p.winning_code, 'status', p.status,
                                                      'lottery_id', p.lottery_id))
                        order by s.requested_at desc, s.id desc)
         from page s
         join public.users u on u.id = s.user_id
         join public.prizes p on p.id = s.prize_id),
      (select count(*) from matching)));
end
$$;

-- Moves a shipping row (and its prize) one step: PENDING -> SHIPPED or SHIPPED -> DELIVERED; notifies the user.
create or replace function private.advance_shipping(p_shipping_id uuid, p_from text, p_to text,
                                                    p_tracking_number text, p_shipping_company text)
returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  v_shipping public.shipping;
begin
  update public.shipping
     set status = p_to,
         tracking_number = coalesce(p_tracking_number, tracking_number),
         shipping_company = coalesce(p_shipping_company, shipping_company),
         shipped_at = case when p_to = 'SHIPPED' then now() else shipped_at end,
         delivered_at = case when p_to = 'DELIVERED' then now() else delivered_at end
   where id = p_shipping_id and status = p_from
  returning * into v_shipping;
  if not found then
    if exists (select 1 from public.shipping where id = p_shipping_id) then
      perform private.fail('ALREADY_PROCESSED', format('only a %s shipping can become %s', p_from, p_to), 409);
    end if;
    perform private.fail('NOT_FOUND', 'shipping request not found', 404);
  end if;
  update public.prizes set status = p_to, processed_at = now()
   where id = v_shipping.prize_id and status = case p_to when 'SHIPPED' then 'SHIPPING' else 'SHIPPED' end;
  if not found then
    perform private.fail('INVALID_STATE', 'the prize is not in the matching state', 409);
  end if;
  perform private.notify(v_shipping.user_id, 'SHIPPING_' || p_to,
                         case p_to when 'SHIPPED' then 'Your prize is on its way' else 'Your prize was delivered' end,
                         case p_to when 'SHIPPED'
                           then format('Tracking number %s (%s).', v_shipping.tracking_number,
                                       coalesce(v_shipping.shipping_company, 'carrier'))
                           else 'Enjoy it, and show it off!' end,
                         jsonb_build_object('shipping_id', v_shipping.id, 'prize_id', v_shipping.prize_id,
                                            'tracking_number', v_shipping.tracking_number),
                         v_shipping.id, 'shipping');
  return private.shipping_json(v_shipping);
end
$$;

create or replace function public.admin_ship_shipping(p_admin text, p_request jsonb, p_shipping_id uuid,
                                                      p_tracking_number text, p_shipping_company text default null)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
begin
  perform private.admin_begin(p_admin, 'shipping.ship', 'shipping', p_shipping_id::text, p_request);
  return private.advance_shipping(p_shipping_id, 'PENDING', 'SHIPPED', p_tracking_number, p_shipping_company);
end
$$;

create or replace function public.admin_deliver_shipping(p_admin text, p_request jsonb, p_shipping_id uuid)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
begin
  perform private.admin_begin(p_admin, 'shipping.deliver', 'shipping', p_shipping_id::text, p_request);
  return private.advance_shipping(p_shipping_id, 'SHIPPED', 'DELIVERED', null, null);
end
$$;

-- ---------------------------------------------------------------- admin: showoff review
create or replace function public.admin_list_showoffs(p_admin text, p_request jsonb, p_status text default null,
                                                      p_limit integer default 50, p_offset integer default 0)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
begin
  perform private.admin_begin(p_admin, 'showoffs.list', 'showoff', null, p_request);
  return (
    with matching as (
      select * from public.showoffs where p_status is null or status = p_status
    ),
    page as (
      select * from matching order by created_at desc, id desc
       limit private.admin_page_limit(p_limit) offset private.page_offset(p_offset)
    )
    -- the author is the owner of the shown prize; the review note lives in showoff_reviews (private)
    select private.page_json(
      (select jsonb_agg(private.showoff_json(s, null)
                        || jsonb_build_object('user_id', p.user_id, 'admin_note', v.admin_note,
                                              'user', private.user_brief_json(u))
                        order by s.created_at desc, s.id desc)
         from page s
         join public.prizes p on p.id = s.prize_id
         join public.users u on u.id = p.user_id
         left join public.showoff_reviews v on v.showoff_id = s.id),
      (select count(*) from matching)));
end
$$;

-- Reviews a PENDING showoff exactly once (conditional UPDATE). An approval's reward is credited to the author's
-- LUCKY_COIN wallet with a SHOWOFF_REWARD ledger row referencing the showoff (the ledger's unique index is a
-- second guard against paying twice).
create or replace function private.review_showoff(p_admin_id uuid, p_showoff_id uuid, p_status text,
                                                  p_reward numeric, p_note text)
returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  v_max     numeric := (private.config('showoff') ->> 'max_reward')::numeric;
  v_showoff public.showoffs;
  v_author  uuid;
begin
  if p_reward < 0 or p_reward > v_max or p_reward <> round(p_reward, 2) then
    perform private.fail('VALIDATION_ERROR', format('reward_coins must be between 0 and %s', v_max), 400);
  end if;
  begin
    update public.showoffs
       set status = p_status, reviewed_at = now(), reward_coins = p_reward
     where id = p_showoff_id and status = 'PENDING'
    returning * into v_showoff;
  exception when unique_violation then  -- showoffs_one_reward_per_item: the item was rewarded already
    perform private.fail('ALREADY_EXISTS',
                         'a showoff of this item (before or after a resale) was already rewarded; approve with 0',
                         409);
  end;
  if not found then
    if exists (select 1 from public.showoffs where id = p_showoff_id) then
      perform private.fail('ALREADY_PROCESSED', 'this showoff was already reviewed', 409);
    end if;
    perform private.fail('NOT_FOUND', 'showoff not found', 404);
  end if;
  insert into public.showoff_reviews (showoff_id, reviewed_by, admin_note) values (v_showoff.id, p_admin_id, p_note);
  select user_id into v_author from public.prizes where id = v_showoff.prize_id;
  if p_reward > 0 then
    perform private.wallet_apply(private.wallet_id(v_author, 'LUCKY_COIN'), p_reward, 'SHOWOFF_REWARD',
                                 'showoff', v_showoff.id, 'showoff reward', 0, null, v_showoff.lottery_id);
  end if;
  if p_status = 'APPROVED' then
    perform private.notify(v_author, 'SHOWOFF_APPROVED', 'Your showoff is published',
                           case when p_reward > 0 then format('You received %s lucky coins.', p_reward)
                                else 'Thanks for sharing!' end,
                           jsonb_build_object('showoff_id', v_showoff.id, 'reward_coins', p_reward),
                           v_showoff.id, 'showoff');
  else
    perform private.notify(v_author, 'SHOWOFF_REJECTED', 'Your showoff was not approved', p_note,
                           jsonb_build_object('showoff_id', v_showoff.id, 'note', p_note),
                           v_showoff.id, 'showoff');
  end if;
  return private.showoff_json(v_showoff, null) || jsonb_build_object('admin_note', p_note);
end
$$;

create or replace function public.admin_approve_showoff(p_admin text, p_request jsonb, p_showoff_id uuid,
                                                        p_reward_coins numeric default 0, p_note text default null)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_admin uuid := private.admin_begin(p_admin, 'showoffs.approve', 'showoff', p_showoff_id::text, p_request);
begin
  return private.review_showoff(v_admin, p_showoff_id, 'APPROVED', coalesce(p_reward_coins, 0), p_note);
end
$$;

create or replace function public.admin_reject_showoff(p_admin text, p_request jsonb, p_showoff_id uuid,
                                                       p_note text)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_admin uuid := private.admin_begin(p_admin, 'showoffs.reject', 'showoff', p_showoff_id::text, p_request);
begin
  if coalesce(btrim(p_note), '') = '' then
    perform private.fail('VALIDATION_ERROR', 'a rejection needs a note for the user', 400);
  end if;
  return private.review_showoff(v_admin, p_showoff_id, 'REJECTED', 0, p_note);
end
$$;

select private.lock_down_functions();
