"""Commissions end to end: sign-up by referral links over HTTP, a real SQS API (moto server) with a DLQ
redrive after 5 receives, the consumer fed like the Lambda poller feeds it, and the results over HTTP. Packaged,
the queues are the packaged stage's and the consumer and admin functions run from their zips."""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import boto3
import httpx
import psycopg
import pytest
from moto.server import ThreadedMotoServer

from infra.local.lambdas import Lambdas
from infra.local.packaged import PackagedDeployment
from infra.local.stack import free_port
from luckymart import commission_queue, jsonutil
from tests.support import admin_event, make_admin, signed_init_data
from tests.support_commissions import (
    MAX_RECEIVE_COUNT,
    REGION,
    Queues,
    coin_balance,
    create_lottery,
    create_queues,
    paid_order,
)

pytestmark = pytest.mark.e2e


@pytest.fixture
def sqs_server(
    monkeypatch: pytest.MonkeyPatch, lambda_mode: str, request: pytest.FixtureRequest
) -> Iterator[Queues]:
    if lambda_mode == "packaged":  # the stage's own queues, emptied of what earlier tests' purchases published
        deployment: PackagedDeployment = request.getfixturevalue("packaged")
        aws = deployment.aws
        for name, value in aws.env.items():
            monkeypatch.setenv(name, value)
        queues = Queues(
            boto3.client("sqs", region_name=REGION, endpoint_url=aws.endpoint), aws.queue_url, aws.dlq_url
        )
        for url in (aws.queue_url, aws.dlq_url):  # (PurgeQueue is allowed once a minute)
            while messages := queues.receive(url, visibility=0):
                for message in messages:
                    queues.sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        commission_queue.reset()
        yield queues
        commission_queue.reset()
        return
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port)
    server.start()
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{port}")
    try:
        yield create_queues(monkeypatch)
    finally:
        commission_queue.reset()
        server.stop()


def poll_once(queues: Queues, lambdas: Lambdas) -> dict[str, Any] | None:
    """One poll of the Lambda SQS event source: receive, invoke, delete what succeeded."""
    messages = queues.receive(visibility=0)
    if not messages:
        return None
    response: dict[str, Any] = lambdas.invoke("process-commissions", {"Records": queues.records(messages)})
    queues.delete_succeeded(messages, response)
    return response


def join(api: httpx.Client, telegram_id: int, username: str, inviter: dict[str, Any] | None) -> dict[str, Any]:
    body: dict[str, Any] = {"initData": signed_init_data(telegram_id, username=username)}
    if inviter is not None:
        body["startParam"] = f"ref_{inviter['user']['referral_code']}"
    response = api.post("/auth-telegram", json=body)
    assert response.status_code == 200, response.text
    data: dict[str, Any] = jsonutil.loads(response.content)["data"]
    return data


def get(api: httpx.Client, name: str, who: dict[str, Any], query: str = "") -> Any:
    response = api.get(f"/{name}{query}", headers={"X-Session-Token": who["session"]["token"]})
    assert response.status_code == 200, response.text
    return jsonutil.loads(response.content)


def test_chain_of_four_pays_three_referrers_once(
    api: httpx.Client, clean: psycopg.Connection, sqs_server: Queues, lambdas: Lambdas
) -> None:
    a = join(api, 7001, "alice", None)
    b = join(api, 7002, "bob", a)
    c = join(api, 7003, "carol", b)
    d = join(api, 7004, "dave", c)
    order_id, queued = paid_order(clean, d["user"]["id"], Decimal("250.50"), create_lottery(clean))
    assert queued

    # published after commit, and (as after a lost acknowledgement) re-published too: two deliveries
    assert commission_queue.publish_after_commit(order_id)
    clean.execute("update commission_outbox set created_at = now() - interval '2 minutes'")
    assert commission_queue.republish_stale() == 1
    while (response := poll_once(sqs_server, lambdas)) is not None:
        assert response["batchItemFailures"] == []

    # 3% of 250.50 = 7.515 -> 7.51; 1% = 2.505 -> 2.50; 0.5% = 1.2525 -> 1.25
    expected = {"c": Decimal("7.51"), "b": Decimal("2.50"), "a": Decimal("1.25")}
    for name, who in (("a", a), ("b", b), ("c", c)):
        stats = get(api, "get-user-referral-stats", who)["data"]
        assert stats["total_commission"] == expected[name] == stats["paid_commission"], name
        assert coin_balance(clean, who["user"]["id"]) == expected[name], name
    a_stats = get(api, "get-user-referral-stats", a)["data"]
    assert (a_stats["level1_referrals"], a_stats["level2_referrals"], a_stats["level3_referrals"]) == (1, 1, 1)

    invited = get(api, "get-invited-users", a, "?limit=10")
    assert invited["page"]["total"] == 3
    assert [(row["telegram_username"], row["level"]) for row in invited["data"]] == [
        ("dave", 3),
        ("carol", 2),
        ("bob", 1),
    ]
    dave = invited["data"][0]
    assert dave["commission_earned"] == Decimal("1.25") and dave["total_spent"] == Decimal("250.50")
    assert clean.execute("select count(*) from wallet_transactions where type = 'COMMISSION'").fetchone() == (3,)


def test_poison_message_reaches_the_dlq_after_five_receives_and_is_replayed_by_an_admin(
    clean: psycopg.Connection, sqs_server: Queues, lambdas: Lambdas
) -> None:
    sqs_server.sqs.send_message(QueueUrl=sqs_server.queue_url, MessageBody=json.dumps({"order_id": "x"}))
    deliveries = 0
    for _ in range(MAX_RECEIVE_COUNT + 3):
        response = poll_once(sqs_server, lambdas)
        if response is None:
            break
        deliveries += 1
        assert len(response["batchItemFailures"]) == 1
    assert deliveries == MAX_RECEIVE_COUNT

    token = make_admin(clean, "FINANCE")
    listed = lambdas.invoke("admin-commissions", admin_event("commissions.dlq_list", {}, token=token))
    assert [(item["body"], item["order_id"]) for item in listed["data"]["items"]] == [('{"order_id": "x"}', None)]
    replayed = lambdas.invoke(
        "admin-commissions", admin_event("commissions.dlq_replay", {"all": True}, token=token)
    )
    assert replayed["data"]["replayed"] == 1
    assert sqs_server.receive(sqs_server.dlq_url) == []
    assert [m["Body"] for m in sqs_server.receive()] == ['{"order_id": "x"}']
