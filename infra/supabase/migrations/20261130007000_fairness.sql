-- Fairness anyone can check (issue 18, docs/fairness.md): the frozen entries published from sell-out and RFC 6962
-- inclusion proofs (audit paths) for single tickets against the frozen root.
--
-- Proofs without reading every leaf: the tree's nodes over aligned blocks of 1,024 leaves ("chunks") are kept in
-- public.merkle_chunks. A chunk is hashed once, by the purchase that completes it (trigger below; the last, partial
-- chunk at sell-out), so it costs ~1,024 leaf hashes per 1,024 tickets sold. A proof then reads one chunk's leaves
-- (<= 1,024 tickets) and the chunk row of the lottery (<= 977 rows at 1,000,000 tickets), whatever the lottery size.
--
-- Why chunks are tree nodes: RFC 6962 splits a range at the largest power of two below its size, so every split
-- of a range starting at a multiple of 1,024 and longer than 1,024 falls on a multiple of 1,024; each aligned block
-- (and the trailing partial one) is therefore exactly one subtree. Building levels bottom-up (pair neighbours,
-- promote an odd last node unchanged) gives the same tree, which is what private.merkle_audit does.

create table public.merkle_chunks (
  lottery_id uuid not null references public.lotteries (id) on delete cascade,
  chunk      integer not null check (chunk >= 0),            -- leaves chunk*1024+1 .. (chunk+1)*1024 (by seq)
  leaves     integer not null check (leaves between 1 and 1024),
  hash       bytea not null check (length(hash) = 32),        -- MTH of those leaves
  primary key (lottery_id, chunk)
);
alter table public.merkle_chunks enable row level security;
alter table public.merkle_chunks force row level security;
revoke all on table public.merkle_chunks from anon, authenticated;
grant all on table public.merkle_chunks to service_role;

create or replace function private.merkle_chunk_size() returns integer
language sql immutable
set search_path = ''
as $$ select 1024 $$;

-- Leaf hashes SHA-256(0x00 || "{seq}:{ticket_id}:{buyer_ref}") of tickets seq p_from..p_to, in seq order.
create or replace function private.merkle_leaf_hashes(p_lottery_id uuid, p_from integer, p_to integer)
returns bytea[]
language sql stable
set search_path = ''
as $$
  select array(select extensions.digest('\x00'::bytea || convert_to(format('%s:%s:%s', t.seq, t.id, t.buyer_ref),
                                                                      'UTF8'), 'sha256')
                 from public.tickets t
                where t.lottery_id = p_lottery_id and t.seq between p_from and p_to
                order by t.seq)
$$;

-- The root of the RFC 6962 tree over p_nodes and, for the node at 0-based p_index (null: none), its audit path
-- (siblings bottom-up, the order RFC 9162 §2.1.3.2 verifies in). plpgsql keeps the arrays expanded: O(1) access.
create or replace function private.merkle_audit(p_nodes bytea[], p_index integer, out path bytea[], out root bytea)
language plpgsql immutable
set search_path = ''
as $$
declare
  v_level bytea[] := p_nodes;
  v_next  bytea[];
  v_n     integer := coalesce(array_length(p_nodes, 1), 0);
  v_i     integer := p_index;
begin
  path := '{}';
  if v_n = 0 then
    root := extensions.digest(''::bytea, 'sha256');
    return;
  end if;
  while v_n > 1 loop
    if v_i is not null then
      if v_i % 2 = 1 then
        path := path || v_level[v_i];          -- left sibling (0-based v_i - 1)
      elsif v_i + 1 < v_n then
        path := path || v_level[v_i + 2];      -- right sibling (0-based v_i + 1); none for a promoted last node
      end if;
      v_i := v_i / 2;
    end if;
    v_next := '{}';
    for j in 0 .. v_n / 2 - 1 loop
      v_next := v_next || extensions.digest('\x01'::bytea || v_level[2 * j + 1] || v_level[2 * j + 2], 'sha256');
    end loop;
    if v_n % 2 = 1 then
      v_next := v_next || v_level[v_n];
    end if;
    v_level := v_next;
    v_n := (v_n + 1) / 2;
  end loop;
  root := v_level[1];
end
$$;

-- Hashes chunk p_chunk of a lottery with p_count entries (full, or the trailing partial one once frozen).
create or replace function private.merkle_chunk_store(p_lottery_id uuid, p_chunk integer, p_count integer)
returns void
language plpgsql
set search_path = ''
as $$
declare
  v_size   integer := private.merkle_chunk_size();
  v_from   integer := p_chunk * v_size + 1;
  v_to     integer := least((p_chunk + 1) * v_size, p_count);
  v_leaves bytea[] := private.merkle_leaf_hashes(p_lottery_id, v_from, v_to);
begin
  if coalesce(array_length(v_leaves, 1), 0) <> v_to - v_from + 1 then
    raise exception 'tickets % .. % of lottery % are not gap-free', v_from, v_to, p_lottery_id;
  end if;
  insert into public.merkle_chunks (lottery_id, chunk, leaves, hash)
  values (p_lottery_id, p_chunk, v_to - v_from + 1, (private.merkle_audit(v_leaves, null)).root)
  on conflict (lottery_id, chunk) do nothing;
end
$$;

-- The chunk hashes of a lottery in order: the upper layer of its tree.
create or replace function private.merkle_chunk_hashes(p_lottery_id uuid) returns bytea[]
language sql stable
set search_path = ''
as $$ select array(select hash from public.merkle_chunks where lottery_id = p_lottery_id order by chunk) $$;

-- Runs inside the purchase that moves entries_count across a chunk boundary or freezes the root: hashes the chunks
-- it completed, and at sell-out checks that the chunk layer hashes to the frozen root (else the purchase fails,
-- like the frontier's own step check). The purchase function itself stays unchanged.
create or replace function private.merkle_chunks_sync() returns trigger
language plpgsql
set search_path = ''
as $$
declare
  v_size integer := private.merkle_chunk_size();
begin
  for c in old.entries_count / v_size .. new.entries_count / v_size - 1 loop
    perform private.merkle_chunk_store(new.lottery_id, c, new.entries_count);
  end loop;
  if new.entries_root is not null then
    if new.entries_count % v_size <> 0 then
      perform private.merkle_chunk_store(new.lottery_id, new.entries_count / v_size, new.entries_count);
    end if;
    if encode((private.merkle_audit(private.merkle_chunk_hashes(new.lottery_id), null)).root, 'hex')
       <> new.entries_root then
      raise exception 'merkle chunks of lottery % do not hash to the frozen root', new.lottery_id;
    end if;
  end if;
  return null;
end
$$;

create trigger draw_commitments_merkle_chunks
  after update of entries_count, entries_root on public.draw_commitments
  for each row
  when (new.entries_count / 1024 > old.entries_count / 1024
        or (new.entries_root is not null and old.entries_root is null))
  execute function private.merkle_chunks_sync();

-- The frozen entries of a lottery (null until sell-out): what verify-draw and get-lottery publish before the draw.
create or replace function private.lottery_entries_json(p_lottery_id uuid) returns jsonb
language sql stable
set search_path = ''
as $$
  select jsonb_build_object('scheme', 'rfc6962-sha256', 'leaf', '{seq}:{ticket_id}:{buyer_ref}',
                            'count', c.entries_count, 'root', c.entries_root, 'frozen_at', c.frozen_at)
    from public.draw_commitments c
   where c.lottery_id = p_lottery_id and c.entries_root is not null
$$;

-- Public (the entries are public from sell-out): inclusion proofs of up to 100 tickets against the frozen root.
-- The tickets may span at most 4 chunks, which bounds the work of one unauthenticated request.
create or replace function public.get_ticket_proofs(p_lottery_id uuid, p_ticket_numbers integer[]) returns jsonb
language plpgsql stable
security definer
set search_path = ''
as $$
declare
  v_commit  public.draw_commitments;
  v_size    integer := private.merkle_chunk_size();
  v_upper   bytea[];
  v_chunk   integer;
  v_leaves  bytea[];
  v_top     record;
  v_low     record;
  v_ticket  public.tickets;
  v_proofs  jsonb := '[]';
begin
  if p_ticket_numbers is null or cardinality(p_ticket_numbers) not between 1 and 100 then
    perform private.fail('VALIDATION_ERROR', 'ticket_numbers must hold 1 to 100 ticket numbers', 400);
  end if;
  select c.* into v_commit from public.draw_commitments c join public.lotteries l on l.id = c.lottery_id
   where c.lottery_id = p_lottery_id;
  if not found then
    perform private.fail('NOT_FOUND', 'lottery not found', 404);
  end if;
  if v_commit.entries_root is null then
    perform private.fail('LOTTERY_NOT_SOLD_OUT', 'the entries are frozen when the last ticket is sold', 409);
  end if;
  if exists (select 1 from unnest(p_ticket_numbers) n where n - 1000000 not between 1 and v_commit.entries_count) then
    perform private.fail('NOT_FOUND', 'no such ticket in this lottery', 404);
  end if;
  if (select count(distinct (n - 1000001) / v_size) from unnest(p_ticket_numbers) n) > 4 then
    perform private.fail('VALIDATION_ERROR', 'ask for tickets of at most 4 blocks of 1024 per request', 400);
  end if;

  v_upper := private.merkle_chunk_hashes(p_lottery_id);
  for v_chunk in select distinct (n - 1000001) / v_size from unnest(p_ticket_numbers) n order by 1 loop
    v_leaves := private.merkle_leaf_hashes(p_lottery_id, v_chunk * v_size + 1,
                                           least((v_chunk + 1) * v_size, v_commit.entries_count));
    select * into v_top from private.merkle_audit(v_upper, v_chunk);
    if encode(v_top.root, 'hex') <> v_commit.entries_root then
      raise exception 'merkle chunks of lottery % do not hash to the frozen root', p_lottery_id;
    end if;
    for v_ticket in select * from public.tickets
                     where lottery_id = p_lottery_id and (seq - 1) / v_size = v_chunk
                       and ticket_number = any (p_ticket_numbers)
                     order by seq loop
      select * into v_low from private.merkle_audit(v_leaves, v_ticket.seq - 1 - v_chunk * v_size);
      v_proofs := v_proofs || jsonb_build_object(
        'seq', v_ticket.seq, 'ticket_number', v_ticket.ticket_number, 'ticket_id', v_ticket.id,
        'buyer_ref', v_ticket.buyer_ref, 'leaf_index', v_ticket.seq - 1,
        'leaf_hash', encode(v_leaves[v_ticket.seq - v_chunk * v_size], 'hex'),
        'audit_path', (select coalesce(jsonb_agg(encode(h, 'hex') order by o), '[]')
                         from unnest(v_low.path || v_top.path) with ordinality p (h, o)));
    end loop;
  end loop;
  return jsonb_build_object('lottery_id', p_lottery_id, 'entries', private.lottery_entries_json(p_lottery_id),
                            'proofs', v_proofs);
end
$$;

select private.lock_down_functions();
