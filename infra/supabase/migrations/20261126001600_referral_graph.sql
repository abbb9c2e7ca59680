-- Referral graph hardening (issue 5: "referral chains can never form a cycle, enforced in the database").
-- The schema's guard walks the new referrer's ancestry, which leaves two holes:
--   * two concurrent UPDATEs (A -> B and B -> A) each walk an ancestry that does not yet contain the other
--     and together close a cycle: setting a referrer by UPDATE now takes one transaction-level advisory lock
--     first, and the walk (a fresh snapshot per statement) sees every change committed before it;
--   * its WHEN clause skipped a null new value, so an UPDATE could clear a referrer (and then set another):
--     the update trigger now fires on any change.
-- New users cannot close a cycle (no row can point at a user that is not yet committed), so sign-ups, the
-- only path that sets a referrer today, take no lock.

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

select private.lock_down_functions();
