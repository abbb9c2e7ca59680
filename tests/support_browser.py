"""A real headless Chromium (Debian's `chromium` + `chromium-driver`, driven by Selenium; nothing downloaded) and
a small origin server for the verification page: web/verify/ plus a config.json of our choice, and the two public
functions either proxied to a running gateway or answered from fixed data, each answer optionally doctored."""

from __future__ import annotations

import json
import shutil
import tempfile
import threading
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlencode, urlsplit

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.support.ui import WebDriverWait

from infra.local import verify_page

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
    "--enable-precise-memory-info",  # performance.memory for the benchmark's heap numbers
)

Source = Callable[[str, dict[str, str]], Any]  # (function name, query) -> the `data` of its answer
Doctor = Callable[[str, Any], Any]


@contextmanager
def chromium() -> Iterator[webdriver.Chrome]:
    profile = tempfile.mkdtemp(prefix="verify-page-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    driver = webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def run_page(driver: webdriver.Chrome, url: str, timeout: float = 120) -> dict[str, Any]:
    """Opens the page and waits for its result (window.__verification, set when every step has settled)."""
    driver.get("about:blank")
    driver.get(url)
    result = WebDriverWait(driver, timeout, poll_frequency=0.1).until(
        lambda d: d.execute_script("return window.__verification || null")
    )
    return dict(result)


def gateway_source(api_url: str) -> Source:
    def fetch(name: str, query: dict[str, str]) -> Any:
        with urllib.request.urlopen(f"{api_url}/functions/v1/{name}?{urlencode(query)}", timeout=60) as answer:
            return json.loads(answer.read())["data"]

    return fetch


class PageServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, config: dict[str, str], source: Source, doctor: Doctor | None = None) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.config = config
        self.source = source
        self.doctor = doctor
        threading.Thread(target=self.serve_forever, name="verify-page-server", daemon=True).start()

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def __enter__(self) -> PageServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()
        self.server_close()


class _Handler(BaseHTTPRequestHandler):
    server: PageServer

    def log_message(self, format: str, *args: Any) -> None:
        return

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        if url.path == "/verify/config.json":
            self._send(200, {"content-type": "application/json"}, json.dumps(self.server.config).encode())
        elif url.path.startswith("/verify"):
            self._send(*verify_page.serve(url.path))
        elif url.path.startswith("/functions/v1/"):
            name = url.path.rsplit("/", 1)[1]
            query = {k: v[0] for k, v in parse_qs(url.query).items()}
            data = self.server.source(name, query)
            if self.server.doctor is not None:
                data = self.server.doctor(name, data)
            body = json.dumps({"success": True, "data": data}).encode()
            self._send(200, {"content-type": "application/json"}, body)
        else:
            self._send(404, {}, b"")

    def _send(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class StaticSite(ThreadingHTTPServer):
    """Serves files from local folders under URL prefixes (longest prefix first), like a static web host."""

    daemon_threads = True

    def __init__(self, port: int, folders: dict[str, Path]) -> None:
        super().__init__(("127.0.0.1", port), _StaticHandler)
        self.folders = sorted(folders.items(), key=lambda item: -len(item[0]))
        threading.Thread(target=self.serve_forever, name="static-site", daemon=True).start()

    def __enter__(self) -> StaticSite:
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()
        self.server_close()


class _StaticHandler(BaseHTTPRequestHandler):
    server: StaticSite
    TYPES: ClassVar[dict[str, str]] = {".html": "text/html", ".js": "text/javascript", ".json": "application/json"}

    def log_message(self, format: str, *args: Any) -> None:
        return

    def do_GET(self) -> None:
        path = urlsplit(self.path).path
        for prefix, folder in self.server.folders:
            if path.startswith(prefix):
                file = (folder / path[len(prefix) :].lstrip("/")).resolve()
                if file.is_file() and file.is_relative_to(folder.resolve()):
                    body = file.read_bytes()
                    self.send_response(200)
                    self.send_header("content-type", self.TYPES.get(file.suffix, "application/octet-stream"))
                    self.send_header("content-length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                    return
        self.send_response(404)
        self.send_header("content-length", "0")
        self.end_headers()
