"""Cold start with the built layer as Lambda sees it: Python 3.12, only build/layer/python and functions/ on the
path (like /opt/python and /var/task), bytecode as shipped. Medians of fresh processes for: a handler module's
import; the first request's extra imports (the PostgREST client); and Powertools parameters + boto3, which
only the first secret read on AWS pays (boto3 comes from the runtime; here build/runtime, copied from the dev
environment). Needs `make layer` (or `make package`) first."""

from __future__ import annotations

import shutil
import statistics
import subprocess
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LAYER = ROOT / "build" / "layer" / "python"
RUNS = 9
HANDLERS = ("validate_session", "auth_telegram", "exchange_balance", "admin_finance")
PROBE = """
import sys, time
sys.path[:0] = [{layer!r}, {root!r}]
sys.path.append({boto_site!r})
t0 = time.perf_counter()
import {first}
t1 = time.perf_counter()
{then}
t2 = time.perf_counter()
print((t1 - t0) * 1000, (t2 - t1) * 1000)
"""


def python312() -> str:
    found = subprocess.run([str(ROOT / "scripts/find_python312.sh")], capture_output=True, text=True, check=True)
    return found.stdout.strip()


def boto_site() -> str:
    """What the Lambda runtime adds to the path: boto3, botocore and s3transfer (their dependencies are in the
    layer), compiled for Python 3.12, in build/runtime. Not the dev environment's site-packages: its other
    packages (trio, for one, which httpcore imports when it can) and its 3.11 bytecode are not on Lambda."""
    import boto3

    site = Path(boto3.__file__).resolve().parents[1]
    runtime = ROOT / "build" / "runtime"
    if not (runtime / "boto3").is_dir():
        runtime.mkdir(parents=True, exist_ok=True)
        for name in ("boto3", "botocore", "s3transfer"):
            shutil.copytree(site / name, runtime / name, ignore=shutil.ignore_patterns("__pycache__"))
        subprocess.run(
            [python312(), "-m", "compileall", "-q", str(runtime)], check=True, stdout=subprocess.DEVNULL
        )
    return str(runtime)


def measure(python: str, first: str, then: str = "pass") -> tuple[float, float]:
    code = PROBE.format(layer=str(LAYER), root=str(ROOT), boto_site=boto_site(), first=first, then=then)
    firsts, thens = [], []
    for _ in range(RUNS):
        out = subprocess.run(
            [python, "-I", "-S", "-c", code], capture_output=True, text=True, check=True, cwd=LAYER, env={}
        ).stdout
        a, b = (float(x) for x in out.split())
        firsts.append(a)
        thens.append(b)
    return statistics.median(firsts), statistics.median(thens)


def main() -> None:
    if not LAYER.is_dir():
        print("no build/layer: run `make layer` first")
        return
    python = python312()
    unzipped = sum(p.stat().st_size for p in LAYER.rglob("*") if p.is_file())
    print(f"layer: {unzipped / 1e6:.1f} MB unzipped", end="")
    zipped = sorted((ROOT / "build" / "package").glob("*/shared.zip"))
    if zipped:
        with zipfile.ZipFile(zipped[0]) as layer_zip:
            assert layer_zip.testzip() is None
        print(f", {zipped[0].stat().st_size / 1e6:.1f} MB zipped", end="")
    print(f"; median of {RUNS} fresh {python} processes, only the layer on sys.path")
    for name in HANDLERS:
        handler_ms, first_request_ms = measure(python, f"functions.{name}.handler", "import httpx")
        print(f"  {name:<18} import {handler_ms:6.1f} ms, first request's client {first_request_ms:5.1f} ms")
    _, secrets_ms = measure(python, "luckymart.config", "from aws_lambda_powertools.utilities import parameters")
    print(
        f"  first SSM secret read without the parameters extension (the SDK path): Powertools parameters + boto3 "
        f"import {secrets_ms:6.1f} ms (plus the SSM call)"
    )


if __name__ == "__main__":
    main()
