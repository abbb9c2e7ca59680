-- Telegram push notifications (issue 13). docs/telegram.md explains the whole path.
--
-- The notifications table is its own outbox. A BEFORE INSERT trigger gives every new notification its push state
-- in the transaction that creates it (whoever inserts it: private.notify or a set-based insert), and an AFTER
-- INSERT statement trigger tells the calling Lambda, through the PostgREST response header X-Luckymart-Push, which
-- rows to publish to SQS after commit (luckymart.db.rpc does it). The scheduled job re-publishes PENDING rows
-- whose publish was lost (public.notification_outbox_claim). The consumer send-telegram-notifications claims a
-- batch (PENDING -> SENDING, rate-limit slots assigned here) and records the results (SENDING -> SENT/...).

-- ---------------------------------------------------------------- configuration
insert into public.system_config (key, value, description) values
  ('telegram_push', '{"per_second": 20, "chat_interval_ms": 1400, "max_wait_seconds": 1, "lease_seconds": 120,
                      "commission_digest_seconds": 3600, "ttl_hours": 72}',
   'push limits: messages/s per bot and gap per chat, below Telegram''s ~30/s and 1/s by the 0.3 s a consumer may '
   'send late (send-telegram-notifications LATE_TOLERANCE_SECONDS): 20 x 1.3 + 1 < 30, 1.4 - 0.3 > 1; longest wait for a slot '
   'inside a batch (later slots are re-enqueued: a batch never holds its poller while other chats could be served), '
   'SENDING lease, one commission message per user per this many seconds, pushes older than ttl expire')
on conflict (key) do nothing;

-- ---------------------------------------------------------------- push state (the seed's columns and ours)
alter table public.notifications
  add column push_channels     text[] not null default '{}',
  add column push_status       text not null default 'NONE'
                               check (push_status in ('NONE', 'PENDING', 'SENDING', 'SENT', 'FAILED', 'SKIPPED')),
  add column expired_at        timestamptz,
  add column push_template     text,          -- template key (luckymart/push_templates.py)
  add column push_not_before   timestamptz,   -- commission digest: not before the user's hour is over
  add column push_published_at timestamptz,   -- last re-publish by the scheduled job
  add column push_claimed_at   timestamptz,   -- PENDING -> SENDING by a consumer
  add column push_attempts     integer not null default 0,
  add column pushed_at         timestamptz,
  add column push_error        text,
  add column push_message_id   bigint;
create index notifications_push_open_idx on public.notifications (created_at)
  where push_status in ('PENDING', 'SENDING');
create index notifications_push_user_idx on public.notifications (user_id, type) where push_status = 'PENDING';

-- Which notifications are pushed, under which template. related_type '' matches any.
create table private.push_templates (
  type         text not null,
  related_type text not null default '',
  template     text not null,
  primary key (type, related_type)
);
insert into private.push_templates (type, related_type, template) values
  ('LOTTERY_WIN', '', 'LOTTERY_WIN'),
  ('LOTTERY_RESULT', '', 'LOTTERY_RESULT'),
  ('LOTTERY_CANCELLED', '', 'LOTTERY_CANCELLED'),
  ('PAYMENT_SUCCESS', 'DEPOSIT', 'DEPOSIT_APPROVED'),
  ('PAYMENT_FAILED', 'DEPOSIT', 'DEPOSIT_REJECTED'),
  ('PAYMENT_SUCCESS', 'WITHDRAWAL', 'WITHDRAWAL_COMPLETED'),
  ('PAYMENT_FAILED', 'WITHDRAWAL', 'WITHDRAWAL_REJECTED'),
  ('SHIPPING_SHIPPED', '', 'SHIPPING_SHIPPED'),
  ('SHIPPING_DELIVERED', '', 'SHIPPING_DELIVERED'),
  ('SHOWOFF_APPROVED', '', 'SHOWOFF_APPROVED'),
  ('SHOWOFF_REJECTED', '', 'SHOWOFF_REJECTED'),
  ('RESALE_SOLD', '', 'RESALE_SOLD'),
  ('COMMISSION', '', 'COMMISSION'),
  ('BROADCAST', '', 'BROADCAST');

-- One row per Telegram chat (private chat id = telegram user id): the per-chat limiter, reachability, the saved
-- language and a referral payload from /start that arrived before the first sign-in.
create table public.telegram_chats (
  telegram_id          text primary key check (telegram_id ~ '^[0-9]{1,20}$'),
  language             text check (language in ('ru', 'tg', 'zh', 'en')),
  next_send_at         timestamptz,
  unreachable_at       timestamptz,
  unreachable_reason   text,
  commission_pushed_at timestamptz,
  start_referral_code  text check (start_referral_code ~ '^[A-Z0-9]{4,16}$'),
  updated_at           timestamptz not null default now()
);
alter table public.telegram_chats enable row level security;
alter table public.telegram_chats force row level security;
revoke all on table public.telegram_chats from anon, authenticated;
grant all on table public.telegram_chats to service_role;

-- The bot-wide limiter: the next free send slot (one row, locked by each claim).
create table private.push_limiter (
  id      boolean primary key default true check (id),
  next_at timestamptz not null default now()
);
insert into private.push_limiter default values;

-- ---------------------------------------------------------------- push state at insert
create or replace function private.push_language(p_user public.users, p_saved text) returns text
language sql stable
set search_path = ''
as $$
  select case
           when p_saved is not null then p_saved
           when p_user.language_code ilike 'ru%' then 'ru'
           when p_user.language_code ilike 'tg%' then 'tg'
           when p_user.language_code ilike 'zh%' then 'zh'
           else 'en' end
$$;

-- What a notification's text names, in the reader's language: its lottery's title, or its prize's (the lottery's
-- title in that language, else the prize's name). The push and get-notifications both fill {subject} with it.
create or replace function private.notification_subject(p_data jsonb, p_language text) returns text
language sql stable
set search_path = ''
as $$
  select case
    when p_data ? 'lottery_id' then
      (select coalesce(l.title_i18n ->> p_language, l.title) from public.lotteries l
        where l.id = (p_data ->> 'lottery_id')::uuid)
    when p_data ? 'prize_id' then
      (select coalesce(l.title_i18n ->> p_language, p.prize_name)
         from public.prizes p left join public.lotteries l on l.id = p.lottery_id
        where p.id = (p_data ->> 'prize_id')::uuid)
  end
$$;

create or replace function private.notification_push_prepare() returns trigger
language plpgsql
set search_path = ''
as $$
declare
  v_template text;
  v_chat     public.telegram_chats;
  v_cfg      jsonb := private.config('telegram_push');
begin
  if new.push_status <> 'NONE' then
    return new;  -- the creator decided
  end if;
  select t.template into v_template from private.push_templates t
   where t.type = new.type and t.related_type in (coalesce(new.related_type, ''), '')
   order by t.related_type desc limit 1;
  if v_template is null then
    return new;
  end if;
  select c.* into v_chat from public.telegram_chats c
    join public.users u on u.telegram_id = c.telegram_id
   where u.id = new.user_id;
  new.push_channels := array['telegram'];
  new.push_template := v_template;
  new.expired_at := coalesce(new.expired_at, now() + make_interval(hours => (v_cfg ->> 'ttl_hours')::integer));
  if v_chat.unreachable_at is not null then
    new.push_status := 'SKIPPED';
    new.push_error := 'UNREACHABLE';
  else
    new.push_status := 'PENDING';
    if new.type = 'COMMISSION' and v_chat.commission_pushed_at is not null then
      -- at most one commission message per user per digest window; the consumer sums what waited
      new.push_not_before := nullif(greatest(now(), v_chat.commission_pushed_at
                                     + make_interval(secs => (v_cfg ->> 'commission_digest_seconds')::integer)),
                                    now());
    end if;
  end if;
  return new;
end
$$;

-- Collects this transaction's publishable rows for the after-commit publish: their ids (up to 50) or '*'
-- (more: the Lambda claims them from the outbox) in the PostgREST response header X-Luckymart-Push. GUCs set
-- here roll back with a failed subtransaction, so only committed rows are announced.
create or replace function private.notification_push_announce() returns trigger
language plpgsql
set search_path = ''
as $$
declare
  v_new   text[];
  v_ids   text := coalesce(current_setting('luckymart.push_ids', true), '');
  v_count integer := coalesce(nullif(current_setting('luckymart.push_count', true), '')::integer, 0);
begin
  select array_agg(r.id::text) into v_new from new_rows r
   where r.push_status = 'PENDING' and r.push_not_before is null;
  if v_new is null then
    return null;
  end if;
  v_count := v_count + cardinality(v_new);
  if v_count <= 50 then
    v_ids := concat_ws(',', nullif(v_ids, ''), array_to_string(v_new, ','));
  else
    v_ids := '*';
  end if;
  perform set_config('luckymart.push_count', v_count::text, true);
  perform set_config('luckymart.push_ids', v_ids, true);
  perform set_config('response.headers', jsonb_build_array(jsonb_build_object('X-Luckymart-Push', v_ids))::text,
                     true);
  return null;
end
$$;

create trigger notifications_push_prepare before insert on public.notifications
  for each row execute function private.notification_push_prepare();
create trigger notifications_push_announce after insert on public.notifications
  referencing new table as new_rows
  for each statement execute function private.notification_push_announce();

-- ---------------------------------------------------------------- outbox re-publish
-- The scheduled job's claim: PENDING rows not (re-)published for p_min_age_seconds and due. It also closes SENDING
-- rows whose lease ran out (a consumer crashed between claim and record): they are FAILED 'UNCERTAIN', never sent
-- again, so a crash can lose a push but never duplicate it. p_never_published: only rows nobody has claimed yet
-- (the after-commit publish of a large fan-out, which loops until it gets less than p_limit).
create or replace function public.notification_outbox_claim(p_limit integer default 500,
                                                            p_min_age_seconds integer default 60,
                                                            p_never_published boolean default false)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_ids jsonb;
begin
  if p_limit is null or p_limit not between 1 and 5000 or p_min_age_seconds is null or p_min_age_seconds < 0 then
    perform private.fail('VALIDATION_ERROR', 'limit must be 1..5000 and min age >= 0', 400);
  end if;
  update public.notifications
     set push_status = 'FAILED', push_error = 'UNCERTAIN'
   where push_status = 'SENDING'
     and push_claimed_at < now() - make_interval(secs => (private.config('telegram_push') ->> 'lease_seconds')::integer);
  with stale as (
    select n.id
      from public.notifications n
     where n.push_status = 'PENDING'
       and coalesce(n.push_published_at, n.created_at) <= now() - make_interval(secs => p_min_age_seconds)
       and (not p_never_published or n.push_published_at is null)
       and coalesce(n.push_not_before, n.created_at) <= now()
     order by n.created_at
     limit p_limit
       for update skip locked
  ), claimed as (
    update public.notifications n set push_published_at = now()
      from stale where n.id = stale.id
    returning n.id
  )
  select coalesce(jsonb_agg(id), '[]'::jsonb) into v_ids from claimed;
  return v_ids;
end
$$;

-- ---------------------------------------------------------------- consumer: claim a batch
-- One round trip per SQS batch. Per notification: 'send' (now SENDING, with the delay in ms until its rate-limit
-- slot), 'skip' (nothing to send: already sent, in progress, expired, unreachable, no push), or 'defer' (its slot
-- or its commission window is further away than max_wait_seconds: the consumer re-enqueues it with that delay).
-- Slots: the bot-wide limiter row hands out one slot per 1/per_second s, each chat's row one per chat_interval.
-- Both rows are locked here, so concurrent consumers never hand out the same slot.
create or replace function public.notification_push_claim(p_ids uuid[]) returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_cfg       jsonb := private.config('telegram_push');
  v_step      interval := make_interval(secs => 1.0 / (v_cfg ->> 'per_second')::numeric);
  v_chat_gap  interval := make_interval(secs => (v_cfg ->> 'chat_interval_ms')::numeric / 1000);
  v_max_wait  interval := make_interval(secs => (v_cfg ->> 'max_wait_seconds')::numeric);
  v_lease     interval := make_interval(secs => (v_cfg ->> 'lease_seconds')::integer);
  v_global    timestamptz;
  v_n         public.notifications;
  v_user      public.users;
  v_chat      public.telegram_chats;
  v_slot      timestamptz;
  v_items     jsonb := '[]'::jsonb;
  v_merged    uuid[];
  v_amount    numeric;
  v_subject   text;
  v_lang      text;
begin
  if p_ids is null or cardinality(p_ids) > 100 then
    perform private.fail('VALIDATION_ERROR', 'between 0 and 100 notification ids', 400);
  end if;
  -- chat rows first (in key order, no deadlock between batches), then the bot-wide limiter
  insert into public.telegram_chats (telegram_id)
  select distinct u.telegram_id from public.notifications n join public.users u on u.id = n.user_id
   where n.id = any (p_ids)
   order by 1
  on conflict do nothing;
  perform 1 from public.telegram_chats c
   where c.telegram_id in (select u.telegram_id from public.notifications n join public.users u on u.id = n.user_id
                            where n.id = any (p_ids))
   order by c.telegram_id for update;
  select l.next_at into v_global from private.push_limiter l for update;
  if not found then
    insert into private.push_limiter default values returning next_at into v_global;
  end if;

  for v_n in select * from public.notifications where id = any (p_ids) order by created_at, id for update skip locked
  loop
    select * into v_n from public.notifications where id = v_n.id;  -- the loop's snapshot misses merges above
    if v_n.push_status = 'SENDING' and v_n.push_claimed_at >= now() - v_lease then
      v_items := v_items || jsonb_build_object('id', v_n.id, 'outcome', 'skip', 'reason', 'IN_PROGRESS');
      continue;
    elsif v_n.push_status = 'SENDING' then
      -- its consumer died between claim and record: it may have been sent, so it is never sent again
      update public.notifications set push_status = 'FAILED', push_error = 'UNCERTAIN' where id = v_n.id;
      v_items := v_items || jsonb_build_object('id', v_n.id, 'outcome', 'skip', 'reason', 'UNCERTAIN');
      continue;
    elsif v_n.push_status <> 'PENDING' then
      v_items := v_items || jsonb_build_object('id', v_n.id, 'outcome', 'skip', 'reason', v_n.push_status);
      continue;
    end if;
    select * into v_user from public.users where id = v_n.user_id;
    select * into v_chat from public.telegram_chats where telegram_id = v_user.telegram_id;
    if v_n.expired_at is not null and v_n.expired_at < now() then
      update public.notifications set push_status = 'SKIPPED', push_error = 'EXPIRED' where id = v_n.id;
      v_items := v_items || jsonb_build_object('id', v_n.id, 'outcome', 'skip', 'reason', 'EXPIRED');
      continue;
    elsif v_chat.unreachable_at is not null then
      update public.notifications set push_status = 'SKIPPED', push_error = 'UNREACHABLE' where id = v_n.id;
      v_items := v_items || jsonb_build_object('id', v_n.id, 'outcome', 'skip', 'reason', 'UNREACHABLE');
      continue;
    elsif v_n.push_not_before > now() then
      v_items := v_items || jsonb_build_object('id', v_n.id, 'outcome', 'defer',
        'delay_seconds', ceil(extract(epoch from v_n.push_not_before - now())));
      continue;
    end if;
    v_slot := greatest(now(), v_global, coalesce(v_chat.next_send_at, now()));
    if v_slot > now() + v_max_wait then  -- not reserved: it competes for a slot again when it comes back
      v_items := v_items || jsonb_build_object('id', v_n.id, 'outcome', 'defer',
        'delay_seconds', greatest(1, ceil(extract(epoch from v_slot - now()))));
      continue;
    end if;
    v_global := v_slot + v_step;
    update public.telegram_chats set next_send_at = v_slot + v_chat_gap, updated_at = now()
     where telegram_id = v_user.telegram_id;
    v_merged := array[v_n.id];
    v_amount := null;
    if v_n.type = 'COMMISSION' then
      -- the digest: every commission of this user still waiting goes out in this one message
      with merged as (
        update public.notifications m
           set push_status = 'SENDING', push_claimed_at = now(), push_attempts = m.push_attempts + 1
         where m.user_id = v_n.user_id and m.type = 'COMMISSION' and m.push_status = 'PENDING' and m.id <> v_n.id
        returning m.id, (m.data ->> 'amount')::numeric as amount)
      select v_merged || coalesce(array_agg(id), '{}'), coalesce(sum(amount), 0) into v_merged, v_amount from merged;
      v_amount := v_amount + coalesce((v_n.data ->> 'amount')::numeric, 0);
      update public.telegram_chats set commission_pushed_at = now() where telegram_id = v_user.telegram_id;
    end if;
    update public.notifications
       set push_status = 'SENDING', push_claimed_at = now(), push_attempts = push_attempts + 1
     where id = v_n.id;
    v_lang := private.push_language(v_user, v_chat.language);
    v_subject := private.notification_subject(v_n.data, v_lang);
    v_items := v_items || jsonb_build_object(
      'id', v_n.id, 'outcome', 'send', 'merged_ids', to_jsonb(v_merged),
      'delay_ms', greatest(0, round(extract(epoch from v_slot - now()) * 1000)),
      'chat_id', v_user.telegram_id, 'language', v_lang, 'template', v_n.push_template,
      'type', v_n.type, 'title', v_n.title, 'content', v_n.content, 'related_id', v_n.related_id,
      'data', v_n.data || jsonb_strip_nulls(jsonb_build_object('subject', v_subject, 'total_amount', v_amount,
                                                               'merged_count', cardinality(v_merged))));
  end loop;
  update private.push_limiter set next_at = v_global;
  -- ids locked by a concurrent claim: that claim sends them
  v_items := v_items || coalesce((
    select jsonb_agg(jsonb_build_object('id', i, 'outcome', 'skip', 'reason', 'IN_PROGRESS'))
      from unnest(p_ids) i
     where not exists (select 1 from jsonb_array_elements(v_items) e where e ->> 'id' = i::text)
       and exists (select 1 from public.notifications n where n.id = i)), '[]'::jsonb);
  return jsonb_build_object('items', v_items);
end
$$;

-- ---------------------------------------------------------------- consumer: record a batch
-- One round trip per SQS batch. p_results: [{id, merged_ids?, outcome: sent|retry|unreachable|failed, message_id?,
-- error?}]. Only SENDING rows move, so a late or repeated record changes nothing. p_flood_wait_seconds: Telegram's
-- 429 retry_after, which holds for the whole bot: no slot is handed out before it has passed.
create or replace function public.notification_push_record(p_results jsonb, p_flood_wait_seconds integer default null)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_result  jsonb;
  v_ids     uuid[];
  v_outcome text;
  v_telegram text;
  v_counts  jsonb := '{}'::jsonb;
begin
  if p_results is null or jsonb_typeof(p_results) <> 'array' or jsonb_array_length(p_results) > 100
     or p_flood_wait_seconds not between 1 and 86400 then
    perform private.fail('VALIDATION_ERROR', 'results must be an array of at most 100', 400);
  end if;
  if p_flood_wait_seconds is not null then
    update private.push_limiter
       set next_at = greatest(next_at, now() + make_interval(secs => p_flood_wait_seconds));
  end if;
  for v_result in select * from jsonb_array_elements(p_results) loop
    v_outcome := v_result ->> 'outcome';
    select array_agg(x::uuid) into v_ids
      from jsonb_array_elements_text(coalesce(v_result -> 'merged_ids', jsonb_build_array(v_result ->> 'id'))) x;
    if v_outcome = 'sent' then
      update public.notifications
         set push_status = 'SENT', pushed_at = now(), push_error = null,
             push_message_id = (v_result ->> 'message_id')::bigint
       where id = any (v_ids) and push_status = 'SENDING';
    elsif v_outcome = 'retry' then
      update public.notifications set push_status = 'PENDING', push_error = left(v_result ->> 'error', 200)
       where id = any (v_ids) and push_status = 'SENDING';
    elsif v_outcome = 'unreachable' then
      select u.telegram_id into v_telegram from public.notifications n join public.users u on u.id = n.user_id
       where n.id = v_ids[1];
      update public.telegram_chats
         set unreachable_at = now(), unreachable_reason = left(v_result ->> 'error', 200), updated_at = now()
       where telegram_id = v_telegram;
      update public.notifications set push_status = 'FAILED', push_error = 'UNREACHABLE'
       where id = any (v_ids) and push_status = 'SENDING';
      update public.notifications n set push_status = 'SKIPPED', push_error = 'UNREACHABLE'
        from public.users u
       where u.telegram_id = v_telegram and n.user_id = u.id and n.push_status = 'PENDING';
    elsif v_outcome = 'failed' then
      update public.notifications set push_status = 'FAILED', push_error = left(v_result ->> 'error', 200)
       where id = any (v_ids) and push_status = 'SENDING';
    else
      perform private.fail('VALIDATION_ERROR', 'unknown outcome', 400);
    end if;
    v_counts := jsonb_set(v_counts, array[v_outcome], to_jsonb(coalesce((v_counts ->> v_outcome)::integer, 0) + 1));
  end loop;
  return v_counts;
end
$$;

-- ---------------------------------------------------------------- the bot's webhook
-- One private-chat command from telegram-webhook (the secret header was checked before this is called).
-- /start [ref_<code>]: the chat is reachable again (the user talked to the bot), and a referral code of an ACTIVE
--   user is kept for the first sign-in (public.auth_telegram uses it when the Mini App passes no startParam).
-- /language [ru|tg|zh|en]: saves the preference. Returns the chat's language and the kept referral code.
create or replace function public.telegram_bot_command(p_telegram_id text, p_command text, p_argument text,
                                                       p_language_code text)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_chat     public.telegram_chats;
  v_user     public.users;
  v_code     text;
  v_language text;
begin
  if p_telegram_id is null or p_telegram_id !~ '^[0-9]{1,20}$' or p_command not in ('start', 'help', 'language') then
    perform private.fail('VALIDATION_ERROR', 'not a bot command', 400);
  end if;
  select * into v_user from public.users where telegram_id = p_telegram_id;
  if p_command = 'start' and v_user.id is null and p_argument ~ '^ref_[A-Za-z0-9]{4,16}$' then
    select u.referral_code into v_code from public.users u
     where u.referral_code = upper(substr(p_argument, 5)) and u.status = 'ACTIVE';
  end if;
  if p_command = 'language' and p_argument in ('ru', 'tg', 'zh', 'en') then
    v_language := p_argument;
  end if;
  insert into public.telegram_chats as c (telegram_id, language, start_referral_code)
  values (p_telegram_id, v_language, v_code)
  on conflict (telegram_id) do update
     set language = coalesce(excluded.language, c.language),
         start_referral_code = coalesce(excluded.start_referral_code, c.start_referral_code),
         unreachable_at = case when p_command = 'start' then null else c.unreachable_at end,
         unreachable_reason = case when p_command = 'start' then null else c.unreachable_reason end,
         updated_at = now()
  returning * into v_chat;
  return jsonb_build_object(
    'language', coalesce(v_chat.language, case
                  when coalesce(v_user.language_code, p_language_code) ilike 'ru%' then 'ru'
                  when coalesce(v_user.language_code, p_language_code) ilike 'tg%' then 'tg'
                  when coalesce(v_user.language_code, p_language_code) ilike 'zh%' then 'zh'
                  else 'en' end),
    'language_saved', v_language is not null,
    'referral_code', coalesce(v_chat.start_referral_code, v_user.referral_code),
    'registered', v_user.id is not null);
end
$$;

-- ---------------------------------------------------------------- broadcast (admin)
-- and the notification dead-letter queue (admin-notifications notifications.dlq_*, luckymart.dead_letters)
insert into public.permissions (role_name, action) values ('OPERATIONS', 'notifications.broadcast'),
  ('OPERATIONS', 'notifications.dlq_list'), ('OPERATIONS', 'notifications.dlq_replay')
on conflict do nothing;

-- notifications.broadcast: the audience's size (reachable users only), and unless p_dry_run one BROADCAST
-- notification per reachable user in this transaction; they go out through the notification queue after commit,
-- at the consumer's pace. Audience: 'all' | 'active_days:<1..365>' | 'lottery:<uuid>' (its ticket holders).
create or replace function public.admin_notifications_broadcast(p_admin text, p_request jsonb, p_audience text,
                                                                p_text_i18n jsonb, p_button jsonb default null,
                                                                p_dry_run boolean default false)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_kind      text := split_part(coalesce(p_audience, ''), ':', 1);
  v_arg       text := substr(coalesce(p_audience, ''), length(split_part(coalesce(p_audience, ''), ':', 1)) + 2);
  v_days      integer;
  v_lottery   uuid;
  v_users     uuid[];
  v_total     integer;
  v_broadcast uuid := gen_random_uuid();
begin
  perform private.admin_begin(p_admin, 'notifications.broadcast', 'broadcast', v_broadcast::text, p_request);
  if v_kind = 'active_days' and v_arg ~ '^[0-9]{1,3}$' and v_arg::integer between 1 and 365 then
    v_days := v_arg::integer;
  elsif v_kind = 'lottery' and v_arg ~ '^[0-9a-fA-F-]{36}$' then
    v_lottery := v_arg::uuid;
    if not exists (select 1 from public.lotteries where id = v_lottery) then
      perform private.fail('NOT_FOUND', 'lottery not found', 404);
    end if;
  elsif p_audience is distinct from 'all' then
    perform private.fail('VALIDATION_ERROR', 'audience is all, active_days:<1..365> or lottery:<id>', 400);
  end if;
  if jsonb_typeof(p_text_i18n) is distinct from 'object'
     or not exists (select 1 from jsonb_each_text(p_text_i18n) t
                     where t.key in ('ru', 'tg', 'zh', 'en') and length(t.value) between 1 and 3500) then
    perform private.fail('VALIDATION_ERROR', 'text_i18n needs a text (1..3500 chars) in ru, tg, zh or en', 400);
  end if;

  select count(*), array_agg(u.id) filter (where c.unreachable_at is null)
    into v_total, v_users
    from public.users u
    left join public.telegram_chats c on c.telegram_id = u.telegram_id
   where u.status = 'ACTIVE'
     and (v_days is null or u.last_active_at >= now() - make_interval(days => v_days))
     and (v_lottery is null or exists (select 1 from public.tickets t where t.lottery_id = v_lottery
                                                                     and t.user_id = u.id));
  if not p_dry_run and cardinality(v_users) > 0 then
    insert into public.notifications (user_id, type, title, content, data, related_id, related_type)
    select u, 'BROADCAST', left(coalesce(p_text_i18n ->> 'en', p_text_i18n ->> 'ru', p_text_i18n ->> 'zh',
                                        p_text_i18n ->> 'tg'), 100),
           coalesce(p_text_i18n ->> 'en', p_text_i18n ->> 'ru', p_text_i18n ->> 'zh', p_text_i18n ->> 'tg'),
           jsonb_strip_nulls(jsonb_build_object('text_i18n', p_text_i18n, 'button', p_button,
                                                'broadcast_id', v_broadcast)),
           v_broadcast, 'broadcast'
      from unnest(v_users) u;
  end if;
  return jsonb_build_object('broadcast_id', case when p_dry_run then null else v_broadcast end,
                            'audience', p_audience, 'dry_run', p_dry_run, 'matching_users', v_total,
                            'recipients', coalesce(cardinality(v_users), 0),
                            'unreachable', v_total - coalesce(cardinality(v_users), 0));
end
$$;

select private.lock_down_functions();
