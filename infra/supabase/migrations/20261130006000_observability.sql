-- Observability (issue 17): what the scheduled job reports every minute (it becomes CloudWatch metrics and
-- alarms) and the one-screen health report of `luckymart-admin health`.
--
-- * public.ops_scheduler_tick(...)     the scheduler records its run and gets the ages that page someone:
--                                      the oldest overdue draw and the oldest unprocessed commission outbox row.
-- * public.admin_ops_health(p_admin, p_request)  database, migration version, last scheduled run, overdue draws,
--                                      outbox backlog and age, table sizes (action `ops.health`).

create table public.ops_heartbeats (
  name        text primary key,
  last_run_at timestamptz not null,
  details     jsonb not null default '{}'::jsonb
);
alter table public.ops_heartbeats enable row level security;
alter table public.ops_heartbeats force row level security;
revoke all on table public.ops_heartbeats from anon, authenticated;
grant all on table public.ops_heartbeats to service_role;

-- A lottery is overdue once it should have been drawn: SOLD_OUT past its draw_time, or a DRAWING claim whose
-- drawer died (it is re-claimed after 5 minutes). Age in seconds past draw_time; the alarm fires above 300.
-- A commission outbox row is late when it is unprocessed and was due more than 5 minutes ago.
create or replace function private.ops_backlog() returns jsonb
language sql stable
set search_path = ''
as $$
  select jsonb_build_object(
    'overdue_draws', d.n, 'oldest_overdue_draw_seconds', d.age,
    'outbox_backlog', o.n, 'outbox_oldest_seconds', o.age)
    from (select count(*) as n,
                 coalesce(round(extract(epoch from now() - min(l.draw_time)))::integer, 0) as age
            from public.lotteries l
           where l.status in ('SOLD_OUT', 'DRAWING') and l.draw_time <= now()) d,
         -- due since the order, or since its lottery's draw: commissions wait for the draw (PENDING until
         -- then) and the draw re-arms the order's outbox row, so that row is only late counted from the draw
         (select count(*) as n,
                 coalesce(round(extract(epoch from now() - min(greatest(c.created_at, l.actual_draw_time)))
                          )::integer, 0) as age
            from public.commission_outbox c
            join public.orders r on r.id = c.order_id
            left join public.lotteries l on l.id = r.lottery_id
           where c.processed_at is null) o
$$;

create or replace function public.ops_scheduler_tick(p_activated integer, p_cancelled integer, p_drawn integer,
                                                    p_failed integer, p_republished integer) returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
begin
  insert into public.ops_heartbeats (name, last_run_at, details)
  values ('auto-lottery-draw', now(), jsonb_build_object(
    'activated', p_activated, 'cancelled', p_cancelled, 'drawn', p_drawn, 'failed', p_failed,
    'commissions_republished', p_republished))
  on conflict (name) do update set last_run_at = excluded.last_run_at, details = excluded.details;
  return private.ops_backlog();
end
$$;

create or replace function private.ops_table_size(p_table text) returns jsonb
language sql stable
set search_path = ''
as $$
  select jsonb_build_object('rows_estimate', greatest(c.reltuples, 0)::bigint,
                            'bytes', pg_catalog.pg_total_relation_size(c.oid))
    from pg_catalog.pg_class c
   where c.oid = pg_catalog.to_regclass(p_table)
$$;

create or replace function public.admin_ops_health(p_admin text, p_request jsonb) returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_version  text;
  v_last_run public.ops_heartbeats;
begin
  perform private.admin_begin(p_admin, 'ops.health', null, null, p_request);
  -- Supabase CLI (and the local stack) record each applied migration here.
  if pg_catalog.to_regclass('supabase_migrations.schema_migrations') is not null then
    execute 'select max(version) from supabase_migrations.schema_migrations' into v_version;
  end if;
  select * into v_last_run from public.ops_heartbeats where name = 'auto-lottery-draw';
  return private.ops_backlog() || jsonb_build_object(
    'database_time', now(),
    'migration_version', v_version,
    'last_scheduled_run_at', v_last_run.last_run_at,
    'last_scheduled_run_seconds_ago',
      case when v_last_run.last_run_at is not null
           then round(extract(epoch from now() - v_last_run.last_run_at))::integer end,
    'last_scheduled_run', v_last_run.details,
    -- payment proofs whose "referenced" tag is not confirmed yet (20261130008300_proof_tagging): the scheduler
    -- retries with backoff, and the uploads bucket deletes an untagged proof after a day
    'proof_tagging', (select jsonb_build_object(
                               'queued', count(*),
                               'oldest_seconds', coalesce(round(extract(epoch from now() - min(created_at)))::integer, 0),
                               'max_attempts', coalesce(max(attempts), 0))
                        from public.proof_tagging),
    'tables', jsonb_build_object(
      'user_sessions', private.ops_table_size('public.user_sessions'),
      'notifications', private.ops_table_size('public.notifications'),
      'commission_outbox', private.ops_table_size('public.commission_outbox')));
end
$$;

insert into public.permissions (role_name, action)
values ('OPERATIONS', 'ops.health'), ('FINANCE', 'ops.health'), ('SUPPORT', 'ops.health')
on conflict do nothing;

-- ---------------------------------------------------------------- hot lottery row (performance, issue 17)
-- A purchase inserts its order and its ledger row before it locks the lottery row; their foreign-key checks took
-- a key-share lock on that row in every concurrent purchase, so the row carried multixacts of dozens of lockers
-- and throughput fell from ~390/s at 8 buyers to ~220/s at 32 (bench.hot_lottery). Checked at commit instead,
-- the check finds the row already locked by the purchase itself. Integrity is the same: the check still runs
-- before the transaction commits.
alter table public.orders alter constraint orders_lottery_id_fkey deferrable initially deferred;
alter table public.wallet_transactions
  alter constraint wallet_transactions_related_lottery_id_fkey deferrable initially deferred;

-- ---------------------------------------------------------------- inlinable helpers (performance, issue 17)
-- private.lock_down_functions (below, and at the end of every migration) resets `search_path` on the private SQL
-- helpers that are not security definer, so they can be inlined into their callers (20261126000300).

select private.lock_down_functions();
