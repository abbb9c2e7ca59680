"""Shared benchmark helpers: percentiles and a bare `rpc()` round trip on the same stack."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

import psycopg

from infra.local.stack import Stack
from luckymart import db


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


def bare_rpc_ms(runs: int = 500) -> list[float]:
    return timed(lambda: db.rpc("bench_noop", {}), runs)


def summary(name: str, samples: list[float]) -> str:
    return (
        f"{name:<28} p50 {statistics.median(samples):6.2f} ms   p99 {percentile(samples, 0.99):6.2f} ms"
        f"   n={len(samples)}"
    )
