"""`make bench`: every benchmark in turn; each prints its own numbers."""

from __future__ import annotations

import importlib

BENCHMARKS = [
    "bench.cold_start",
    "bench.session_latency",
    "bench.prizes",
    "bench.exchange_latency",
    "bench.commissions",
]


def main() -> None:
    for name in BENCHMARKS:
        print(f"\n== {name}")
        importlib.import_module(name).main()


if __name__ == "__main__":
    main()
