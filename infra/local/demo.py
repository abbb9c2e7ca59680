"""Demo data for `make dev` and the text that tells a developer where everything is."""

from __future__ import annotations

import json
import time

import httpx
from init_data_py import sign

from infra.local.demo_lottery import seed_demo_lotteries
from infra.local.secrets import LOCAL_BOT_TOKEN
from infra.local.stack import Stack

DEMO_USERS = (
    {"id": 100001, "first_name": "Dilnoza", "username": "demo_dilnoza", "language_code": "ru"},
    {"id": 100002, "first_name": "Rustam", "username": "demo_rustam", "language_code": "tg"},
    {"id": 100003, "first_name": "Wei", "username": "demo_wei", "language_code": "zh"},  # has blocked the bot
)


def demo_init_data(user: dict[str, object]) -> str:
    return sign(
        {"query_id": "DEMO", "user": json.dumps(user, separators=(",", ":"), ensure_ascii=False)},
        LOCAL_BOT_TOKEN,
        auth_date=int(time.time()),
    )


def seed_demo(stack: Stack) -> str:
    """Signs the demo users in through the real function and returns the banner to print."""
    functions = f"{stack.api_url}/functions/v1"
    sessions = []
    for user in DEMO_USERS:
        response = httpx.post(f"{functions}/auth-telegram", json={"initData": demo_init_data(user)}, timeout=30)
        response.raise_for_status()
        sessions.append((user["username"], response.json()["data"]["session"]["token"]))
    init_data = demo_init_data(DEMO_USERS[0])
    lottery_lines = seed_demo_lotteries(stack)
    lines = [
        "",
        "LuckyMart is running locally (Ctrl-C stops everything).",
        f"  API gateway     {stack.api_url}",
        f"  functions       {functions}/<name>      (e.g. {functions}/validate-session)",
        f"  PostgREST       {stack.api_url}/rest/v1/",
        f"  OpenAPI         {stack.api_url}/openapi.json",
        f"  API explorer    {stack.api_url}/api/   (Swagger UI: try every function from the browser)",
        f"  PostgreSQL      {stack.database_url}",
        f"  anon key        {stack.anon_key}",
        f"  bot token       {LOCAL_BOT_TOKEN}   (local only; signs demo initData)",
        "",
        "Demo sessions (valid 7 days):",
        *[f"  {name:<14} {token}" for name, token in sessions],
        "",
        *lottery_lines,
        "",
        "Try it:",
        f"  curl -s -X POST {functions}/validate-session -H 'X-Session-Token: {sessions[0][1]}'",
        "Sign in yourself (initData signed with the local bot token, fresh for 1 hour):",
        f"  curl -s -X POST {functions}/auth-telegram -H 'content-type: application/json' \\",
        f"       -d '{json.dumps({'initData': init_data})}'",
        "",
    ]
    return "\n".join(lines)
