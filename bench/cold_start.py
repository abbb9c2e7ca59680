"""Cold start: median wall time of importing each handler module in a fresh interpreter (5 runs each),
and of the first request's extra imports (the lazily created database client)."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RUNS = 5
PROBE = "import time; t = time.perf_counter(); import {module}; print((time.perf_counter() - t) * 1000)"


def import_ms(module: str) -> float:
    env = {**os.environ, "PYTHONPATH": f"{ROOT / 'layers/shared/python'}:{ROOT}"}
    samples = []
    for _ in range(RUNS):
        out = subprocess.run(
            [sys.executable, "-c", PROBE.format(module=module)],
            env=env,
            check=True,
            capture_output=True,
            text=True,
            cwd=ROOT,
        ).stdout
        samples.append(float(out.strip().splitlines()[-1]))
    return statistics.median(samples)


def main() -> None:
    print(f"cold import, median of {RUNS} fresh processes ({sys.executable})")
    for module in ("supabase", "postgrest", "httpx, postgrest"):
        print(f"  {'import ' + module:<40} {import_ms(module):7.1f} ms")
    for handler in sorted((ROOT / "functions").glob("*/handler.py")):
        module = f"functions.{handler.parent.name}.handler"
        print(f"  {handler.parent.name.replace('_', '-'):<40} {import_ms(module):7.1f} ms")


if __name__ == "__main__":
    main()
