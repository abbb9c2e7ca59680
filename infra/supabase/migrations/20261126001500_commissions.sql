-- Referral commissions, exactly once, and never on money that was refunded (issues 5 and 15).
--
-- Flow: the purchase transaction calls private.enqueue_commission(order_id), so the outbox row commits
-- atomically with the paid order. After commit the purchase Lambda publishes {"order_id"} to SQS
-- (luckymart.commission_queue.publish_after_commit); if that publish is lost, the scheduled job re-publishes
-- outbox rows still unprocessed after a minute (public.commission_outbox_claim_stale). The consumer
-- (process-commissions) calls public.process_commissions once per SQS batch; per order,
-- private.apply_commissions settles levels 1..3 and marks the outbox row processed in the same transaction, and
-- private.credit_commissions then credits the batch's PAID commissions to their wallets in one pass just before
-- the commit. Unique (related_order_id, level) makes any redelivery a no-op.
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
-- By the order's state: PAID and its lottery COMPLETED -> PAID (or promoted from PENDING; a PENDING row whose
-- referrer is no longer ACTIVE by then is CANCELLED); PAID and the lottery not drawn yet -> PENDING rows,
-- nothing credited; no longer PAID (refunded) -> its PENDING rows CANCELLED. Repeating it changes nothing.
-- It touches no wallet: the commissions it marks PAID are listed in 'paid' (with their wallet) and the caller
-- credits them with private.credit_commissions in the same transaction, after the whole batch.
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
  v_wallet        uuid;
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
          -- a missing wallet fails this order alone, here, rather than the batch's credit pass
          v_wallet := private.wallet_id(v_commission.user_id, 'LUCKY_COIN', v_order.currency);
          if v_wallet is null then
            perform private.fail('NOT_FOUND', 'the earner has no LUCKY_COIN wallet', 404);
          end if;
          perform private.notify(
            v_commission.user_id, 'COMMISSION', 'Commission earned',
            format('You earned %s %s (level %s) from a friend''s purchase', v_commission.amount, v_order.currency,
                   v_level),
            jsonb_build_object('level', v_level, 'amount', v_commission.amount, 'rate', v_commission.rate,
                               'currency', v_order.currency),
            v_commission.id, 'COMMISSION');
          v_paid := v_paid || jsonb_build_object('level', v_level, 'user_id', v_commission.user_id,
                                                 'amount', v_commission.amount, 'commission_id', v_commission.id,
                                                 'wallet_id', v_wallet, 'order_id', v_order.id,
                                                 'lottery_id', v_order.lottery_id);
        elsif not v_payable then
          v_pending := v_pending + 1;
        end if;
      elsif v_payable and v_referrer.status <> 'ACTIVE' then
        -- recorded while the referrer was ACTIVE, suspended or banned by the draw: never paid, so not left PENDING
        update public.commissions set status = 'CANCELLED', updated_at = now()
         where related_order_id = v_order.id and level = v_level and status = 'PENDING';
        if found then
          v_cancelled := v_cancelled + 1;
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

-- The batch's PAID commissions credited to their earners' LUCKY_COIN wallets: one ledger row per commission
-- (the invariants and the ledger export read them one by one) but one balance update per wallet, with the
-- wallets locked in id order (as every multi-wallet change does). Called last, so a popular referrer's wallet
-- is held only from here to the commit, not for the whole batch. p_credits: the 'paid' entries of
-- private.apply_commissions ({commission_id, wallet_id, amount, level, order_id, lottery_id}), so nothing is
-- looked up again: every row is reached by its primary key, whatever the size of the tables.
create or replace function private.credit_commissions(p_credits jsonb) returns integer
language plpgsql
set search_path = ''
as $$
declare
  v_credited integer;
begin
  perform 1 from public.wallets w
   where w.id in (select (c ->> 'wallet_id')::uuid from jsonb_array_elements(p_credits) c)
   order by w.id
     for update;
  with credit as (
    select * from jsonb_to_recordset(p_credits)
      as c (commission_id uuid, wallet_id uuid, amount numeric(18, 2), level integer, order_id uuid, lottery_id uuid)
  ), total as (
    select wallet_id, sum(amount) as amount, count(*) as n from credit group by wallet_id
  ), credited as (
    update public.wallets w set balance = w.balance + t.amount, version = w.version + t.n
      from total t where w.id = t.wallet_id
    returning w.id, w.balance - t.amount as opening
  )
  insert into public.wallet_transactions (wallet_id, type, amount, balance_before, balance_after, description,
                                          related_order_id, related_lottery_id, reference_type, reference_id)
  select wallet_id, 'COMMISSION', amount, after - amount, after, format('level %s referral commission', level),
         order_id, lottery_id, 'COMMISSION', commission_id
    from (select c.*, r.opening + sum(c.amount) over (partition by c.wallet_id order by c.commission_id
                                                      rows between unbounded preceding and current row) as after
            from credit c join credited r on r.id = c.wallet_id) running;
  get diagnostics v_credited = row_count;
  if v_credited <> jsonb_array_length(p_credits) then
    perform private.fail('INTERNAL', 'a paid commission could not be credited', 500);
  end if;
  return v_credited;
end
$$;

-- One round trip per SQS batch: each order settled in its own subtransaction, so a failing order (unknown id,
-- deadlock victim, ...) is reported alone while the others commit; then one credit pass for the whole batch.
-- Lock order, shared with the draw (rearm_commissions) and the cancellation (lottery_cancel): outbox rows in
-- order_id order first (the orders are settled sorted), wallets in id order last. Nothing waits on a wallet
-- while holding what the others need next, so concurrent batches sharing a popular referrer neither deadlock
-- nor wait for each other's whole batch: only for the credit pass and the commit.
create or replace function public.process_commissions(p_order_ids uuid[]) returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_order_id uuid;
  v_result   jsonb;
  v_results  jsonb := '[]'::jsonb;
  v_credit   jsonb := '[]'::jsonb;
  v_state    text;
  v_message  text;
begin
  if p_order_ids is null or cardinality(p_order_ids) > 100 then
    perform private.fail('VALIDATION_ERROR', 'between 0 and 100 order ids', 400);
  end if;
  foreach v_order_id in array coalesce((select array_agg(i order by i) from unnest(p_order_ids) i), '{}') loop
    begin
      v_result := private.apply_commissions(v_order_id);
      v_credit := v_credit || (v_result -> 'paid');
      v_results := v_results || jsonb_build_array(v_result);
    exception when others then
      get stacked diagnostics v_state = returned_sqlstate, v_message = message_text;
      v_results := v_results || jsonb_build_array(jsonb_build_object(
        'order_id', v_order_id, 'ok', false,
        'code', case when v_state like 'LM%' then v_message else 'INTERNAL' end, 'sqlstate', v_state));
    end;
  end loop;
  if jsonb_array_length(v_credit) > 0 then
    perform private.credit_commissions(v_credit);
  end if;
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

-- ---------------------------------------------------------------- admin: dead-letter queues
-- The DLQs (commissions, notifications: luckymart.dead_letters) live in SQS; this authorises the admin and writes
-- the audit row before the Lambda touches one.
create or replace function public.admin_dead_letters_authorize(p_admin text, p_request jsonb, p_action text,
                                                               p_message_id text default null)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_admin_id uuid;
begin
  if p_action not in ('commissions.dlq_list', 'commissions.dlq_replay',
                      'notifications.dlq_list', 'notifications.dlq_replay') then
    perform private.fail('VALIDATION_ERROR', 'not a dead-letter queue action', 400);
  end if;
  v_admin_id := private.admin_begin(p_admin, p_action, 'sqs_message', p_message_id, p_request);
  return jsonb_build_object('admin_id', v_admin_id);
end
$$;

select private.lock_down_functions();
