"""Referral commissions end to end: users sign in over HTTP through invite links, a purchase commits its order
and outbox row, the message travels through a real SQS API (moto's server, DLQ redrive after 5 receives) to
process-commissions via the local poller, and the referrers read their stats over HTTP. Admins replay the
dead letters with the admin function."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import httpx
import psycopg
import pytest

from infra.local.sqs import SqsPoller, local_sqs_server, sqs_client, start_local_sqs
from luckymart import commission_queue, jsonutil
from tests.support import SignedIn, admin_invoke, make_admin, signed_init_data
from tests.support_commissions import lucky_coins, outbox, paid_order

pytestmark = pytest.mark.e2e


@pytest.fixture
def poller() -> Iterator[SqsPoller]:
    with local_sqs_server() as (_, endpoint):
        running = start_local_sqs(endpoint, retry_after_seconds=0)
        try:
            yield running
        finally:
            running.stop()


def sign_in_over_http(api: httpx.Client, telegram_id: int, name: str, inviter: SignedIn | None) -> SignedIn:
    body: dict[str, Any] = {"initData": signed_init_data(telegram_id, username=name)}
    if inviter is not None:
        body["startParam"] = f"ref_{inviter.user['referral_code']}"
    data = api.post("/auth-telegram", json=body).json()["data"]
    return SignedIn(data["session"]["token"], data["user"], data["wallets"])


def read(api: httpx.Client, name: str, user: SignedIn, **query: Any) -> Any:
    response = api.get(f"/{name}", params=query, headers={"X-Session-Token": user.token})
    payload = jsonutil.loads(response.content)
    assert response.status_code == 200, payload
    return payload["data"]


def wait_for(condition: Callable[[], bool], seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def messages_in(queue_url: str) -> int:
    attributes = sqs_client().get_queue_attributes(
        QueueUrl=queue_url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]) + int(
        attributes["ApproximateNumberOfMessagesNotVisible"]
    )


def dlq_size() -> int:
    return messages_in(os.environ["COMMISSION_DLQ_URL"])


def test_a_invites_b_invites_c_invites_d_and_d_buys(
    api: httpx.Client, clean: psycopg.Connection, poller: SqsPoller
) -> None:
    a = sign_in_over_http(api, 7001, "alice", None)
    b = sign_in_over_http(api, 7002, "bob", a)
    c = sign_in_over_http(api, 7003, "carol", b)
    d = sign_in_over_http(api, 7004, "dave", c)

    order_id, queued = paid_order(clean, d, "250.00")  # the purchase's transaction (issue 4 wires the handler)
    assert queued and commission_queue.publish_after_commit(order_id)
    wait_for(lambda: (outbox(clean, order_id) or {}).get("processed_at") is not None)

    assert [lucky_coins(clean, u) for u in (c, b, a)] == [Decimal("7.50"), Decimal("2.50"), Decimal("1.25")]
    a_stats = read(api, "get-user-referral-stats", a)
    assert [a_stats[f"level{n}_referrals"] for n in (1, 2, 3)] == [1, 1, 1]
    assert (a_stats["total_commission"], a_stats["paid_commission"]) == (Decimal("1.25"), Decimal("1.25"))
    assert read(api, "get-user-referral-stats", c)["total_commission"] == Decimal("7.50")

    invited = read(api, "get-invited-users", a)
    assert [(u["telegram_username"], u["level"], u["commission_earned"]) for u in invited] == [
        ("bob", 1, 0),
        ("carol", 2, 0),
        ("dave", 3, Decimal("1.25")),
    ]
    assert invited[2]["total_spent"] == Decimal("250.00")
    b_view = read(api, "get-invited-users", b, level=2)
    assert [(u["telegram_username"], u["commission_earned"]) for u in b_view] == [("dave", Decimal("2.50"))]

    # the sweeper finds nothing to resend: the consumer marked the row processed in its own transaction
    clean.execute("update commission_outbox set created_at = now() - interval '5 minutes'")
    assert commission_queue.republish_stale() == commission_queue.Republished(0, 0)


def test_failing_messages_reach_the_dlq_after_5_receives_and_replay_pays_once(
    api: httpx.Client, clean: psycopg.Connection, poller: SqsPoller
) -> None:
    a = sign_in_over_http(api, 7101, "alice", None)
    b = sign_in_over_http(api, 7102, "bob", a)
    admin = make_admin(clean, "FINANCE")
    good, _ = paid_order(clean, b, "100.00")
    poison = str(uuid.uuid4())
    try:  # a bad configuration makes every commission fail until it is fixed
        clean.execute(
            "update system_config set value = '{\"1\": 0.123456}' where key = 'referral_commission_rates'"
        )
        assert commission_queue.publish_after_commit(good)
        assert commission_queue.publish_after_commit(poison)
        wait_for(lambda: dlq_size() == 2)
    finally:
        clean.execute(
            'update system_config set value = \'{"1": 0.03, "2": 0.01, "3": 0.005}\' '
            "where key = 'referral_commission_rates'"
        )
    assert lucky_coins(clean, a) == 0

    listed = admin_invoke("admin-commissions", "commissions.dlq_list", {}, token=admin)
    assert listed["statusCode"] == 200, listed
    by_order = {item["order_id"]: item["message_id"] for item in listed["data"]["items"]}
    assert set(by_order) == {good, poison}

    replayed = admin_invoke(
        "admin-commissions", "commissions.dlq_replay", {"message_id": by_order[good]}, token=admin
    )
    assert replayed["statusCode"] == 200, replayed
    wait_for(lambda: lucky_coins(clean, a) == Decimal("3.00"))
    assert commission_queue.publish_after_commit(good)  # and a late duplicate still pays nothing more
    wait_for(lambda: messages_in(commission_queue.queue_url()) == 0)
    assert lucky_coins(clean, a) == Decimal("3.00")
    assert dlq_size() == 1  # the poison message stays for the operator
