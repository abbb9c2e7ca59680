"""A local stand-in for the AWS Parameters and Secrets Lambda Extension, for the tests.

Like the extension: `GET /systemsmanager/parameters/get?name=<name>[&withDecryption=true]` with the header
`X-Aws-Parameters-Secrets-Token` equal to the invocation's AWS_SESSION_TOKEN answers SSM's GetParameter response
as JSON (`{"Parameter": {"Name", "Value", "Version", ...}}`), the name may carry a version selector (`name:3`);
a missing or wrong token is refused (401), an unknown parameter is SSM's error (400). Behind it, the SSM API of
the process (moto in the tests), so the tests put parameters the way an operator does. It records each name read.
With `authorize(token, name)` the caller's token names its credentials and the function decides: None refuses the
token (401), False is the role's AccessDeniedException (400), as for the packaged rehearsal's functions.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from infra.local.stack import free_port

PATH = "/systemsmanager/parameters/get"


class _Handler(BaseHTTPRequestHandler):
    server: _ExtensionServer

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        query = parse_qs(url.query)
        if url.path != PATH or "name" not in query:
            self._answer(400, {"message": "unknown request"})
            return
        name = query["name"][0]
        allowed = self.server.authorize(self.headers.get("X-Aws-Parameters-Secrets-Token") or "", name)
        if allowed is None:
            self._answer(401, {"message": "missing or wrong X-Aws-Parameters-Secrets-Token"})
            return
        if not allowed:
            self._answer(400, {"message": "AccessDeniedException"})
            return
        self.server.requested.append(name)
        decrypt = query.get("withDecryption", ["false"])[0] == "true"
        try:
            found = self.server.client.get_parameter(Name=name, WithDecryption=decrypt)
        except Exception as error:  # SSM's own refusal (not found, bad version), as the extension relays it
            self._answer(400, {"message": type(error).__name__})
            return
        self._answer(200, {"Parameter": found["Parameter"]}, default=str)

    def _answer(self, status: int, body: object, default: object = None) -> None:
        encoded = json.dumps(body, default=default).encode()  # type: ignore[arg-type]
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(encoded)))
        self.end_headers()
        self.wfile.write(encoded)

    def log_message(self, format: str, *args: object) -> None:
        pass


Authorize = Callable[[str, str], "bool | None"]  # (token, parameter name) -> allowed, or None: unknown token


class _ExtensionServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, port: int, authorize: Authorize, client: Any) -> None:
        super().__init__(("127.0.0.1", port), _Handler)
        self.authorize = authorize
        self.client = client  # boto3 SSM client (any object with get_parameter)
        self.requested: list[str] = []


@contextmanager
def parameters_extension(
    client: Any, token: str, *, authorize: Authorize | None = None
) -> Iterator[_ExtensionServer]:
    """Runs the stand-in on a free port until the block ends; `server.server_port` is its port."""
    check = authorize or (lambda presented, _name: True if presented == token else None)
    server = _ExtensionServer(free_port(), check, client)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
