-- Referral commissions (issue 5): an outbox written in the purchase transaction, the SQS consumer's SQL, the
-- outbox sweeper's SQL, referral stats and invited users.
--
-- Flow: the purchase transaction calls private.enqueue_commission(order) (a row commits with the order, or
-- neither does); after commit the purchase Lambda sends one SQS message {"order_id"} (not recorded: that
-- would be a second round trip on the purchase path). The consumer's single call, public.process_commissions,
-- pays levels 1..3 and marks the outbox row processed in the same transaction. A row still unprocessed after
-- 60 s is re-sent by the sweeper (commission_outbox_due / commission_outbox_published), which records
-- published_at; from then on SQS redrive and the dead-letter queue own the message. Duplicates are harmless:
-- commissions are unique per (related_order_id, level) and a processed outbox row short-cuts a redelivery.

-- ---------------------------------------------------------------- the outbox
create table public.commission_outbox (
  order_id          uuid primary key references public.orders (id),
  created_at        timestamptz not null default now(),
  publish_attempts  integer not null default 0 check (publish_attempts >= 0),  -- sweeper attempts
  last_attempt_at   timestamptz,   -- the sweeper's lease: a crashed sweep is retried after 60 s
  published_at      timestamptz,   -- set when the sweeper's send succeeded
  processed_at      timestamptz    -- set by the consumer in the transaction that paid the commissions
);
-- What the sweeper scans: small, because processed rows leave it.
create index commission_outbox_due_idx on public.commission_outbox (created_at)
  where processed_at is null and published_at is null;

alter table public.commission_outbox enable row level security;
alter table public.commission_outbox force row level security;
revoke all on table public.commission_outbox from anon, authenticated;
grant all on table public.commission_outbox to service_role;

-- get-invited-users sums a referrer's commissions per invitee; get-user-referral-stats per status.
create index commissions_user_from_idx on public.commissions (user_id, from_user_id);

-- ---------------------------------------------------------------- referral graph
-- Two concurrent UPDATEs (A -> B and B -> A) would each walk an ancestry that does not yet contain the other
-- and close a cycle. Setting a referrer by UPDATE therefore takes one transaction-level lock first, and the
-- walk (one fresh snapshot per statement) sees every change committed before it. New users cannot close a
-- cycle: no row can point at a user that is not yet committed. The schema's trigger also let an UPDATE clear a
-- referrer (its WHEN skipped a null new value); the update trigger below fires on any change.
create or replace function private.guard_referrer() returns trigger
language plpgsql
set search_path = ''
as $$
declare
  v_cursor uuid := new.referred_by_id;
  v_depth  integer := 0;
begin
  if tg_op = 'UPDATE' then
    if old.referred_by_id is not null and new.referred_by_id is distinct from old.referred_by_id then
      raise exception 'referrer is immutable once set' using errcode = 'check_violation';
    end if;
    if new.referred_by_id is null then
      return new;
    end if;
    perform pg_advisory_xact_lock(hashtext('luckymart.referral_graph'));
  end if;
  while v_cursor is not null loop
    if v_cursor = new.id then
      raise exception 'referral cycle' using errcode = 'check_violation';
    end if;
    v_depth := v_depth + 1;
    if v_depth > 10000 then
      raise exception 'referral chain too deep' using errcode = 'check_violation';
    end if;
    select u.referred_by_id into v_cursor from public.users u where u.id = v_cursor;
  end loop;
  return new;
end
$$;

drop trigger users_guard_referrer on public.users;
create trigger users_guard_referrer
  before insert on public.users
  for each row when (new.referred_by_id is not null)
  execute function private.guard_referrer();
create trigger users_guard_referrer_change
  before update of referred_by_id on public.users
  for each row when (old.referred_by_id is distinct from new.referred_by_id)
  execute function private.guard_referrer();

-- ---------------------------------------------------------------- enqueue (called by the purchase)
-- Call inside the purchase transaction once the order is PAID. Returns true when the buyer has a referrer and
-- an outbox row now exists: the purchase Lambda must then call commission_queue.publish_after_commit(order_id)
-- after the transaction committed. Returns false (and writes nothing) when there is nobody to pay.
create or replace function private.enqueue_commission(p_order_id uuid) returns boolean
language plpgsql
set search_path = ''
as $$
declare
  v_order    public.orders;
  v_referrer uuid;
begin
  select * into v_order from public.orders where id = p_order_id;
  if not found or v_order.status <> 'PAID' or v_order.type <> 'LOTTERY_PURCHASE' then
    perform private.fail('INTERNAL', 'commissions are enqueued for PAID lottery orders only', 500);
  end if;
  select referred_by_id into v_referrer from public.users where id = v_order.user_id;
  if v_referrer is null or v_order.total_amount <= 0 then
    return false;
  end if;
  insert into public.commission_outbox (order_id) values (p_order_id) on conflict (order_id) do nothing;
  return true;
end
$$;

-- ---------------------------------------------------------------- the consumer
-- Rates per level from system_config 'referral_commission_rates' ({"1": 0.03, "2": 0.01, "3": 0.005}).
-- A rate the commissions.rate column cannot hold exactly would make the stored rate lie about the amount:
-- refuse the whole batch instead (SQS retries it once the configuration is fixed).
create or replace function private.commission_rates() returns numeric[]
language plpgsql stable
set search_path = ''
as $$
declare
  v_config jsonb := private.config('referral_commission_rates');
  v_rates  numeric[] := '{}';
  v_rate   numeric;
begin
  for v_level in 1..3 loop
    v_rate := coalesce((v_config ->> v_level::text)::numeric, 0);
    if v_rate < 0 or v_rate >= 1 or v_rate <> round(v_rate, 4) then
      perform private.fail('INTERNAL', 'referral_commission_rates is invalid', 500);
    end if;
    v_rates := v_rates || v_rate;
  end loop;
  return v_rates;
end
$$;

-- Records the commissions of one order (no wallet is touched here) and marks its outbox row processed.
-- Returns {"outcome": paid|duplicate|no_referrer|not_paid, "commission_ids": [...]}; raises NOT_FOUND for an
-- unknown order (a poison message). amount = trunc(rate × order total, 2): rounded down, never up. A level
-- whose amount rounds down to 0.00 gets no row, no ledger entry and no notification (nothing was earned);
-- redeliveries stay harmless because the outbox row, and unique (related_order_id, level), stop them.
create or replace function private.record_commissions(p_order_id uuid, p_rates numeric[]) returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  v_order     public.orders;
  v_processed timestamptz;
  v_referrer  uuid;
  v_amount    numeric(18, 2);
  v_id        uuid;
  v_ids       uuid[] := '{}';
begin
  select * into v_order from public.orders where id = p_order_id;
  if not found then
    perform private.fail('NOT_FOUND', 'order not found', 404);
  end if;
  -- concurrent deliveries of one order queue here; the second then sees it processed
  select processed_at into v_processed from public.commission_outbox where order_id = p_order_id for update;
  if v_processed is not null then
    return jsonb_build_object('outcome', 'duplicate', 'commission_ids', '[]'::jsonb);
  end if;
  update public.commission_outbox set processed_at = now() where order_id = p_order_id;
  if v_order.status <> 'PAID' or v_order.type <> 'LOTTERY_PURCHASE' then
    return jsonb_build_object('outcome', 'not_paid', 'commission_ids', '[]'::jsonb);
  end if;

  select referred_by_id into v_referrer from public.users where id = v_order.user_id;
  if v_referrer is null then
    return jsonb_build_object('outcome', 'no_referrer', 'commission_ids', '[]'::jsonb);
  end if;
  for v_level in 1..3 loop
    exit when v_referrer is null;
    v_amount := trunc(v_order.total_amount * p_rates[v_level], 2);
    if v_amount > 0 then
      insert into public.commissions (user_id, from_user_id, level, type, amount, rate, source_amount,
                                      related_order_id, related_lottery_id, status, paid_at)
      values (v_referrer, v_order.user_id, v_level, 'LOTTERY_PURCHASE', v_amount, p_rates[v_level],
              v_order.total_amount, v_order.id, v_order.lottery_id, 'PAID', now())
      on conflict (related_order_id, level) do nothing
      returning id into v_id;
      if found then
        v_ids := v_ids || v_id;
      end if;
    end if;
    select referred_by_id into v_referrer from public.users where id = v_referrer;
  end loop;
  return jsonb_build_object('outcome', 'paid', 'commission_ids', to_jsonb(v_ids));
end
$$;

-- The SQS consumer's one round trip for a whole batch. Each order is recorded in its own subtransaction, so a
-- poison order fails alone (its outcome is "failed" and the Lambda reports it in batchItemFailures). Then the
-- new commissions are credited to the referrers' LUCKY_COIN wallets in wallet-id order: concurrent batches
-- lock wallets in one global order and cannot deadlock each other. Returns {"<order id>": {"outcome", ...}}.
create or replace function public.process_commissions(p_order_ids uuid[]) returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_rates    numeric[] := private.commission_rates();
  v_order_id uuid;
  v_results  jsonb := '{}';
  v_credited integer := 0;
  v_result   jsonb;
  v_new      uuid[] := '{}';
  v_state    text;
  v_message  text;
  v_credit   record;
begin
  if coalesce(cardinality(p_order_ids), 0) > 100 then
    perform private.fail('VALIDATION_ERROR', 'at most 100 orders per call', 400);
  end if;
  for v_order_id in select distinct x from unnest(p_order_ids) x where x is not null order by 1 loop
    begin
      v_result := private.record_commissions(v_order_id, v_rates);
      v_new := v_new || array(select jsonb_array_elements_text(v_result -> 'commission_ids')::uuid);
    exception when others then
      get stacked diagnostics v_state = returned_sqlstate, v_message = message_text;
      -- private.fail puts the stable code in the message; anything else is reported by SQLSTATE only
      v_result := jsonb_build_object('outcome', 'failed',
                                     'error', case when v_state like 'LM%' then v_message else v_state end);
    end;
    v_results := v_results || jsonb_build_object(v_order_id::text, v_result - 'commission_ids'
                                                  || jsonb_build_object('credited', jsonb_array_length(
                                                       coalesce(v_result -> 'commission_ids', '[]'))));
  end loop;

  -- driven by the new ids (index lookups), never by a scan of commissions or wallets
  for v_credit in
    select c.id, c.user_id, c.level, c.amount, c.related_order_id, c.related_lottery_id, w.id as wallet_id
      from unnest(v_new) as n(id)
      join public.commissions c on c.id = n.id
      join public.orders o on o.id = c.related_order_id
      join public.wallets w on w.user_id = c.user_id and w.type = 'LUCKY_COIN' and w.currency = o.currency
     order by w.id, c.id
  loop
    perform private.wallet_apply(v_credit.wallet_id, v_credit.amount, 'COMMISSION', 'commission', v_credit.id,
                                 format('Level %s referral commission', v_credit.level), 0,
                                 v_credit.related_order_id, v_credit.related_lottery_id);
    perform private.notify(v_credit.user_id, 'COMMISSION', 'Referral commission',
                           format('You earned %s lucky coins from a level %s friend''s purchase.',
                                  v_credit.amount, v_credit.level),
                           jsonb_build_object('amount', v_credit.amount, 'level', v_credit.level,
                                              'order_id', v_credit.related_order_id),
                           v_credit.id, 'commission');
    v_credited := v_credited + 1;
  end loop;
  if v_credited <> cardinality(v_new) then
    perform private.fail('INTERNAL', 'a referrer has no LUCKY_COIN wallet', 500);
  end if;
  return v_results;
end
$$;

-- ---------------------------------------------------------------- the sweeper (scheduled job)
-- Claims up to p_limit rows that are still unprocessed p_min_age_seconds after the purchase and have not been
-- re-sent yet; the claim is a 60 s lease, so a sweep that crashed before sending is retried by the next one.
create or replace function public.commission_outbox_due(p_limit integer default 100,
                                                        p_min_age_seconds integer default 60)
returns jsonb
language sql
security definer
set search_path = ''
as $$
  with due as (
    select order_id from public.commission_outbox
     where processed_at is null and published_at is null
       and created_at <= now() - make_interval(secs => p_min_age_seconds)
       and (last_attempt_at is null or last_attempt_at <= now() - make_interval(secs => p_min_age_seconds))
     order by created_at
     limit least(greatest(p_limit, 1), 1000)
       for update skip locked),
  claimed as (
    update public.commission_outbox o
       set publish_attempts = o.publish_attempts + 1, last_attempt_at = now()
      from due where o.order_id = due.order_id
    returning o.order_id)
  select coalesce(jsonb_agg(order_id), '[]'::jsonb) from claimed
$$;

create or replace function public.commission_outbox_published(p_order_ids uuid[]) returns integer
language sql
security definer
set search_path = ''
as $$
  with marked as (
    update public.commission_outbox set published_at = now()
     where order_id = any(p_order_ids) and published_at is null
    returning 1)
  select count(*)::integer from marked
$$;

-- ---------------------------------------------------------------- user reads
-- The caller's referral tree, three levels deep (level 1 = invited by the caller).
create or replace function private.referral_tree(p_user uuid)
returns table (user_id uuid, level integer)
language sql stable
set search_path = ''
as $$
  with level1 as (select u.id from public.users u where u.referred_by_id = p_user),
       level2 as (select u.id from public.users u join level1 l on u.referred_by_id = l.id),
       level3 as (select u.id from public.users u join level2 l on u.referred_by_id = l.id)
  select id, 1 from level1
  union all select id, 2 from level2
  union all select id, 3 from level3
$$;

create or replace function public.get_user_referral_stats(p_session text) returns jsonb
language plpgsql stable
security definer
set search_path = ''
as $$
declare
  v_user     public.users := private.session_user(p_session);
  v_counts   integer[];
  v_paid     numeric(18, 2);
  v_pending  numeric(18, 2);
  v_bonus    jsonb := private.first_deposit_bonus_json(v_user);
  v_required integer := coalesce((v_bonus ->> 'required_invites')::integer, 1);
  v_invited  integer := (v_bonus ->> 'invited_users')::integer;
begin
  select array[count(*) filter (where level = 1), count(*) filter (where level = 2),
               count(*) filter (where level = 3)]
    into v_counts from private.referral_tree(v_user.id);
  select coalesce(sum(amount) filter (where status = 'PAID'), 0),
         coalesce(sum(amount) filter (where status = 'PENDING'), 0)
    into v_paid, v_pending from public.commissions where user_id = v_user.id;
  return jsonb_build_object(
    'referral_code', v_user.referral_code,
    'invite_code', v_user.referral_code,
    'total_referrals', v_counts[1] + v_counts[2] + v_counts[3],
    'total_invites', v_counts[1],
    'level1_referrals', v_counts[1],
    'level2_referrals', v_counts[2],
    'level3_referrals', v_counts[3],
    'total_commission', v_paid + v_pending,
    'pending_commission', v_pending,
    'paid_commission', v_paid,
    'bonus_balance', (select w.balance from public.wallets w
                       where w.user_id = v_user.id and w.type = 'BONUS' and w.currency = 'TJS'),
    'first_deposit_bonus_status', v_bonus ->> 'status',
    'first_deposit_bonus_amount', v_bonus -> 'amount',
    'first_deposit_bonus_expire_at', v_bonus -> 'expire_at',
    'activation_invite_count', v_invited,
    'activation_required_invites', v_required,
    'first_deposit_bonus', v_bonus || jsonb_build_object(
      'activation_progress', jsonb_build_object('invited', v_invited, 'required', v_required,
                                                'complete', v_invited >= v_required)));
end
$$;

-- Paginated (level, then newest first). commission_earned: what the caller earned from that user's orders;
-- total_spent: that user's paid lottery orders. Both are computed for the returned page only.
create or replace function public.get_invited_users(p_session text, p_level integer default null,
                                                    p_limit integer default 20, p_offset integer default 0)
returns jsonb
language plpgsql stable
security definer
set search_path = ''
as $$
declare
  v_user public.users := private.session_user(p_session);
begin
  return (
    with tree as (
      select t.user_id, t.level from private.referral_tree(v_user.id) t
       where p_level is null or t.level = p_level),
    page as (
      select u.id, u.telegram_username, u.avatar_url, u.created_at, t.level
        from tree t join public.users u on u.id = t.user_id
       order by t.level, u.created_at desc, u.id
       limit least(greatest(p_limit, 1), 100) offset greatest(p_offset, 0))
    select jsonb_build_object(
      'total', (select count(*) from tree),
      'items', coalesce(jsonb_agg(jsonb_build_object(
        'id', p.id,
        'telegram_username', p.telegram_username,
        'username', coalesce(p.telegram_username, 'User' || right(p.id::text, 4)),
        'avatar_url', p.avatar_url,
        'created_at', p.created_at,
        'level', p.level,
        'commission_earned', (select coalesce(sum(c.amount), 0) from public.commissions c
                               where c.user_id = v_user.id and c.from_user_id = p.id
                                 and c.status in ('PAID', 'PENDING')),
        'total_spent', (select coalesce(sum(o.total_amount), 0) from public.orders o
                         where o.user_id = p.id and o.status = 'PAID' and o.type = 'LOTTERY_PURCHASE'))
        order by p.level, p.created_at desc, p.id), '[]'::jsonb))
      from page p);
end
$$;

-- ---------------------------------------------------------------- admin: dead-letter queue
-- The DLQ itself lives in SQS; this authorises and audits the action (admin_begin) and reports the outbox rows
-- that are still unprocessed after p_stuck_after_seconds, which the operator may want to replay or inspect.
create or replace function public.admin_commissions_dlq(p_admin text, p_request jsonb, p_action text,
                                                        p_target_id text default null,
                                                        p_stuck_after_seconds integer default 600)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
begin
  if p_action not in ('commissions.dlq_list', 'commissions.dlq_replay') then
    perform private.fail('VALIDATION_ERROR', 'unknown commissions action', 400);
  end if;
  perform private.admin_begin(p_admin, p_action, 'sqs_message', p_target_id, p_request);
  return jsonb_build_object(
    'unprocessed_outbox', (select count(*) from public.commission_outbox
                            where processed_at is null
                              and created_at <= now() - make_interval(secs => p_stuck_after_seconds)));
end
$$;

select private.lock_down_functions();
