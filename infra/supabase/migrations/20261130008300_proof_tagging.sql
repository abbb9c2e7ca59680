-- Payment proofs of filed deposits are kept (luckymart/uploads.py): every upload starts tagged "unreferenced" and
-- the bucket's lifecycle rule deletes those after a day. deposit-request re-tags a proof "referenced" only AFTER
-- its SQL call has checked that the key lies under the caller's own prefix and committed the deposit, so nobody
-- can keep someone else's object alive. The tag step is outside the transaction, so this queue makes it certain:
-- the deposit's own transaction queues its proofs (trigger below), the handler tags them at once, and the scheduled
-- function re-tags what is queued (PutObjectTagging is idempotent) and removes it, retrying until S3 says yes.

create table public.proof_tagging (
  deposit_id      uuid primary key references public.deposits (id) on delete cascade,
  keys            jsonb not null check (jsonb_typeof(keys) = 'array'),
  created_at      timestamptz not null default now(),
  attempts        integer not null default 0,
  -- the handler normally tags within a second; the sweep confirms after this
  next_attempt_at timestamptz not null default now() + interval '30 seconds'
);
create index proof_tagging_due_idx on public.proof_tagging (next_attempt_at);
alter table public.proof_tagging enable row level security;
alter table public.proof_tagging force row level security;
revoke all on table public.proof_tagging from anon, authenticated;
grant all on table public.proof_tagging to service_role;

-- Only keys in the uploads bucket (deposit_request accepts nothing else; older or migrated rows may hold URLs).
create or replace function private.queue_proof_tagging() returns trigger
language plpgsql
set search_path = ''
as $$
declare
  v_keys jsonb := (select jsonb_agg(e) from jsonb_array_elements(new.payment_proof_images) e
                    where jsonb_typeof(e) = 'string' and (e #>> '{}') like 'deposits/%');
begin
  if v_keys is not null then
    insert into public.proof_tagging (deposit_id, keys) values (new.id, v_keys);
  end if;
  return null;
end
$$;

create trigger deposits_queue_proof_tagging after insert on public.deposits
  for each row execute function private.queue_proof_tagging();

-- The scheduled function's batch: queued deposits whose tagging is due, each pushed back by a growing delay
-- (1, 2, 4 … at most 60 minutes) so a failing S3 is retried without being hammered and two overlapping runs do
-- not take the same rows.
create or replace function public.proof_tagging_due(p_limit integer default 100) returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_due jsonb;
begin
  with due as (
    select deposit_id from public.proof_tagging
     where next_attempt_at <= now()
     order by next_attempt_at
     limit p_limit
       for update skip locked),
  claimed as (
    update public.proof_tagging t
       set attempts = t.attempts + 1,
           next_attempt_at = now() + make_interval(mins => least(power(2, least(t.attempts, 6))::integer, 60))
      from due where t.deposit_id = due.deposit_id
    returning t.deposit_id, t.keys, t.attempts)
  select jsonb_agg(jsonb_build_object('deposit_id', deposit_id, 'keys', keys, 'attempts', attempts))
    into v_due from claimed;
  return coalesce(v_due, '[]'::jsonb);
end
$$;

-- Tagged (or gone for good): off the queue.
create or replace function public.proof_tagging_done(p_deposit_ids uuid[]) returns integer
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_count integer;
begin
  delete from public.proof_tagging where deposit_id = any (p_deposit_ids);
  get diagnostics v_count = row_count;
  return v_count;
end
$$;

select private.lock_down_functions();
