"""Fixtures: one private local stack (PostgreSQL + PostgREST + gateway on free ports) per test session,
started only when an integration or e2e test needs it."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from infra.local.gateway import Gateway
from infra.local.secrets import local_secrets
from infra.local.stack import Stack, free_port
from luckymart import config, db

DATA_TABLES_KEPT = {"system_config", "payment_configs", "roles", "permissions"}


@pytest.fixture(scope="session")
def stack() -> Iterator[Stack]:
    # Not pytest's tmp_path: its parents are private to root, and the cluster runs as the postgres user.
    run_dir = Path(tempfile.mkdtemp(prefix="luckymart-test-stack-"))
    os.chmod(run_dir, 0o755)
    local = Stack(run_dir=run_dir, pg_port=free_port(), rest_port=free_port(), api_port=free_port())
    local.start()
    gateway = Gateway(local.api_port, local.rest_port)
    gateway.serve_in_thread()
    saved = dict(os.environ)
    os.environ.update(local.env())
    os.environ.update(local_secrets(run_dir))
    os.environ["SUPABASE_REST_URL"] = local.rest_url  # handlers skip the gateway hop, like Lambda → Supabase
    os.environ["CORS_ALLOWED_ORIGINS"] = "https://app.luckymart.test,http://localhost:5173"
    config.reset()
    db.reset()
    try:
        yield local
    finally:
        gateway.shutdown()
        db.reset()
        os.environ.clear()
        os.environ.update(saved)
        config.reset()
        local.destroy()


@pytest.fixture(scope="session")
def pg(stack: Stack) -> Iterator[psycopg.Connection]:
    with psycopg.connect(stack.database_url, autocommit=True) as conn:
        yield conn


def truncate_all(conn: psycopg.Connection) -> None:
    rows = conn.execute(
        "select tablename from pg_tables where schemaname = 'public'").fetchall()
    tables = [f"public.{name}" for (name,) in rows if name not in DATA_TABLES_KEPT]
    conn.execute(f"truncate {', '.join(tables)} restart identity cascade")


@pytest.fixture
def clean(pg: psycopg.Connection) -> psycopg.Connection:
    """A database with configuration but no users, money or lotteries."""
    truncate_all(pg)
    return pg
