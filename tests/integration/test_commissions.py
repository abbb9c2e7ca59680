"""Referral commissions: outbox, SQS consumer (moto in-process), exact math, stats and invited users."""

from __future__ import annotations

import itertools
import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any

import psycopg
import pytest

from luckymart import commission_queue
from tests.invariants import check_invariants
from tests.support import admin_invoke, invoke, make_admin, sign_in
from tests.support_commissions import (
    Queues,
    coin_balance,
    consume,
    create_lottery,
    failed_ids,
    order_message,
    paid_order,
    queues,
    referral_chain,
    sqs_record,
)

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean")]
__all__ = ["queues"]  # the fixture, imported for pytest


def commissions_of(pg: psycopg.Connection, order_id: str) -> list[tuple[Any, ...]]:
    return pg.execute(
        "select level, user_id::text, amount, rate, source_amount, status from commissions "
        "where related_order_id = %s order by level",
        (order_id,),
    ).fetchall()


def test_three_levels_exact_rounded_down_and_fourth_level_earns_nothing(clean: psycopg.Connection) -> None:
    root, level3, level2, level1, buyer = referral_chain(5)
    order_id, queued = paid_order(clean, buyer.user["id"], Decimal("123.45"), create_lottery(clean))
    assert queued

    response = consume([sqs_record(order_message(order_id))])

    assert response == {"batchItemFailures": []}
    # 3% of 123.45 = 3.7035, 1% = 1.2345, 0.5% = 0.61725: each rounded DOWN to the cent
    assert commissions_of(clean, order_id) == [
        (1, level1.user["id"], Decimal("3.70"), Decimal("0.0300"), Decimal("123.45"), "PAID"),
        (2, level2.user["id"], Decimal("1.23"), Decimal("0.0100"), Decimal("123.45"), "PAID"),
        (3, level3.user["id"], Decimal("0.61"), Decimal("0.0050"), Decimal("123.45"), "PAID"),
    ]
    assert coin_balance(clean, level1.user["id"]) == Decimal("3.70")
    assert coin_balance(clean, level2.user["id"]) == Decimal("1.23")
    assert coin_balance(clean, level3.user["id"]) == Decimal("0.61")
    assert coin_balance(clean, root.user["id"]) == Decimal("0.00")
    ledger = clean.execute(
        "select w.user_id::text, wt.amount, wt.balance_before, wt.balance_after, wt.reference_type "
        "from wallet_transactions wt join wallets w on w.id = wt.wallet_id where wt.type = 'COMMISSION' "
        "order by wt.amount desc"
    ).fetchall()
    assert ledger == [
        (level1.user["id"], Decimal("3.70"), Decimal("0.00"), Decimal("3.70"), "COMMISSION"),
        (level2.user["id"], Decimal("1.23"), Decimal("0.00"), Decimal("1.23"), "COMMISSION"),
        (level3.user["id"], Decimal("0.61"), Decimal("0.00"), Decimal("0.61"), "COMMISSION"),
    ]
    notified = clean.execute("select user_id::text from notifications where type = 'COMMISSION'").fetchall()
    assert sorted(u for (u,) in notified) == sorted(u.user["id"] for u in (level1, level2, level3))
    assert clean.execute(
        "select processed_at is not null from commission_outbox where order_id = %s", (order_id,)
    ).fetchone() == (True,)
    assert check_invariants(clean) == []


def test_amount_that_rounds_to_zero_creates_no_row(clean: psycopg.Connection) -> None:
    _, level2, level1, buyer = referral_chain(4)
    order_id, _ = paid_order(clean, buyer.user["id"], Decimal("0.99"), create_lottery(clean))
    consume([sqs_record(order_message(order_id))])
    # 3% = 0.0297 -> 0.02; 1% = 0.0099 -> 0.00 (nothing earned); 0.5% -> 0.00
    assert [(level, amount) for level, _, amount, *_ in commissions_of(clean, order_id)] == [(1, Decimal("0.02"))]
    assert coin_balance(clean, level1.user["id"]) == Decimal("0.02")
    assert coin_balance(clean, level2.user["id"]) == Decimal("0.00")


def test_duplicate_delivery_credits_each_level_once(clean: psycopg.Connection) -> None:
    _, level2, level1, buyer = referral_chain(4)
    order_id, _ = paid_order(clean, buyer.user["id"], Decimal("100.00"), create_lottery(clean))
    body = order_message(order_id)

    first = consume([sqs_record(body), sqs_record(body)])  # the same order twice in one batch
    again = consume([sqs_record(body)])  # and redelivered later

    assert first["batchItemFailures"] == [] and again["batchItemFailures"] == []
    assert len(commissions_of(clean, order_id)) == 3
    assert coin_balance(clean, level1.user["id"]) == Decimal("3.00")
    assert coin_balance(clean, level2.user["id"]) == Decimal("1.00")
    assert clean.execute("select count(*) from wallet_transactions where type = 'COMMISSION'").fetchone() == (3,)
    assert clean.execute("select count(*) from notifications").fetchone() == (3,)
    assert check_invariants(clean) == []


def test_poison_messages_fail_alone(clean: psycopg.Connection) -> None:
    _, referrer, buyer = referral_chain(3)
    order_id, _ = paid_order(clean, buyer.user["id"], Decimal("10.00"), create_lottery(clean))
    good = sqs_record(order_message(order_id))
    not_json = sqs_record("{not json")
    no_uuid = sqs_record(json.dumps({"order_id": "42"}))
    unknown_order = sqs_record(order_message("00000000-0000-4000-8000-000000000000"))

    response = consume([not_json, good, no_uuid, unknown_order])

    assert failed_ids(response) == {not_json["messageId"], no_uuid["messageId"], unknown_order["messageId"]}
    assert coin_balance(clean, referrer.user["id"]) == Decimal("0.30")


def test_only_poison_is_reported_not_raised(clean: psycopg.Connection) -> None:
    poison = sqs_record("[]")
    assert failed_ids(consume([poison])) == {poison["messageId"]}


def test_buyer_without_referrer_enqueues_nothing_and_refunded_order_pays_nothing(
    clean: psycopg.Connection,
) -> None:
    loner = sign_in()
    lottery = create_lottery(clean)
    _, queued = paid_order(clean, loner.user["id"], Decimal("5.00"), lottery)
    assert not queued
    assert clean.execute("select count(*) from commission_outbox").fetchone() == (0,)

    referrer, buyer = referral_chain(2)
    order_id, _ = paid_order(clean, buyer.user["id"], Decimal("50.00"), lottery)
    clean.execute("update orders set status = 'REFUNDED', refunded_at = now() where id = %s", (order_id,))
    assert consume([sqs_record(order_message(order_id))])["batchItemFailures"] == []
    assert commissions_of(clean, order_id) == []
    assert coin_balance(clean, referrer.user["id"]) == Decimal("0.00")
    assert clean.execute(
        "select processed_at is not null from commission_outbox where order_id = %s", (order_id,)
    ).fetchone() == (True,)


def test_outbox_row_commits_only_with_the_order(clean: psycopg.Connection) -> None:
    _, buyer = referral_chain(2)
    lottery = create_lottery(clean)
    with pytest.raises(psycopg.errors.CheckViolation), clean.transaction():
        clean.execute(
            "with o as (insert into orders (user_id, order_number, type, total_amount, payment_method, "
            "lottery_id, status) values (%s, 'X1', 'LOTTERY_PURCHASE', 10, 'BALANCE', %s, 'PAID') returning id) "
            "select private.enqueue_commission(id) from o",
            (buyer.user["id"], lottery),
        )
        clean.execute(
            "insert into orders (user_id, order_number, type, total_amount, payment_method, status) "
            "values (%s, 'X2', 'LOTTERY_PURCHASE', -1, 'BALANCE', 'PAID')",
            (buyer.user["id"],),
        )
    assert clean.execute("select count(*) from commission_outbox").fetchone() == (0,)
    assert clean.execute("select count(*) from orders").fetchone() == (0,)


def test_publish_failure_after_commit_is_republished_once(
    clean: psycopg.Connection, queues: Queues, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, referrer, buyer = referral_chain(3)
    order_id, _ = paid_order(clean, buyer.user["id"], Decimal("20.00"), create_lottery(clean))

    monkeypatch.setenv("COMMISSION_QUEUE_URL", queues.queue_url + "-missing")
    assert commission_queue.publish_after_commit(order_id) is False  # logged, not raised
    monkeypatch.setenv("COMMISSION_QUEUE_URL", queues.queue_url)
    assert queues.receive() == []

    assert commission_queue.republish_stale() == 0  # younger than a minute: the first publish may still arrive
    clean.execute("update commission_outbox set created_at = now() - interval '61 seconds'")
    assert commission_queue.republish_stale() == 1
    assert commission_queue.republish_stale() == 0  # just re-published: not again for a minute

    messages = queues.receive()
    assert [json.loads(m["Body"]) for m in messages] == [{"order_id": order_id}]
    queues.delete_succeeded(messages, consume(queues.records(messages)))
    assert coin_balance(clean, referrer.user["id"]) == Decimal("0.60")

    clean.execute("update commission_outbox set published_at = now() - interval '2 minutes'")
    assert commission_queue.republish_stale() == 0  # processed rows are never re-sent
    assert clean.execute(
        "select publish_attempts from commission_outbox where order_id = %s", (order_id,)
    ).fetchone() == (1,)


def test_publish_after_commit_sends_one_message(clean: psycopg.Connection, queues: Queues) -> None:
    _, buyer = referral_chain(2)
    order_id, _ = paid_order(clean, buyer.user["id"], Decimal("1.00"), create_lottery(clean))
    assert commission_queue.publish_after_commit(order_id) is True
    assert [json.loads(m["Body"]) for m in queues.receive()] == [{"order_id": order_id}]


def test_referral_stats_and_invited_users(clean: psycopg.Connection) -> None:
    top, middle, bottom, buyer = referral_chain(4)
    second_friend = sign_in(start_param=f"ref_{top.user['referral_code']}", username="friend2")
    lottery = create_lottery(clean)
    orders = [
        paid_order(clean, buyer.user["id"], amount, lottery)[0] for amount in (Decimal("10.00"), Decimal("33.33"))
    ]
    consume([sqs_record(order_message(order_id)) for order_id in orders])

    stats = invoke("get-user-referral-stats", {}, token=top.token).data
    assert (stats["level1_referrals"], stats["level2_referrals"], stats["level3_referrals"]) == (2, 1, 1)
    assert stats["total_referrals"] == 4
    # level 3 for top: 0.5% of 10.00 = 0.05 and of 33.33 = 0.16665 -> 0.16
    assert stats["total_commission"] == Decimal("0.21") and stats["paid_commission"] == Decimal("0.21")
    assert stats["pending_commission"] == 0
    assert stats["first_deposit_bonus_status"] == "none"
    assert stats["activation_invite_count"] == 2 and stats["activation_required_invites"] == 1
    assert stats["activation_conditions_met"] is True

    page = invoke("get-invited-users", {"limit": 3}, token=top.token)
    assert page.status == 200 and page.body["page"] == {"limit": 3, "offset": 0, "total": 4}
    rows = {row["id"]: row for row in page.data}
    assert rows[second_friend.user["id"]]["level"] == 1
    rest = invoke("get-invited-users", method="GET", query="limit=3&offset=3", token=top.token).data
    assert len(rest) == 1
    everyone = {**rows, **{row["id"]: row for row in rest}}
    assert everyone[buyer.user["id"]] | {"created_at": None} == {
        "id": buyer.user["id"],
        "telegram_username": "chain3",
        "avatar_url": None,
        "created_at": None,
        "level": 3,
        "commission_earned": Decimal("0.21"),
        "total_spent": Decimal("43.33"),
    }
    assert everyone[middle.user["id"]]["commission_earned"] == 0  # middle bought nothing

    bottom_stats = invoke("get-user-referral-stats", token=bottom.token).data
    assert bottom_stats["level1_referrals"] == 1 and bottom_stats["total_commission"] == Decimal("1.29")


def test_bonus_state_is_expired_once_past_its_expiry(clean: psycopg.Connection) -> None:
    user = sign_in()
    clean.execute(
        "update users set first_deposit_bonus_status = 'pending', first_deposit_bonus_amount = 2.5, "
        "first_deposit_bonus_expire_at = now() - interval '1 second' where id = %s",
        (user.user["id"],),
    )
    stats = invoke("get-user-referral-stats", token=user.token).data
    assert stats["first_deposit_bonus_status"] == "expired"
    assert stats["first_deposit_bonus_amount"] == Decimal("2.50")
    assert stats["activation_conditions_met"] is False


def test_referral_reads_need_a_session_and_validate_paging() -> None:
    assert invoke("get-user-referral-stats", {}).status == 401
    user = sign_in()
    assert invoke("get-invited-users", {"limit": 0}, token=user.token).status == 400
    assert invoke("get-invited-users", {"offset": -1}, token=user.token).status == 400


def test_database_forbids_referral_cycles_and_self_referral(clean: psycopg.Connection) -> None:
    first, second = referral_chain(2)
    with pytest.raises(psycopg.errors.CheckViolation):
        clean.execute(
            "update users set referred_by_id = %s, referrer_id = %s where id = %s",
            (second.user["id"], second.user["id"], first.user["id"]),
        )
    loner = sign_in()
    with pytest.raises(psycopg.errors.CheckViolation):
        clean.execute("update users set referred_by_id = id, referrer_id = id where id = %s", (loner.user["id"],))


def test_admin_lists_and_replays_dead_letters(clean: psycopg.Connection, queues: Queues) -> None:
    finance = make_admin(clean, "FINANCE")
    support = make_admin(clean, "SUPPORT")
    first = queues.sqs.send_message(
        QueueUrl=queues.dlq_url, MessageBody=order_message("00000000-0000-4000-8000-000000000001")
    )["MessageId"]
    second = queues.sqs.send_message(QueueUrl=queues.dlq_url, MessageBody="garbage")["MessageId"]

    denied = admin_invoke("admin-commissions", "commissions.dlq_list", {}, token=support)
    assert denied["statusCode"] == 403

    listed = admin_invoke("admin-commissions", "commissions.dlq_list", {"limit": 10}, token=finance)
    assert listed["statusCode"] == 200 and listed["data"]["total"] == 2
    by_id = {item["message_id"]: item for item in listed["data"]["items"]}
    assert by_id[first]["order_id"] == "00000000-0000-4000-8000-000000000001"
    assert by_id[second]["order_id"] is None and by_id[second]["body"] == "garbage"

    bad = admin_invoke("admin-commissions", "commissions.dlq_replay", {}, token=finance)
    assert bad["statusCode"] == 400
    missing = admin_invoke("admin-commissions", "commissions.dlq_replay", {"message_id": "nope"}, token=finance)
    assert missing["statusCode"] == 404

    replayed = admin_invoke("admin-commissions", "commissions.dlq_replay", {"message_id": first}, token=finance)
    assert replayed["data"] == {"replayed": 1, "message_ids": [first]}
    assert [m["Body"] for m in queues.receive()] == [order_message("00000000-0000-4000-8000-000000000001")]

    rest = admin_invoke("admin-commissions", "commissions.dlq_replay", {"all": True}, token=finance)
    assert rest["data"] == {"replayed": 1, "message_ids": [second]}
    assert queues.receive(queues.dlq_url) == []
    actions = clean.execute("select action, outcome from admin_logs order by id").fetchall()
    assert ("commissions.dlq_list", "DENIED") in actions
    # the authorised attempt is audited before SQS is scanned; the miss adds its FAILED row
    assert actions.count(("commissions.dlq_replay", "SUCCESS")) == 3
    assert ("commissions.dlq_replay", "FAILED") in actions


def test_concurrent_batches_with_shared_referrers_neither_deadlock_nor_pay_twice(
    clean: psycopg.Connection,
) -> None:
    top = sign_in()
    referrers = [sign_in(start_param=f"ref_{top.user['referral_code']}") for _ in range(4)]
    buyers = [sign_in(start_param=f"ref_{r.user['referral_code']}") for r in referrers]
    lottery = create_lottery(clean)
    orders = [paid_order(clean, b.user["id"], Decimal("10.00"), lottery)[0] for b in buyers for _ in range(5)]

    def run(order_ids: list[str]) -> list[dict[str, Any]]:
        return [consume([sqs_record(order_message(o)) for o in order_ids[i : i + 10]]) for i in (0, 10)]

    # the same 20 orders in opposite orders on two workers: every referrer wallet is wanted by both
    with ThreadPoolExecutor(2) as pool:
        responses = [r for rs in pool.map(run, [orders, orders[::-1]]) for r in rs]

    assert all(r["batchItemFailures"] == [] for r in responses)
    assert coin_balance(clean, top.user["id"]) == Decimal("2.00")  # 20 orders x 1% of 10.00
    assert all(coin_balance(clean, r.user["id"]) == Decimal("1.50") for r in referrers)  # 5 x 3%
    assert clean.execute("select count(*) from commissions").fetchone() == (40,)
    assert check_invariants(clean) == []


def test_a_batch_sharing_a_referrer_settles_while_another_holds_its_wallet(clean: psycopg.Connection) -> None:
    """Two batches paying the same top referrer, in two transactions: the second settles all its orders while the
    first still holds the shared wallets (uncommitted) and waits only to credit them; both then pay exactly."""
    top = sign_in()
    referrers = [sign_in(start_param=f"ref_{top.user['referral_code']}") for _ in range(2)]
    buyers = [sign_in(start_param=f"ref_{r.user['referral_code']}") for r in referrers]
    lottery = create_lottery(clean)
    orders = [paid_order(clean, b.user["id"], Decimal("10.00"), lottery)[0] for b in buyers for _ in range(5)]
    first, second = orders[::2], orders[1::2][::-1]  # both batches pay top and both referrers

    dsn = clean.info.dsn
    results: list[Any] = []
    with psycopg.connect(dsn) as holder, psycopg.connect(dsn) as other:
        holder.execute("set deadlock_timeout = '100ms'")
        other.execute("set statement_timeout = '20s'")
        (held,) = holder.execute("select public.process_commissions(%s::uuid[])", (first,)).fetchone() or (None,)
        other_pid = other.info.backend_pid
        worker = threading.Thread(
            target=lambda: results.append(
                other.execute("select public.process_commissions(%s::uuid[])", (second,)).fetchone()
            )
        )
        worker.start()
        deadline = time.monotonic() + 10
        blockers: list[int] = []
        while not blockers and time.monotonic() < deadline:
            time.sleep(0.02)
            (blockers,) = clean.execute("select pg_blocking_pids(%s)", (other_pid,)).fetchone() or ([],)
        assert blockers == [holder.info.backend_pid], "the second batch should wait for the first one's wallets"
        # it waits in the credit pass, having settled its orders: their commission rows are written
        settled = clean.execute(
            "select count(*) from pg_locks l join pg_class r on r.oid = l.relation "
            "where l.pid = %s and l.granted and r.relname = 'commissions' and l.mode = 'RowExclusiveLock'",
            (other_pid,),
        ).fetchone()
        assert settled == (1,)
        holder.commit()
        worker.join(20)
        other.commit()

    assert results and held is not None
    for outcome in (held, results[0][0]):
        assert [r["ok"] for r in outcome["results"]] == [True] * 5
    assert coin_balance(clean, top.user["id"]) == Decimal("1.00")  # 10 orders x 1% of 10.00
    assert all(coin_balance(clean, r.user["id"]) == Decimal("1.50") for r in referrers)  # 5 x 3% each
    assert clean.execute("select count(*) from wallet_transactions where type = 'COMMISSION'").fetchone() == (20,)
    # one balance update per wallet and batch, but each credit its own ledger row, chained from 0.00 to the balance
    chain = clean.execute(
        "select t.balance_before, t.balance_after from wallet_transactions t join wallets w on w.id = t.wallet_id "
        "where w.user_id = %s and w.type = 'LUCKY_COIN' order by t.balance_before",
        (top.user["id"],),
    ).fetchall()
    assert len(chain) == 10 and chain[0][0] == Decimal("0.00") and chain[-1][1] == Decimal("1.00")
    assert all(before == previous_after for (_, previous_after), (before, _) in itertools.pairwise(chain))
    assert check_invariants(clean) == []


def test_a_pending_commission_of_a_referrer_banned_before_the_draw_is_cancelled(clean: psycopg.Connection) -> None:
    top, banned, buyer = referral_chain(3)
    lottery = create_lottery(clean, drawn=False)
    order_id, _ = paid_order(clean, buyer.user["id"], Decimal("100.00"), lottery)
    consume([sqs_record(order_message(order_id))])
    assert [(level, status) for level, *_, status in commissions_of(clean, order_id)] == [
        (1, "PENDING"),
        (2, "PENDING"),
    ]

    clean.execute("update users set status = 'BANNED', banned_at = now() where id = %s", (banned.user["id"],))
    clean.execute(
        "update lotteries set status = 'COMPLETED', sold_tickets = total_tickets, winning_ticket_number = 1000001 "
        "where id = %s",
        (lottery,),
    )
    clean.execute("select private.rearm_commissions(%s)", (lottery,))  # what the draw does
    (result,) = clean.execute("select public.process_commissions(array[%s]::uuid[])", (order_id,)).fetchone() or (
        None,
    )

    assert result["results"][0]["cancelled"] == 1 and len(result["results"][0]["paid"]) == 1
    assert [(level, status) for level, *_, status in commissions_of(clean, order_id)] == [
        (1, "CANCELLED"),
        (2, "PAID"),
    ]
    assert coin_balance(clean, banned.user["id"]) == Decimal("0.00")
    assert coin_balance(clean, top.user["id"]) == Decimal("1.00")
    assert check_invariants(clean) == []
