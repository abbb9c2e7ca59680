-- What `luckymart-admin preflight` asks the database behind a stage's supabaseUrl before a deploy, once with each
-- class's key: which role the key acts as (PostgREST switched to it, so the key is signed by a key the project
-- trusts and the role exists and is granted to the authenticator) and which migrations are recorded as applied
-- (supabase_migrations.schema_migrations, written by `supabase db push`). Nothing secret: versions and a role name.
create or replace function public.deploy_status() returns jsonb
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_versions text[];
begin
  if pg_catalog.to_regclass('supabase_migrations.schema_migrations') is not null then
    execute 'select coalesce(array_agg(version order by version), ''{}'') from supabase_migrations.schema_migrations'
      into v_versions;
  end if;
  return jsonb_build_object(
    -- inside a security definer function current_user is the owner; the role PostgREST set is this setting
    'role', pg_catalog.current_setting('role', true),
    'migrations', to_jsonb(v_versions)
  );
end
$$;

select private.lock_down_functions();
