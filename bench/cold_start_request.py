"""Cold start as one number, as Lambda runs it: handler import + first request (client, https rpc, response, EMF).

Each sample is a fresh Python 3.12 process (`-I -S -B`) set up like a Lambda container: sys.path is the function
package (only functions/**/*.py, compiled on import like the read-only /var/task) then the built layer
(/opt/python), boto3 last (the runtime's); the environment is serverless.yml's (STAGE, SUPABASE_URL,
CORS_ALLOWED_ORIGINS, SSM_PARAMETER_PREFIX, NOTIFICATION_QUEUE_URL, LOG_LEVEL, POWERTOOLS_*, LUCKYMART_TRACING,
the origin-secret check on) plus the variables the Lambda runtime sets. PostgREST is reached over https through a
local TLS front (a CA-signed RSA-2048 certificate; the trust store is certifi's bundle plus that CA, so loading it
costs what it costs on Lambda), the first request carries a real session (validate-session answers 200) and its
EMF metrics are printed as on Lambda. Secrets come from the environment: on AWS the first request also reads them
from SSM (boto3 + Powertools parameters, reported on the last line; the SSM calls themselves are not measured).

Reported apart, never inside the number: the interpreter's own start (`python -c pass`; on Lambda the runtime
starts before the handler import). Parts of the first request come from a second set of processes that create
the client explicitly: `import httpx`, the client (TLS context: the trust store), the request with a ready
client, and a second (warm) request for scale. Medians of fresh processes; wall time and CPU time (CPU time moves
less with the load of a shared machine). Needs `make layer`.

`COLD_START_BASELINE=<tree>` (a checkout with its own `make layer`) alternates every sample between that tree and
this one, so old and new are compared in one run under the same load."""

from __future__ import annotations

import asyncio
import datetime
import ipaddress
import json
import os
import shutil
import ssl
import statistics
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench.layer_cold_start import ROOT, boto_site, python312
from infra.local.events import function_url_event
from infra.local.stack import private_stack

RUNS = 9
HANDLERS = ("get_payment_config", "validate_session")
# What the functions read from SSM on AWS (a user function: its class's key, the anon key, the origin secret)
SECRETS = ("SUPABASE_USER_KEY", "SUPABASE_ANON_KEY", "ORIGIN_SECRET")
FLAGS = ("-I", "-S", "-B")  # isolated, no site, no bytecode written (Lambda's /var/task is read-only)
# The event arrives as JSON and the context as an object: both are ready before the clock starts (the runtime
# hands them over), and json is already imported by the runtime's own client.
PROBE = """
import json, sys, time
config = json.loads(sys.argv[1])
sys.path[:0] = config["path"]
sys.path.append(config["boto_site"])


class Context:  # the attributes of Lambda's context object that Powertools and the handlers read
    function_name = config["function"]
    function_version = "$LATEST"
    invoked_function_arn = "arn:aws:lambda:eu-central-1:000000000000:function:" + config["function"]
    memory_limit_in_mb = 512
    aws_request_id = "0f6b5e0c-4e6a-4a55-9d1f-6f3e6b2b7c11"

    def get_remaining_time_in_millis(self):
        return 20000


marks = {}
c0, t0 = time.process_time(), time.perf_counter()
handler = __import__("functions." + config["module"] + ".handler", fromlist=["handler"]).handler
marks["import"] = time.perf_counter()
if config["parts"]:
    import httpx
    marks["httpx"] = time.perf_counter()
    from luckymart import db
    with db.acting_as("user"):
        db.client()
    marks["client"] = time.perf_counter()
response = handler(config["event"], Context())
marks["first"] = time.perf_counter()
cpu = time.process_time() - c0
if config["parts"]:
    handler(config["event"], Context())
    marks["warm"] = time.perf_counter()
ms = {}
last = t0
for name, at in marks.items():
    ms[name] = (at - last) * 1000
    last = at
print("RESULT " + json.dumps({"ms": ms, "cpu": cpu * 1000, "status": response["statusCode"]}), file=sys.stderr)
"""


# ---------------------------------------------------------------- https in front of the local PostgREST
def _certificates(folder: Path) -> tuple[Path, Path, Path]:
    """A CA and a server certificate for 127.0.0.1 signed by it (a chain to verify, like a public endpoint's);
    returns (server certificate, server key, CA certificate)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    now = datetime.datetime.now(datetime.UTC)

    def build(subject: str, key: Any, issuer: str, signer: Any, ca: bool) -> x509.Certificate:
        builder = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
            .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)]))
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        )
        if not ca:
            builder = builder.add_extension(
                x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False
            )
        return builder.sign(signer, hashes.SHA256())

    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ca = build("luckymart bench CA", ca_key, "luckymart bench CA", ca_key, True)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    cert = build("127.0.0.1", key, "luckymart bench CA", ca_key, False)
    cert_file, key_file, ca_file = folder / "server.pem", folder / "server.key", folder / "ca.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    ca_file.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    return cert_file, key_file, ca_file


def trust_store(env: dict[str, str], layer: Path, ca_file: Path, folder: Path) -> dict[str, str]:
    """The tree's own trust store plus the bench CA (Supabase's CA is in the real one): its SSL_CERT_DIR (a hashed
    directory in the layer) copied with the CA added under its hash, or else httpx's default, certifi's bundle,
    as a file with the CA appended."""
    if env.get("SSL_CERT_DIR", "").startswith("/opt/python/"):
        certs = folder / "ca-certificates"
        shutil.copytree(layer / env["SSL_CERT_DIR"].removeprefix("/opt/python/"), certs)
        found = subprocess.run(
            ["openssl", "x509", "-subject_hash", "-noout", "-in", str(ca_file)],
            capture_output=True,
            text=True,
            check=True,
        )
        shutil.copy(ca_file, certs / f"{found.stdout.strip()}.0")
        return {"SSL_CERT_DIR": str(certs)}
    folder.mkdir(parents=True, exist_ok=True)
    bundle = folder / "trust.pem"
    bundle.write_bytes((layer / "certifi/cacert.pem").read_bytes() + ca_file.read_bytes())
    return {"SSL_CERT_FILE": str(bundle)}


@contextmanager
def tls_front(upstream_port: int, folder: Path) -> Iterator[tuple[int, Path]]:
    """Terminates TLS on a free port and forwards the bytes to PostgREST; yields (port, CA certificate)."""
    cert_file, key_file, ca_file = _certificates(folder)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_file, key_file)
    loop = asyncio.new_event_loop()

    async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except (ConnectionError, ssl.SSLError):
            pass
        finally:
            writer.close()

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", upstream_port)
        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))

    server = loop.run_until_complete(asyncio.start_server(serve, "127.0.0.1", 0, ssl=context))
    port = server.sockets[0].getsockname()[1]
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    try:
        yield port, ca_file
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join()
        server.close()


# ---------------------------------------------------------------- one Lambda-like process
def task_root(tree: Path, folder: Path) -> Path:
    """What the function zip holds (serverless.yml `package.patterns`: functions/**/*.py), without bytecode."""
    root = folder / "task"
    for source in (tree / "functions").rglob("*.py"):
        target = root / source.relative_to(tree)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)
    return root


def serverless_env(tree: Path) -> dict[str, str]:
    """provider.environment of the tree's serverless.yml: its literal values (`${sls:stage}` = bench); the
    values from stage config or CloudFormation are set in `lambda_env`."""
    import yaml

    declared = yaml.safe_load((tree / "serverless.yml").read_text())["provider"]["environment"]
    values = {k: v.replace("${sls:stage}", "bench") for k, v in declared.items() if isinstance(v, str)}
    return {k: v for k, v in values.items() if "${" not in v}


def lambda_env(
    function: str, module: str, task: Path, declared: dict[str, str], backend: dict[str, str], tracing: bool
) -> dict[str, str]:
    return {
        **declared,
        # the values serverless.yml takes from config/<stage>.yml and CloudFormation, as prod sets them
        "STAGE": "bench",
        "CORS_ALLOWED_ORIGINS": "https://app.luckymart.test",
        "SSM_PARAMETER_PREFIX": "/luckymart/bench",
        "NOTIFICATION_QUEUE_URL": "https://sqs.eu-central-1.amazonaws.com/000000000000/luckymart-bench-notifications",
        "LOG_LEVEL": "INFO",
        "LUCKYMART_TRACING": "true" if tracing else "false",
        "ORIGIN_SECRET_REQUIRED": "true",  # frontDoor.enforceOriginSecret
        # where the database is, its secrets (SSM on AWS) and the trust store
        **backend,
        # what the Lambda runtime sets
        "AWS_LAMBDA_FUNCTION_NAME": f"luckymart-bench-{function}",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "512",
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
        "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/luckymart-bench-{function}",
        "AWS_LAMBDA_LOG_STREAM_NAME": "2026/11/30/[$LATEST]0123456789abcdef",
        "AWS_EXECUTION_ENV": "AWS_Lambda_python3.12",
        "AWS_REGION": "eu-central-1",
        "AWS_DEFAULT_REGION": "eu-central-1",
        "LAMBDA_TASK_ROOT": str(task),
        "LAMBDA_RUNTIME_DIR": "/var/runtime",
        "_HANDLER": f"functions/{module}/handler.handler",
        "TZ": ":UTC",
        "LANG": "en_US.UTF-8",
        "PATH": "/usr/local/bin:/usr/bin:/bin",
    }


def probe(python: str, config: dict[str, Any], env: dict[str, str]) -> dict[str, Any]:
    done = subprocess.run(
        [python, *FLAGS, "-c", PROBE, json.dumps(config)],
        capture_output=True,
        text=True,
        env=env,
        cwd="/",
        check=False,
    )
    lines = [x for x in done.stderr.splitlines() if x.startswith("RESULT ")]
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"probe failed: {done.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(lines[0][len("RESULT ") :])
    return result


def interpreter_ms(python: str) -> float:
    import time

    samples = []
    for _ in range(RUNS):
        start = time.perf_counter()
        subprocess.run([python, *FLAGS, "-c", "pass"], check=True, env={})
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def secrets_ms(python: str, layer: Path) -> float:
    path = [str(layer), boto_site()]
    code = (
        f"import sys, time; sys.path[:0] = {path!r}; t = time.perf_counter()\n"
        "from aws_lambda_powertools.utilities import parameters\n"
        "parameters.SSMProvider()\n"  # the boto3 session and SSM client the first get_parameter creates
        "print((time.perf_counter() - t) * 1000)"
    )
    env = {"AWS_DEFAULT_REGION": "eu-central-1", "AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "x"}
    samples = [
        float(
            subprocess.run(
                [python, *FLAGS, "-c", code], capture_output=True, text=True, check=True, env=env
            ).stdout
        )
        for _ in range(RUNS)
    ]
    return statistics.median(samples)


# The floor: what the libraries a user function needs cost on their own, without luckymart code, step by step in
# one fresh process (after the interpreter's own start).
FLOOR = (
    ("stdlib", "import json, logging, decimal, datetime, uuid, hashlib, threading, dataclasses, re, typing, ssl"),
    (
        "pydantic (one model built, one validation)",
        "import pydantic\nclass M(pydantic.BaseModel):\n    a: int = 1\nM.model_validate({})",
    ),
    (
        "Powertools (Logger, EphemeralMetrics, Function URL resolver)",
        "from aws_lambda_powertools import Logger\nfrom aws_lambda_powertools.metrics import EphemeralMetrics\n"
        "from luckymart.function_url import LambdaFunctionUrlResolver",
    ),
    ("httpx (import + client)", "import httpx\nhttpx.Client()"),
)


def floor_sample(python: str, layer: Path, env: dict[str, str]) -> list[float]:
    code = f"import sys, time\nsys.path[:0] = {[str(layer), boto_site()]!r}\nms = []\n"
    for _, step in FLOOR:
        code += f"c = time.process_time()\n{step}\nms.append((time.process_time() - c) * 1000)\n"
    code += "print(*ms)"
    done = subprocess.run([python, *FLAGS, "-c", code], capture_output=True, text=True, check=True, env=env)
    return [float(x) for x in done.stdout.split()]


def main() -> None:
    trees = {"this tree": ROOT}
    baseline = os.environ.get("COLD_START_BASELINE")
    if baseline:
        trees = {"baseline": Path(baseline).resolve(), **trees}
    for tree in trees.values():
        if not (tree / "build/layer/python").is_dir():
            print(f"no {tree}/build/layer: run `make layer` there first")
            return
    python = python312()
    from tests.support import sign_in

    with private_stack() as stack, tempfile.TemporaryDirectory(prefix="luckymart-cold-") as scratch:
        folder = Path(scratch)
        session = sign_in()
        secrets = {name: os.environ[name] for name in SECRETS}
        with tls_front(stack.rest_port, folder) as (tls_port, ca_file):
            https = {"SUPABASE_URL": f"https://127.0.0.1:{tls_port}"}
            https["SUPABASE_REST_URL"] = https["SUPABASE_URL"]  # the TLS front forwards to PostgREST itself
            http = {"SUPABASE_URL": stack.rest_url, "SUPABASE_REST_URL": stack.rest_url}
            setups = {
                "https, tracing off (prod)": (https, False),
                "https, tracing on (dev)": (https, True),
                "http, tracing off": (http, False),
            }
            # per tree: its function package, layer, serverless.yml environment and trust store
            runtime: dict[str, tuple[Path, Path, dict[str, str], dict[str, str]]] = {}
            for label, tree in trees.items():
                own = folder / label.replace(" ", "-")
                layer = tree / "build/layer/python"
                declared = serverless_env(tree)
                trust = trust_store(declared, layer, ca_file, own)
                runtime[label] = (task_root(tree, own), layer, declared, {**secrets, **trust})

            def run(
                label: str, module: str, event: dict[str, Any], url: dict[str, str], tracing: bool, parts: bool
            ) -> dict[str, Any]:
                task, layer, declared, backend = runtime[label]
                function = module.replace("_", "-")
                config = {
                    "path": [str(task), str(layer)],
                    "boto_site": boto_site(),
                    "module": module,
                    "function": function,
                    "event": event,
                    "parts": parts,
                }
                return probe(
                    python, config, lambda_env(function, module, task, declared, {**backend, **url}, tracing)
                )

            print(
                f"median of {RUNS} fresh {python} {' '.join(FLAGS)} processes; interpreter start alone "
                f"{interpreter_ms(python):.1f} ms (not included below)"
            )
            for module in HANDLERS:
                function = module.replace("_", "-")
                headers = {
                    "content-type": "application/json",
                    "x-origin-verify": os.environ["ORIGIN_SECRET"],
                    "x-session-token": session.token,
                }
                body = json.dumps({"type": "DEPOSIT"}).encode() if module == "get_payment_config" else b"{}"
                event = function_url_event("POST", headers=headers, body=body)
                for setup, (url, tracing) in setups.items():
                    samples: dict[str, list[dict[str, Any]]] = {label: [] for label in trees}
                    for _ in range(RUNS):
                        for label in trees:  # alternating: old and new see the same load
                            samples[label].append(run(label, module, event, url, tracing, False))
                    totals = {}
                    for label, runs in samples.items():
                        statuses = sorted({r["status"] for r in runs})
                        imported = statistics.median(r["ms"]["import"] for r in runs)
                        first = statistics.median(r["ms"]["first"] for r in runs)
                        totals[label] = statistics.median(r["ms"]["import"] + r["ms"]["first"] for r in runs)
                        cpu = statistics.median(r["cpu"] for r in runs)
                        who = f" [{label}]" if baseline else ""
                        print(
                            f"  {function:<19} {setup:<26} import {imported:6.1f} + first request {first:6.1f}"
                            f" = {totals[label]:6.1f} ms wall, {cpu:6.1f} ms CPU  (status {statuses}){who}"
                        )
                    if baseline:
                        ratio = totals["this tree"] / totals["baseline"]
                        print(f"  {'':<19} {setup:<26} this tree / baseline: {ratio:.2f}x")
                # the parts, as prod runs (https, tracing off)
                for label in trees:
                    runs = [run(label, module, event, https, False, True) for _ in range(RUNS)]
                    part = {k: statistics.median(r["ms"][k] for r in runs) for k in runs[0]["ms"]}
                    who = f" [{label}]" if baseline else ""
                    print(
                        f"  {function:<19} parts (https, prod): import {part['import']:.1f}, import httpx "
                        f"{part['httpx']:.1f}, client {part['client']:.1f}, first request {part['first']:.1f}; "
                        f"warm request {part['warm']:.1f} ms{who}"
                    )
            # the floor, alternating with whole cold starts of this tree (CPU: the same load for both)
            _, layer, declared, backend = runtime["this tree"]
            floors, wholes = [], []
            for _ in range(RUNS):
                floors.append(floor_sample(python, layer, {**declared, **backend}))
                wholes.append(run("this tree", HANDLERS[-1], event, https, False, False)["cpu"])
            steps = [statistics.median(f[i] for f in floors) for i in range(len(FLOOR))]
            each = " + ".join(f"{name} {ms:.1f}" for (name, _), ms in zip(FLOOR, steps, strict=True))
            print(
                f"  floor, CPU: the libraries alone (no luckymart code) {statistics.median(map(sum, floors)):.1f} "
                f"ms = {each}; {HANDLERS[-1]}'s whole cold start in between {statistics.median(wholes):.1f} ms"
            )
        for label, tree in trees.items():
            who = f" [{label}]" if baseline else ""
            print(
                f"  on AWS the first request also reads its secrets: through the parameters extension (the "
                f"deployed setup, luckymart.ssm) one localhost call; without it, Powertools parameters + boto3 + "
                f"SSM client {secrets_ms(python, tree / 'build/layer/python'):.1f} ms before the SSM calls{who}"
            )


if __name__ == "__main__":
    main()
