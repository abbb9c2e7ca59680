"""A deployment missing a secret, and a database that fails for a moment, never take money without answering.

- Every secret removed in turn: a money-moving function that needs it answers 503 NOT_CONFIGURED and changes no
  row of any table; one that does not need it works; no user function answers 500.
- A transient failure (PostgREST unreachable, a backend killed in the middle of a purchase) answers 503
  UNAVAILABLE with Retry-After, and repeating the request with the same Idempotency-Key pays exactly once.
- Without an Idempotency-Key a money-moving call is refused before anything changes; a double tap with one key
  is one purchase.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from infra.local.stack import Stack, free_port
from luckymart import config, db, receipts
from luckymart.config import SECRET_NAMES
from tests.support import SignedIn, invoke, sign_in
from tests.support_lottery import balance, create_lottery, fund
from tests.support_prizes import win_prize

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]
DATABASE_KEYS = {"supabase_user_key", "supabase_anon_key"}
# What each money-moving function reads besides the database keys (checked before its RPC).
NEEDS = {"lottery-purchase": {"referral_pepper", "receipt_signing_key"}}


def fingerprint(pg: psycopg.Connection) -> dict[str, str]:
    """Every row of every public table, hashed per table: any change anywhere shows."""
    tables = [name for (name,) in pg.execute("select tablename from pg_tables where schemaname = 'public'")]
    digest: dict[str, str] = {}
    for table in tables:
        row = pg.execute(
            f"select count(*) || ':' || coalesce(md5(string_agg(t::text, ',' order by t::text)), '') "
            f"from public.{table} t"
        ).fetchone()
        digest[table] = str(row[0]) if row else ""
    return digest


def changed(before: dict[str, str], after: dict[str, str]) -> list[str]:
    return sorted(table for table in before if before[table] != after.get(table))


class Scenario:
    """A funded buyer, an active lottery and a listed prize: every money-moving function has valid work."""

    def __init__(self, pg: psycopg.Connection) -> None:
        self.buyer = sign_in()
        fund(pg, self.buyer.user["id"], "1000")
        self.lottery = create_lottery(pg, ticket_price="1.00", total_tickets=100)
        seller = sign_in()
        prize = win_prize(pg, seller)
        listed = invoke("create-resale", {"prize_id": prize["prize_id"], "price": 80}, token=seller.token)
        assert listed.status == 200, listed.body
        self.resale_id = listed.data["id"]

    def calls(self) -> dict[str, dict[str, Any]]:
        return {
            "lottery-purchase": {"lottery_id": self.lottery["id"], "quantity": 1, "payment_method": "BALANCE"},
            "exchange-balance": {"amount": 1},
            "deposit-request": {"amount": 50, "payment_method": "ALIF_MOBI"},
            "withdrawal-request": {
                "amount": 10,
                "withdrawal_method": "ALIF_MOBI",
                "mobile_wallet_number": "+992900000000",
            },
            "activate-first-deposit-bonus": {},
            "purchase-resale": {"resale_id": self.resale_id, "payment_method": "BALANCE"},
        }


@pytest.fixture
def without(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """without(name): the secret `name` is configured nowhere (no env var, no SSM prefix)."""
    monkeypatch.delenv("SSM_PARAMETER_PREFIX", raising=False)

    def remove(name: str) -> None:
        monkeypatch.delenv(name.upper(), raising=False)
        config.reset()
        db.reset()  # the database client resolves its keys again

    yield remove
    monkeypatch.undo()
    config.reset()
    db.reset()


def user_function_names() -> list[str]:
    names = []
    for folder in sorted((ROOT / "functions").iterdir()):
        handler = folder / "handler.py"
        if handler.exists() and "Endpoint(" in handler.read_text():
            names.append(folder.name.replace("_", "-"))
    return names


@pytest.mark.parametrize("secret", SECRET_NAMES)
def test_without_a_secret_no_money_moves_and_nothing_answers_500(
    clean: psycopg.Connection, without: Any, secret: str
) -> None:
    scenario = Scenario(clean)
    without(secret)
    for name, body in scenario.calls().items():
        before = fingerprint(clean)
        result = invoke(name, body, token=scenario.buyer.token)
        after = fingerprint(clean)
        if secret in DATABASE_KEYS | NEEDS.get(name, set()):
            assert (result.status, result.code) == (503, "NOT_CONFIGURED"), (name, result.body)
            assert "Retry-After" not in result.headers
            assert changed(before, after) == [], f"{name} changed rows without {secret}"
        elif name == "activate-first-deposit-bonus":  # the buyer invited nobody: refused, never 500
            assert 400 <= result.status < 500, (name, result.body)
        else:
            assert result.status == 200, (name, secret, result.body)
    for name in user_function_names():  # every other function: 503 or its usual answer, never 500
        for method in ("GET", "POST"):
            answer = invoke(name, {} if method == "POST" else None, method=method, token=scenario.buyer.token)
            assert answer.status != 500, (name, method, secret, answer.body)


def test_a_malformed_receipt_key_refuses_the_purchase_before_it_is_paid(
    clean: psycopg.Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    scenario = Scenario(clean)
    monkeypatch.setenv("RECEIPT_SIGNING_KEY", "not-a-key")
    before = fingerprint(clean)
    result = invoke("lottery-purchase", scenario.calls()["lottery-purchase"], token=scenario.buyer.token)
    assert (result.status, result.code) == (503, "NOT_CONFIGURED")
    assert changed(before, fingerprint(clean)) == []
    assert "not-a-key" not in str(result.body)


def test_postgrest_unreachable_answers_503_with_retry_after(
    clean: psycopg.Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    scenario = Scenario(clean)
    monkeypatch.setenv("SUPABASE_REST_URL", f"http://127.0.0.1:{free_port()}")  # nothing listens there
    config.reset()
    db.reset()
    try:
        for name, body in scenario.calls().items():
            result = invoke(name, body, token=scenario.buyer.token)
            assert (result.status, result.code) == (503, "UNAVAILABLE"), (name, result.body)
            assert result.headers["Retry-After"] == "1"
            assert result.body["error"]["details"] == {"retry_after_seconds": 1}
    finally:
        monkeypatch.undo()
        config.reset()
        db.reset()


def _backend_waiting_on_lock(pg: psycopg.Connection, timeout: float = 10) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        row = pg.execute(
            "select pid from pg_stat_activity where wait_event_type = 'Lock' and query ilike '%lottery_purchase%'"
        ).fetchone()
        if row:
            return int(row[0])
        time.sleep(0.02)
    raise AssertionError("the purchase never waited on the lock")


def test_a_killed_backend_is_503_and_the_retry_with_the_same_key_pays_once(
    stack: Stack, clean: psycopg.Connection
) -> None:
    scenario = Scenario(clean)
    buyer: SignedIn = scenario.buyer
    body = scenario.calls()["lottery-purchase"]
    key = str(uuid.uuid4())
    answers: list[Any] = []
    with psycopg.connect(stack.database_url) as holder:
        # Hold the buyer's wallet row so the purchase blocks inside its transaction, then kill its backend.
        holder.execute("select 1 from wallets where user_id = %s for update", (buyer.user["id"],))
        worker = threading.Thread(
            target=lambda: answers.append(
                invoke("lottery-purchase", body, token=buyer.token, headers={"idempotency-key": key})
            )
        )
        worker.start()
        pid = _backend_waiting_on_lock(clean)
        clean.execute("select pg_terminate_backend(%s)", (pid,))
        worker.join(30)
        holder.rollback()
    first = answers[0]
    assert (first.status, first.code) == (503, "UNAVAILABLE"), first.body
    assert first.headers["Retry-After"] == "1"
    assert balance(clean, buyer.user["id"]) == 1000
    retried = invoke("lottery-purchase", body, token=buyer.token, headers={"idempotency-key": key})
    assert retried.status == 200, retried.body
    again = invoke("lottery-purchase", body, token=buyer.token, headers={"idempotency-key": key})
    assert again.data["order"]["id"] == retried.data["order"]["id"]
    assert balance(clean, buyer.user["id"]) == 999
    assert clean.execute("select count(*) from orders where user_id = %s", (buyer.user["id"],)).fetchone() == (1,)


@pytest.mark.parametrize("name", ["lottery-purchase", "exchange-balance", "withdrawal-request", "purchase-resale"])
def test_a_money_call_without_an_idempotency_key_is_refused_and_changes_nothing(
    clean: psycopg.Connection, name: str
) -> None:
    scenario = Scenario(clean)
    before = fingerprint(clean)
    result = invoke(name, scenario.calls()[name], token=scenario.buyer.token, idempotency_key=False)
    assert (result.status, result.code) == (400, "IDEMPOTENCY_KEY_REQUIRED"), result.body
    assert changed(before, fingerprint(clean)) == []


def test_a_double_tap_with_one_key_is_one_purchase(clean: psycopg.Connection) -> None:
    scenario = Scenario(clean)
    body = scenario.calls()["lottery-purchase"]
    headers = {"idempotency-key": "one-tap"}
    answers: list[Any] = []
    taps = [
        threading.Thread(
            target=lambda: answers.append(
                invoke("lottery-purchase", body, token=scenario.buyer.token, headers=headers)
            )
        )
        for _ in range(2)
    ]
    for tap in taps:
        tap.start()
    for tap in taps:
        tap.join(30)
    assert [a.status for a in answers] == [200, 200], [a.body for a in answers]
    assert answers[0].data["order"]["id"] == answers[1].data["order"]["id"]
    assert answers[0].data["receipt"] == answers[1].data["receipt"]
    assert balance(clean, scenario.buyer.user["id"]) == 999


def test_a_receipt_that_fails_after_the_commit_never_fails_the_purchase(
    clean: psycopg.Connection, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    scenario = Scenario(clean)
    body = scenario.calls()["lottery-purchase"]
    headers = {"idempotency-key": "tap-receipt"}

    def broken(*_: Any) -> dict[str, Any]:
        raise RuntimeError("signing failed")

    monkeypatch.delenv("POWERTOOLS_METRICS_DISABLED", raising=False)  # the CLI's local target may have set it
    with monkeypatch.context() as patch:
        patch.setattr(receipts, "issue", broken)
        paid = invoke("lottery-purchase", body, token=scenario.buyer.token, headers=headers)
    assert paid.status == 200, paid.body
    assert paid.data["receipt"] is None and len(paid.data["ticket_numbers"]) == 1
    assert '"PostCommitFailures":[1.0]' in capsys.readouterr().out
    repaired = invoke("lottery-purchase", body, token=scenario.buyer.token, headers=headers)
    assert repaired.data["order"]["id"] == paid.data["order"]["id"]
    assert repaired.data["receipt"]["order_id"] == paid.data["order"]["id"]  # the replay signs it
    assert balance(clean, scenario.buyer.user["id"]) == 999
