"""Fixtures: one private local stack (PostgreSQL + PostgREST + gateway on free ports) per test session,
started only when an integration or e2e test needs it."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest

from infra.local.stack import Stack, private_stack

DATA_TABLES_KEPT = {"system_config", "payment_configs", "roles", "permissions"}


@pytest.fixture(scope="session")
def base_stack() -> Iterator[Stack]:
    with private_stack() as local:
        yield local


@pytest.fixture(scope="session")
def stack(base_stack: Stack) -> Stack:
    """The stack the tests call functions on (tests/e2e runs its tests once more with the packaged functions)."""
    return base_stack


@pytest.fixture(scope="session")
def pg(base_stack: Stack) -> Iterator[psycopg.Connection]:
    with psycopg.connect(base_stack.database_url, autocommit=True) as conn:
        yield conn


def truncate_all(conn: psycopg.Connection) -> None:
    rows = conn.execute("select tablename from pg_tables where schemaname = 'public'").fetchall()
    tables = [f"public.{name}" for (name,) in rows if name not in DATA_TABLES_KEPT]
    conn.execute(f"truncate {', '.join(tables)} restart identity cascade")


@pytest.fixture
def clean(pg: psycopg.Connection) -> psycopg.Connection:
    """A database with configuration but no users, money or lotteries."""
    truncate_all(pg)
    return pg
