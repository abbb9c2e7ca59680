"""Cold start as one number: a fresh Python 3.12 process with only the built layer and functions/ on the path
imports a handler and serves its first request (one real rpc to a private stack), with X-Ray tracing off and on
(Powertools Tracer, `tracing: true`). Medians of fresh processes; wall time, and CPU time (import and first
request are CPU-bound, and CPU time moves less with the load of a shared machine). Needs `make layer`."""

from __future__ import annotations

import os
import statistics
import subprocess
import uuid

from bench.layer_cold_start import LAYER, ROOT, boto_site, python312
from infra.local.stack import private_stack

RUNS = 9
HANDLERS = ("get_payment_config", "validate_session")
# The event is built before the clock starts: on Lambda the runtime hands it over ready-made.
PROBE = """
import sys, time, json
sys.path[:0] = [{layer!r}, {root!r}]
sys.path.append({boto_site!r})
from infra.local.events import LocalContext, function_url_event
event = function_url_event("POST", headers={{"content-type": "application/json", "x-session-token": "a" * 43}},
                           body=json.dumps({{"type": "DEPOSIT"}}).encode())
context = LocalContext(function_name={name!r})
c0, t0 = time.process_time(), time.perf_counter()
import functions.{module}.handler as h
t1 = time.perf_counter()
response = h.handler(event, context)
t2, c2 = time.perf_counter(), time.process_time()
print("RESULT", (t1 - t0) * 1000, (t2 - t1) * 1000, (c2 - c0) * 1000, response["statusCode"], file=sys.stderr)
"""


def run(python: str, module: str, env: dict[str, str]) -> tuple[float, float, float, int]:
    code = PROBE.format(layer=str(LAYER), root=str(ROOT), boto_site=boto_site(), module=module, name=module)
    done = subprocess.run(
        [python, "-I", "-S", "-c", code], capture_output=True, text=True, check=True, cwd=LAYER, env=env
    )
    line = next(x for x in done.stderr.splitlines() if x.startswith("RESULT"))
    _, imported, first, cpu, status = line.split()
    return float(imported), float(first), float(cpu), int(status)


def main() -> None:
    if not LAYER.is_dir():
        print("no build/layer: run `make layer` first")
        return
    python = python312()
    with private_stack() as stack:
        base = {
            **stack.env(),  # the anon key and each function class's database key
            "SUPABASE_REST_URL": stack.rest_url,
            "STAGE": "bench",
            "AWS_DEFAULT_REGION": "eu-central-1",
        }
        # Tracing on, as Lambda runs it: the trace header and task root make the X-Ray SDK use its Lambda
        # context; segments go by UDP to the (absent) daemon address, as on Lambda.
        trace_id = f"Root=1-{os.urandom(4).hex()}-{uuid.uuid4().hex[:24]};Parent={os.urandom(8).hex()};Sampled=1"
        traced = {**base, "LUCKYMART_TRACING": "true", "LAMBDA_TASK_ROOT": str(ROOT), "_X_AMZN_TRACE_ID": trace_id}
        print(f"median of {RUNS} fresh {python} processes, only the layer on sys.path; first request = 1 rpc")
        results: dict[str, dict[str, float]] = {}
        for module in HANDLERS:
            for label, env in (("tracing off", base), ("tracing on", traced)):
                samples = [run(python, module, env) for _ in range(RUNS)]
                imported = statistics.median(s[0] for s in samples)
                first = statistics.median(s[1] for s in samples)
                total = statistics.median(s[0] + s[1] for s in samples)
                cpu = statistics.median(s[2] for s in samples)
                statuses = sorted({s[3] for s in samples})
                results[f"{module} {label}"] = {"total": total, "cpu": cpu}
                print(
                    f"  {module:<20} {label:<12} import {imported:6.1f} ms + first request {first:6.1f} ms"
                    f" = {total:6.1f} ms wall, {cpu:6.1f} ms CPU   (status {statuses})"
                )
        for module in HANDLERS:
            off, on = results[f"{module} tracing off"], results[f"{module} tracing on"]
            print(
                f"  {module:<20} tracing costs {on['total'] - off['total']:+6.1f} ms wall "
                f"({on['total'] / off['total']:.2f}x), {on['cpu'] - off['cpu']:+6.1f} ms CPU "
                f"({on['cpu'] / off['cpu']:.2f}x)"
            )


if __name__ == "__main__":
    main()
