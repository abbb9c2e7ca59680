"""Observability on the real stack: the scheduled job reports the ages the alarms watch, `luckymart-admin health`
finds an overdue draw, a stale outbox row and a full DLQ and exits 4, one correlation id runs from a purchase
through the commission queue to the consumer's log line, and each function logs under its own name."""

from __future__ import annotations

import io
import json
import logging
import os
import re
import uuid
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest

from infra.local.aws import LocalAws, local_aws
from infra.local.events import LocalContext, function_url_event, scheduled_event
from luckymart import commission_queue
from luckymart.log import logger
from luckymart_cli.main import EXIT_ATTENTION, EXIT_OK, main
from tests.support import invoke, make_admin, sign_in
from tests.support_commissions import Queues, consume, queues
from tests.support_lottery import create_lottery, force_draw_time_passed, fund
from tests.support_wallets import deposit

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean")]
__all__ = ["queues"]


@pytest.fixture
def logs() -> Iterator[io.StringIO]:
    """The JSON log lines the layer's Powertools logger writes during the test."""
    buffer = io.StringIO()
    handler = logger.registered_handler
    assert isinstance(handler, logging.StreamHandler)
    previous = handler.setStream(buffer)
    try:
        yield buffer
    finally:
        handler.setStream(previous)


def log_lines(text: str) -> list[dict[str, Any]]:
    lines = []
    for line in text.splitlines():
        if line.startswith("{"):
            try:
                lines.append(json.loads(line))
            except ValueError:
                continue
    return lines


def emf(lines: list[dict[str, Any]], name: str) -> list[dict[str, Any]]:
    return [line for line in lines if "_aws" in line and name in line]


def value(blob: dict[str, Any], name: str) -> float:
    """A metric's single value in an EMF line (Powertools writes values as lists)."""
    raw = blob[name]
    (single,) = raw if isinstance(raw, list) else [raw]
    return float(single)


def purchase_event(token: str, body: dict[str, Any]) -> dict[str, Any]:
    return function_url_event(
        "POST",
        headers={
            "content-type": "application/json",
            "x-session-token": token,
            "idempotency-key": str(uuid.uuid4()),
        },
        body=json.dumps(body).encode(),
    )


def buy(buyer: Any, lottery_id: str, quantity: int) -> tuple[dict[str, Any], str]:
    """A purchase through the handler; returns its data and the request id (the correlation id)."""
    from functions.lottery_purchase.handler import handler

    event = purchase_event(
        buyer.token, {"lottery_id": lottery_id, "quantity": quantity, "payment_method": "BALANCE"}
    )
    response = handler(event, LocalContext(function_name="lottery-purchase"))
    assert response["statusCode"] == 200, response
    return json.loads(response["body"])["data"], event["requestContext"]["requestId"]


def overdue_draw_and_stale_outbox(pg: psycopg.Connection) -> str:
    """A sold-out lottery 10 minutes past draw_time, claimed a minute ago by a drawer that died (not re-claimable
    for 4 more minutes), and an unprocessed outbox row from 10 minutes ago. Returns the lottery id."""
    referrer = sign_in()
    buyer = sign_in(start_param=f"ref_{referrer.user['referral_code']}")
    lottery = create_lottery(pg, ticket_price="1.00", total_tickets=2)
    fund(pg, buyer.user["id"], "10")
    data, _ = buy(buyer, lottery["id"], 2)
    assert data["is_sold_out"]
    pg.execute(
        "update lotteries set status = 'DRAWING', draw_time = now() - interval '10 minutes' where id = %s",
        (lottery["id"],),
    )
    pg.execute("update commission_outbox set created_at = now() - interval '10 minutes'")
    return str(lottery["id"])


def test_the_scheduled_job_records_its_run_and_emits_the_ages_the_alarms_watch(
    clean: psycopg.Connection, queues: Queues, capfd: pytest.CaptureFixture[str], logs: io.StringIO
) -> None:
    overdue_draw_and_stale_outbox(clean)
    from functions.auto_lottery_draw.handler import handler as scheduled_job

    capfd.readouterr()
    result = scheduled_job(scheduled_event(), LocalContext(function_name="auto-lottery-draw"))
    assert result["backlog"]["overdue_draws"] == 1 and result["backlog"]["outbox_backlog"] == 1
    lines = log_lines(capfd.readouterr().out)
    (blob,) = emf(lines, "SchedulerRuns")
    assert blob["function"] == "auto-lottery-draw" and value(blob, "SchedulerRuns") == 1
    assert 600 <= value(blob, "OverdueDrawAge") < 700 and 600 <= value(blob, "OutboxOldestAge") < 700
    assert blob["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "LuckyMart/local"
    (run_line,) = [line for line in log_lines(logs.getvalue()) if line.get("message") == "scheduler run"]
    assert run_line["function_name"] == "auto-lottery-draw"
    heartbeat = clean.execute("select last_run_at > now() - interval '1 minute' from ops_heartbeats").fetchall()
    assert heartbeat == [(True,)]


@pytest.fixture
def local_sqs() -> Iterator[LocalAws]:
    """`make dev`'s local AWS (moto server with luckymart-local-commissions and its -dlq) on a free port."""
    saved = dict(os.environ)
    try:
        with local_aws() as aws:
            yield aws
    finally:
        os.environ.clear()
        os.environ.update(saved)
        commission_queue.reset()


def run_health(token: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    os.environ["LUCKYMART_ADMIN_TOKEN"] = token
    try:
        code = main(["health", "--local"], out, err)
    finally:
        del os.environ["LUCKYMART_ADMIN_TOKEN"]
    return code, out.getvalue(), err.getvalue()


def test_health_reports_an_overdue_draw_a_stale_outbox_row_and_a_full_dlq_and_exits_4(
    clean: psycopg.Connection, local_sqs: LocalAws
) -> None:
    token = make_admin(clean, "OPERATIONS")
    import boto3

    sqs = boto3.client("sqs", endpoint_url=local_sqs.endpoint)
    from functions.auto_lottery_draw.handler import handler as scheduled_job

    scheduled_job(scheduled_event(), LocalContext(function_name="auto-lottery-draw"))  # a healthy minute
    code, out, err = run_health(token)
    assert code == EXIT_OK, out + err
    assert "ALERT" not in out and "luckymart-local-commissions-dlq=0" in out
    assert re.search(r"migration 2026[0-9]{10}", out), out

    overdue_draw_and_stale_outbox(clean)
    sqs.send_message(QueueUrl=local_sqs.dlq_url, MessageBody='{"order_id": "poison"}')
    code, out, err = run_health(token)
    assert code == EXIT_ATTENTION, out + err
    alerts = {line.split()[1] for line in out.splitlines() if line.startswith("ALERT")}
    assert alerts == {"overdue", "commission", "dead-letter"}, out
    assert "1 lotteries past draw_time, oldest 6" in out
    assert "1 unprocessed, oldest 6" in out
    assert "luckymart-local-commissions-dlq=1" in out

    clean.execute("update ops_heartbeats set last_run_at = now() - interval '4 minutes'")
    code, out, _ = run_health(token)
    assert code == EXIT_ATTENTION and any(line.startswith("ALERT  scheduler") for line in out.splitlines())

    # a filed deposit whose proof S3 has refused to tag for two hours (it would expire after a day)
    depositor = sign_in()
    deposit = invoke("deposit-request", {"amount": 50, "payment_method": "ALIF_MOBI"}, token=depositor.token)
    assert deposit.status == 200, deposit.body
    clean.execute(
        "insert into proof_tagging (deposit_id, keys, created_at, attempts) "
        "values (%s, '[\"deposits/x/proof.jpg\"]', now() - interval '2 hours', 7)",
        (deposit.data["id"],),
    )
    code, out, _ = run_health(token)
    (proofs,) = [line for line in out.splitlines() if "payment proofs" in line]
    assert code == EXIT_ATTENTION and proofs.startswith("ALERT"), out
    assert "1 awaiting their tag, oldest 72" in proofs and "up to 7 attempts" in proofs


def test_one_correlation_id_from_the_purchase_to_the_consumer_log_line(
    clean: psycopg.Connection, queues: Queues, capfd: pytest.CaptureFixture[str], logs: io.StringIO
) -> None:
    referrer = sign_in()
    buyer = sign_in(start_param=f"ref_{referrer.user['referral_code']}")
    lottery = create_lottery(clean, ticket_price="10.00", total_tickets=3)
    fund(clean, buyer.user["id"], "100")
    data, request_id = buy(buyer, lottery["id"], 3)  # sells out

    (message,) = queues.receive()
    assert message["MessageAttributes"]["correlation_id"]["StringValue"] == request_id
    capfd.readouterr()
    assert consume(queues.records([message]))["batchItemFailures"] == []
    lines = log_lines(capfd.readouterr().out)
    (processed,) = [
        line for line in log_lines(logs.getvalue()) if line.get("message") == "commission message processed"
    ]
    assert processed["correlation_id"] == request_id and processed["order_id"] == data["order"]["id"]
    assert processed["function_name"] == "process-commissions"
    (pending,) = emf(lines, "CommissionsPending")  # recorded, held until the draw
    assert value(pending, "CommissionsPending") == 1 and not emf(lines, "CommissionsPaid")

    # the draw releases the order; paying it reports the lag from the order
    from functions.auto_lottery_draw.handler import handler as scheduled_job

    force_draw_time_passed(clean, lottery["id"])
    run = LocalContext("auto-lottery-draw")
    assert scheduled_job(scheduled_event(), run)["drawn"] == [lottery["id"]]
    released = queues.receive()
    # a scheduled run has no caller's id: what it publishes carries its own request id
    assert [m["MessageAttributes"]["correlation_id"]["StringValue"] for m in released] == [run.aws_request_id]
    capfd.readouterr()
    assert consume(queues.records(released))["batchItemFailures"] == []
    (paid,) = emf(log_lines(capfd.readouterr().out), "CommissionsPaid")
    assert value(paid, "CommissionsPaid") == 1 and value(paid, "CommissionLag") >= 0


def test_a_commission_due_only_since_its_lottery_was_drawn_is_late_from_the_draw(
    clean: psycopg.Connection, queues: Queues
) -> None:
    """Commissions wait for the draw; the draw re-arms the order's outbox row, which is late only 5 minutes
    after the draw, not after the (older) order."""
    referrer = sign_in()
    buyer = sign_in(start_param=f"ref_{referrer.user['referral_code']}")
    lottery = create_lottery(clean, ticket_price="1.00", total_tickets=100)
    fund(clean, buyer.user["id"], "10")
    buy(buyer, lottery["id"], 1)
    clean.execute("update commission_outbox set created_at = now() - interval '2 hours'")
    clean.execute(
        "update lotteries set actual_draw_time = now() - interval '1 minute' where id = %s", (lottery["id"],)
    )
    row = clean.execute("select private.ops_backlog()").fetchone()
    assert row is not None
    assert row[0]["outbox_backlog"] == 1 and 55 <= row[0]["outbox_oldest_seconds"] < 120


def test_an_idempotent_replay_counts_as_a_replay_not_as_a_second_sale_or_deposit(
    clean: psycopg.Connection, capfd: pytest.CaptureFixture[str]
) -> None:
    buyer = sign_in()
    lottery = create_lottery(clean, ticket_price="5.00", total_tickets=10)
    fund(clean, buyer.user["id"], "100")
    body = {"lottery_id": lottery["id"], "quantity": 2, "payment_method": "BALANCE"}
    once = {"Idempotency-Key": "buy-once"}
    capfd.readouterr()
    first = invoke("lottery-purchase", body, token=buyer.token, headers=once)
    sold = log_lines(capfd.readouterr().out)
    replay = invoke("lottery-purchase", body, token=buyer.token, headers=once)
    replayed = log_lines(capfd.readouterr().out)
    assert first.status == replay.status == 200
    assert replay.data == first.data  # the caller gets exactly the first answer, with no replay marker
    (tickets,) = emf(sold, "TicketsSold")
    assert value(tickets, "TicketsSold") == 2 and value(tickets, "GMVCents") == 1000
    assert not emf(sold, "IdempotentReplays")
    assert not emf(replayed, "TicketsSold") and not emf(replayed, "GMVCents")
    (counted,) = emf(replayed, "IdempotentReplays")
    assert value(counted, "IdempotentReplays") == 1 and counted["function"] == "lottery-purchase"

    filed = deposit(buyer, 150, idempotency_key="deposit-once")
    requested = log_lines(capfd.readouterr().out)
    again = deposit(buyer, 150, idempotency_key="deposit-once")
    assert again.data == filed.data
    replayed = log_lines(capfd.readouterr().out)
    assert value(emf(requested, "DepositsRequested")[0], "DepositsRequestedAmountCents") == 15000
    assert not emf(replayed, "DepositsRequested") and len(emf(replayed, "IdempotentReplays")) == 1
