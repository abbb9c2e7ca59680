"""Shared benchmark helpers: percentiles, a bare `rpc()` round trip on the same stack, and one handler request as
Lambda runs it."""

from __future__ import annotations

import importlib
import itertools
import statistics
import time
from collections.abc import Callable
from typing import Any

import psycopg

from infra.local.events import LocalContext, function_url_event
from infra.local.stack import Stack
from luckymart import db, jsonutil
from tests.support import invoke


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def timed(fn: Callable[[], object], runs: int, warmup: int = 20) -> list[float]:
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def interleaved(
    call: Callable[[], object], runs: int, warmup: int = 20, bare: Callable[[], object] | None = None
) -> tuple[list[float], list[float]]:
    """(call samples, bare no-op rpc samples), one of each in turn, so both see the same load."""
    floor = bare or (lambda: db.rpc("bench_noop", {}))
    measured: list[float] = []
    floors: list[float] = []
    for i in range(runs + warmup):
        started = time.perf_counter()
        call()
        middle = time.perf_counter()
        floor()
        ended = time.perf_counter()
        if i >= warmup:
            measured.append((middle - started) * 1000)
            floors.append((ended - middle) * 1000)
    return measured, floors


def raise_rate_limits(database_url: str) -> None:
    """Every per-user and per-IP limit raised out of a benchmark's way, not removed: each request still pays for
    its rate-limit counter, as in production. Sessions per user too (benchmarks sign in many times)."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(
            "update system_config set value = (select jsonb_object_agg(bucket, rule || '{\"limit\": 1000000}') "
            "from jsonb_each(value) as b (bucket, rule)) where key = 'rate_limits'"
        )
        conn.execute("update system_config set value = '{\"max_active_per_user\": 100}' where key = 'sessions'")


def install_noop_rpc(stack: Stack) -> None:
    """A no-op SQL function, only in the benchmark's throwaway stack: the floor for any one-RPC request."""
    with psycopg.connect(stack.database_url, autocommit=True) as conn:
        conn.execute(
            "create or replace function public.bench_noop() returns jsonb language sql "
            "as $$ select '{}'::jsonb $$; "
            "grant execute on function public.bench_noop() to service_role, luckymart_user"
        )
        conn.execute("notify pgrst, 'reload schema'")
    time.sleep(0.5)


def install_page_floor(stack: Stack) -> None:
    """bench_page(name): an rpc() that does no SQL work but return a stored list page, so the cost of the page's
    JSON alone (PostgREST, transfer, parsing) can be measured next to a bare rpc(). Throwaway stack only."""
    with psycopg.connect(stack.database_url, autocommit=True) as conn:
        conn.execute(
            "create table public.bench_pages (name text primary key, body json not null); "
            "create function public.bench_page(p_name text) returns json language sql stable security definer "
            "set search_path = '' as $$ select body from public.bench_pages where name = p_name $$; "
            "grant execute on function public.bench_page(text) to service_role, luckymart_user"
        )
        conn.execute("notify pgrst, 'reload schema'")
    time.sleep(0.5)


def page_floor_call(pg: psycopg.Connection, name: str, response: dict[str, Any]) -> Callable[[], Any]:
    """Stores what the list's SQL function answered for `response` (a handler's 200: {items, total, extras})
    and returns an rpc() that only sends it back."""
    envelope = jsonutil.loads(response["body"])
    extra = {k: v for k, v in envelope.items() if k not in ("success", "data", "page")}
    page = {"items": envelope["data"], "total": envelope["page"]["total"], **extra}
    pg.execute("insert into public.bench_pages values (%s, %s)", (name, jsonutil.dumps(page)))
    return lambda: db.rpc("bench_page", {"p_name": name})


def bare_rpc_ms(runs: int = 500) -> list[float]:
    return timed(lambda: db.rpc("bench_noop", {}), runs)


def summary(name: str, samples: list[float]) -> str:
    return (
        f"{name:<28} p50 {statistics.median(samples):6.2f} ms   p99 {percentile(samples, 0.99):6.2f} ms"
        f"   n={len(samples)}"
    )


def handler_call(
    name: str, body: Any = None, token: str | None = None, idempotent: bool = False
) -> Callable[[], Any]:
    """One request to functions/<name>/handler.py as Lambda serves it: a real event in, the 200 checked (a fresh
    Idempotency-Key per call when `idempotent`). tests.support.invoke also re-parses each response and validates
    every item against the documented model, which no Lambda does (0.7 ms of a 20-listing page): it checks the
    shape once, before the timed calls."""
    headers = {"content-type": "application/json", **({"x-session-token": token} if token else {})}
    raw = jsonutil.dumps(body or {}).encode()
    keys = itertools.count()
    first_key = {"Idempotency-Key": f"bench-{name}-first"} if idempotent else None
    first = invoke(name, body, token=token, headers=first_key)
    assert first.status == 200, (name, first.body)
    module = importlib.import_module(f"functions.{name.replace('-', '_')}.handler")
    event = function_url_event("POST", headers=headers, body=raw)

    def call() -> Any:
        if idempotent:
            key = {"idempotency-key": f"bench-{name}-{next(keys)}"}
            request = function_url_event("POST", headers={**headers, **key}, body=raw)
        else:
            request = event
        response = module.handler(request, LocalContext(function_name=name))
        assert response["statusCode"] == 200, (name, response.get("body"))
        return response

    return call
