"""Powertools Logger shared by all functions, with a filter that keeps credentials out of log lines."""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging.lambda_context import build_lambda_context_model
from aws_lambda_powertools.utilities import jmespath_utils

_SECRET_PATTERNS = (
    re.compile(
        r"(?i)(session_token|initData|init_data|token|authorization|apikey|x-session-token|"
        r"idempotency_key|service_role_key|hash)([\"'=:\s]+)([^\s\"'&,}]+)"
    ),
    re.compile(r"eyJ[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+"),  # JWTs
)


def redact(text: str) -> str:
    text = _SECRET_PATTERNS[0].sub(lambda m: f"{m.group(1)}{m.group(2)}[REDACTED]", text)
    return _SECRET_PATTERNS[1].sub("[REDACTED-JWT]", text)


class _RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        return True


logger = Logger(service="luckymart")
logger.addFilter(_RedactingFilter())


_warm_functions: set[str] = set()


def lambda_context(
    handler: Callable[[Any, Any], Any], *, correlation_id_path: str | None = None
) -> Callable[[Any, Any], Any]:
    """Powertools' `inject_lambda_context`, but with the keys (function_name, request id, cold_start,
    correlation_id) kept per thread: the local gateway, the local scheduler and the SQS poller run several
    functions in one process at once, and the global keys made each line name whichever function ran last."""

    @functools.wraps(handler)
    def decorated(event: Any, context: Any) -> Any:
        keys: dict[str, Any] = {}
        if context is not None:  # always set on Lambda; some tests call handlers without one
            keys.update(build_lambda_context_model(context).__dict__)
            keys["cold_start"] = keys["function_name"] not in _warm_functions
            _warm_functions.add(keys["function_name"])
        if correlation_id_path:
            keys["correlation_id"] = jmespath_utils.query(envelope=correlation_id_path, data=event)
        elif "function_request_id" in keys:
            # a scheduled or admin run has no caller's id: its own request id then goes on what it publishes (a
            # draw's released commissions, re-published outbox rows) and on the consumer's lines for them
            keys["correlation_id"] = keys["function_request_id"]
        logger.thread_safe_clear_keys()
        logger.thread_safe_append_keys(**keys)
        try:
            return handler(event, context)
        finally:
            logger.thread_safe_clear_keys()

    return decorated


def correlation_id() -> str | None:
    """The correlation id of the invocation running in this thread (see `lambda_context`)."""
    value = logger.thread_safe_get_current_keys().get("correlation_id")
    return None if value is None else str(value)


def set_correlation_id(value: str | None) -> None:
    logger.thread_safe_append_keys(correlation_id=value)
