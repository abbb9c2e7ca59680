-- The public lottery catalogue (issue 12): list-lotteries and get-lottery, session optional. Each answers in one
-- statement; with a session the caller's own tickets are added (and the handler marks the response private).

-- Lotteries as the catalogue shows them: a JSON array, one item per id of p_ids in that order. p_detail adds the
-- long i18n texts, the signed commitment and the caller's ticket numbers; p_user (null without a session) adds the
-- caller's ticket count. The winner appears only as a masked name: the first letter of their first name (or
-- username) and, from three letters on, the last one; never an id, a full username or a Telegram id.
-- One call per request, not per row (a per-row call, with its own search_path, cost ~0.4 ms a row), and
-- plpgsql rather than sql: PL/pgSQL keeps the plan of this query per connection, a SQL function re-plans it on
-- every call (~2 ms).
create or replace function private.lottery_public_items(p_ids uuid[], p_user uuid, p_detail boolean)
returns json
language plpgsql stable
set search_path = ''
as $$
begin
  return (select coalesce(json_agg(
    case when not p_detail then item.base else private.json_concat(item.base, json_build_object(
        'details_i18n', l.details_i18n, 'specifications_i18n', l.specifications_i18n,
        'material_i18n', l.material_i18n, 'draw_commitment', l.draw_commitment,
        -- from sell-out: the frozen entries root and count every buyer can check their tickets against
        'entries', private.lottery_entries_json(l.id),
        'my_ticket_numbers', mine.numbers)) end
    order by o.ord), '[]'::json)
    from unnest(p_ids) with ordinality o(id, ord)
    join public.lotteries l on l.id = o.id
    left join lateral (
      select coalesce(nullif(btrim(u.first_name), ''), nullif(btrim(u.telegram_username), ''), 'LuckyMart user')
        from public.tickets t join public.users u on u.id = t.user_id
       where t.lottery_id = l.id and t.ticket_number = l.winning_ticket_number and l.status = 'COMPLETED'
         and t.is_winning  -- a lottery drawn before cutover may name a number its recorded winner did not hold
    ) w(name) on true
    left join lateral (
      select count(*), coalesce(json_agg(t.ticket_number order by t.ticket_number), '[]'::json)
        from public.tickets t where t.user_id = p_user and t.lottery_id = l.id
      having p_user is not null
    ) mine(count, numbers) on true
    cross join lateral (select json_build_object(
      'id', l.id, 'period', l.period, 'title', l.title, 'title_i18n', l.title_i18n, 'name_i18n', l.name_i18n,
      'description', l.description, 'description_i18n', l.description_i18n,
      'image_url', coalesce(l.image_url, l.image_urls ->> 0), 'image_urls', l.image_urls,
      'ticket_price', l.ticket_price, 'currency', l.currency,
      'total_tickets', l.total_tickets, 'sold_tickets', l.sold_tickets,
      'remaining_tickets', l.total_tickets - l.sold_tickets,
      'progress', round(l.sold_tickets * 100.0 / l.total_tickets, 2),
      'max_per_user', case when l.unlimited_purchase then null else l.max_per_user end,
      'unlimited_purchase', l.unlimited_purchase,
      'start_time', l.start_time, 'end_time', l.end_time, 'draw_time', l.draw_time, 'status', l.status,
      'commitment_hash', l.draw_commitment ->> 'seed_commitment',
      'result', case when l.status = 'COMPLETED' then json_build_object(
          'winning_ticket_number', l.winning_ticket_number,
          'winner_display_name', left(w.name, 1) || '***' || case when length(w.name) > 2 then right(w.name, 1)
                                                                  else '' end,
          'drawn_at', l.actual_draw_time,
          'verify', json_build_object('function', 'verify-draw', 'lottery_id', l.id,
                                      'path', '/functions/v1/verify-draw?lottery_id=' || l.id,
                                      'page', '/verify/?lottery=' || l.id,
                                      'tool', 'scripts/verify_draw.py')) end,
      'my_ticket_count', mine.count)) item(base));
end
$$;

-- p_status: ACTIVE | SOLD_OUT (with DRAWING: sold out, draw pending) | COMPLETED | UPCOMING | ALL (every public
-- status); p_sort: start_time (the old frontend's order) | newest | ending_soon | price_low | price_high | progress.
create or replace function public.list_lotteries(p_session text default null, p_status text default 'ALL',
                                                 p_sort text default 'start_time',
                                                 p_limit integer default 20, p_offset integer default 0)
returns json
language plpgsql stable
security definer
set search_path = ''
as $$
declare
  v_user     uuid := case when p_session is null then null else (private.session_user(p_session)).id end;
  v_statuses text[] := case coalesce(p_status, 'ALL')
                         when 'ALL' then array['UPCOMING', 'ACTIVE', 'SOLD_OUT', 'DRAWING', 'COMPLETED']
                         when 'SOLD_OUT' then array['SOLD_OUT', 'DRAWING']
                         else array[p_status] end;
begin
  if not v_statuses <@ array['UPCOMING', 'ACTIVE', 'SOLD_OUT', 'DRAWING', 'COMPLETED'] then
    perform private.fail('VALIDATION_ERROR', 'status must be ACTIVE, SOLD_OUT, COMPLETED, UPCOMING or ALL', 400);
  end if;
  return (
    with matching as not materialized (
      select l.id, l.created_at, l.end_time, l.ticket_price, l.sold_tickets, l.total_tickets, l.start_time
        from public.lotteries l where l.status = any (v_statuses)
    ),
    page as (
      select m.id, row_number() over (order by
               case when p_sort = 'newest' then m.created_at end desc,
               case when p_sort = 'ending_soon' then m.end_time end asc,
               case when p_sort = 'price_low' then m.ticket_price end asc,
               case when p_sort = 'price_high' then m.ticket_price end desc,
               case when p_sort = 'progress' then m.sold_tickets::numeric / m.total_tickets end desc,
               m.start_time, m.id) as ord
        from matching m
       order by ord limit private.page_limit(p_limit) offset private.page_offset(p_offset)
    )
    select private.page_json(
      private.lottery_public_items(array(select p.id from page p order by p.ord), v_user, false),
      (select count(*) from matching)));
end
$$;

create or replace function public.get_lottery(p_lottery_id uuid, p_session text default null) returns json
language plpgsql stable
security definer
set search_path = ''
as $$
declare
  v_user uuid := case when p_session is null then null else (private.session_user(p_session)).id end;
  v_item json;
begin
  if exists (select 1 from public.lotteries
              where id = p_lottery_id and status in ('UPCOMING', 'ACTIVE', 'SOLD_OUT', 'DRAWING', 'COMPLETED')) then
    v_item := private.lottery_public_items(array[p_lottery_id], v_user, true) -> 0;
  end if;
  if v_item is null then
    perform private.fail('NOT_FOUND', 'lottery not found', 404);
  end if;
  return v_item;
end
$$;

select private.lock_down_functions();
