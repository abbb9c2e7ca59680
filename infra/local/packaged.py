"""The packaged rehearsal: every function run from the artifacts of `make package` as Lambda runs them
(docs/rehearsal.md).

For one packaged stage (build/package/<stage>) and a running local stack:
- the function zip and its layer zips are unpacked once, as Lambda lays them out: the code in /var/task, the layers
  merged in /opt, the runtime (awslambdaric + the AWS SDK, scripts/build_lambda_runtime.sh) in /var/runtime and the
  Python 3.12 interpreter in /var/lang;
- each execution environment is a process in its own mount namespace (`unshare`) with those four folders bound
  read-only onto the real paths, a private /tmp, running as `nobody`: `python3.12 -S -E -s
  /var/runtime/bootstrap.py`, i.e. awslambdaric polling a Runtime API served here (lambda_container.py);
- its environment is the template's, every reference resolved to the local stack (infra/local/template.py), plus
  what Lambda itself sets; only the settings in REPLACED are changed, only the endpoints in ENDPOINTS added;
- secrets exist only in SSM (moto), read through the parameters-extension stand-in, which answers a function only
  for the parameters its role's policy allows (ssm:GetParameter), with the function's own session token.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import platform
import secrets
import shutil
import subprocess
import sys
import threading
import time
import urllib.request
import zipfile
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from statistics import median
from typing import Any
from urllib.parse import urlsplit

from infra.local.aws import NOTIFICATION_VISIBILITY_SECONDS, LocalAws, LocalQueue, _create_queue
from infra.local.gateway import Gateway
from infra.local.iam_proxy import IamProxy
from infra.local.lambda_container import Container, ContainerSpec, FunctionError, FunctionPool
from infra.local.lambdas import as_lambda_sees_it, from_lambda
from infra.local.parameters_extension import parameters_extension
from infra.local.s3 import LOCAL_BUCKET, LOCAL_REGION
from infra.local.secrets import local_secrets
from infra.local.stack import ROOT, Stack, free_port
from infra.local.telegram_fake import FakeTelegram
from infra.local.template import PackagedFunction, PackagedStage, Physical, References, TemplateError, load_stage
from luckymart import config, fairdraw
from luckymart.log import logger

PACKAGE_DIR = ROOT / "build" / "package"
RUNTIME_BUILDER = ROOT / "scripts" / "build_lambda_runtime.sh"
PYTHON_FINDER = ROOT / "scripts" / "find_python312.sh"
MOUNT_POINTS = ("/var/task", "/opt", "/var/runtime", "/var/lang")
SANDBOX_USER = 65534  # nobody: Lambda runs the runtime as an unprivileged user too
EXTENSION_LAYER = ":layer:AWS-Parameters-and-Secrets-Lambda-Extension"
ORIGIN_SECRET_PARAMETER = "origin_secret"
DEFAULT_CONCURRENCY = 4  # containers per function at most (less when the template reserves less)

# Template settings that name the stage's outside world; locally they name the local stack. Nothing else in a
# function's environment differs from the packaged template.
REPLACED = {
    "SUPABASE_URL": "the stage's Supabase project: the local gateway (which serves /rest/v1 like Supabase)",
    "CORS_ALLOWED_ORIGINS": "the stage's Mini App origins: the origins the local stack allows",
    "FAIRDRAW_PUBLIC_KEY": "the public half of the fair-draw key in SSM: of the local key",
    "RECEIPT_PUBLIC_KEY": "the public half of the receipt key in SSM: of the local key",
    "PARAMETERS_SECRETS_EXTENSION_HTTP_PORT": "where the extension listens: the stand-in's (with its layer only)",
}
# Endpoints that exist only because the local stack stands in for AWS and Telegram (unset on AWS).
ENDPOINTS = ("AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL_SQS", "TELEGRAM_API_BASE_URL")

# The sandbox: bind the four folders read-only onto Lambda's paths, a private /tmp, then the runtime as nobody.
_SANDBOX_SCRIPT = f"""set -e
for target in /var/task /opt /var/runtime /var/lang; do
  /bin/mount --bind "$1" "$target"
  /bin/mount -o remount,bind,ro "$target"
  shift
done
/bin/mount -t tmpfs -o size="$1"m,mode=1777 tmpfs /tmp
cd /var/task
exec /usr/bin/setpriv --reuid={SANDBOX_USER} --regid={SANDBOX_USER} --clear-groups -- \
  /var/lang/bin/python3.12 -S -E -s /var/runtime/bootstrap.py
"""


@dataclass(frozen=True)
class LocalServices:
    """What the running local stack offers the packaged functions."""

    supabase_url: str  # the gateway
    cors_origins: str
    secrets: Mapping[str, str]  # the local stack's values by environment name (SUPABASE_USER_KEY, ...)
    aws: LocalAws
    telegram_api: str | None = None


def queue_arn(url: str, region: str, account: str) -> str:
    return f"arn:aws:sqs:{region}:{account}:{urlsplit(url).path.rsplit('/', 1)[-1]}"


def local_resources(aws: LocalAws, region: str, account: str) -> dict[str, Physical]:
    """The template's queues and bucket bound to the local stack's (infra/local/aws.py)."""
    queues = {
        "CommissionQueue": aws.queue_url,
        "CommissionDeadLetterQueue": aws.dlq_url,
        "NotificationQueue": aws.notifications.url,
        "NotificationDeadLetterQueue": aws.notifications.dlq_url,
    }
    bound = {
        logical: Physical(
            url,
            {"Arn": queue_arn(url, region, account), "QueueUrl": url, "QueueName": url.rsplit("/", 1)[-1]},
        )
        for logical, url in queues.items()
    }
    bucket = aws.env.get("UPLOADS_BUCKET", LOCAL_BUCKET)
    bound["UploadsBucket"] = Physical(bucket, {"Arn": f"arn:aws:s3:::{bucket}", "DomainName": f"{bucket}.s3"})
    return bound


def unpack(archive: Path, into: Path) -> None:
    """Extracts a deployment package as Lambda does: files keep their mode bits (at least world-readable)."""
    tmp = into.with_name(into.name + ".partial")
    shutil.rmtree(tmp, ignore_errors=True)
    with zipfile.ZipFile(archive) as zipped:
        for info in zipped.infolist():
            path = Path(zipped.extract(info, tmp))
            mode = (info.external_attr >> 16) & 0o777
            os.chmod(path, (mode or (0o755 if info.is_dir() else 0o644)) | (0o555 if info.is_dir() else 0o444))
    os.chmod(tmp, 0o755)
    tmp.rename(into)


def _python312_prefix() -> Path:
    found = subprocess.run([str(PYTHON_FINDER)], capture_output=True, text=True, check=False)
    if found.returncode != 0:
        raise TemplateError(found.stderr.strip() or "no Python 3.12 interpreter")
    return Path(found.stdout.strip()).resolve().parents[1]


def _runtime_folder() -> Path:
    built = subprocess.run([str(RUNTIME_BUILDER)], capture_output=True, text=True, cwd=ROOT, check=False)
    if built.returncode != 0:
        raise TemplateError(f"building the Lambda runtime folder failed: {built.stderr.strip()[-2000:]}")
    return ROOT / built.stdout.strip().splitlines()[-1]


def require_sandbox() -> None:
    if os.geteuid() != 0:
        raise TemplateError("the packaged rehearsal needs root: each function runs in its own mount namespace")
    if platform.machine() != "x86_64":
        raise TemplateError(f"the packaged rehearsal runs x86_64 functions; this machine is {platform.machine()}")
    for mount_point in MOUNT_POINTS:  # empty folders to bind onto (only inside each function's namespace)
        os.makedirs(mount_point, exist_ok=True)


@dataclass
class PackagedLambdas:
    """Every function of a packaged stage, run from its artifacts; see the module docstring."""

    stage: PackagedStage
    run_dir: Path
    services: LocalServices
    concurrency: int = DEFAULT_CONCURRENCY
    failures: list[FunctionError] = field(default_factory=list)
    parameter_reads: list[tuple[str, str, bool]] = field(default_factory=list)  # (function, name, allowed)
    aws_denied: list[tuple[str, str, str]] = field(default_factory=list)  # (function, action, resource)
    _pools: dict[str, FunctionPool] = field(default_factory=dict)
    _tokens: dict[str, PackagedFunction] = field(default_factory=dict)
    _access_keys: dict[str, PackagedFunction] = field(default_factory=dict)
    _folders: dict[tuple[Any, ...], Path] = field(default_factory=dict)
    _exit: ExitStack = field(default_factory=ExitStack)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    # ---------------------------------------------------------------- setup
    def start(self) -> PackagedLambdas:
        require_sandbox()
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        return self

    def _start(self) -> None:
        region = self.stage.region
        self.refs = References(region=region, stack_name=self.stage.stack_name, ssm=self._ssm_value)
        self.refs.resources.update(local_resources(self.services.aws, region, self.refs.account))
        for function in self.stage.functions.values():
            arn = f"arn:aws:lambda:{region}:{self.refs.account}:function:{function.function_name}"
            self.refs.resources[function.logical_id] = Physical(function.function_name, {"Arn": arn})
        import boto3

        self.ssm = boto3.client(
            "ssm",
            region_name=region,
            endpoint_url=self.services.aws.endpoint,
            aws_access_key_id="local",
            aws_secret_access_key="local",  # noqa: S106 - moto accepts any credentials
        )
        self._put_parameters()
        extension = self._exit.enter_context(parameters_extension(self.ssm, "", authorize=self._authorize))
        self.extension_port = extension.server_port
        moto_port = int(urlsplit(self.services.aws.endpoint).port or 80)
        self.iam = IamProxy(moto_port, self._authorize_aws, lambda url: queue_arn(url, region, self.refs.account))
        self._exit.callback(self.iam.close)
        lang, runtime = _python312_prefix(), _runtime_folder()
        problems: list[str] = []
        specs: dict[str, tuple[ContainerSpec, int]] = {}
        logs = self.run_dir / "lambda-logs"
        logs.mkdir(parents=True, exist_ok=True)
        for function in self.stage.functions.values():
            try:
                specs[function.name] = self._spec(function, lang, runtime, logs)
            except TemplateError as error:
                problems.append(str(error))
        if problems:  # every problem at once: the rehearsal's report
            raise TemplateError("the packaged stage cannot run:\n  " + "\n  ".join(problems))
        for name, (spec, concurrency) in specs.items():
            self._pools[name] = FunctionPool(spec, concurrency, Container)

    def _put_parameters(self) -> None:
        """The stage's secrets as an operator puts them (SecureString), plus the origin secret's versions."""
        prefix = f"/{self.stage.service}/{self.stage.stage}"
        for name in config.SECRET_NAMES:
            value = self.services.secrets.get(name.upper())
            if value:
                self.ssm.put_parameter(Name=f"{prefix}/{name}", Value=value, Type="SecureString", Overwrite=True)
        origin = self.services.secrets.get("ORIGIN_SECRET")
        versions = {int(f.environment.get("ORIGIN_SECRET_VERSION") or 0) for f in self.stage.functions.values()}
        if origin:
            for _ in range(max(versions | {1})):  # versions 1..N: the functions accept N and N-1
                self.ssm.put_parameter(
                    Name=f"{prefix}/{ORIGIN_SECRET_PARAMETER}", Value=origin, Type="String", Overwrite=True
                )

    def _ssm_value(self, reference: str) -> str:
        name, _, version = reference.partition(":")
        found = self.ssm.get_parameter(Name=f"{name}:{version}" if version else name)
        return str(found["Parameter"]["Value"])

    def _authorize(self, token: str, name: str) -> bool | None:
        """The extension answers with the caller's credentials: its role's policy decides (None: unknown token)."""
        function = self._tokens.get(token)
        if function is None:
            return None
        parameter = name.split(":", 1)[0]  # a version selector is not part of the resource
        arn = f"arn:aws:ssm:{self.stage.region}:{self.refs.account}:parameter{parameter}"
        allowed = function.may_read_parameter(arn, self.refs)
        self.parameter_reads.append((function.name, parameter, allowed))
        if not allowed:
            logger.warning(
                "parameter read denied by the function's role",
                extra={"function": function.name, "parameter": parameter},
            )
        return allowed

    def _authorize_aws(self, access_key: str, action: str, resource: str) -> bool | None:
        function = self._access_keys.get(access_key)
        if function is None:
            return None  # not a packaged function (the local pollers, the tests)
        allowed = function.allows(action, resource, self.refs)
        if not allowed:
            self.aws_denied.append((function.name, action, resource))
            logger.warning(
                "AWS call denied by the function's role",
                extra={"function": function.name, "action": action, "resource": resource},
            )
        return allowed

    def _spec(
        self, function: PackagedFunction, lang: Path, runtime: Path, logs: Path
    ) -> tuple[ContainerSpec, int]:
        if function.runtime != "python3.12":
            raise TemplateError(f"{function.name}: runtime {function.runtime} (the rehearsal runs python3.12)")
        if function.architectures != ("x86_64",):
            raise TemplateError(f"{function.name}: architectures {function.architectures} (this machine: x86_64)")
        task = self._unpacked([self.stage.artifact(function.code_artifact)], "task")
        layer_zips: list[Path] = []
        extension = False
        for layer in function.layers:
            artifact = self.stage.layer_artifact(layer)
            if isinstance(artifact, Path):
                layer_zips.append(artifact)
            elif EXTENSION_LAYER in artifact:
                extension = True  # the stand-in plays it (it lives outside /opt here)
            else:
                raise TemplateError(f"{function.name}: layer {artifact} has no local stand-in")
        opt = self._unpacked(layer_zips, "opt")
        token = secrets.token_urlsafe(24)  # the function's role session: the extension checks it
        self._tokens[token] = function
        access_key = "ASIA" + secrets.token_hex(8).upper()  # and the proxy in front of SQS and S3
        self._access_keys[access_key] = function
        env = function.resolved_environment(self.refs)
        replacements = self._replacements(extension)
        for name in REPLACED:
            if name in env and name in replacements:
                env[name] = replacements[name]
        region = self.stage.region
        env.update(
            {  # what Lambda sets in every execution environment
                "AWS_LAMBDA_FUNCTION_NAME": function.function_name,
                "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(function.memory_mb),
                "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
                "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{function.function_name}",
                "AWS_LAMBDA_LOG_STREAM_NAME": f"local/{function.name}",
                "AWS_LAMBDA_INITIALIZATION_TYPE": "snap-start" if function.snap_start else "on-demand",
                "AWS_EXECUTION_ENV": "AWS_Lambda_python3.12",
                "AWS_REGION": region,
                "AWS_DEFAULT_REGION": region,
                "AWS_ACCESS_KEY_ID": access_key,
                "AWS_SECRET_ACCESS_KEY": "local",
                "AWS_SESSION_TOKEN": token,
                "AWS_XRAY_CONTEXT_MISSING": "LOG_ERROR",
                "AWS_XRAY_DAEMON_ADDRESS": "127.0.0.1:2000",
                "_HANDLER": function.handler,
                "LAMBDA_TASK_ROOT": "/var/task",
                "LAMBDA_RUNTIME_DIR": "/var/runtime",
                "LANG": "en_US.UTF-8",
                "TZ": ":UTC",
                "PATH": "/var/lang/bin:/usr/local/bin:/usr/bin/:/bin:/opt/bin",
                "LD_LIBRARY_PATH": "/var/lang/lib:/lib64:/usr/lib64:/var/runtime:/var/runtime/lib:/var/task:"
                "/var/task/lib:/opt/lib",
            }
        )
        env.update(self._endpoints())
        command = [
            "/usr/bin/unshare", "--mount", "--propagation", "private", "--", "/bin/sh", "-c", _SANDBOX_SCRIPT,
            "sandbox", str(task), str(opt), str(runtime), str(lang), "512",
        ]  # fmt: skip
        arn = self.refs.get_att(function.logical_id, "Arn")
        spec = ContainerSpec(
            function.name, arn, function.timeout_seconds, command, env, logs / f"{function.name}.log"
        )
        reserved = function.reserved_concurrency
        return spec, min(self.concurrency, reserved) if reserved else self.concurrency

    def _replacements(self, extension: bool) -> dict[str, str]:
        values = {
            "SUPABASE_URL": self.services.supabase_url,
            "CORS_ALLOWED_ORIGINS": self.services.cors_origins,
        }
        for env, secret in (
            ("FAIRDRAW_PUBLIC_KEY", "FAIRDRAW_SIGNING_KEY"),
            ("RECEIPT_PUBLIC_KEY", "RECEIPT_SIGNING_KEY"),
        ):
            if self.services.secrets.get(secret):
                values[env] = fairdraw.public_key_hex(fairdraw.private_key(self.services.secrets[secret]))
        if extension:
            values["PARAMETERS_SECRETS_EXTENSION_HTTP_PORT"] = str(self.extension_port)
        return values

    def _endpoints(self) -> dict[str, str]:
        endpoint = self.iam.endpoint  # moto, behind the role check
        values = {"AWS_ENDPOINT_URL_S3": endpoint, "AWS_ENDPOINT_URL_SQS": endpoint}
        if self.services.telegram_api:
            values["TELEGRAM_API_BASE_URL"] = self.services.telegram_api
        assert set(values) <= set(ENDPOINTS)
        return values

    def _unpacked(self, archives: list[Path], kind: str) -> Path:
        """The archives extracted in order into one folder (later layers overwrite earlier ones, as on Lambda);
        once per distinct list of archives."""
        key = (kind, *archives)
        with self._lock:
            if key in self._folders:
                return self._folders[key]
            digest = hashlib.sha256(b"\0".join(str(a.resolve()).encode() for a in archives)).hexdigest()[:16]
            folder = self.run_dir / "lambda-artifacts" / f"{kind}-{digest}"
            folder.parent.mkdir(parents=True, exist_ok=True)
            if not archives:
                folder.mkdir(mode=0o755)
            elif len(archives) == 1:
                unpack(archives[0], folder)
            else:
                for i, archive in enumerate(archives):
                    part = folder.with_name(f"{folder.name}.{i}")
                    unpack(archive, part)
                    shutil.copytree(part, folder, dirs_exist_ok=True, symlinks=True)
                    shutil.rmtree(part)
            self._folders[key] = folder
            return folder

    # ---------------------------------------------------------------- use
    def url_function(self, name: str) -> bool:
        function = self.stage.functions.get(name)
        return function is not None and function.has_url

    def function_names(self) -> list[str]:
        return sorted(self._pools)

    def invoke(self, name: str, event: Any, timeout_ms: int | None = None) -> Any:
        pool = self._pools.get(name)
        if pool is None:
            raise FunctionError(name, "ResourceNotFoundException", f"Function not found: {name}")
        try:
            return from_lambda(pool.invoke(as_lambda_sees_it(event)))
        except FunctionError as error:
            self.failures.append(error)
            logger.error(
                "packaged function failed",
                extra={
                    "function": name,
                    "error_type": error.error_type,
                    "error_message": error.message[:500],
                    "log": str(pool.spec.log_file),
                },
            )
            raise

    def warm(self, name: str) -> None:
        """One execution environment of `name` through its init (imports of the handler module); FunctionError
        when the init fails."""
        try:
            self._pools[name].warm()
        except FunctionError as error:
            self.failures.append(error)
            raise

    def environment(self, name: str) -> dict[str, str]:
        """The environment an execution environment of `name` starts with (without its Runtime API address)."""
        return dict(self._pools[name].spec.environment)

    def cold_starts(self) -> dict[str, list[float]]:
        return {name: list(pool.cold_starts) for name, pool in self._pools.items() if pool.cold_starts}

    def summary(self) -> str:
        starts = [s for values in self.cold_starts().values() for s in values]
        line = f"packaged stage {self.stage.stage}: {len(self._pools)} functions"
        if starts:
            line += (
                f", {len(starts)} cold starts (init median {median(starts) * 1000:.0f} ms, "
                f"max {max(starts) * 1000:.0f} ms)"
            )
        denied = sorted({(f, p) for f, p, ok in self.parameter_reads if not ok})
        line += f", {len(self.failures)} failed invocations, {len(denied)} parameter reads denied"
        calls = sorted(set(self.aws_denied))
        line += f", {len(calls)} SQS/S3 calls denied" + "".join(f"\n  denied: {f} {a} {r}" for f, a, r in calls)
        return line

    def logged_problems(self) -> dict[str, list[str]]:
        """Per function, the distinct messages its containers logged at WARNING or above (or a traceback)."""
        found: dict[str, list[str]] = {}
        for name, pool in self._pools.items():
            if not pool.spec.log_file.exists():
                continue
            messages: list[str] = []
            for line in pool.spec.log_file.read_text(errors="replace").splitlines():
                try:
                    record = json.loads(line)
                except ValueError:
                    record = None
                if isinstance(record, dict) and record.get("level") in {"WARNING", "ERROR", "CRITICAL"}:
                    text = f"{record['level']} {record.get('message')}"
                elif line.startswith(("[ERROR]", "[WARNING]", "Traceback")):
                    text = line[:300]
                else:
                    continue
                if text not in messages:
                    messages.append(text)
            if messages:
                found[name] = messages
        return found

    def stop(self) -> None:
        with ThreadPoolExecutor(max_workers=8) as stopping:  # each container takes a moment to end
            list(stopping.map(FunctionPool.stop, self._pools.values()))
        self._pools.clear()
        self._exit.close()


def package_folder(stage: str) -> Path:
    return PACKAGE_DIR / stage


@contextmanager
def packaged_lambdas(
    stage: str, run_dir: Path, services: LocalServices, concurrency: int = DEFAULT_CONCURRENCY
) -> Iterator[PackagedLambdas]:
    lambdas = PackagedLambdas(load_stage(package_folder(stage)), run_dir, services, concurrency).start()
    try:
        yield lambdas
    finally:
        lambdas.stop()


def run_event_sources(lambdas: PackagedLambdas, aws: LocalAws) -> list[threading.Thread]:
    """The template's SQS event source mappings, polled into the packaged functions (like Lambda's pollers)."""
    by_logical: dict[str, LocalQueue] = {
        "CommissionQueue": LocalQueue(aws.queue_url, aws.dlq_url, aws.queue_arn),
        "NotificationQueue": aws.notifications,
    }
    threads = []
    for source in lambdas.stage.event_sources:
        local = by_logical.get(source.queue)
        if local is None:
            raise TemplateError(f"event source of {source.function}: queue {source.queue} has no local poller")
        timeout_ms = lambdas.stage.functions[source.function].timeout_seconds * 1000
        threads.append(aws.run_consumer(_invoker(lambdas, source.function), local, source.function, timeout_ms))
    return threads


def run_schedules(lambdas: PackagedLambdas, aws: LocalAws, every_seconds: float) -> list[threading.Thread]:
    """The template's schedules (EventBridge rules), each every `every_seconds` locally."""
    return [
        aws.run_scheduler(every_seconds, _invoker(lambdas, schedule.function))
        for schedule in lambdas.stage.schedules
        if schedule.enabled
    ]


def _invoker(lambdas: PackagedLambdas, name: str) -> Callable[[dict[str, Any], Any], Any]:
    return lambda event, _context: lambdas.invoke(name, event)


# ------------------------------------------------------------------------------------------------ for the tests
@contextmanager
def standalone_aws(run_dir: Path) -> Iterator[LocalAws]:
    """moto (S3, SQS, SSM) in a process of its own, with the local bucket and queues: nothing in this process's
    environment or in moto's in-process state (which other tests mock) is touched."""
    import boto3

    port = free_port()
    endpoint = f"http://127.0.0.1:{port}"
    with (run_dir / "moto.log").open("ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    aws: LocalAws | None = None
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=2).close()  # noqa: S310 - http://127.0.0.1
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"moto did not start; see {run_dir / 'moto.log'}") from None
                time.sleep(0.2)
        sqs = boto3.client(
            "sqs", region_name=LOCAL_REGION, endpoint_url=endpoint, aws_access_key_id="local",
            aws_secret_access_key="local",  # noqa: S106 - moto accepts any credentials
        )  # fmt: skip
        s3 = boto3.client(
            "s3", region_name=LOCAL_REGION, endpoint_url=endpoint, aws_access_key_id="local",
            aws_secret_access_key="local",  # noqa: S106 - moto accepts any credentials
        )  # fmt: skip
        s3.create_bucket(Bucket=LOCAL_BUCKET, CreateBucketConfiguration={"LocationConstraint": LOCAL_REGION})
        commissions = _create_queue(sqs, "luckymart-local-commissions", 5)
        notifications = _create_queue(sqs, "luckymart-local-notifications", NOTIFICATION_VISIBILITY_SECONDS)
        aws = LocalAws(endpoint, commissions.url, commissions.dlq_url, commissions.arn, notifications)
        aws.env = {
            "AWS_ENDPOINT_URL_S3": endpoint,
            "AWS_ENDPOINT_URL_SQS": endpoint,
            "AWS_ACCESS_KEY_ID": "local",
            "AWS_SECRET_ACCESS_KEY": "local",
            "AWS_REGION": LOCAL_REGION,
            "AWS_DEFAULT_REGION": LOCAL_REGION,
            "UPLOADS_BUCKET": LOCAL_BUCKET,
            "COMMISSION_QUEUE_URL": commissions.url,
            "COMMISSION_DLQ_URL": commissions.dlq_url,
            "NOTIFICATION_QUEUE_URL": notifications.url,
            "NOTIFICATION_DLQ_URL": notifications.dlq_url,
        }
        yield aws
    finally:
        if aws is not None:
            aws.stop.set()
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()


@dataclass(frozen=True)
class PackagedDeployment:
    """A packaged stage running against a local stack: its own gateway in front of the packaged functions."""

    stack: Stack  # the same database and PostgREST; api_url is this deployment's gateway (never start/stop it)
    lambdas: PackagedLambdas
    aws: LocalAws
    telegram: FakeTelegram  # the Bot API the packaged functions call


@contextmanager
def packaged_deployment(
    stack: Stack, cors_origins: str, stage: str = "dev", concurrency: int = DEFAULT_CONCURRENCY
) -> Iterator[PackagedDeployment]:
    """The tests' packaged mode: moto in its own process, the packaged functions, a gateway on a free port."""
    run_dir = stack.run_dir / f"packaged-{stage}"
    run_dir.mkdir(exist_ok=True)
    secrets = {**stack.env(), **local_secrets(stack.run_dir)}
    telegram = FakeTelegram(secrets["TELEGRAM_BOT_TOKEN"])
    telegram.serve_in_thread()
    with standalone_aws(run_dir) as aws:
        port = free_port()
        services = LocalServices(
            supabase_url=f"http://127.0.0.1:{port}",
            cors_origins=cors_origins,
            secrets=secrets,
            aws=aws,
            telegram_api=telegram.base_url,
        )
        with packaged_lambdas(stage, run_dir, services, concurrency) as lambdas:
            gateway = Gateway(port, stack.rest_port, lambdas)
            gateway.serve_in_thread()
            try:
                yield PackagedDeployment(dataclasses.replace(stack, api_port=port), lambdas, aws, telegram)
            finally:
                gateway.shutdown()
                gateway.server_close()
                telegram.stop()
