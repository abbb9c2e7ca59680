-- Admin authentication, authorisation and audit, shared by every admin operation.
-- Admin functions have no URL (IAM invoke only) and additionally present an admin API token; its SHA-256
-- is checked here against `admins`, the action against `permissions` (data, not code), and the action's
-- audit row is written in the same transaction as the action itself.

-- Returns the acting admin's id, or raises 401/403. Writes the SUCCESS audit row, which is rolled back
-- together with the action if the action fails (the caller then records the failure with admin_log_failure).
create or replace function private.admin_begin(p_admin text, p_action text, p_target_type text,
                                               p_target_id text, p_request jsonb)
returns uuid
language plpgsql
set search_path = ''
as $$
declare
  v_admin public.admins;
begin
  select * into v_admin from public.admins where token_hash = p_admin;
  if not found or v_admin.status <> 'ACTIVE' then
    perform private.fail('UNAUTHENTICATED', 'admin token is invalid, revoked or disabled', 401);
  end if;
  if not exists (select 1 from public.permissions p
                  where p.role_name = v_admin.role_name
                    and (p.action = '*' or p.action = p_action or p.action = split_part(p_action, '.', 1) || '.*')) then
    perform private.fail('FORBIDDEN', format('role %s may not %s', v_admin.role_name, p_action), 403);
  end if;
  update public.admins set last_seen_at = now() where id = v_admin.id;
  insert into public.admin_logs (admin_id, action, target_type, target_id, request_summary, outcome)
  values (v_admin.id, p_action, p_target_type, p_target_id, coalesce(p_request, '{}'::jsonb), 'SUCCESS');
  return v_admin.id;
end
$$;

-- Records a denied or failed admin action (its own transaction: the action's was rolled back). A request whose
-- token matches no active admin is recorded as DENIED whatever else was wrong with it; returns whether the token
-- belongs to an active admin, so the caller answers 401 before revealing anything about the action.
create or replace function public.admin_log_failure(p_admin text, p_action text, p_target_type text,
                                                    p_target_id text, p_request jsonb, p_outcome text,
                                                    p_error_code text)
returns boolean
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_admin uuid := (select id from public.admins where token_hash = p_admin and status = 'ACTIVE');
begin
  insert into public.admin_logs (admin_id, action, target_type, target_id, request_summary, outcome, error_code)
  values ((select id from public.admins where token_hash = p_admin), left(p_action, 100), p_target_type,
          left(p_target_id, 200), coalesce(p_request, '{}'::jsonb),
          case when v_admin is null then 'DENIED' else p_outcome end,
          case when v_admin is null then 'UNAUTHENTICATED' else p_error_code end);
  return v_admin is not null;
end
$$;

select private.lock_down_functions();
