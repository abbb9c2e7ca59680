"""With the public anon key, through the real supabase client: no private row, no write, no private RPC.
Tables, views and functions are enumerated from the catalog, so new migrations are covered automatically."""

from __future__ import annotations

from typing import Any

import httpx
import psycopg
import pytest
from postgrest.exceptions import APIError
from supabase import Client, create_client

from infra.local.stack import Stack
from tests.support import admin_invoke, invoke, make_admin, sign_in
from tests.support_catalogue import drawn_lottery
from tests.support_prizes import win_prize

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean")]

# Tables (and only these) that anon may read, each with the rows it may see.
PUBLIC_READ = {"lotteries", "lottery_results", "resales", "showoffs", "payment_configs"}
PUBLIC_FUNCTIONS: set[str] = set()  # no SQL function is meant for anon
# Names that would give a person or a payout away; none may be a column of a public table.
PRIVATE_COLUMNS = {
    "user_id", "seller_id", "buyer_id", "winner_id", "winning_user_id", "winner_ticket_id", "admin_note",
    "reviewed_by", "telegram_id", "telegram_username", "referred_by_id",
}  # fmt: skip


@pytest.fixture
def anon(stack: Stack) -> Client:
    return create_client(stack.api_url, stack.anon_key)


def relations(pg: psycopg.Connection) -> list[str]:
    rows = pg.execute(
        "select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace "
        "where n.nspname = 'public' and c.relkind in ('r', 'v') order by 1"
    ).fetchall()
    return [name for (name,) in rows]


def test_every_table_has_rls_enabled(clean: psycopg.Connection) -> None:
    missing = clean.execute(
        "select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace "
        "where n.nspname = 'public' and c.relkind = 'r' and not c.relrowsecurity"
    ).fetchall()
    assert missing == []


def test_anon_reads_no_private_row(clean: psycopg.Connection, anon: Client) -> None:
    sign_in()  # a user, wallets, a session exist
    for name in relations(clean):
        if name in PUBLIC_READ:
            continue
        try:
            rows = anon.table(name).select("*").limit(5).execute().data
        except APIError as error:
            assert error.code == "42501", (name, error.code)  # permission denied
        else:
            assert rows == [], name


def test_anon_select_star_works_on_public_tables_and_shows_no_one(clean: psycopg.Connection, anon: Client) -> None:
    """The old frontend reads with select('*'): every public table answers it with public columns only, and no
    user's or admin's id or Telegram identity appears anywhere in what anon can read."""
    lottery, _ = drawn_lottery(clean)
    seller, author = sign_in(username="seller_x"), sign_in(username="author_x")
    listed = win_prize(clean, seller)
    assert invoke("create-resale", {"prize_id": listed["prize_id"], "price": 80}, token=seller.token).status == 200
    shown = win_prize(clean, author)
    showoff = invoke("create-showoff", {"prize_id": shown["prize_id"], "content": "Look!"}, token=author.token)
    ops = make_admin(clean, "OPERATIONS")
    approved = admin_invoke(
        "admin-prizes", "showoffs.approve", {"showoff_id": showoff.data["id"], "note": "internal: ok"}, token=ops
    )
    assert approved["success"], approved

    readable: dict[str, list[dict[str, Any]]] = {}
    for name in sorted(PUBLIC_READ):
        rows: list[dict[str, Any]] = anon.table(name).select("*").execute().data  # type: ignore[assignment]
        assert rows, name
        columns = {
            c for (c,) in clean.execute(
                "select column_name from information_schema.columns "
                "where table_schema = 'public' and table_name = %s", (name,)
            ).fetchall()
        }  # fmt: skip
        assert set(rows[0]) == columns, name  # select=* is every column: none hidden, so none may be private
        assert not columns & PRIVATE_COLUMNS, (name, columns & PRIVATE_COLUMNS)
        readable[name] = rows
    assert {r["id"] for r in readable["lotteries"]} >= {lottery["id"], listed["lottery_id"]}
    assert [r["id"] for r in readable["showoffs"]] == [showoff.data["id"]]
    assert len(readable["lottery_results"]) == 1 and len(readable["resales"]) == 1
    detail: dict[str, Any] = anon.table("lotteries").select("*").eq("id", lottery["id"]).single().execute().data  # type: ignore[assignment]
    assert detail["status"] == "COMPLETED" and detail["winning_ticket_number"] is not None

    dump = str(readable)
    identities = clean.execute(
        "select id::text, telegram_id, coalesce(telegram_username, '') from users "
        "union all select id::text, '', '' from admins"
    ).fetchall()
    for identity in identities:
        for value in identity:
            assert not value or value not in dump, value
    assert "internal: ok" not in dump
    # and structurally: no public table references a user or an admin
    references = clean.execute(
        "select c.conrelid::regclass::text from pg_constraint c where c.contype = 'f' "
        "and c.confrelid in ('public.users'::regclass, 'public.admins'::regclass) "
        "and c.conrelid::regclass::text = any (%s)",
        (sorted(PUBLIC_READ),),
    ).fetchall()
    assert references == []


def test_anon_writes_nothing(clean: psycopg.Connection, anon: Client) -> None:
    for name in relations(clean):
        (column,) = clean.execute(
            "select column_name from information_schema.columns where table_schema = 'public' "
            "and table_name = %s and is_identity = 'NO' order by ordinal_position limit 1",
            (name,),
        ).fetchone()  # type: ignore[misc]
        for write in (
            lambda t: t.insert({}),
            lambda t: t.update({column: None}).is_(column, "null"),
            lambda t: t.delete().is_(column, "null"),
        ):
            with pytest.raises(APIError) as info:
                write(anon.table(name)).execute()
            # 42501 permission denied, for views too (55000 "cannot insert into view" would be a 500)
            assert info.value.code == "42501", (name, info.value.code)


def test_no_function_is_executable_by_api_roles(clean: psycopg.Connection) -> None:
    exposed = clean.execute(
        "select p.proname, r.rolname from pg_proc p join pg_namespace n on n.oid = p.pronamespace "
        "cross join (values ('anon'), ('authenticated'), ('public')) as r(rolname) "
        "where n.nspname in ('public', 'private') and r.rolname <> 'public' "
        "and has_function_privilege(r.rolname, p.oid, 'execute')"
    ).fetchall()
    assert [row for row in exposed if row[0] not in PUBLIC_FUNCTIONS] == []


def test_anon_rpc_is_refused(clean: psycopg.Connection, anon: Client) -> None:
    session = sign_in()
    names = [
        n
        for (n,) in clean.execute(
            "select distinct p.proname from pg_proc p join pg_namespace n on n.oid = p.pronamespace "
            "where n.nspname = 'public' and p.prorettype <> 'trigger'::regtype"
        ).fetchall()
    ]
    assert "auth_telegram" in names
    for name in names:
        with pytest.raises(APIError) as info:
            anon.rpc(name, {"p_session": "0" * 64}).execute()
        assert info.value.code in {"42501", "PGRST202"}, (name, info.value.code)
    with pytest.raises(APIError):
        anon.rpc("validate_session", {"p_session": session.token}).execute()


def test_user_sessions_hold_no_plaintext_token(clean: psycopg.Connection) -> None:
    session = sign_in()
    dump = str(clean.execute("select * from user_sessions").fetchall())
    assert session.token not in dump


def test_anon_writes_to_the_join_view_answer_401_not_500(stack: Stack) -> None:
    headers = {"apikey": stack.anon_key, "Authorization": f"Bearer {stack.anon_key}"}
    url = f"{stack.api_url}/rest/v1/transactions"
    with httpx.Client(timeout=10, headers=headers) as http:
        responses = [
            http.post(url, json={"amount": 1}),
            http.patch(url, params={"id": "is.null"}, json={"amount": 1}),
            http.delete(url, params={"id": "is.null"}),
        ]
    assert [r.status_code for r in responses] == [401, 401, 401], [r.text for r in responses]
