-- Referral commissions, exactly once, and never on money that was refunded (issues 5 and 15).
--
-- Flow: the purchase transaction calls private.enqueue_commission(order_id), so the outbox row commits
-- atomically with the paid order. After commit the purchase Lambda publishes {"order_id"} to SQS
-- (luckymart.commission_queue.publish_after_commit); if that publish is lost, the scheduled job re-publishes
-- outbox rows still unprocessed after a minute (public.commission_outbox_claim_stale). The consumer
-- (process-commissions) calls public.process_commissions once per SQS batch; per order,
-- private.apply_commissions settles levels 1..3 and marks the outbox row processed in the same transaction.
-- Unique (related_order_id, level) makes any redelivery a no-op.
--
-- A commission is earned only by a purchase that stands: an order of a lottery that may still be cancelled
-- (and refunded 100%) records its commissions PENDING, with nothing credited. The draw
-- (lottery_draw_complete) re-arms the outbox rows of the lottery's orders and the consumer then pays them;
-- a cancellation (private.lottery_cancel) marks them CANCELLED. The outbox row lock orders the consumer
-- against both, so a commission can neither stay PENDING after the draw nor be PAID on a refunded order.

-- ---------------------------------------------------------------- outbox
create table public.commission_outbox (
  order_id         uuid primary key references public.orders (id) on delete cascade,
  created_at       timestamptz not null default now(),
  published_at     timestamptz,   -- last re-publish by the scheduled job (the first publish is not recorded)
  processed_at     timestamptz,   -- set by the consumer in the transaction that paid the commissions
  publish_attempts integer not null default 0 check (publish_attempts >= 0)
);
create index commission_outbox_unprocessed_idx on public.commission_outbox (created_at) where processed_at is null;
alter table public.commission_outbox enable row level security;
alter table public.commission_outbox force row level security;
revoke all on table public.commission_outbox from anon, authenticated;
grant all on table public.commission_outbox to service_role;

-- invited-users reads "what I earned from this friend"
create index commissions_user_from_idx on public.commissions (user_id, from_user_id);

-- Called by the purchase transaction for its paid order. True when an outbox row was written (the buyer has
-- a referrer); the caller then publishes after commit. Safe to call twice.
create or replace function private.enqueue_commission(p_order_id uuid) returns boolean
language plpgsql
set search_path = ''
as $$
begin
  insert into public.commission_outbox (order_id)
  select o.id
    from public.orders o
    join public.users u on u.id = o.user_id
   where o.id = p_order_id and u.referred_by_id is not null
  on conflict (order_id) do nothing;
  return found;
end
$$;

-- The scheduled job's claim: outbox rows neither processed nor (re-)published in the last p_min_age_seconds.
-- Stamping published_at makes concurrent or repeated runs skip rows another run is already sending.
create or replace function public.commission_outbox_claim_stale(p_limit integer default 100,
                                                                p_min_age_seconds integer default 60)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_ids jsonb;
begin
  if p_limit is null or p_limit not between 1 and 1000 or p_min_age_seconds is null or p_min_age_seconds < 0 then
    perform private.fail('VALIDATION_ERROR', 'limit must be 1..1000 and min age >= 0', 400);
  end if;
  with stale as (
    select o.order_id
      from public.commission_outbox o
     where o.processed_at is null
       and coalesce(o.published_at, o.created_at) <= now() - make_interval(secs => p_min_age_seconds)
     order by o.created_at
     limit p_limit
       for update skip locked
  ), claimed as (
    update public.commission_outbox o
       set published_at = now(), publish_attempts = o.publish_attempts + 1
      from stale
     where o.order_id = stale.order_id
    returning o.order_id
  )
  select coalesce(jsonb_agg(order_id), '[]'::jsonb) into v_ids from claimed;
  return v_ids;
end
$$;

-- ---------------------------------------------------------------- settling one order
-- Walks the buyer's referrers up to 3 levels; each earns its rate x order total, rounded down to 0.01, into
-- its LUCKY_COIN wallet. A level whose amount rounds down to 0.00 gets no row (nothing was earned; a zero
-- ledger row is not allowed). Suspended or banned referrers earn nothing, the walk continues above them.
-- By the order's state: PAID and its lottery COMPLETED -> PAID (credited now, or promoted from PENDING);
-- PAID and the lottery not drawn yet -> PENDING rows, nothing credited; no longer PAID (refunded) -> its
-- PENDING rows CANCELLED. Repeating it changes nothing.
create or replace function private.apply_commissions(p_order_id uuid) returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  v_order         public.orders;
  v_payable       boolean;
  v_rates         jsonb := private.config('referral_commission_rates');
  v_cursor        uuid;
  v_referrer      public.users;
  v_rate          numeric;
  v_amount        numeric(18, 2);
  v_commission    public.commissions;
  v_paid          jsonb := '[]'::jsonb;
  v_pending       integer := 0;
  v_cancelled     integer := 0;
begin
  -- The outbox row first: the draw and the cancellation lock it too, so they wait for this settlement (or
  -- it waits for them and then sees the lottery's final state).
  perform 1 from public.commission_outbox where order_id = p_order_id for update;
  select * into v_order from public.orders where id = p_order_id;
  if not found then
    perform private.fail('NOT_FOUND', 'order not found', 404);
  end if;

  if v_order.status <> 'PAID' or v_order.type <> 'LOTTERY_PURCHASE' then
    update public.commissions set status = 'CANCELLED', updated_at = now()
     where related_order_id = p_order_id and status = 'PENDING';
    get diagnostics v_cancelled = row_count;
  else
    select l.status = 'COMPLETED' into v_payable from public.lotteries l where l.id = v_order.lottery_id;
    select u.referred_by_id into v_cursor from public.users u where u.id = v_order.user_id;
    for v_level in 1..3 loop
      exit when v_cursor is null;
      select * into v_referrer from public.users where id = v_cursor;
      v_rate := coalesce((v_rates ->> v_level::text)::numeric, 0);
      v_amount := trunc(v_rate * v_order.total_amount, 2);
      if v_amount > 0 and v_referrer.status = 'ACTIVE' then
        insert into public.commissions (user_id, from_user_id, level, type, amount, rate, source_amount,
                                        related_order_id, related_lottery_id, status)
        values (v_referrer.id, v_order.user_id, v_level, 'LOTTERY_PURCHASE', v_amount, v_rate,
                v_order.total_amount, v_order.id, v_order.lottery_id, 'PENDING')
        on conflict (related_order_id, level) do nothing;
        -- the row as first recorded: its amount and rate stand even if the configuration changed since
        update public.commissions set status = 'PAID', paid_at = now(), updated_at = now()
         where v_payable and related_order_id = v_order.id and level = v_level and status = 'PENDING'
        returning * into v_commission;
        if found then
          perform private.wallet_apply(
            private.wallet_id(v_commission.user_id, 'LUCKY_COIN', v_order.currency), v_commission.amount,
            'COMMISSION', 'COMMISSION', v_commission.id, format('level %s referral commission', v_level), 0,
            v_order.id, v_order.lottery_id);
          perform private.notify(
            v_commission.user_id, 'COMMISSION', 'Commission earned',
            format('You earned %s %s (level %s) from a friend''s purchase', v_commission.amount, v_order.currency,
                   v_level),
            jsonb_build_object('level', v_level, 'amount', v_commission.amount, 'rate', v_commission.rate,
                               'currency', v_order.currency),
            v_commission.id, 'COMMISSION');
          v_paid := v_paid || jsonb_build_object('level', v_level, 'user_id', v_commission.user_id,
                                                 'amount', v_commission.amount);
        elsif not v_payable then
          v_pending := v_pending + 1;
        end if;
      end if;
      v_cursor := v_referrer.referred_by_id;
    end loop;
  end if;

  update public.commission_outbox set processed_at = now()
   where order_id = p_order_id and processed_at is null;
  -- ordered_at: the CommissionLag metric (order -> payment)
  return jsonb_build_object('order_id', p_order_id, 'ok', true, 'paid', v_paid, 'pending', v_pending,
                            'cancelled', v_cancelled, 'ordered_at', v_order.created_at);
end
$$;

-- The lottery's orders whose commissions must be settled again (after its draw or its cancellation):
-- locks their outbox rows, so a consumer settling one of them right now finishes first, and re-arms them
-- for the consumer. Returns the re-armed order ids (the caller may publish them at once after commit).
create or replace function private.rearm_commissions(p_lottery_id uuid) returns uuid[]
language plpgsql
set search_path = ''
as $$
declare
  v_ids uuid[];
begin
  with locked as (
    select x.order_id
      from public.commission_outbox x
      join public.orders o on o.id = x.order_id
     where o.lottery_id = p_lottery_id
     order by x.order_id
       for update of x
  ), rearmed as (
    update public.commission_outbox x set processed_at = null, published_at = null
      from locked where x.order_id = locked.order_id
    returning x.order_id
  )
  select coalesce(array_agg(order_id), '{}') into v_ids from rearmed;
  return v_ids;
end
$$;

-- A cancelled lottery's commissions: nothing was credited (they are paid only after the draw), so its PENDING
-- rows become CANCELLED. Locking the outbox rows first lets a consumer settling one of these orders finish,
-- so the rows it recorded are seen here.
create or replace function private.cancel_commissions(p_lottery_id uuid) returns integer
language plpgsql
set search_path = ''
as $$
declare
  v_cancelled integer;
begin
  perform 1 from public.commission_outbox x join public.orders o on o.id = x.order_id
   where o.lottery_id = p_lottery_id order by x.order_id for update of x;
  update public.commissions set status = 'CANCELLED', updated_at = now()
   where related_lottery_id = p_lottery_id and status = 'PENDING';
  get diagnostics v_cancelled = row_count;
  return v_cancelled;
end
$$;

-- One round trip per SQS batch: each order in its own subtransaction, so a failing order (unknown id,
-- deadlock victim, ...) is reported alone while the others commit.
create or replace function public.process_commissions(p_order_ids uuid[]) returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_order_id uuid;
  v_results  jsonb := '[]'::jsonb;
  v_state    text;
  v_message  text;
begin
  if p_order_ids is null or cardinality(p_order_ids) > 100 then
    perform private.fail('VALIDATION_ERROR', 'between 0 and 100 order ids', 400);
  end if;
  -- Lock every referrer wallet the batch may credit, in id order: concurrent batches sharing referrers
  -- (a popular top referrer is in almost every batch) then queue up instead of deadlocking.
  perform w.id
     from public.wallets w
    where w.type = 'LUCKY_COIN'
      and w.user_id in (
        with recursive up (user_id, depth) as (
          select u.referred_by_id, 1
            from public.orders o join public.users u on u.id = o.user_id
           where o.id = any (p_order_ids) and u.referred_by_id is not null
          union
          select u.referred_by_id, up.depth + 1
            from up join public.users u on u.id = up.user_id
           where up.depth < 3 and u.referred_by_id is not null)
        select user_id from up)
    order by w.id
      for update;
  foreach v_order_id in array p_order_ids loop
    begin
      v_results := v_results || jsonb_build_array(private.apply_commissions(v_order_id));
    exception when others then
      get stacked diagnostics v_state = returned_sqlstate, v_message = message_text;
      v_results := v_results || jsonb_build_array(jsonb_build_object(
        'order_id', v_order_id, 'ok', false,
        'code', case when v_state like 'LM%' then v_message else 'INTERNAL' end, 'sqlstate', v_state));
    end;
  end loop;
  return jsonb_build_object('results', v_results);
end
$$;

-- ---------------------------------------------------------------- referral reads
-- The caller's invited users down to level 3 (referral chains are acyclic: private.guard_referrer).
create or replace function private.referral_tree(p_user uuid)
returns table (user_id uuid, level integer)
language sql stable
set search_path = ''
as $$
  with recursive tree (user_id, level) as (
    select u.id, 1 from public.users u where u.referred_by_id = p_user
    union all
    select u.id, t.level + 1 from tree t join public.users u on u.referred_by_id = t.user_id where t.level < 3
  )
  select user_id, level from tree
$$;

create or replace function public.get_user_referral_stats(p_session text) returns jsonb
language plpgsql stable
security definer
set search_path = ''
as $$
declare
  v_user        public.users := private.session_user(p_session);
  v_bonus       jsonb := private.config('first_deposit_bonus');
  v_required    integer := coalesce((v_bonus ->> 'min_invites')::integer, 1);
  v_status      text := v_user.first_deposit_bonus_status;
  v_levels      integer[];
  v_total       numeric(18, 2);
  v_pending     numeric(18, 2);
  v_paid        numeric(18, 2);
  v_bonus_wallet numeric(18, 2);
begin
  select array[count(*) filter (where t.level = 1), count(*) filter (where t.level = 2),
               count(*) filter (where t.level = 3)]
    into v_levels from private.referral_tree(v_user.id) t;
  select coalesce(sum(c.amount) filter (where c.status in ('PENDING', 'PAID')), 0),
         coalesce(sum(c.amount) filter (where c.status = 'PENDING'), 0),
         coalesce(sum(c.amount) filter (where c.status = 'PAID'), 0)
    into v_total, v_pending, v_paid
    from public.commissions c where c.user_id = v_user.id;
  select w.balance into v_bonus_wallet from public.wallets w
   where w.id = private.wallet_id(v_user.id, 'BONUS');
  if v_status = 'pending' and v_user.first_deposit_bonus_expire_at <= now() then
    v_status := 'expired';  -- shown as it is; the activation function persists it
  end if;
  return jsonb_build_object(
    'referral_code', v_user.referral_code,
    'invite_code', v_user.referral_code,
    'level1_referrals', v_levels[1],
    'level2_referrals', v_levels[2],
    'level3_referrals', v_levels[3],
    'total_referrals', v_levels[1] + v_levels[2] + v_levels[3],
    'total_invites', v_levels[1],
    'total_commission', v_total,
    'pending_commission', v_pending,
    'paid_commission', v_paid,
    'bonus_balance', coalesce(v_bonus_wallet, 0),
    'first_deposit_bonus_status', v_status,
    'first_deposit_bonus_amount', v_user.first_deposit_bonus_amount,
    'first_deposit_bonus_expire_at', v_user.first_deposit_bonus_expire_at,
    'first_deposit_bonus_activated_at', v_user.first_deposit_bonus_activated_at,
    'activation_invite_count', v_levels[1],
    'activation_required_invites', v_required,
    'activation_conditions_met', v_levels[1] >= v_required,
    -- shares are no longer an activation path (self-reported in the old system): always 0
    'activation_share_count', 0);
end
$$;

create or replace function public.get_invited_users(p_session text, p_limit integer default 20,
                                                    p_offset integer default 0)
returns json
language plpgsql stable
security definer
set search_path = ''
as $$
declare
  v_user public.users := private.session_user(p_session);
begin
  return (
    with matching as (  -- materialised on purpose: the recursive walk runs once for the page and the count
      select u.id, u.telegram_username, u.avatar_url, u.created_at, t.level
        from private.referral_tree(v_user.id) t
        join public.users u on u.id = t.user_id
    ),
    page as (
      select * from matching order by created_at desc, id
       limit private.page_limit(p_limit) offset private.page_offset(p_offset)
    )
    select private.page_json(
      (select json_agg(json_build_object(
                'id', p.id,
                'telegram_username', p.telegram_username,
                'avatar_url', p.avatar_url,
                'created_at', p.created_at,
                'level', p.level,
                'commission_earned', (select coalesce(sum(c.amount), 0) from public.commissions c
                                       where c.user_id = v_user.id and c.from_user_id = p.id
                                         and c.status in ('PENDING', 'PAID')),
                'total_spent', (select coalesce(sum(o.total_amount), 0) from public.orders o
                                 where o.user_id = p.id and o.type = 'LOTTERY_PURCHASE' and o.status = 'PAID'))
              order by p.created_at desc, p.id)
         from page p),
      (select count(*) from matching)));
end
$$;

-- ---------------------------------------------------------------- admin: dead-letter queue
-- The DLQ lives in SQS; this authorises the admin and writes the audit row before the Lambda touches it.
create or replace function public.admin_commissions_authorize(p_admin text, p_request jsonb, p_action text,
                                                              p_message_id text default null)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_admin_id uuid;
begin
  if p_action not in ('commissions.dlq_list', 'commissions.dlq_replay') then
    perform private.fail('VALIDATION_ERROR', 'not a commissions action', 400);
  end if;
  v_admin_id := private.admin_begin(p_admin, p_action, 'sqs_message', p_message_id, p_request);
  return jsonb_build_object('admin_id', v_admin_id);
end
$$;

select private.lock_down_functions();
