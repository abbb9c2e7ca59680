"""Money invariants over the whole database, reused by the soak test: an empty list means all hold.

assert check_invariants(pg) == []
"""

from __future__ import annotations

from typing import Any

# Each query returns one row per violation; the first column names the offending object.
CHECKS: dict[str, str] = {
    "balance differs from the sum of its ledger amounts": """
        select w.id, w.balance, coalesce(sum(t.amount), 0)
          from wallets w left join wallet_transactions t on t.wallet_id = w.id
         group by w.id having w.balance <> coalesce(sum(t.amount), 0)""",
    "frozen balance differs from the sum of its ledger frozen deltas": """
        select w.id, w.frozen_balance, coalesce(sum(t.frozen_delta), 0)
          from wallets w left join wallet_transactions t on t.wallet_id = w.id
         group by w.id having w.frozen_balance <> coalesce(sum(t.frozen_delta), 0)""",
    "negative balance, frozen balance or total": """
        select id, balance, frozen_balance from wallets
         where balance < 0 or frozen_balance < 0 or total_deposits < 0 or total_withdrawals < 0""",
    "ledger row with a negative or inconsistent balance_after": """
        select id, balance_before, amount, balance_after from wallet_transactions
         where balance_after < 0 or balance_after <> balance_before + amount""",
    "total_deposits differs from the sum of DEPOSIT rows": """
        select w.id, w.total_deposits from wallets w
         where w.total_deposits <> (select coalesce(sum(t.amount), 0) from wallet_transactions t
                                     where t.wallet_id = w.id and t.type = 'DEPOSIT')""",
    "total_withdrawals differs from the sum of paid WITHDRAWAL rows": """
        select w.id, w.total_withdrawals from wallets w
         where w.total_withdrawals <> (select coalesce(-sum(t.frozen_delta), 0) from wallet_transactions t
                                        where t.wallet_id = w.id and t.type = 'WITHDRAWAL')""",
    # Every withdrawal: frozen exactly once; then paid exactly once (COMPLETED) or refunded exactly once
    # (REJECTED), never both; a PENDING one neither. Each row moves exactly the withdrawal's amount.
    "withdrawal not frozen / unfrozen / paid exactly once": """
        select wd.id, wd.status, f.n, f.ok, p.n, p.ok, r.n, r.ok
          from withdrawals wd
          cross join lateral (select count(*) n, bool_and(t.amount = -wd.amount and t.frozen_delta = wd.amount
                                                          and t.wallet_id = wd.wallet_id) ok
                                from wallet_transactions t where t.reference_type = 'withdrawal'
                                 and t.reference_id = wd.id and t.type = 'WITHDRAWAL_FREEZE') f
          cross join lateral (select count(*) n, bool_and(t.amount = 0 and t.frozen_delta = -wd.amount
                                                          and t.wallet_id = wd.wallet_id) ok
                                from wallet_transactions t where t.reference_type = 'withdrawal'
                                 and t.reference_id = wd.id and t.type = 'WITHDRAWAL') p
          cross join lateral (select count(*) n, bool_and(t.amount = wd.amount and t.frozen_delta = -wd.amount
                                                          and t.wallet_id = wd.wallet_id) ok
                                from wallet_transactions t where t.reference_type = 'withdrawal'
                                 and t.reference_id = wd.id and t.type = 'WITHDRAWAL_REFUND') r
         where f.n <> 1 or not f.ok
            or p.n <> (wd.status = 'COMPLETED')::int or (p.n = 1 and not p.ok)
            or r.n <> (wd.status = 'REJECTED')::int or (r.n = 1 and not r.ok)""",
    "deposit not credited exactly once when approved (or credited when not)": """
        select d.id, d.status, c.n from deposits d
          cross join lateral (select count(*) n, bool_and(t.amount = d.amount) ok from wallet_transactions t
                               where t.reference_type = 'deposit' and t.reference_id = d.id) c
         where c.n <> (d.status = 'APPROVED')::int or (c.n = 1 and not c.ok)""",
    "exchange without exactly one debit and one credit": """
        select e.id from exchange_records e
         where (select count(*) from wallet_transactions t where t.reference_type = 'exchange'
                   and t.reference_id = e.id and t.type = 'EXCHANGE_OUT' and t.amount = -e.amount) <> 1
            or (select count(*) from wallet_transactions t where t.reference_type = 'exchange'
                   and t.reference_id = e.id and t.type = 'EXCHANGE_IN' and t.amount = e.converted_amount) <> 1""",
    "activated first-deposit bonus not credited exactly once (or credited when not activated)": """
        select u.id, u.first_deposit_bonus_status, c.n from users u
          cross join lateral (select count(*) n from wallet_transactions t
                               where t.reference_type = 'first_deposit_bonus' and t.reference_id = u.id) c
         where c.n <> (u.first_deposit_bonus_status = 'activated')::int""",
    # Money is conserved: what all wallets hold (balance + frozen) equals, from the business tables alone,
    # approved deposits - paid withdrawals - tickets still paid for - resale fees - exchange rounding
    # + platform-funded credits (commissions, showoff rewards, activated bonuses) + test adjustments
    # + what a cutover brought in (migrate-legacy: opening balances and refunds of lotteries on sale then; the
    # legacy orders and showoff rewards behind the openings were settled by the old system, so not counted again).
    "money not conserved (wallets vs business tables)": """
        select held, expected from (
          select (select coalesce(sum(balance + frozen_balance), 0) from wallets) as held,
                 (select coalesce(sum(amount), 0) from deposits where status = 'APPROVED')
               - (select coalesce(sum(amount), 0) from withdrawals where status = 'COMPLETED')
               - (select coalesce(sum(total_amount), 0) from orders
                   where type = 'LOTTERY_PURCHASE' and status = 'PAID' and payment_data ->> 'legacy' is null)
               - (select coalesce(sum(fee_amount), 0) from resales where status = 'SOLD')
               - (select coalesce(sum(amount - converted_amount), 0) from exchange_records)
               + (select coalesce(sum(amount), 0) from commissions where status = 'PAID')
               + (select coalesce(sum(reward_coins), 0) from showoffs where status = 'APPROVED'
                   and id not in (select target_id from private.legacy_id_map where kind = 'showoff'))
               + (select coalesce(sum(first_deposit_bonus_amount), 0) from users
                   where first_deposit_bonus_status = 'activated')
               + (select coalesce(sum(amount), 0) from wallet_transactions where type = 'ADJUSTMENT')
               + (select coalesce(sum(amount), 0) from wallet_transactions where type = 'MIGRATION_OPENING')
               + (select coalesce(sum(t.amount), 0) from wallet_transactions t
                   join orders o on o.id = t.reference_id
                  where t.type = 'LOTTERY_REFUND' and o.payment_data ->> 'legacy' is not null) as expected
        ) totals where held <> expected""",
    # Every PAID commission is credited exactly once, with its amount, to its earner's LUCKY_COIN wallet; no
    # other commission is credited and no commission credit lacks its commission.
    "commission not credited exactly once to its earner (or credited when not PAID)": """
        select coalesce(c.id, l.reference_id), c.status, l.n from commissions c
          full join (select t.reference_id, count(*) n, max(t.amount) amount, max(w.user_id::text) earner,
                            bool_and(t.type = 'COMMISSION' and w.type = 'LUCKY_COIN') ok
                       from wallet_transactions t join wallets w on w.id = t.wallet_id
                      where t.reference_type = 'COMMISSION' group by t.reference_id) l on l.reference_id = c.id
         where c.id is null or (c.status = 'PAID') <> (l.n is not null)
            or l.n > 1 or not l.ok or l.amount <> c.amount or l.earner <> c.user_id::text""",
    # A commission is earned only by a purchase that stands (issue 15): never PAID on a refunded order or on a
    # lottery that was not drawn, never left PENDING on a refunded order.
    "PAID commission on a refunded order or an undrawn lottery": """
        select c.id, c.status, o.status, l.status from commissions c
          join orders o on o.id = c.related_order_id
          left join lotteries l on l.id = c.related_lottery_id
         where c.status = 'PAID' and (o.status <> 'PAID' or l.status is distinct from 'COMPLETED')""",
    "PENDING commission on a refunded order": """
        select c.id, o.status from commissions c join orders o on o.id = c.related_order_id
         where c.status = 'PENDING' and o.status <> 'PAID'""",
    # ... nor left PENDING once its lottery is drawn and the consumer has settled the order again (paid, or
    # cancelled when its referrer was banned or suspended meanwhile); a deleted outbox row was settled long ago.
    "PENDING commission on a drawn lottery's settled order": """
        select c.id, c.user_id from commissions c join lotteries l on l.id = c.related_lottery_id
         where c.status = 'PENDING' and l.status = 'COMPLETED'
           and not exists (select 1 from commission_outbox x
                            where x.order_id = c.related_order_id and x.processed_at is null)""",
}


def check_invariants(pg: Any) -> list[str]:
    """Runs every check with a psycopg connection; returns one line per violation (at most 5 per check)."""
    violations = []
    for name, sql in CHECKS.items():
        for row in pg.execute(sql + " limit 5").fetchall():
            violations.append(f"{name}: {row}")
    return violations
