"""Powertools Logger shared by all functions, with a filter that keeps credentials out of log lines."""

from __future__ import annotations

import logging
import re

from aws_lambda_powertools import Logger

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
