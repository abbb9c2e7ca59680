-- Signed statements for the lotteries the previous system drew or cancelled (docs/fairness.md).
--
-- Such a lottery has no fair-draw record, so a verifier has nothing to check; what it accepts instead is the
-- operator's statement saying so, signed with the draw key, for that lottery id only. A bare `legacy: true` in
-- the data is a claim anyone answering verify-draw could make, so the verifiers no longer obey it.
-- The scheduled draw job (auto-lottery-draw, the unattended holder of the draw key) signs them in batches: these
-- two functions hand it the lotteries without a statement and store what it signed. A lottery that has a
-- commitment of this system never gets one.

-- Up to p_limit unsigned legacy lotteries with what their statement says (the Lambda derives the reason there
-- is no draw record from status and record: luckymart.fairdraw.legacy_reason).
create or replace function public.legacy_statements_due(p_limit integer default 100) returns jsonb
language sql stable
security definer
set search_path = ''
as $$
  select coalesce(jsonb_agg(jsonb_build_object(
           'lottery_id', l.id, 'status', l.status, 'record', l.draw_algorithm_data,
           'winning_ticket_number', case when l.status = 'COMPLETED' then l.winning_ticket_number end,
           'drawn_at', case when l.status = 'COMPLETED' then l.actual_draw_time end,
           'total_tickets', l.total_tickets) order by l.id), '[]'::jsonb)
    from (select l.* from public.lotteries l
           where l.draw_algorithm_data ->> 'legacy' = 'true' and not l.draw_algorithm_data ? 'statement'
             and l.draw_commitment is null and l.status in ('COMPLETED', 'CANCELLED')
             and not exists (select 1 from public.draw_commitments c where c.lottery_id = l.id)
           order by l.id
           limit least(greatest(coalesce(p_limit, 100), 1), 500)) l
$$;

-- Stores signed statements (from legacy_statements_due, signed in the Lambda with the key p_operator_public_key
-- names): each only on its own lottery, once, and only when it says what the lottery row says. Returns how many
-- were stored. (Two parameters: PostgREST would pass the whole body to a function of one jsonb parameter.)
create or replace function public.legacy_statements_store(p_statements jsonb, p_operator_public_key text)
returns integer
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_count integer;
begin
  if jsonb_typeof(p_statements) is distinct from 'array' or jsonb_array_length(p_statements) > 500 then
    perform private.fail('VALIDATION_ERROR', 'statements must be an array of at most 500', 400);
  end if;
  update public.lotteries l
     set draw_algorithm_data = l.draw_algorithm_data || jsonb_build_object('statement', s.value)
    from jsonb_array_elements(p_statements) s
   where s.value ->> 'format' = 'luckymart-legacy-v1'
     and s.value ->> 'operator_public_key' = p_operator_public_key
     and l.id::text = s.value ->> 'lottery_id'
     and l.draw_algorithm_data ->> 'legacy' = 'true' and not l.draw_algorithm_data ? 'statement'
     and l.draw_commitment is null and l.status in ('COMPLETED', 'CANCELLED')
     and not exists (select 1 from public.draw_commitments c where c.lottery_id = l.id)
     and (s.value ->> 'winning_ticket_number')::integer is not distinct from
         case when l.status = 'COMPLETED' then l.winning_ticket_number end
     and (s.value ->> 'total_tickets')::integer = l.total_tickets;
  get diagnostics v_count = row_count;
  return v_count;
end
$$;

select private.lock_down_functions();
