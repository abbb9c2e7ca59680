"""Every user function in-process on the real stack, on realistic data (a user with ledger history, full pages, a
market of 20 listings, a purchase with a referrer): p50/p99 latency next to a bare rpc(), and the number of
database round trips (PostgREST calls) per request, counted at the one place handlers reach the database.
Requests that can succeed only once (ship a prize, sign out, buy a listing...) get fresh state prepared before
timing and fewer runs."""

from __future__ import annotations

import itertools
import os
import statistics
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import psycopg

from bench.common import install_noop_rpc, interleaved, percentile, raise_rate_limits, timed
from infra.local.aws import local_aws
from infra.local.s3 import local_s3
from infra.local.stack import private_stack
from luckymart import commission_queue, db, outbox
from scripts.openapi import endpoints
from tests.support import SignedIn, invoke, sign_in, signed_init_data
from tests.support_catalogue import drawn_lottery
from tests.support_lottery import create_lottery
from tests.support_prizes import approved_showoff, fund, win_prize

RUNS = 200
ONE_SHOT_RUNS = 40  # requests that need fresh state per call
WARMUP = 5
ADDRESS = {"recipient_name": "Ali", "phone": "+992900000001", "address": "Rudaki 1", "city": "Dushanbe"}
WEBHOOK_SECRET = "bench-webhook-secret"


def ok(result: Any) -> Any:
    assert result.status == 200, result.body
    return result


def each(items: list[Any]) -> Callable[[], Any]:
    """The next prepared item on every call (one-shot requests)."""
    iterator: Iterator[Any] = iter(items)
    return lambda: next(iterator)


def sample_requests(pg: psycopg.Connection, user: SignedIn) -> dict[str, Callable[[], Any]]:
    """One representative, valid request per user function, on realistic data."""
    fund(pg, user, "BALANCE", Decimal(100_000))
    for _ in range(100):  # ledger history: 200 rows
        ok(invoke("exchange-balance", {"amount": 1}, token=user.token))
    prize = win_prize(pg, user)["prize_id"]
    won = win_prize(pg, user)
    showoff = approved_showoff(pg, user, won["prize_id"])
    drawn = drawn_lottery(pg)[0]["id"]  # sold out and drawn through the real functions: verifiable
    open_lottery = create_lottery(pg, total_tickets=1_000_000)["id"]
    seller = sign_in(username="bench_rt_seller")
    for _ in range(20):  # a full market page
        listed = win_prize(pg, seller, total_tickets=2)["prize_id"]
        ok(invoke("create-resale", {"prize_id": listed, "price": 20}, token=seller.token))
    for number in range(20):  # full pages of tickets, orders and notifications
        purchase = {"lottery_id": open_lottery, "quantity": 1, "payment_method": "BALANCE"}
        ok(
            invoke(
                "lottery-purchase", purchase, token=user.token, headers={"Idempotency-Key": f"rt-setup-{number}"}
            )
        )
    one_shot = ONE_SHOT_RUNS + WARMUP
    to_ship = [win_prize(pg, user, total_tickets=2)["prize_id"] for _ in range(one_shot)]
    to_show = [win_prize(pg, user, total_tickets=2)["prize_id"] for _ in range(one_shot)]
    for_sale = []
    for _ in range(one_shot):
        listed = win_prize(pg, seller, total_tickets=2)["prize_id"]
        for_sale.append(
            ok(invoke("create-resale", {"prize_id": listed, "price": 20}, token=seller.token)).data["id"]
        )
    signed_in = [sign_in() for _ in range(one_shot)]
    depositors = [sign_in() for _ in range(one_shot)]  # at most 5 pending deposits per user
    bonus_holders = [sign_in() for _ in range(one_shot)]
    withdrawers = [sign_in() for _ in range(one_shot)]  # at most 3 pending withdrawals per user
    for withdrawer in withdrawers:
        fund(pg, withdrawer, "BALANCE", Decimal(100))
    pg.execute(
        "update users set first_deposit_bonus_status = 'pending', first_deposit_bonus_amount = 2.5, "
        "first_deposit_bonus_expire_at = now() + interval '1 day' where id = any(%s::uuid[])",
        ([holder.user["id"] for holder in bonus_holders],),
    )
    pg.execute(
        "update system_config set value = value || '{\"min_invites\": 0}'::jsonb where key = 'first_deposit_bonus'"
    )
    keys = (f"rt-{number}" for number in itertools.count())
    init_data = signed_init_data(777_001)
    token = user.token
    withdrawal = {"amount": 20, "currency": "TJS", "withdrawalMethod": "ALIF_MOBI",
                  "mobileWalletNumber": "+992900000001", "mobileWalletName": "Test User"}  # fmt: skip
    webhook_update = {
        "update_id": 1,
        "message": {"message_id": 1, "date": 0, "text": "hello", "chat": {"id": 777_001, "type": "private"},
                    "from": {"id": 777_001, "is_bot": False, "first_name": "T", "language_code": "ru"}},
    }  # fmt: skip
    next_shipment, next_showoff, next_listing = each(to_ship), each(to_show), each(for_sale)
    next_session, next_depositor, next_bonus = each(signed_in), each(depositors), each(bonus_holders)
    next_withdrawer = each(withdrawers)
    return {
        "validate-session": lambda: invoke("validate-session", {}, token=token),
        "get-wallet-balance": lambda: invoke("get-wallet-balance", {}, token=token),
        "get-transactions": lambda: invoke("get-transactions", {"limit": 20}, token=token),
        "get-payment-config": lambda: invoke("get-payment-config", {"type": "DEPOSIT"}),
        "exchange-balance": lambda: invoke("exchange-balance", {"amount": 1}, token=token),
        "create-upload-url": lambda: invoke("create-upload-url", {"content_type": "image/png"}, token=token),
        "get-my-prizes": lambda: invoke("get-my-prizes", {}, token=token),
        "list-resale-items": lambda: invoke("list-resale-items", {}),
        "list-showoffs": lambda: invoke("list-showoffs", {}, token=token),
        "like-showoff": lambda: invoke("like-showoff", {"showoff_id": showoff}, token=token),
        "get-notifications": lambda: invoke("get-notifications", {}, token=token),
        "mark-notifications-read": lambda: invoke("mark-notifications-read", {"all": True}, token=token),
        "get-user-referral-stats": lambda: invoke("get-user-referral-stats", {}, token=token),
        "get-invited-users": lambda: invoke("get-invited-users", {}, token=token),
        "list-lotteries": lambda: invoke("list-lotteries", {}),
        "list-lotteries (session)": lambda: invoke("list-lotteries", {}, token=token),
        "get-lottery": lambda: invoke("get-lottery", {"lottery_id": drawn}),
        "get-lottery (session)": lambda: invoke("get-lottery", {"lottery_id": open_lottery}, token=token),
        # two requests per sample: list the prize, then take it back
        "create-resale + cancel-resale": lambda: invoke(
            "cancel-resale",
            {"resale_id": invoke("create-resale", {"prize_id": prize, "price": 100}, token=token).data["id"]},
            token=token,
        ),
        "auth-telegram": lambda: invoke("auth-telegram", {"initData": init_data}),
        "lottery-purchase (referred)": lambda: invoke(
            "lottery-purchase",
            {"lottery_id": open_lottery, "quantity": 1, "payment_method": "BALANCE"},
            token=token,
            headers={"Idempotency-Key": next(keys)},
        ),
        "get-my-tickets": lambda: invoke("get-my-tickets", {"limit": 20}, token=token),
        "get-my-orders": lambda: invoke("get-my-orders", {"limit": 20}, token=token),
        "verify-draw": lambda: invoke("verify-draw", method="GET", query=f"lottery_id={drawn}"),
        "get-ticket-proof": lambda: invoke("get-ticket-proof", {"lottery_id": drawn, "ticket_numbers": [1000001]}),
        "withdrawal-request": lambda: invoke(
            "withdrawal-request",
            withdrawal,
            token=next_withdrawer().token,
            headers={"Idempotency-Key": next(keys)},
        ),
        "deposit-request": lambda: invoke(
            "deposit-request", {"amount": 50, "payment_method": "ALIF_MOBI"}, token=next_depositor().token
        ),
        "telegram-webhook": lambda: invoke(
            "telegram-webhook", webhook_update, headers={"x-telegram-bot-api-secret-token": WEBHOOK_SECRET}
        ),
        # one-shot: fresh state per call, prepared above
        "request-shipping": lambda: invoke(
            "request-shipping", {"prize_id": next_shipment(), **ADDRESS}, token=token
        ),
        "create-showoff": lambda: invoke(
            "create-showoff", {"prize_id": next_showoff(), "content": "Look!"}, token=token
        ),
        "purchase-resale": lambda: invoke(
            "purchase-resale",
            {"resale_id": next_listing(), "payment_method": "BALANCE"},
            token=token,
            headers={"Idempotency-Key": next(keys)},
        ),
        "logout": lambda: invoke("logout", {}, token=next_session().token),
        "activate-first-deposit-bonus": lambda: invoke(
            "activate-first-deposit-bonus", {}, token=next_bonus().token
        ),
    }


ONE_SHOT = {"request-shipping", "create-showoff", "purchase-resale", "logout", "activate-first-deposit-bonus",
            "deposit-request", "withdrawal-request"}  # fmt: skip


def main() -> None:
    calls = {"n": 0}
    real_rpc = db.rpc

    def counting_rpc(function: str, params: dict[str, Any]) -> Any:
        calls["n"] += 1
        return real_rpc(function, params)

    with (
        private_stack() as stack,
        local_s3(),
        local_aws(),  # the commission queue a referred purchase publishes to
        psycopg.connect(stack.database_url, autocommit=True) as pg,
    ):
        commission_queue.reset()
        install_noop_rpc(stack)
        raise_rate_limits(stack.database_url)
        os.environ["TELEGRAM_WEBHOOK_SECRET"] = WEBHOOK_SECRET
        referrer = sign_in(username="bench_rt_referrer")  # every purchase also records commissions for them
        samples = sample_requests(
            pg, sign_in(username="bench_round_trips", start_param=f"ref_{referrer.user['referral_code']}")
        )
        print("each request interleaved with a bare no-op rpc() (x bare: p50 / that rpc's p50 in the same run)")
        print(f"{'function':<30} {'p50 ms':>8} {'p99 ms':>8} {'bare p50':>9} {'x bare':>7} {'db trips':>9}")
        covered = {part.split(" (")[0] for name in samples for part in name.split(" + ")}
        for missing in sorted({ep.name for ep in endpoints()} - covered):
            print(f"{missing:<30} (no sample request here)")
        db.rpc = counting_rpc
        try:
            for name in sorted(samples):
                calls["n"] = 0
                count = ONE_SHOT_RUNS if name in ONE_SHOT else RUNS
                runs, bare = interleaved(
                    lambda name=name: ok(samples[name]()),  # type: ignore[misc]
                    count, warmup=WARMUP, bare=lambda: real_rpc("bench_noop", {}),
                )  # fmt: skip
                trips = calls["n"] / (count + WARMUP) / (name.count("+") + 1)
                p50, floor = statistics.median(runs), statistics.median(bare)
                print(f"{name:<30} {p50:8.2f} {percentile(runs, 0.99):8.2f} {floor:9.2f} {p50 / floor:7.2f} "
                      f"{trips:9.2f}")  # fmt: skip
        finally:
            db.rpc = real_rpc
        # a referred purchase and a resale sale publish to SQS after commit (commission order, seller's push)
        queue = outbox.queue_url(commission_queue.QUEUE_URL_ENV)
        assert queue is not None
        sends = timed(lambda: outbox.sqs_client().send_message_batch(
            QueueUrl=queue, Entries=[{"Id": "0", "MessageBody": "{}"}]), RUNS)  # fmt: skip
        print(f"{'of which: one SQS publish':<30} {statistics.median(sends):8.2f} {percentile(sends, 0.99):8.2f}"
              "   (moto in this process; on AWS an in-region SQS call instead)")  # fmt: skip


if __name__ == "__main__":
    main()
