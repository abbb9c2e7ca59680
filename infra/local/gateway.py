"""Local stand-in for Supabase's Kong and for Lambda Function URLs, on one port (default 54321):

  /rest/v1/*             -> the real PostgREST (a fresh upstream connection per request: PostgREST 12 closes
                            connections after HEAD, so pooled upstream connections would break)
  /functions/v1/<name>   -> a Function URL event (payload 2.0) handed to the real handler of functions/<name>
                            (or of its canonical name in infra/function_aliases.json: withdraw-request, the name
                            the original deployed and its frontend calls, is withdrawal-request): in this
                            process, or in the packaged rehearsal to the function's Lambda-like process
                            (infra/local/lambdas.py, docs/rehearsal.md): a failed invocation is the URL's 502
  /openapi.json          -> the generated API description
  /  and /api/           -> the API explorer over it (Swagger UI, infra/local/api_explorer.py)
  /verify/               -> the static verification page (web/verify/; an S3 origin on AWS)

Only user functions (those exposing an `endpoint`) are reachable: system and admin functions have no URL.
Like CloudFront's origin custom header, the gateway adds the origin secret (env ORIGIN_SECRET) to every function
request and drops any value a caller sent; like the front door's router it sets the caller's address
(X-LuckyMart-Viewer-Ip). With ORIGIN_SECRET_REQUIRED on (`make dev`) a function refuses a request that did not
come through here, as on AWS (luckymart.frontdoor).
"""

from __future__ import annotations

import base64
import http.client
import importlib
import json
import os
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import urlsplit

from infra.local import api_explorer, verify_page
from infra.local.events import LocalContext, function_url_event
from infra.local.lambdas import FunctionError, Lambdas
from luckymart import frontdoor

ROOT = Path(__file__).resolve().parents[2]
# Old function names -> the function that serves them; the one table the local gateway and the AWS front door
# both route by (serverless.yml can read it with ${file(./infra/function_aliases.json)}).
FUNCTION_ALIASES: dict[str, str] = json.loads((ROOT / "infra" / "function_aliases.json").read_text())
_NAME = re.compile(r"^[a-z][a-z0-9-]{1,63}$")
_HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "transfer-encoding",
    "te",
    "trailer",
    "upgrade",
    "host",
    "proxy-authorization",
    "proxy-authenticate",
    "content-length",
}


def load_user_function(name: str) -> ModuleType | None:
    """The handler module of a user function, or None when `name` is not one."""
    if not _NAME.match(name):
        return None
    folder = FUNCTION_ALIASES.get(name, name).replace("-", "_")
    if not (ROOT / "functions" / folder / "handler.py").exists():
        return None
    module = importlib.import_module(f"functions.{folder}.handler")
    return module if hasattr(module, "endpoint") else None


class Gateway(ThreadingHTTPServer):
    daemon_threads = True
    # listen() backlog: the default 5 made bursts of 50 concurrent clients lose connections (reset by peer).
    request_queue_size = 1024

    def __init__(self, port: int, postgrest_port: int, lambdas: Lambdas | None = None) -> None:
        super().__init__(("127.0.0.1", port), _Handler)
        self.postgrest_port = postgrest_port
        self.lambdas = lambdas  # None: each handler in this process

    def serve_in_thread(self) -> threading.Thread:
        thread = threading.Thread(target=self.serve_forever, name="gateway", daemon=True)
        thread.start()
        return thread


class _Handler(BaseHTTPRequestHandler):
    server: Gateway
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        return

    def _dispatch(self) -> None:
        url = urlsplit(self.path)
        body = self.rfile.read(int(self.headers.get("content-length") or 0))
        if url.path.startswith("/rest/v1/"):
            self._proxy_rest(url.path[len("/rest/v1") :], url.query, body)
        elif url.path.startswith("/functions/v1/"):
            name, _, rest = url.path[len("/functions/v1/") :].partition("/")
            self._invoke(name, "/" + rest, url.query, body)
        elif url.path == "/openapi.json":
            self._send(200, {"content-type": "application/json"}, (ROOT / "openapi.json").read_bytes())
        elif url.path == "/verify" or url.path.startswith("/verify/"):
            self._send(*verify_page.serve(url.path))
        elif url.path in {"/", "/api"} or url.path.startswith("/api/"):
            self._send(*api_explorer.serve(url.path))
        elif url.path == "/health":
            self._send(200, {"content-type": "application/json"}, b'{"ok":true}')
        else:
            self._send(404, {"content-type": "application/json"}, b'{"message":"not found"}')

    def __getattr__(self, name: str) -> Any:
        # A Function URL hands every method to the function (which answers 404/405 itself), TRACE included.
        if name.startswith("do_"):
            return self._dispatch
        raise AttributeError(name)

    def _proxy_rest(self, path: str, query: str, body: bytes) -> None:
        upstream = http.client.HTTPConnection("127.0.0.1", self.server.postgrest_port, timeout=30)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP}
        try:
            upstream.request(
                self.command, path + (f"?{query}" if query else ""), body=body or None, headers=headers
            )
            response = upstream.getresponse()
            payload = response.read()
            out = {k: v for k, v in response.getheaders() if k.lower() not in _HOP_BY_HOP}
            self._send(response.status, out, payload)
        finally:
            upstream.close()

    def _invoke(self, name: str, path: str, query: str, body: bytes) -> None:
        lambdas = self.server.lambdas
        canonical = FUNCTION_ALIASES.get(name, name)
        if lambdas is None:
            module = load_user_function(name)
            found = module is not None
        else:  # the packaged template says which functions have a Function URL
            module = None
            found = bool(_NAME.match(name)) and lambdas.url_function(canonical)
        if not found:
            self._send(
                404,
                {"content-type": "application/json"},
                b'{"success":false,"error":{"code":"NOT_FOUND","message":"no such function"}}',
            )
            return
        own = {frontdoor.HEADER, frontdoor.VIEWER_IP_HEADER}
        headers = {k: v for k, v in self.headers.items() if k.lower() not in own}
        headers[frontdoor.VIEWER_IP_HEADER] = self.client_address[0]
        origin_secret = os.environ.get("ORIGIN_SECRET")
        if origin_secret:
            headers[frontdoor.HEADER] = origin_secret
        event = function_url_event(
            self.command,
            path=path,
            query=query,
            headers=headers,
            body=body,
            source_ip=self.client_address[0],
        )
        if module is not None:
            result = module.handler(event, LocalContext(function_name=name))
        else:
            assert lambdas is not None
            try:
                result = lambdas.invoke(canonical, event)
            except FunctionError:  # logged by the runtime; the caller sees what a Function URL answers
                self._send(502, {"content-type": "application/json"}, b'{"Message":"Internal Server Error"}')
                return
        payload = result.get("body") or ""
        raw = base64.b64decode(payload) if result.get("isBase64Encoded") else payload.encode()
        headers = dict(result.get("headers") or {})
        for header, values in (result.get("multiValueHeaders") or {}).items():
            headers[header] = ",".join(values)
        self._send(int(result.get("statusCode", 200)), headers, raw)

    def _send(self, status: int, headers: dict[str, str], payload: bytes) -> None:
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)
