"""Handler p50 / bare rpc() p50 for the user functions on realistic data (a user with 200 ledger rows and full
pages, a market page of 20 listings, a purchase without and with a referrer, the latter also publishing to SQS:
moto in this process), each handler call interleaved with a bare no-op rpc() so both see the same load.

Next to each ratio, the database's own time per call (pg_stat_statements: planning + execution of the statement
PostgREST runs, the SQL function included) for the handler's function and for the no-op: what of the gap is SQL.
The last line is the floor of a purchase: a throwaway function that only performs a purchase's necessary writes
(idempotency claim and response, rate-limit counter, buyer row, order, wallet, ledger row, lottery row, ticket,
commitment row; same tables, indexes and constraints, no checks, no JSON, no hashing), called through rpc()."""

from __future__ import annotations

import contextlib
import hashlib
import io
import itertools
import os
import statistics
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import psycopg

from bench.common import (
    handler_call,
    install_noop_rpc,
    install_page_floor,
    interleaved,
    page_floor_call,
    percentile,
    raise_rate_limits,
)
from infra.local.aws import local_aws
from infra.local.stack import private_stack
from luckymart import commission_queue, db
from tests.support import invoke, sign_in
from tests.support_lottery import create_lottery
from tests.support_lottery import fund as fund_wallet
from tests.support_prizes import fund, win_prize

RUNS = 300
WARMUP = 20
TARGET = 1.5

# Installed only in the benchmark's throwaway stack, like bench_noop.
PURCHASE_FLOOR = """
create function public.bench_purchase_floor(p_session text, p_lottery_id uuid, p_idempotency_key text)
returns jsonb language plpgsql security definer set search_path = '' as $$
declare
  v_user uuid; v_wallet uuid; v_order uuid; v_sold integer;
begin
  select s.user_id into v_user from public.user_sessions s where s.token_hash = p_session;
  insert into public.idempotency_keys (user_id, scope, key, request_hash)
  values (v_user, 'bench-floor', p_idempotency_key, 'h');
  insert into public.rate_limits as r (bucket, key, window_start, count, previous_count, expires_at)
  values ('bench-floor', v_user::text, date_trunc('minute', now()), 1, 0,
          date_trunc('minute', now()) + interval '2 min')
  on conflict (bucket, key) do update set count = r.count + 1;
  update public.users set total_spent = total_spent + 1, last_active_at = now() where id = v_user;
  select id into v_wallet from public.wallets where user_id = v_user and type = 'BALANCE';
  insert into public.orders (user_id, order_number, type, total_amount, currency, payment_method, wallet_id,
                             lottery_id, quantity, status, paid_at)
  values (v_user, 'BF' || gen_random_uuid(), 'LOTTERY_PURCHASE', 1, 'TJS', 'BALANCE', v_wallet, p_lottery_id, 1,
          'PAID', now())
  returning id into v_order;
  update public.wallets set balance = balance - 1 where id = v_wallet;
  insert into public.wallet_transactions (wallet_id, type, amount, balance_before, balance_after,
                                          related_order_id, related_lottery_id, reference_type, reference_id)
  select v_wallet, 'LOTTERY_PURCHASE', -1, balance + 1, balance, v_order, p_lottery_id, 'order', v_order
    from public.wallets where id = v_wallet;
  update public.lotteries set sold_tickets = sold_tickets + 1 where id = p_lottery_id
  returning sold_tickets into v_sold;
  insert into public.tickets (lottery_id, user_id, order_id, seq, ticket_number, buyer_ref)
  values (p_lottery_id, v_user, v_order, v_sold, 1000000 + v_sold, '0123456789abcdef');
  update public.draw_commitments set merkle_frontier = merkle_frontier where lottery_id = p_lottery_id;
  update public.idempotency_keys set response = '{}'
   where user_id = v_user and scope = 'bench-floor' and key = p_idempotency_key;
  return '{}';
end
$$;
grant execute on function public.bench_purchase_floor(text, uuid, text) to luckymart_user;
"""


def sql_time(pg: psycopg.Connection, function: str) -> float:
    """Mean planning + execution ms per call of the top-level statements that call `function` (PostgREST's)."""
    row = pg.execute(
        "select sum(total_plan_time + total_exec_time) / nullif(sum(calls), 0) from extensions.pg_stat_statements "
        "where toplevel and query like %s",
        (f'%"public"."{function}"(%',),
    ).fetchone()
    return float(row[0] or 0) if row else 0.0


def main() -> None:
    with (
        private_stack() as stack,
        psycopg.connect(stack.database_url, autocommit=True) as pg,
        local_aws(),
    ):
        commission_queue.reset()
        install_noop_rpc(stack)
        install_page_floor(stack)
        pg.execute("create extension if not exists pg_stat_statements with schema extensions")
        pg.execute("alter system set pg_stat_statements.track_planning = on")
        pg.execute("select pg_reload_conf()")
        pg.execute(PURCHASE_FLOOR)
        pg.execute("notify pgrst, 'reload schema'")
        raise_rate_limits(stack.database_url)  # ~1,000 writes of one user within a minute
        referrer = sign_in(username="bench_referrer")
        user = sign_in(username="bench_user", start_param=f"ref_{referrer.user['referral_code']}")
        fund_wallet(pg, user.user["id"], "1000000")
        for _ in range(100):  # history: 200 ledger rows (100 exchanges = a debit and a credit each)
            invoke("exchange-balance", {"amount": 1}, token=user.token)
        seller = sign_in(username="bench_seller")
        for _ in range(20):  # a full market page
            prize = win_prize(pg, seller, total_tickets=2)["prize_id"]
            invoke("create-resale", {"prize_id": prize, "price": 20}, token=seller.token)
        fund(pg, user, "LUCKY_COIN", Decimal(1000))
        for i in range(30):  # a full notifications page (nothing above notifies this user)
            pg.execute(
                "select private.notify(%s, 'PAYMENT_SUCCESS', 'Deposit approved', %s, %s::jsonb)",
                (user.user["id"], f"Your deposit #{i} of 100.00 was credited.", '{"amount": 100.00}'),
            )
        loner = sign_in(username="bench_loner")  # no referrer: no outbox row, no SQS publish
        fund_wallet(pg, loner.user["id"], "1000000")
        lottery = create_lottery(pg, ticket_price="1.00", total_tickets=1_000_000)

        cases: list[tuple[str, Callable[[], Any]]] = [
            ("validate-session", handler_call("validate-session", {}, user.token)),
            ("get-wallet-balance", handler_call("get-wallet-balance", {}, user.token)),
            ("get-transactions (20 of 200)", handler_call("get-transactions", {"limit": 20}, user.token)),
            ("exchange-balance", handler_call("exchange-balance", {"amount": 1}, user.token, idempotent=True)),
            (
                "lottery-purchase",
                handler_call(
                    "lottery-purchase",
                    {"lottery_id": lottery["id"], "quantity": 1, "payment_method": "BALANCE"},
                    loner.token,
                    idempotent=True,
                ),
            ),
            (
                "lottery-purchase + SQS publish",
                handler_call(
                    "lottery-purchase",
                    {"lottery_id": lottery["id"], "quantity": 1, "payment_method": "BALANCE"},
                    user.token,
                    idempotent=True,
                ),
            ),
            ("list-resale-items (20)", handler_call("list-resale-items", {"limit": 20})),
            ("get-my-tickets (20)", handler_call("get-my-tickets", {"limit": 20}, user.token)),
            ("get-notifications (20)", handler_call("get-notifications", {"limit": 20}, user.token)),
            ("get-my-orders (20)", handler_call("get-my-orders", {"limit": 20}, user.token)),
            ("get-my-prizes (20)", handler_call("get-my-prizes", {"limit": 20}, seller.token)),
        ]
        print(f"in-process handler vs bare rpc() interleaved, {RUNS} samples each, p50 (p99) in ms")
        print(
            f"  (EMF metrics {'off' if os.environ.get('POWERTOOLS_METRICS_DISABLED') == 'true' else 'on'}; "
            "the last row is validate-session with them on, printed into a buffer)"
        )

        def with_metrics() -> object:
            saved = os.environ.pop("POWERTOOLS_METRICS_DISABLED", None)
            try:
                with contextlib.redirect_stdout(io.StringIO()):
                    return cases[0][1]()
            finally:
                if saved is not None:
                    os.environ["POWERTOOLS_METRICS_DISABLED"] = saved

        floor_lottery = create_lottery(pg, ticket_price="1.00", total_tickets=1_000_000)["id"]
        floor_keys = itertools.count()
        loner_session = hashlib.sha256(loner.token.encode()).hexdigest()

        def floor() -> object:
            return db.rpc(
                "bench_purchase_floor",
                {
                    "p_session": loner_session,
                    "p_lottery_id": floor_lottery,
                    "p_idempotency_key": f"f{next(floor_keys)}",
                },
            )

        print("  sql = the database's ms per call (planning + execution) for the function / for the bare rpc")
        rows = [*cases, ("validate-session, metrics on", with_metrics), ("purchase writes only (rpc)", floor)]
        layer = 0.0  # what the handler layer adds to a request whose SQL does nothing (validate-session)
        for name, call in rows:
            pg.execute("select extensions.pg_stat_statements_reset()")
            handler, bare = interleaved(call, RUNS, WARMUP)
            ratio = statistics.median(handler) / statistics.median(bare)
            verdict = "ok" if ratio <= TARGET else "over"
            function = "bench_purchase_floor" if call is floor else name.split()[0].rstrip(",").replace("-", "_")
            print(
                f"  {name:<32} handler {statistics.median(handler):6.2f} ({percentile(handler, 0.99):6.2f})"
                f"   bare {statistics.median(bare):5.2f}   ratio {ratio:4.2f}x {verdict:<4}"
                f"   sql {sql_time(pg, function):5.2f} / {sql_time(pg, 'bench_noop'):4.2f}"
            )
            if name == "validate-session":
                layer = statistics.median(handler) - statistics.median(bare)
        print(
            "the floor of a list page: an rpc() that returns the same page JSON from a table (no SQL work), "
            f"interleaved with a bare rpc(); + the handler layer ({layer:.2f} ms, validate-session - bare)"
        )
        for name, call in cases:
            if "(20)" not in name:
                continue
            response = call()
            page, bare = interleaved(page_floor_call(pg, name, response), RUNS, WARMUP)
            size = len(response["body"]) / 1024
            json_only = statistics.median(page) / statistics.median(bare)
            print(
                f"  {name:<32} {size:5.1f} KB   page JSON alone {json_only:4.2f}x bare"
                f"   floor with the layer {(statistics.median(page) + layer) / statistics.median(bare):4.2f}x"
            )


if __name__ == "__main__":
    main()
