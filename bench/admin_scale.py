"""users.search and stats.summary at scale: a throwaway stack with 100,000 users, 1,000,000 ledger rows appended
over 90 days (≈ 11,000 a day), 200,000 lottery orders, 20,000 deposits and 10,000 withdrawals; each action timed
in-process (handler -> one rpc -> SQL, as `luckymart-admin --local` and the Lambda run it). Prints numbers only.

    python -m bench.admin_scale            # ≈ 1-2 minutes to generate on 2 shared cores
"""

from __future__ import annotations

import time
from functools import partial

import psycopg

from bench.common import summary, timed
from infra.local.stack import private_stack
from tests.support import admin_invoke, make_admin

USERS = 100_000
LEDGER_ROWS = 1_000_000
ORDERS = 200_000
DEPOSITS = 20_000
WITHDRAWALS = 10_000
RUNS = 30

GENERATE = f"""
insert into public.users (telegram_id, telegram_username, first_name, referral_code, phone_number, created_at,
                          total_spent)
select (7000000000 + i)::text, 'u' || left(md5(i::text), 10),
       (array['Firuz', 'Zarina', 'Shahlo', 'Rustam', 'Dilnoza', 'Farhod', 'Madina', 'Bahrom', 'Nigora', 'Sino',
              'Parviz', 'Malika', 'Jamshed', 'Gulnora', 'Sorbon', 'Tahmina', 'Umed', 'Zebo', 'Anvar', 'Mehrona'])
         [1 + i % 20] || ' ' || left(md5('n' || i), 4),
       'B' || upper(left(md5('r' || i), 9)), '+99290' || lpad(i::text, 7, '0'),
       now() - (i % 90) * interval '1 day' - (i % 1440) * interval '1 minute', (i % 500)::numeric
  from generate_series(1, {USERS}) i;
insert into public.wallets (user_id, type, currency, balance)
select id, 'BALANCE', 'TJS', 1000 from public.users;
insert into public.wallet_transactions (wallet_id, type, amount, balance_before, balance_after, created_at)
select w.id, (array['DEPOSIT', 'LOTTERY_PURCHASE', 'EXCHANGE_OUT', 'BONUS', 'COMMISSION'])[1 + g.i % 5],
       case when g.i % 5 in (1, 2) then -1 else 1 end * (1 + g.i % 50),
       500, 500 + case when g.i % 5 in (1, 2) then -1 else 1 end * (1 + g.i % 50),
       now() - interval '90 days' + g.i * interval '90 days' / {LEDGER_ROWS}  -- appended in time order
  from generate_series(1, {LEDGER_ROWS}) g(i)
  join (select id, row_number() over (order by id) as n from public.wallets) w on w.n = 1 + g.i % {USERS};
insert into public.orders (user_id, order_number, type, total_amount, payment_method, quantity, status, paid_at,
                           created_at)
select u.id, 'BENCH' || g.i, 'LOTTERY_PURCHASE', 1 + g.i % 20, 'BALANCE', 1 + g.i % 20, 'PAID',
       now() - (g.i % 90) * interval '1 day', now() - (g.i % 90) * interval '1 day'
  from generate_series(1, {ORDERS}) g(i)
  join (select id, row_number() over (order by id) as n from public.users) u on u.n = 1 + g.i % {USERS};
insert into public.deposits (user_id, order_number, amount, payment_method, status, reviewed_at, created_at)
select u.id, 'BDP' || g.i, 10 + g.i % 100, 'ALIF_MOBI', 'APPROVED', now() - (g.i % 90) * interval '1 day',
       now() - (g.i % 90) * interval '1 day'
  from generate_series(1, {DEPOSITS}) g(i)
  join (select id, row_number() over (order by id) as n from public.users) u on u.n = 1 + g.i % {USERS};
insert into public.withdrawals (user_id, wallet_id, order_number, amount, withdrawal_method, status, completed_at,
                                created_at)
select w.user_id, w.id, 'BWD' || g.i, 10 + g.i % 100, 'ALIF_MOBI', 'COMPLETED',
       now() - (g.i % 90) * interval '1 day', now() - (g.i % 90) * interval '1 day'
  from generate_series(1, {WITHDRAWALS}) g(i)
  join (select id, user_id, row_number() over (order by id) as n from public.wallets) w on w.n = 1 + g.i % {USERS};
"""


def main() -> None:
    with private_stack() as stack, psycopg.connect(stack.database_url, autocommit=True) as pg:
        started = time.perf_counter()
        pg.execute(GENERATE)
        pg.execute("vacuum analyze")
        print(f"generated {USERS:,} users, {LEDGER_ROWS:,} ledger rows in {time.perf_counter() - started:.0f} s")
        support, finance = make_admin(pg, "SUPPORT"), make_admin(pg, "FINANCE")
        some = pg.execute("select telegram_username, telegram_id, referral_code from users limit 1 offset 4242")
        username, telegram_id, code = some.fetchone() or ("", "", "")
        searches = {
            "users.search username part": username[2:8],
            "users.search first name": "zarina",  # 5,000 matches: counted, 50 returned
            "users.search telegram id": telegram_id,
            "users.search referral code": code.lower(),
            "users.search phone part": "2900042",
            "users.search no match": "qqqzzz",
        }
        for name, q in searches.items():
            response = admin_invoke("admin-users", "users.search", {"q": q}, token=support)
            assert response["success"], response
            search_call = partial(admin_invoke, "admin-users", "users.search", {"q": q}, token=support)
            samples = timed(search_call, RUNS, 3)
            print(summary(name, samples), f"  matches={response['data']['total']}")
        for days in (1, 7, 30):
            response = admin_invoke("admin-finance", "stats.summary", {"days": days}, token=finance)
            assert response["success"], response
            summary_call = partial(admin_invoke, "admin-finance", "stats.summary", {"days": days}, token=finance)
            samples = timed(summary_call, RUNS, 3)
            print(summary(f"stats.summary days={days}", samples), f"  active={response['data']['active_users']}")


if __name__ == "__main__":
    main()
