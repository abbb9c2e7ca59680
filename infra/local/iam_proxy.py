"""IAM for the packaged rehearsal's SQS and S3 calls (docs/rehearsal.md): a proxy in front of moto, which itself
checks no permission. Each packaged function signs its requests with an access key of its own (SigV4
`Credential=<key>/...`); the proxy names the action and resource of the request (sqs:SendMessage on the queue's
ARN, s3:PutObjectTagging on arn:aws:s3:::bucket/key, ...), asks `authorize(access_key, action, resource)` (the
function's role in the packaged template) and answers AccessDenied as SQS or S3 would, or forwards the request
unchanged. Requests signed by anyone else (the local pollers, the tests) pass through."""

from __future__ import annotations

import http.client
import json
import re
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

Authorize = Callable[[str, str, str], "bool | None"]  # (access key, action, resource) -> allowed; None: not ours
_CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/[^/]+/([^/]+)/([^/]+)/aws4_request")
_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "host", "content-length"}
_S3_SUBRESOURCE_ACTIONS = {
    ("GET", "tagging"): "s3:GetObjectTagging",
    ("PUT", "tagging"): "s3:PutObjectTagging",
    ("DELETE", "tagging"): "s3:DeleteObjectTagging",
}
_S3_OBJECT_ACTIONS = {
    "GET": "s3:GetObject",
    "HEAD": "s3:GetObject",
    "PUT": "s3:PutObject",
    "DELETE": "s3:DeleteObject",
}


def sqs_action(target: str | None, body: bytes) -> tuple[str, str | None]:
    """(action, queue URL) of an SQS request in the JSON protocol (X-Amz-Target: AmazonSQS.SendMessage) or the
    query protocol (Action=SendMessage)."""
    if target:
        operation = target.rsplit(".", 1)[-1]
        try:
            queue_url = json.loads(body or b"{}").get("QueueUrl")
        except ValueError:
            queue_url = None
    else:
        form = parse_qs(body.decode(errors="replace"))
        operation, queue_url = form.get("Action", [""])[0], form.get("QueueUrl", [None])[0]
    return f"sqs:{operation.removesuffix('Batch')}", queue_url


def s3_action(method: str, path: str, query: str) -> tuple[str, str]:
    """(action, resource ARN) of a path-style S3 request."""
    bucket, _, key = unquote(path).lstrip("/").partition("/")
    params = parse_qs(query, keep_blank_values=True)
    for (verb, subresource), action in _S3_SUBRESOURCE_ACTIONS.items():
        if method == verb and subresource in params:
            return action, f"arn:aws:s3:::{bucket}/{key}"
    if not key:
        return ("s3:ListBucket" if method == "GET" else f"s3:{method}Bucket"), f"arn:aws:s3:::{bucket}"
    return _S3_OBJECT_ACTIONS.get(method, f"s3:{method}Object"), f"arn:aws:s3:::{bucket}/{key}"


class IamProxy(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256

    def __init__(self, upstream_port: int, authorize: Authorize, queue_arn: Callable[[str], str]) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.upstream_port = upstream_port
        self.authorize = authorize
        self.queue_arn = queue_arn  # queue URL -> ARN
        self.denied: list[tuple[str, str, str]] = []  # (access key, action, resource)
        threading.Thread(target=self.serve_forever, name="iam-proxy", daemon=True).start()

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def close(self) -> None:
        self.shutdown()
        self.server_close()


class _Handler(BaseHTTPRequestHandler):
    server: IamProxy
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        return

    def _handle(self) -> None:
        body = self.rfile.read(int(self.headers.get("content-length") or 0))
        url = urlsplit(self.path)
        signed = _CREDENTIAL.search(self.headers.get("authorization") or "")
        if signed is not None:
            access_key, service = signed.group(1), signed.group(3)
            if service == "sqs":
                action, queue_url = sqs_action(self.headers.get("x-amz-target"), body)
                resource = self.server.queue_arn(queue_url) if queue_url else "*"
            else:
                action, resource = s3_action(self.command, url.path, url.query)
            if self.server.authorize(access_key, action, resource) is False:
                self.server.denied.append((access_key, action, resource))
                self._deny(service, action, resource)
                return
        self._forward(body)

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _handle

    def _deny(self, service: str, action: str, resource: str) -> None:
        message = f"User is not authorized to perform: {action} on resource: {resource}"
        if service == "sqs":
            payload = json.dumps({"__type": "com.amazonaws.sqs#AccessDenied", "message": message}).encode()
            headers = {"content-type": "application/x-amz-json-1.0", "x-amzn-query-error": "AccessDenied;Sender"}
            self._send(403, headers, payload)
        else:
            payload = f"<Error><Code>AccessDenied</Code><Message>{message}</Message></Error>".encode()
            self._send(403, {"content-type": "application/xml"}, payload)

    def _forward(self, body: bytes) -> None:
        upstream = http.client.HTTPConnection("127.0.0.1", self.server.upstream_port, timeout=60)
        try:
            headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP}
            upstream.request(self.command, self.path, body=body or None, headers=headers)
            response = upstream.getresponse()
            payload = response.read()
            out = {k: v for k, v in response.getheaders() if k.lower() not in _HOP_BY_HOP}
            self._send(response.status, out, payload)
        finally:
            upstream.close()

    def _send(self, status: int, headers: dict[str, str], payload: bytes) -> None:
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)
