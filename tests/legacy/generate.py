"""Fills a database created from tests/legacy/legacy_schema.sql with a realistic old LuckyMart: users with
referral chains, wallets, a large historical ledger, lotteries (completed, on sale, upcoming, cancelled) with
tickets in both old ticket tables, orders, prizes, shipping, resales, showoffs, likes, notifications, sessions,
deposit and withdrawal requests, payment configuration, plus every kind of dirt the cutover must survive.

Set-based SQL (generate_series) so 10k users / 100k ledger rows take a few seconds. Ids are md5-derived uuids
(`lid("user", 5)`), so tests can name the rows the dirt was put in.

    python -m tests.legacy.generate postgresql://postgres@127.0.0.1:5432/legacy --users 10000 --ledger 100000
"""

# ruff: noqa: E501 - SQL text reads better unwrapped than split to the line limit

from __future__ import annotations

import argparse
import hashlib
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg

SCHEMA = Path(__file__).with_name("legacy_schema.sql")


def lid(kind: str, *parts: object) -> str:
    """The uuid the generator gives row `parts` of `kind` (same as SQL `md5(kind || ':' || ...)::uuid`)."""
    text = ":".join([kind, *(str(p) for p in parts)])
    return str(uuid.UUID(hashlib.md5(text.encode()).hexdigest()))


@dataclass(frozen=True)
class Volume:
    users: int = 10_000
    ledger: int = 100_000

    @property
    def lotteries(self) -> int:
        return max(20, self.users // 50)


# Lottery i: i % 10 in 0..6 COMPLETED, 7 ACTIVE (half sold), 8 UPCOMING, 9 'DRAWN' (an old invalid status that
# meant drawn). Even i keep tickets in `tickets` (i % 4 = 0: 7-digit numbers; 2: the old RPC's plain 1..N),
# odd i in `lottery_entries` (7-digit strings). One order per ticket.
FILL_SQL = """
select setseed(0.42);

insert into users
select md5('user:' || i)::uuid, (5000000000 + i * 7)::text, 'user' || i, 'First' || i, 'Last' || i,
       'https://t.me/i/userpic/' || i || '.jpg',
       (array['ru', 'tg', 'zh', 'en'])[1 + i % 4], '+99290' || lpad(i::text, 7, '0'), null,
       'ACTIVE', i % 5 = 0, 'NONE', false,
       now() - (i % 30) * interval '1 day', now() - (i % 7) * interval '1 day',
       'LM' || upper(substr(md5('code:' || i), 1, 6)),
       ref, ref, case when ref is null then 0 else 1 end, 1, '0',
       ((i % 50) * 5)::text || '.00', '0', i % 9, '0',
       now() - interval '200 days' + i * interval '10 seconds', now(), null
  from (select i, case when i > 20 and i % 5 <> 0
                       then md5('user:' || (1 + (i * 7919) % (i - 1)))::uuid end as ref
          from generate_series(1, {users}) i) g;

insert into wallets
select md5('wb:' || i)::uuid, md5('user:' || i)::uuid, 'BALANCE', 'TJS',
       (((i * 3571) % 50000) / 100.0)::numeric(18, 2)::text, '0', '0', '0', 1, now() - interval '199 days', now()
  from generate_series(1, {users}) i;
insert into wallets
select md5('wl:' || i)::uuid, md5('user:' || i)::uuid, 'LUCKY_COIN', 'TJS',
       (((i * 1237) % 9000) / 100.0)::numeric(18, 2)::text, '0', '0', '0', 1, now() - interval '199 days', now()
  from generate_series(1, {users}) i;
insert into wallets
select md5('wx:' || i)::uuid, md5('user:' || i)::uuid, 'BONUS', 'TJS', '2.50', '0', '0', '0', 1,
       now() - interval '100 days', now()
  from generate_series(1, {users}) i where i % 10 = 3;

insert into wallet_transactions
select md5('wt:' || j)::uuid,
       case when j % 2 = 0 then md5('wb:' || (1 + j % {users}))::uuid else md5('wl:' || (1 + j % {users}))::uuid end,
       (array['DEPOSIT', 'LOTTERY_PURCHASE', 'EXCHANGE', 'COMMISSION', 'WITHDRAWAL'])[1 + j % 5],
       ((j % 2000) / 100.0 - 5)::numeric(18, 2)::text, '0', '0', 'COMPLETED', 'history row ' || j,
       null, null, null, now() - interval '150 days' + j * interval '1 minute', now() - interval '150 days' + j * interval '1 minute'
  from generate_series(1, {ledger}) j;

insert into lotteries
select md5('lottery:' || i)::uuid, 'P' || lpad(i::text, 6, '0'), 'Prize ' || i, 'A fine prize', 'https://img/' || i || '.jpg',
       '5.00', total, 50, 'TJS',
       jsonb_build_object('ru', 'Приз ' || i), null, null, null, null, null, '[]'::jsonb,
       case when i % 10 between 0 and 6 then 'COMPLETED' when i % 10 = 7 then 'ACTIVE'
            when i % 10 = 8 then 'UPCOMING' else 'DRAWN' end,
       sold, false,
       now() - interval '120 days' + i * interval '6 hours', now() + interval '30 days', null, null,
       case when drawn then jsonb_build_array((1000000 + win)::text) end,
       case when drawn then 1000000 + win end,
       case when drawn then md5('user:' || (1 + ((i * 7919 + win * 104729) % {users})))::uuid end,
       null, null, null,
       case when drawn then jsonb_build_object('algorithm', 'timestamp_sum', 'winning_index', win - 1) end,
       now() - interval '121 days' + i * interval '6 hours', now()
  from (select i, 20 + (i * 37) % 180 as total,
               case when i % 10 in (0, 1, 2, 3, 4, 5, 6, 9) then 20 + (i * 37) % 180
                    when i % 10 = 7 then (20 + (i * 37) % 180) / 2 else 0 end as sold,
               i % 10 in (0, 1, 2, 3, 4, 5, 6, 9) as drawn,
               1 + (i * 13) % (20 + (i * 37) % 180) as win
          from generate_series(1, {lotteries}) i) g;

create temp table gen_tickets on commit drop as
select l.i, k, md5('user:' || (1 + ((l.i * 7919 + k * 104729) % {users})))::uuid as user_id,
       md5('lottery:' || l.i)::uuid as lottery_id, md5('order:' || l.i || ':' || k)::uuid as order_id,
       now() - interval '110 days' + l.i * interval '6 hours' + k * interval '1 second' as at
  from (select i, case when i % 10 in (0, 1, 2, 3, 4, 5, 6, 9) then 20 + (i * 37) % 180
                       when i % 10 = 7 then (20 + (i * 37) % 180) / 2 else 0 end as sold
          from generate_series(1, {lotteries}) i) l
  cross join lateral generate_series(1, l.sold) k;

insert into orders
select order_id, user_id, 'LT' || i || '-' || k, 'LOTTERY', '5.00', 'TJS',
       case when k % 3 = 0 then 'LUCKY_COIN_WALLET' else 'BALANCE_WALLET' end,
       lottery_id, 1, null, case when i % 2 = 0 then 'COMPLETED' else 'PAID' end, null, null, at, at, at, null
  from gen_tickets;
insert into tickets
select md5('ticket:' || i || ':' || k)::uuid, user_id, lottery_id, order_id,
       case when i % 4 = 0 then 1000000 + k else k end, false, at
  from gen_tickets where i % 2 = 0;
insert into lottery_entries
select md5('entry:' || i || ':' || k)::uuid, user_id, lottery_id, order_id, to_jsonb((1000000 + k)::text), false,
       null, null, 'ACTIVE', false, null, at, at
  from gen_tickets where i % 2 = 1;
update tickets t set is_winning = true from lotteries l
 where l.id = t.lottery_id and l.winning_ticket_number is not null
   and t.ticket_number in (l.winning_ticket_number, l.winning_ticket_number - 1000000);

-- The old prizes table was mostly empty (DATABASE_MAPPING "Empty Tables"): every third drawn lottery has a row.
insert into prizes
select md5('prize:' || i)::uuid, l.winning_user_id, l.id, 'PHYSICAL', (5 * l.total_tickets)::text,
       (array['PENDING', 'SHIPPING', 'DELIVERED', 'RESELLING', 'PENDING'])[1 + (i / 3) % 5], l.updated_at, l.updated_at
  from lotteries l join generate_series(1, {lotteries}) i on l.id = md5('lottery:' || i)::uuid
 where l.winning_user_id is not null and i % 3 = 0;
insert into shipping
select md5('shipping:' || p.id)::uuid, p.id, p.user_id, 'Recipient', '+992900000000', 'Rudaki 1, Dushanbe',
       case when p.status = 'DELIVERED' then 'TJ' || substr(md5(p.id::text), 1, 8) end, 'POST',
       case when p.status = 'DELIVERED' then 'DELIVERED' else 'PENDING' end,
       case when p.status = 'DELIVERED' then now() - interval '5 days' end,
       case when p.status = 'DELIVERED' then now() - interval '2 days' end
  from prizes p where p.status in ('SHIPPING', 'DELIVERED');
insert into resales
select md5('resale:' || p.id)::uuid, p.user_id, null, p.lottery_id, null, (p.prize_value::numeric * 0.9)::numeric(18, 2)::text,
       p.prize_value, 'ACTIVE', now() - interval '3 days', now(), null
  from prizes p where p.status = 'RESELLING';
insert into showoffs
select md5('showoff:' || p.id)::uuid, p.user_id, p.lottery_id, p.id, 'Look what I won!',
       '["https://img/s1.jpg"]'::jsonb, 999, 0, 'APPROVED', null, now() - interval '1 day', '10', now(), now()
  from prizes p where p.status = 'DELIVERED';
insert into likes
select md5('like:' || s.id || ':' || k)::uuid, s.id, md5('user:' || (1 + (k * 31) % {users}))::uuid, now()
  from showoffs s cross join generate_series(1, 5) k;

insert into notifications
select md5('notification:' || j)::uuid, md5('user:' || (1 + j % {users}))::uuid, 'LOTTERY_RESULT', 'Draw result',
       'The draw of a lottery you joined is done', null, null, j % 2 = 0, null, 'normal', null, null,
       now() - j * interval '1 minute', now()
  from generate_series(1, 2 * {users}) j;

insert into user_sessions
select md5('session:' || i)::uuid, md5('user:' || i)::uuid, gen_random_uuid()::text, 'telegram_mini_app', null, null,
       null, true, now() + interval '7 days', now()
  from generate_series(1, {users}) i;

insert into commissions
select md5('commission:' || o.id)::uuid, u.referred_by_id, u.id, 1, 'LOTTERY_PURCHASE', '0.25', '0.05', '5.00',
       o.id, o.lottery_id, 'PENDING', null, o.created_at, o.created_at
  from orders o join users u on u.id = o.user_id where u.referred_by_id is not null;

insert into deposit_requests
select md5('deposit:' || i)::uuid, md5('user:' || (1 + (i * 17) % {users}))::uuid, 'LM' || (1700000000000 + i),
       (10 + i % 90)::text || '.00', 'TJS', 'ALIF_MOBI', '["https://proof/1.jpg"]'::jsonb, 'REF' || i, 'Payer', '9929',
       (array['PENDING', 'APPROVED', 'REJECTED'])[1 + i % 3], null, null,
       case when i % 3 <> 0 then now() - interval '1 day' end, now() - interval '2 days', now()
  from generate_series(1, {users} / 10) i;

-- Withdrawals: small amounts every covered balance can pay, user i * 13 (BALANCE = (u * 3571 % 50000) / 100).
insert into withdrawal_requests
select md5('withdrawal:' || i)::uuid, md5('user:' || u)::uuid, 'WD' || (1700000000000 + i),
       least(((u * 3571) % 50000) / 100.0, 10 + i % 40)::numeric(18, 2)::text, 'TJS', 'ALIF_MOBI', null, null, null, null,
       '0000', 'Name', '+992', '9929', 'Name',
       (array['PENDING', 'APPROVED', 'COMPLETED', 'REJECTED'])[1 + i % 4], null, null, null, null, null,
       case when i % 4 = 2 then now() end, now() - interval '1 day', now()
  from (select i, 1 + (i * 13) % {users} as u from generate_series(1, {users} / 20) i) g
 where ((u * 3571) % 50000) >= 1000;

insert into payment_config values
  (md5('pc:1')::uuid, 'alif_mobi_deposit', 'DEPOSIT', '{"method": "ALIF_MOBI", "enabled": true,
   "account_number": "+992 900 11 22 33", "account_name": "LuckyMart LLC", "instructions": {"zh": "转账", "ru": "Переведите", "tg": "Интиқол"},
   "min_amount": 10, "max_amount": 10000, "fee_rate": 0, "processing_time": "15"}', true, 1, now(), now()),
  (md5('pc:2')::uuid, 'dc_bank_deposit', 'DEPOSIT', '{"method": "DC_BANK", "enabled": true, "bank_name": "Dushanbe City",
   "account_number": "2020 0000 1111", "account_name": "LuckyMart LLC", "instructions": {"zh": "银行", "ru": "Банк", "tg": "Бонк"},
   "min_amount": 50, "max_amount": 50000, "fee_rate": 0, "processing_time": "30"}', true, 2, now(), now());
"""

# Every kind of dirt issue 16 lists, on named rows (see DIRT below for what each one is).
DIRT_SQL = """
-- string amounts the old functions wrote: comma decimals, spaces, a plus sign, three decimals, an exponent
update wallets set balance = ' 12,50 ' where id = md5('wb:1')::uuid;
update wallets set balance = '+7.5' where id = md5('wb:2')::uuid;
update wallets set balance = '1.005' where id = md5('wb:3')::uuid;
update wallets set balance = '1e3' where id = md5('wb:4')::uuid;
-- negative and NaN balances, a negative frozen balance (approve-withdrawal REJECTED bug) and a positive one
update wallets set balance = '-4.20' where id = md5('wb:5')::uuid;
update wallets set balance = 'NaN' where id = md5('wb:6')::uuid;
update wallets set frozen_balance = '-20.00' where id = md5('wb:7')::uuid;
update wallets set frozen_balance = '3.00' where id = md5('wb:8')::uuid;
-- enum values outside our sets and a duplicate wallet of the same user/type/currency (merged, not lost)
insert into wallets values (md5('wdirt:points')::uuid, md5('user:9')::uuid, 'POINTS', 'TJS', '5.00', '0', '0', '0', 1, now(), now());
insert into wallets values (md5('wdirt:rub')::uuid, md5('user:9')::uuid, 'BALANCE', 'rub', '6.00', '0', '0', '0', 1, now(), now());
insert into wallets values (md5('wdirt:dup')::uuid, md5('user:10')::uuid, ' balance ', 'tjs', '11.11', '0', '0', '0', 1, now(), now());
insert into wallets values (md5('wdirt:lower')::uuid, md5('user:11')::uuid, 'bonus', 'TJS', '1.25', '0', '0', '0', 1, now(), now());
-- orphans: a wallet, a ledger row, an order, a ticket, a like and a notification pointing at nothing
insert into wallets values (md5('wdirt:orphan')::uuid, md5('user:nobody')::uuid, 'BALANCE', 'TJS', '42.00', '0', '0', '0', 1, now(), now());
insert into wallet_transactions values (md5('wtdirt:orphan')::uuid, md5('wallet:nobody')::uuid, 'DEPOSIT', 'abc', null, null,
                                        null, null, null, null, null, null, null);
insert into orders values (md5('odirt:orphan')::uuid, md5('user:nobody')::uuid, 'LT-ORPHAN', 'LOTTERY', '5.00', 'TJS',
                           'BALANCE_WALLET', md5('lottery:1')::uuid, 1, null, 'PAID', null, null, now(), now(), now(), null);
insert into tickets values (md5('tdirt:orphan')::uuid, md5('user:12')::uuid, md5('lottery:nowhere')::uuid, null, 1000001, false, now());
insert into likes values (md5('ldirt:orphan')::uuid, md5('showoff:nowhere')::uuid, md5('user:12')::uuid, now());
insert into notifications values (md5('ndirt:orphan')::uuid, md5('user:nobody')::uuid, 'SYSTEM', 'x', 'x', null, null, false,
                                  null, null, null, null, now(), now());
-- NULL where we require a value: a user without a Telegram id (with money), a user without language or
-- referral code, a lottery without a title, a notification without a title
update users set telegram_id = null where id = md5('user:13')::uuid;
update users set language_code = null, referral_code = null where id = md5('user:14')::uuid;
update lotteries set title = null where id = md5('lottery:1')::uuid;
update notifications set title = null, type = null where id = md5('notification:2')::uuid;
-- a duplicate Telegram id (a second row for the same person, with its own wallet: merged into the first)
update users set telegram_id = (select telegram_id from users where id = md5('user:15')::uuid)
 where id = md5('user:16')::uuid;
-- the old referral-code generator gave blocks of Telegram ids one code: the older holder keeps it
update users set referral_code = (select referral_code from users where id = md5('user:17')::uuid)
 where id = md5('user:18')::uuid;
update users set referral_code = 'lm-bad!' where id = md5('user:19')::uuid;
-- a self-referral and a referral cycle 30 -> 31 -> 32 -> 30
update users set referred_by_id = id, referrer_id = id where id = md5('user:25')::uuid;
update users set referred_by_id = md5('user:31')::uuid, referrer_id = md5('user:31')::uuid where id = md5('user:30')::uuid;
update users set referred_by_id = md5('user:32')::uuid, referrer_id = md5('user:32')::uuid where id = md5('user:31')::uuid;
update users set referred_by_id = md5('user:30')::uuid, referrer_id = md5('user:30')::uuid where id = md5('user:32')::uuid;
-- a lottery the old system cancelled after selling tickets (it had no refund path)
update lotteries set status = 'CANCELLED' where id = md5('lottery:19')::uuid;
-- a user status outside our set
update users set status = 'deleted' where id = md5('user:20')::uuid;
-- duplicate and 8-digit ticket numbers in lottery 4 (tickets table, 7-digit numbers)
update tickets set ticket_number = 1000002 where id = md5('ticket:4:3')::uuid;
update tickets set ticket_number = 12345678 where id = md5('ticket:4:5')::uuid;
-- an order status and a prize status outside our sets
update orders set status = 'WEIRD' where id = md5('order:1:1')::uuid;
update prizes set status = 'CLAIMED' where id = md5('prize:3')::uuid;
-- a duplicate like
insert into likes select md5('ldirt:dup')::uuid, post_id, user_id, now() from likes
 where post_id in (select id from showoffs) order by id limit 1;
-- a pending withdrawal the balance cannot cover (user 21 has 35.91 TJS)
insert into withdrawal_requests values (md5('wddirt:uncovered')::uuid, md5('user:21')::uuid, 'WD-UNCOVERED', '999999.00', 'TJS',
  'ALIF_MOBI', null, null, null, null, null, null, null, null, null, 'PENDING', null, null, null, null, null, null, now(), now());
-- a pending deposit with a string amount and a pending one that is not a number
insert into deposit_requests values (md5('dpdirt:string')::uuid, md5('user:22')::uuid, 'LM-STR', ' 25,00', 'TJS', 'DC_BANK',
  null, null, null, null, 'PENDING', null, null, null, now(), now());
insert into deposit_requests values (md5('dpdirt:nan')::uuid, md5('user:22')::uuid, 'LM-NAN', 'NaN', 'TJS', 'DC_BANK',
  null, null, null, null, 'PENDING', null, null, null, now(), now());
"""

# What the dirt is, by row, for the tests' assertions.
CYCLE = [lid("user", 30), lid("user", 31), lid("user", 32)]
DIRT: dict[str, str] = {
    "comma_amount": lid("wb", 1),
    "plus_amount": lid("wb", 2),
    "three_decimals": lid("wb", 3),
    "exponent_amount": lid("wb", 4),
    "negative_balance": lid("wb", 5),
    "nan_balance": lid("wb", 6),
    "negative_frozen": lid("wb", 7),
    "positive_frozen": lid("wb", 8),
    "points_wallet": lid("wdirt", "points"),
    "rub_wallet": lid("wdirt", "rub"),
    "duplicate_wallet": lid("wdirt", "dup"),
    "lowercase_wallet": lid("wdirt", "lower"),
    "orphan_wallet": lid("wdirt", "orphan"),
    "orphan_ledger": lid("wtdirt", "orphan"),
    "orphan_order": lid("odirt", "orphan"),
    "orphan_ticket": lid("tdirt", "orphan"),
    "orphan_like": lid("ldirt", "orphan"),
    "orphan_notification": lid("ndirt", "orphan"),
    "no_telegram_id": lid("user", 13),
    "no_language": lid("user", 14),
    "untitled_lottery": lid("lottery", 1),
    "cancelled_lottery": lid("lottery", 19),
    "duplicate_telegram_keeper": lid("user", 15),
    "duplicate_telegram": lid("user", 16),
    "code_keeper": lid("user", 17),
    "code_duplicate": lid("user", 18),
    "code_invalid": lid("user", 19),
    "self_referral": lid("user", 25),
    "odd_status_user": lid("user", 20),
    "duplicate_ticket": lid("ticket", 4, 3),
    "eight_digit_ticket": lid("ticket", 4, 5),
    "weird_order": lid("order", 1, 1),
    "claimed_prize": lid("prize", 3),
    "duplicate_like": lid("ldirt", "dup"),
    "uncovered_withdrawal": lid("wddirt", "uncovered"),
    "string_deposit": lid("dpdirt", "string"),
    "nan_deposit": lid("dpdirt", "nan"),
}


def create_database(admin_url: str, name: str) -> str:
    """A fresh database `name` on the cluster of `admin_url` with the legacy schema; returns its URL."""
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'drop database if exists "{name}" with (force)')
        conn.execute(f'create database "{name}"')
    url = admin_url.rsplit("/", 1)[0] + "/" + name
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(SCHEMA.read_text())
    return url


def fill(url: str, volume: Volume | None = None, *, dirt: bool = True) -> dict[str, Any]:
    """Generates the data (and the dirt); returns row counts per table."""
    volume = volume or Volume()
    params = {"users": volume.users, "ledger": volume.ledger, "lotteries": volume.lotteries}
    with psycopg.connect(url) as conn:
        sql = FILL_SQL
        for name, value in params.items():
            sql = sql.replace("{" + name + "}", str(value))
        conn.execute(sql)
        if dirt:
            conn.execute(DIRT_SQL)
        conn.commit()
        tables = [r[0] for r in conn.execute("select tablename from pg_tables where schemaname = 'public'")]
        counts = {t: conn.execute(f"select count(*) from {t}").fetchone()[0] for t in tables}  # type: ignore[index]
        conn.execute("analyze")
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "admin_url", help="a database on the target cluster, e.g. postgresql://postgres@host/postgres"
    )
    parser.add_argument("--name", default="luckymart_legacy")
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--ledger", type=int, default=100_000)
    args = parser.parse_args()
    url = create_database(args.admin_url, args.name)
    print(url, fill(url, Volume(args.users, args.ledger)))


if __name__ == "__main__":
    main()
