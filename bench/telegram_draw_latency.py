"""Against a running `make dev`: time from a draw's commit to each participant's message at the fake Telegram
server (p50, p90 for winners and everyone). Creates LOTTERIES small lotteries through admin-lotteries (in process,
with make dev's secrets), sells them out over HTTP with fresh users, lets make dev's scheduler draw them, and reads
the fake server's GET /calls. The commit time is the notifications' created_at (the start of the completing
transaction, so the numbers include that transaction)."""

from __future__ import annotations

import statistics
import time
from datetime import UTC, datetime, timedelta

import httpx
import psycopg

from bench.common import percentile
from infra.local.demo import demo_init_data
from luckymart_cli.targets import LocalTarget

API = "http://127.0.0.1:54321/functions/v1"
DATABASE_URL = "postgresql://postgres@127.0.0.1:54322/postgres"
TELEGRAM = "http://127.0.0.1:54350"
LOTTERIES = 5
BUYERS = 3


def main() -> None:
    target = LocalTarget()
    with psycopg.connect(DATABASE_URL, autocommit=True) as pg:
        token = "lma_bench_" + str(int(time.time()))
        pg.execute(
            "insert into admins (username, role_name, token_hash, token_created_at) values "
            "(%s, 'OPERATIONS', encode(extensions.digest(%s, 'sha256'), 'hex'), now())",
            (token[-20:], token),
        )
        base_id = 300000 + int(time.time()) % 100000 * 10
        chats: dict[str, str] = {}  # telegram id -> lottery id
        lottery_ids = []
        for n in range(LOTTERIES):
            created = target.invoke(
                "admin-lotteries",
                {
                    "admin_token": token,
                    "action": "lotteries.create",
                    "params": {
                        "title": f"Bench {n}",
                        "ticket_price": "1.00",
                        "total_tickets": BUYERS,
                        "end_time": (datetime.now(UTC) + timedelta(days=1)).isoformat(),
                    },
                },
            )
            assert created["success"], created
            lottery_id = created["data"]["id"]
            lottery_ids.append(lottery_id)
            for b in range(BUYERS):
                telegram_id = base_id + n * BUYERS + b
                user = {"id": telegram_id, "first_name": f"B{b}", "language_code": ["ru", "tg", "en"][b]}
                session = httpx.post(f"{API}/auth-telegram", json={"initData": demo_init_data(user)}, timeout=30)
                data = session.json()["data"]
                pg.execute(
                    "select private.wallet_apply(private.wallet_id(%s, 'BALANCE'), 5, 'ADJUSTMENT', null, "
                    "null, 'bench funds')",
                    (data["user"]["id"],),
                )
                bought = httpx.post(
                    f"{API}/lottery-purchase",
                    timeout=30,
                    headers={"X-Session-Token": data["session"]["token"]},
                    json={"lottery_id": lottery_id, "quantity": 1, "payment_method": "BALANCE"},
                )
                assert bought.status_code == 200, bought.text
                chats[str(telegram_id)] = lottery_id
        pg.execute("update lotteries set draw_time = now() where id = any(%s::uuid[])", (lottery_ids,))
        deadline = time.time() + 120
        while time.time() < deadline:
            calls = [
                c for c in httpx.get(f"{TELEGRAM}/calls").json() if c["chat_id"] in chats and c["status"] == 200
            ]
            if len(calls) >= len(chats):
                break
            time.sleep(0.5)
        rows = pg.execute(
            "select u.telegram_id, extract(epoch from n.created_at), n.type = 'LOTTERY_WIN' from notifications n "
            "join users u on u.id = n.user_id where n.related_id = any(%s::uuid[])",
            (lottery_ids,),
        ).fetchall()
    committed = {str(r[0]): (float(r[1]), bool(r[2])) for r in rows}
    sent = {c["chat_id"]: c["at"] for c in calls}
    per_chat = [c["chat_id"] for c in calls]
    everyone = [(sent[c] - committed[c][0]) * 1000 for c in sent]
    winners = [(sent[c] - committed[c][0]) * 1000 for c in sent if committed[c][1]]
    print(
        f"{LOTTERIES} draws x {BUYERS} participants: {len(calls)}/{len(chats)} messages delivered, "
        f"{len(per_chat) - len(set(per_chat))} duplicates"
    )
    print(
        f"draw commit -> winner's message:  p50 {statistics.median(winners):.0f} ms, "
        f"max {max(winners):.0f} ms (n={len(winners)})"
    )
    print(
        f"draw commit -> any message:       p50 {statistics.median(everyone):.0f} ms, "
        f"p90 {percentile(everyone, 0.9):.0f} ms, max {max(everyone):.0f} ms (n={len(everyone)})"
    )


if __name__ == "__main__":
    main()
