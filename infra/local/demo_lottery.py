"""Demo lotteries for `make dev`, created through the real admin path (functions/admin_lotteries) so each has
its signed fair-draw commitment, plus a demo operations admin whose token is printed in the banner."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg

from infra.local.events import LocalContext
from infra.local.stack import Stack

DEMO_LOTTERIES: tuple[dict[str, Any], ...] = (
    {
        "title": "iPhone 15 Pro 256GB",
        "ticket_price": "10.00",
        "total_tickets": 120,
        "max_per_user": 50,
        "image_url": "https://picsum.photos/seed/luckymart-phone/600/600",
        "title_i18n": {"zh": "iPhone 15 Pro 256GB", "ru": "iPhone 15 Pro 256 ГБ", "tg": "iPhone 15 Pro 256GB"},
    },
    {
        "title": 'Samsung 55" 4K TV',
        "ticket_price": "1.00",
        "total_tickets": 20,
        "unlimited_purchase": True,
        "image_url": "https://picsum.photos/seed/luckymart-tv/600/600",
        "title_i18n": {
            "zh": "三星 55 寸 4K 电视",
            "ru": 'Телевизор Samsung 55" 4K',
            "tg": 'Телевизори Samsung 55" 4K',
        },
    },
)


def seed_demo_lotteries(stack: Stack) -> list[str]:
    """Creates the demo lotteries; returns banner lines (titles, ids and the demo admin token)."""
    from functions.admin_lotteries.handler import handler

    token = "lma_" + secrets.token_urlsafe(32)
    with psycopg.connect(stack.database_url, autocommit=True) as conn:
        conn.execute(
            "insert into admins (username, role_name, token_hash, token_created_at) "
            "values ('demo_operations', 'OPERATIONS', %s, now())",
            (hashlib.sha256(token.encode()).hexdigest(),),
        )
    end_time = (datetime.now(UTC) + timedelta(days=7)).isoformat()
    lines = ["Demo lotteries (ACTIVE; buy with lottery-purchase):"]
    for spec in DEMO_LOTTERIES:
        event = {"admin_token": token, "action": "lotteries.create", "params": {**spec, "end_time": end_time}}
        result = handler(event, LocalContext(function_name="admin-lotteries"))
        if not result.get("success"):
            raise RuntimeError(f"demo lottery not created: {result.get('error')}")
        lines.append(f"  {result['data']['id']}  {spec['title']}")
    lines.append(f"Demo OPERATIONS admin token (admin-lotteries, draw-lottery): {token}")
    return lines
