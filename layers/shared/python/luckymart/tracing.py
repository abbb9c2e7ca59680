"""X-Ray tracing with Powertools Tracer, behind the stage switch `tracing` in config/<stage>.yml (environment
LUCKYMART_TRACING=true). Off, nothing of the X-Ray SDK is imported and `instrument` returns the handler itself;
on, each invocation is a traced segment (cold start annotated by Powertools) with one subsegment per rpc.
Its cold-start cost is measured by `python -m bench.tracing_cold_start` (docs/observability.md)."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from aws_lambda_powertools import Tracer

ENV = "LUCKYMART_TRACING"


def enabled() -> bool:
    return os.environ.get(ENV, "").strip().lower() == "true"


@cache
def tracer() -> Tracer:
    from aws_lambda_powertools import Tracer

    # The SDK patches botocore (SQS, SSM calls); the PostgREST calls (httpx) get a subsegment each in `span`.
    return Tracer(service="luckymart", patch_modules=["botocore"])


def instrument(handler: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
    """The Lambda handler, traced when the stage has tracing on (decided once, when the handler is built)."""
    if not enabled():
        return handler
    traced: Callable[[Any, Any], Any] = tracer().capture_lambda_handler(handler)
    return traced


@contextlib.contextmanager
def span(name: str) -> Iterator[None]:
    """A subsegment when tracing is on; nothing otherwise."""
    if not enabled():
        yield
        return
    with tracer().provider.in_subsegment(name):
        yield
