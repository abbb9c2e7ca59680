"""How an rpc's failure answer from PostgREST is classified: a business rule (AppError with its status), "not now"
(Unavailable: the caller repeats with the same Idempotency-Key) or a bug (DatabaseError, 500)."""

from __future__ import annotations

import pytest

from luckymart import db, jsonutil
from luckymart.errors import AppError, Unavailable

pytestmark = pytest.mark.unit


def answer(code: str | None, message: str = "m", hint: str | None = None) -> bytes:
    return jsonutil.dumps({"code": code, "details": None, "hint": hint, "message": message}).encode()


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (503, answer("PGRST001", "Database client error. Retrying the connection.")),
        (503, answer("PGRST002", "Could not query the database for the schema cache. Retrying.")),
        (504, answer("PGRST003", "Timed out acquiring connection from connection pool.")),
        (400, answer("40P01", "deadlock detected")),
        (500, answer("57P01", "terminating connection due to administrator command")),
        (503, answer("08006", "connection failure")),
        # a backend terminated mid-statement: the client library's error has no SQLSTATE, PostgREST says 400
        (400, answer("", "terminating connection due to administrator command")),
        (400, answer(None, "server closed the connection unexpectedly")),
        (502, b"<html>bad gateway</html>"),
    ],
)
def test_what_may_pass_is_unavailable(status: int, body: bytes) -> None:
    assert isinstance(db._error_from("lottery_purchase", status, body), Unavailable)


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (400, answer("22P02", "invalid input syntax for type uuid")),
        (404, answer("PGRST202", "Could not find the function")),
        (400, b"not json"),
        (400, b"{}"),
    ],
)
def test_a_bug_stays_a_database_error(status: int, body: bytes) -> None:
    error = db._error_from("lottery_purchase", status, body)
    assert isinstance(error, db.DatabaseError)


def test_a_business_rule_keeps_its_status_and_details() -> None:
    error = db._error_from("lottery_purchase", 400, answer("LM409", "SOLD_OUT", hint='{"remaining": 0}'))
    assert isinstance(error, AppError)
    assert (error.status, error.details) == (409, {"remaining": 0})
