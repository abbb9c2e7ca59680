"""How the local stack runs a function: in this process (the handler module imported from functions/, the default)
or from the packaged artifacts in Lambda-like execution environments (infra/local/packaged.py). The gateway, the
SQS pollers, the scheduler and the e2e tests call functions through this one interface, so the same flows run in
either mode (docs/rehearsal.md)."""

from __future__ import annotations

import importlib
import json
import re
from decimal import Decimal
from pathlib import Path
from types import ModuleType
from typing import Any, Protocol

import simplejson

from infra.local.events import LocalContext
from infra.local.lambda_container import FunctionError

ROOT = Path(__file__).resolve().parents[2]
_NAME = re.compile(r"^[a-z][a-z0-9-]{1,63}$")

__all__ = ["FunctionError", "InProcessLambdas", "Lambdas", "as_lambda_sees_it", "from_lambda"]


class Lambdas(Protocol):
    def url_function(self, name: str) -> bool:
        """True when `name` (a canonical function name) is a function with a Function URL."""
        ...

    def invoke(self, name: str, event: Any, timeout_ms: int | None = None) -> Any:
        """Runs one invocation of function `name` with `event`; its result as Lambda returns it (JSON, money as
        Decimal). Raises FunctionError when the invocation fails (an exception, a timeout, a failed init)."""
        ...


def as_lambda_sees_it(value: Any) -> bytes:
    return simplejson.dumps(value, use_decimal=True, separators=(",", ":")).encode()


def from_lambda(raw: bytes | str) -> Any:
    return json.loads(raw, parse_float=Decimal)


def _module(name: str) -> ModuleType | None:
    folder = name.replace("-", "_")
    if not _NAME.match(name) or not (ROOT / "functions" / folder / "handler.py").exists():
        return None
    return importlib.import_module(f"functions.{folder}.handler")


class InProcessLambdas:
    """Handlers imported into this process (what `make dev` and the tests do by default)."""

    def url_function(self, name: str) -> bool:
        module = _module(name)
        return module is not None and hasattr(module, "endpoint")

    def handler_module(self, name: str) -> ModuleType | None:
        return _module(name)

    def invoke(self, name: str, event: Any, timeout_ms: int | None = None) -> Any:
        module = _module(name)
        if module is None:
            raise FunctionError(name, "ResourceNotFoundException", f"Function not found: {name}")
        context = LocalContext(function_name=name, timeout_ms=timeout_ms or 15000)
        return from_lambda(as_lambda_sees_it(module.handler(from_lambda(as_lambda_sees_it(event)), context)))
