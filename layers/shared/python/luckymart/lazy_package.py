"""Import a library's submodules without its package `__init__`, which then runs only if one of its own names is
used: Powertools' `event_handler/__init__.py` imports every resolver it has (AppSync, Bedrock agents, VPC Lattice)
and with them asyncio, about a tenth of a user function's cold start (bench.cold_start_request), for names that
`luckymart.api` never uses. Nothing else changes: the submodules are the same modules, and the package's names
still appear on first access (`from package import name`, `package.name`)."""

from __future__ import annotations

import importlib
import importlib.util
import sys
import threading

_lock = threading.RLock()  # reentrant: the package's __init__ may touch its own names while it runs


def defer_init(name: str) -> None:
    """Registers package `name` with its `__init__` not yet run (a no-op if it is already imported)."""
    with _lock:
        if name in sys.modules:
            return
        spec = importlib.util.find_spec(name)
        if spec is None or spec.loader is None or spec.submodule_search_locations is None:
            raise ImportError(f"{name} is not a package")
        package = importlib.util.module_from_spec(spec)
        loader = spec.loader
        started = False

        def __getattr__(attribute: str) -> object:  # PEP 562: called only for names the module does not have
            nonlocal started
            if importlib.util.find_spec(f"{name}.{attribute}") is not None:
                return importlib.import_module(f"{name}.{attribute}")  # a submodule needs no __init__
            with _lock:  # other threads wait until the __init__ has run
                if not started:
                    started = True
                    loader.exec_module(package)
                    if package.__dict__.get("__getattr__") is __getattr__:
                        del package.__dict__["__getattr__"]
            try:
                return package.__dict__[attribute]
            except KeyError:
                raise AttributeError(f"module {name!r} has no attribute {attribute!r}") from None

        package.__dict__["__getattr__"] = __getattr__
        sys.modules[name] = package
