"""A fake Telegram Bot API server for `make dev` and the tests: POST /bot<token>/<method> with JSON.

It records every call with its arrival time (the rate-limit tests read them), answers like the Bot API
(`{"ok": true, "result": ...}` or `{"ok": false, "error_code", "description", "parameters"?}`) and can be told to
misbehave: `block(chat_id)` answers 403 "bot was blocked by the user" for that chat from now on, `forget(chat_id)`
400 "chat not found", and `script(chat_id, *answers)` queues one-off answers for the chat's next calls
(`("429", retry_after)`, `("500",)`, `("drop",)` = close the connection without answering). A wrong token gets 401.
setWebhook / getWebhookInfo / deleteWebhook keep the webhook state, setChatMenuButton / getChatMenuButton the
bot's menu button; getMe names the bot. GET /calls lists the
recorded sendMessage calls (chat, status, time, text) for scripts such as bench/telegram_draw_latency.py.
"""

from __future__ import annotations

import json
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Call:
    method: str
    payload: dict[str, Any]
    at: float  # time.time() on arrival
    status: int

    @property
    def chat_id(self) -> str:
        return str(self.payload.get("chat_id"))


@dataclass
class FakeState:
    token: str
    echo: bool = False
    calls: list[Call] = field(default_factory=list)
    blocked: set[str] = field(default_factory=set)
    missing: set[str] = field(default_factory=set)
    scripted: dict[str, deque[tuple[str, ...]]] = field(default_factory=lambda: defaultdict(deque))
    webhook: dict[str, Any] = field(default_factory=dict)
    menu_button: dict[str, Any] = field(default_factory=lambda: {"type": "default"})
    next_message_id: int = 1
    lock: threading.Lock = field(default_factory=threading.Lock)


class FakeTelegram(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, token: str, port: int = 0, echo: bool = False) -> None:
        super().__init__(("127.0.0.1", port), _Handler)
        self.state = FakeState(token=token, echo=echo)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def serve_in_thread(self) -> threading.Thread:
        thread = threading.Thread(target=self.serve_forever, name="fake-telegram", daemon=True)
        thread.start()
        return thread

    def stop(self) -> None:
        self.shutdown()
        self.server_close()

    # --- test controls
    def block(self, chat_id: str | int) -> None:
        self.state.blocked.add(str(chat_id))

    def forget(self, chat_id: str | int) -> None:
        self.state.missing.add(str(chat_id))

    def script(self, chat_id: str | int, *answers: tuple[str, ...]) -> None:
        with self.state.lock:
            self.state.scripted[str(chat_id)].extend(answers)

    def sent(self, chat_id: str | int | None = None) -> list[Call]:
        """Messages delivered (sendMessage answered 200), optionally to one chat."""
        with self.state.lock:
            return [
                c
                for c in self.state.calls
                if c.method == "sendMessage" and c.status == 200 and (chat_id is None or c.chat_id == str(chat_id))
            ]

    def clear(self) -> None:
        with self.state.lock:
            self.state.calls.clear()
            self.state.blocked.clear()
            self.state.missing.clear()
            self.state.scripted.clear()


def _error(status: int, description: str, **parameters: Any) -> tuple[int, dict[str, Any]]:
    body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
    if parameters:
        body["parameters"] = parameters
    return status, body


class _Handler(BaseHTTPRequestHandler):
    server: FakeTelegram

    def log_message(self, format: str, *args: Any) -> None:  # the path holds the token: never log it
        pass

    def do_GET(self) -> None:
        if self.path != "/calls":
            self.send_error(404)
            return
        with self.server.state.lock:
            calls = [
                {"chat_id": c.chat_id, "status": c.status, "at": c.at, "text": c.payload.get("text")}
                for c in self.server.state.calls
                if c.method == "sendMessage"
            ]
        data = json.dumps(calls).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:
        state = self.server.state
        arrived = time.time()
        raw = self.rfile.read(int(self.headers.get("content-length") or 0))
        prefix, _, method = self.path.lstrip("/").partition("/")
        try:
            payload = json.loads(raw or b"{}")
        except ValueError:
            payload = {}
        if prefix != f"bot{state.token}":
            status, body = _error(401, "Unauthorized")
        else:
            answer = self._answer(method, payload)
            if answer is None:  # scripted connection drop
                with state.lock:
                    state.calls.append(Call(method, payload, arrived, 0))
                self.close_connection = True
                return
            status, body = answer
        with state.lock:
            state.calls.append(Call(method, payload, arrived, status))
        if state.echo and method == "sendMessage":
            outcome = "delivered" if status == 200 else f"refused {status}"
            print(
                f"[telegram] → chat {payload.get('chat_id')} ({outcome}): "
                f"{str(payload.get('text', '')).replace(chr(10), ' | ')}",
                flush=True,
            )
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _answer(self, method: str, payload: dict[str, Any]) -> tuple[int, dict[str, Any]] | None:
        state = self.server.state
        if method == "sendMessage":
            chat = str(payload.get("chat_id"))
            with state.lock:
                scripted = state.scripted[chat].popleft() if state.scripted.get(chat) else None
            if scripted is not None:
                if scripted[0] == "drop":
                    return None
                if scripted[0] == "429":
                    retry_after = int(scripted[1]) if len(scripted) > 1 else 1
                    return _error(429, f"Too Many Requests: retry after {retry_after}", retry_after=retry_after)
                return _error(int(scripted[0]), "Internal Server Error")
            if chat in state.blocked:
                return _error(403, "Forbidden: bot was blocked by the user")
            if chat in state.missing:
                return _error(400, "Bad Request: chat not found")
            if not payload.get("text"):
                return _error(400, "Bad Request: message text is empty")
            with state.lock:
                message_id = state.next_message_id
                state.next_message_id += 1
            return 200, {
                "ok": True,
                "result": {
                    "message_id": message_id,
                    "chat": {"id": int(chat)},
                    "date": int(time.time()),
                    "text": payload["text"],
                },
            }
        if method == "setWebhook":
            with state.lock:
                state.webhook = {k: v for k, v in payload.items()}
            return 200, {"ok": True, "result": True, "description": "Webhook was set"}
        if method == "deleteWebhook":
            with state.lock:
                state.webhook = {}
            return 200, {"ok": True, "result": True, "description": "Webhook was deleted"}
        if method == "getWebhookInfo":
            with state.lock:
                info = {
                    "url": state.webhook.get("url", ""),
                    "has_custom_certificate": False,
                    "pending_update_count": 0,
                    "max_connections": state.webhook.get("max_connections", 40),
                    "allowed_updates": state.webhook.get("allowed_updates", []),
                }
            return 200, {"ok": True, "result": info}
        if method == "setChatMenuButton":  # the bot's default menu button (BotFather sets the same)
            with state.lock:
                state.menu_button = dict(payload.get("menu_button") or {"type": "default"})
            return 200, {"ok": True, "result": True}
        if method == "getChatMenuButton":
            with state.lock:
                return 200, {"ok": True, "result": dict(state.menu_button)}
        if method == "getMe":
            return 200, {
                "ok": True,
                "result": {
                    "id": int(state.token.split(":")[0]),
                    "is_bot": True,
                    "first_name": "LuckyMart",
                    "username": "luckymart_local_bot",
                },
            }
        return _error(404, "Not Found: method not found")
