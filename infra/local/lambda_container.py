"""Lambda execution environments on this machine for the packaged rehearsal (docs/rehearsal.md).

`RuntimeApi` serves the Lambda Runtime API (2018-06-01: invocation/next, invocation/<id>/response and /error,
init/error, restore/next for SnapStart) to one execution environment, the way Lambda's own service does; the
process behind it is the real AWS Lambda Runtime Interface Client (awslambdaric, started by the caller's command).
A `Container` is one such process serving one invocation at a time; a `FunctionPool` holds a function's
containers, starting one on demand (a cold start) up to its concurrency, and reusing idle ones (warm starts).

As on Lambda: an invocation that outlives the function's timeout kills its container; an error the handler raises
comes back as the runtime's error object (errorType, errorMessage), a failed init (an import error, a missing
handler) as the error of the invocation that started it, and a container that died is replaced on the next call.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import signal
import subprocess
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

PREFIX = "/2018-06-01/runtime"
INIT_TIMEOUT_SECONDS = 60.0  # Lambda allows 10 s; this machine may be far slower, so only a hung init is fatal


class FunctionError(Exception):
    """What Lambda answers when an invocation fails: X-Amz-Function-Error with the runtime's error object."""

    def __init__(self, function: str, error_type: str, message: str) -> None:
        super().__init__(f"{function}: {error_type}: {message}")
        self.function = function
        self.error_type = error_type
        self.message = message


@dataclass
class _Invocation:
    payload: bytes
    request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    handed_out: threading.Event = field(default_factory=threading.Event)
    done: threading.Event = field(default_factory=threading.Event)
    result: bytes | None = None
    error: tuple[str, str] | None = None  # (errorType, errorMessage)

    def fail(self, error_type: str, message: str) -> None:
        if not self.done.is_set():
            self.error = (error_type, message)
            self.done.set()
            self.handed_out.set()  # nothing to wait for any more


class RuntimeApi(ThreadingHTTPServer):
    """The Runtime API of one execution environment, on 127.0.0.1 (AWS_LAMBDA_RUNTIME_API=127.0.0.1:<port>)."""

    daemon_threads = True

    def __init__(self, function_arn: str, timeout_seconds: int) -> None:
        super().__init__(("127.0.0.1", 0), _RuntimeHandler)
        self.function_arn = function_arn
        self.timeout_seconds = timeout_seconds
        self.pending: queue.Queue[_Invocation] = queue.Queue()
        self.current: _Invocation | None = None
        self.ready = threading.Event()  # the runtime asked for its first invocation: init is over
        self.init_error: tuple[str, str] | None = None
        self.closing = threading.Event()
        threading.Thread(target=self.serve_forever, name="lambda-runtime-api", daemon=True).start()

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.server_address[1]}"

    def close(self) -> None:
        self.closing.set()
        self.shutdown()
        self.server_close()

    def next_invocation(self) -> _Invocation | None:
        self.ready.set()
        while not self.closing.is_set():
            try:
                invocation = self.pending.get(timeout=0.5)
            except queue.Empty:
                continue
            self.current = invocation
            invocation.handed_out.set()
            return invocation
        return None


class _RuntimeHandler(BaseHTTPRequestHandler):
    server: RuntimeApi
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        return

    def _body(self) -> bytes:
        if self.headers.get("transfer-encoding", "").lower() == "chunked":
            chunks = []
            while (size := int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)) > 0:
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            self.rfile.readline()
            return b"".join(chunks)
        return self.rfile.read(int(self.headers.get("content-length") or 0))

    def _answer(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the runtime was stopped meanwhile
            self.send_response(status)
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    def do_GET(self) -> None:
        if self.path == f"{PREFIX}/invocation/next":
            invocation = self.server.next_invocation()
            if invocation is None:  # shutting down: the runtime's poll fails and the process ends with us
                self._answer(500, b'{"errorType":"Runtime.Shutdown"}')
                return
            deadline_ms = int((time.time() + self.server.timeout_seconds) * 1000)
            trace = (
                f"Root=1-{int(time.time()):08x}-{uuid.uuid4().hex[:24]};Parent={uuid.uuid4().hex[:16]};Sampled=0"
            )
            self._answer(
                200,
                invocation.payload,
                {
                    "Content-Type": "application/json",
                    "Lambda-Runtime-Aws-Request-Id": invocation.request_id,
                    "Lambda-Runtime-Deadline-Ms": str(deadline_ms),
                    "Lambda-Runtime-Invoked-Function-Arn": self.server.function_arn,
                    "Lambda-Runtime-Trace-Id": trace,
                },
            )
        elif self.path == f"{PREFIX}/restore/next":  # SnapStart: the snapshot is "restored" at once
            self._answer(200)
        else:
            self._answer(404, b'{"errorType":"InvalidRequest"}')

    def do_POST(self) -> None:
        body = self._body()
        parts = self.path[len(PREFIX) :].strip("/").split("/")
        current = self.server.current
        if parts[:1] == ["invocation"] and len(parts) == 3:
            request_id, outcome = parts[1], parts[2]
            if current is None or current.request_id != request_id:
                self._answer(400, b'{"errorType":"InvalidRequestID"}')
                return
            self.server.current = None
            if outcome == "response":
                current.result = body
                current.done.set()
            else:
                current.fail(*_error_of(body))
            self._answer(202, b'{"status":"OK"}')
        elif parts in (["init", "error"], ["restore", "error"]):
            self.server.init_error = _error_of(body)
            self._answer(202, b'{"status":"OK"}')
            # Lambda fails the invocation that started this environment with the init error
            with contextlib.suppress(queue.Empty):
                self.server.pending.get_nowait().fail(*self.server.init_error)
        else:
            self._answer(404, b'{"errorType":"InvalidRequest"}')


def _error_of(body: bytes) -> tuple[str, str]:
    try:
        error = json.loads(body)
        return str(error.get("errorType") or "Unhandled"), str(error.get("errorMessage") or "")
    except ValueError:
        return "Unhandled", body.decode(errors="replace")[:500]


@dataclass(frozen=True)
class ContainerSpec:
    """How to start one execution environment of a function."""

    function: str
    function_arn: str
    timeout_seconds: int
    command: Sequence[str]
    environment: dict[str, str]  # without AWS_LAMBDA_RUNTIME_API, which each container gets its own of
    log_file: Path


class Container:
    def __init__(self, spec: ContainerSpec) -> None:
        self.spec = spec
        self.api = RuntimeApi(spec.function_arn, spec.timeout_seconds)
        self.started = time.monotonic()
        self.init_seconds: float | None = None
        self.cold_start_counted = False
        self.invocations = 0
        with spec.log_file.open("ab") as log:
            self.process = subprocess.Popen(
                list(spec.command),
                env={**spec.environment, "AWS_LAMBDA_RUNTIME_API": self.api.address},
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: a timeout kills everything it started
            )
        threading.Thread(target=self._watch, name=f"lambda-{spec.function}", daemon=True).start()

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def _watch(self) -> None:
        code = self.process.wait()
        current = self.api.current
        if current is not None:
            current.fail("Runtime.ExitError", f"RequestId: {current.request_id} Error: Runtime exited ({code})")
        with contextlib.suppress(queue.Empty):
            while True:
                pending = self.api.pending.get_nowait()
                error = self.api.init_error or ("Runtime.ExitError", f"Runtime exited during init ({code})")
                pending.fail(*error)

    def wait_ready(self) -> None:
        """Until the runtime polls for its first invocation (its init is over); raises FunctionError when the init
        fails, as the first invocation would."""
        deadline = time.monotonic() + INIT_TIMEOUT_SECONDS
        while not self.api.ready.wait(0.05):
            if self.api.init_error is not None:
                raise FunctionError(self.spec.function, *self.api.init_error)
            if not self.alive:
                raise FunctionError(self.spec.function, "Runtime.ExitError", "Runtime exited during init")
            if time.monotonic() > deadline:
                self.kill()
                raise FunctionError(self.spec.function, "Runtime.InitTimeout", "init did not finish")
        if self.init_seconds is None:
            self.init_seconds = time.monotonic() - self.started

    def invoke(self, payload: bytes) -> bytes:
        """One invocation; raises FunctionError as Lambda reports a failed one."""
        invocation = _Invocation(payload)
        self.api.pending.put(invocation)
        if not invocation.handed_out.wait(INIT_TIMEOUT_SECONDS):
            self.kill()
            invocation.fail("Runtime.InitTimeout", f"init did not finish in {INIT_TIMEOUT_SECONDS:.0f} s")
        if self.init_seconds is None and self.api.ready.is_set():
            self.init_seconds = time.monotonic() - self.started
        if not invocation.done.wait(self.spec.timeout_seconds):
            self.kill()  # Lambda resets the execution environment after a timeout
            invocation.fail("Sandbox.Timedout", f"Task timed out after {self.spec.timeout_seconds:.2f} seconds")
        self.invocations += 1
        if invocation.error is not None:
            raise FunctionError(self.spec.function, *invocation.error)
        assert invocation.result is not None
        return invocation.result

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)

    def stop(self) -> None:
        if self.alive:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.kill()
                self.process.wait(5)
        self.api.close()


class FunctionPool:
    """A function's execution environments: at most `concurrency`, started on demand, one invocation each at a
    time. A call that finds every container busy at the cap waits for one (Lambda would throttle it)."""

    def __init__(self, spec: ContainerSpec, concurrency: int, start: Callable[[ContainerSpec], Container]) -> None:
        self.spec = spec
        self.concurrency = max(1, concurrency)
        self._start = start
        self._idle: list[Container] = []
        self._all: list[Container] = []
        self._changed = threading.Condition()
        self.cold_starts: list[float] = []  # seconds from process start to the first poll of the Runtime API
        self.closed = False

    def invoke(self, payload: bytes) -> bytes:
        container = self._acquire()
        try:
            return container.invoke(payload)
        finally:
            self._count_cold_start(container)
            self._release(container)

    def warm(self) -> None:
        """An execution environment started ahead of any invocation (or an idle one), through its init."""
        container = self._acquire()
        try:
            container.wait_ready()
        finally:
            self._count_cold_start(container)
            self._release(container)

    def _count_cold_start(self, container: Container) -> None:
        if container.init_seconds is not None and not container.cold_start_counted:
            container.cold_start_counted = True
            self.cold_starts.append(container.init_seconds)

    def _acquire(self) -> Container:
        with self._changed:
            while True:
                if self.closed:
                    raise FunctionError(self.spec.function, "Runtime.Stopped", "the local stack is stopping")
                while self._idle:
                    container = self._idle.pop()
                    if container.alive:
                        return container
                    self._all.remove(container)
                if len(self._all) < self.concurrency:
                    container = self._start(self.spec)
                    self._all.append(container)
                    return container
                self._changed.wait(1)

    def _release(self, container: Container) -> None:
        with self._changed:
            if container.alive and not self.closed:
                self._idle.append(container)
            else:
                with contextlib.suppress(ValueError):
                    self._all.remove(container)
                threading.Thread(target=container.stop, daemon=True).start()
            self._changed.notify()

    def stop(self) -> None:
        with self._changed:
            self.closed = True
            containers, self._all, self._idle = list(self._all), [], []
            self._changed.notify_all()
        for container in containers:
            container.stop()
