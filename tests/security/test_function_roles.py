"""Issue 15 item 15: each class of Lambda reaches the database as its own role (user, system, admin) through a
JWT naming it, and each role may execute only its own class of SQL functions. Enumerated from the catalog, so
functions added later are covered by the rule in private.function_roles."""

from __future__ import annotations

import httpx
import psycopg
import pytest

from infra.local.stack import JWT_SECRET, Stack
from luckymart.config import SECRET_NAMES, secret
from scripts.mint_db_keys import mint

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean")]

CLASSES = ("user", "system", "admin")
SYSTEM = {
    "lottery_scheduler_due", "lottery_expire", "lottery_draw_claim", "commission_outbox_claim_stale",
    "process_commissions", "retention_sweep", "notification_push_claim", "notification_push_record",
    "ops_scheduler_tick", "proof_tagging_due", "proof_tagging_done",
}  # fmt: skip
# scheduler and draw-lottery (admin); the notification outbox claim also publishes a draw's or broadcast's fan-out
DRAW_STEPS = {"lottery_draw_ticket", "lottery_draw_complete", "notification_outbox_claim"}
# User-class functions that take no session: public reads and the sign-in itself.
PUBLIC_USER_FUNCTIONS = {
    "get_ticket_proofs",
    "auth_telegram",
    "get_payment_config",
    "list_resale_items",
    "verify_draw",
    "list_showoffs",
    "telegram_bot_command",  # the bot's webhook: Telegram's secret header is its authentication
}


def expected_classes(name: str) -> set[str]:
    if name.startswith("admin_"):
        return {"admin"}
    if name == "deploy_status":  # preflight checks each class's key with it (migrations applied, the role)
        return set(CLASSES)
    if name in DRAW_STEPS:
        return {"system", "admin"}
    if name in SYSTEM:
        return {"system"}
    return {"user"}


def public_functions(pg: psycopg.Connection) -> list[tuple[str, str, list[str]]]:
    rows = pg.execute(
        "select p.proname, p.oid::regprocedure::text, coalesce(p.proargnames, '{}') from pg_proc p "
        "join pg_namespace n on n.oid = p.pronamespace where n.nspname = 'public' "
        "and p.prorettype <> 'trigger'::regtype order by 1"
    ).fetchall()
    return [(name, signature, list(args)) for name, signature, args in rows]


def test_each_role_executes_exactly_its_class_of_functions(clean: psycopg.Connection) -> None:
    functions = public_functions(clean)
    assert len(functions) > 40
    for name, signature, _ in functions:
        granted = {
            cls
            for cls in CLASSES
            if clean.execute(
                "select has_function_privilege(%s, %s::regprocedure, 'execute')", (f"luckymart_{cls}", signature)
            ).fetchone()
            == (True,)
        }
        assert granted == expected_classes(name), (name, granted)
    # No class role reaches a private helper or any table.
    (private_grants,) = clean.execute(
        "select count(*) from pg_proc p join pg_namespace n on n.oid = p.pronamespace, "
        "unnest(array['luckymart_user', 'luckymart_system', 'luckymart_admin']) r "
        "where n.nspname = 'private' and has_function_privilege(r, p.oid, 'execute')"
    ).fetchone()  # type: ignore[misc]
    assert private_grants == 0
    (table_grants,) = clean.execute(
        "select count(*) from information_schema.role_table_grants "
        "where grantee in ('luckymart_user', 'luckymart_system', 'luckymart_admin')"
    ).fetchone()  # type: ignore[misc]
    assert table_grants == 0


def test_user_class_functions_authenticate_a_session_unless_known_public(clean: psycopg.Connection) -> None:
    """Catches a system or admin function added without its class: it would land in the user class."""
    for name, _, args in public_functions(clean):
        if expected_classes(name) == {"user"} and name not in PUBLIC_USER_FUNCTIONS:
            assert "p_session" in args, f"{name}: user-class without a session; admin_ prefix or the system list?"


def test_definer_functions_fix_search_path_and_sql_helpers_inline(clean: psycopg.Connection) -> None:
    """Every security-definer and plpgsql function runs with search_path = ''; the private non-definer SQL helpers
    carry no SET clause (it would forbid inlining them), including helpers added by later migrations."""
    rows = clean.execute(
        "select p.oid::regprocedure::text, p.prosecdef, l.lanname, n.nspname, p.proconfig from pg_proc p "
        "join pg_namespace n on n.oid = p.pronamespace join pg_language l on l.oid = p.prolang "
        "where n.nspname in ('public', 'private') and p.prorettype <> 'trigger'::regtype"
    ).fetchall()
    helpers = 0
    for signature, definer, language, schema, config in rows:
        if definer or language == "plpgsql":
            assert 'search_path=""' in (config or []), signature
        elif schema == "private" and language == "sql":
            assert not [c for c in config or [] if c.startswith("search_path=")], signature
            helpers += 1
    assert helpers > 10


def call(stack: Stack, key: str, function: str, params: dict[str, object]) -> httpx.Response:
    headers = {"apikey": stack.anon_key, "Authorization": f"Bearer {key}"}
    return httpx.post(f"{stack.rest_url}/rpc/{function}", json=params, headers=headers, timeout=10)


def test_the_user_key_cannot_call_admin_or_system_functions(stack: Stack) -> None:
    user_key = secret("supabase_user_key")  # the key the user Lambdas are configured with
    # It reaches its own functions (the SQL ran and refused the unknown session) ...
    own = call(stack, user_key, "validate_session", {"p_session": "0" * 64})
    assert own.json()["code"] == "LM401", own.text
    # ... and nothing else: 42501 (permission denied, 403 for a signed role) before any SQL runs.
    refusals: list[tuple[str, dict[str, object]]] = [
        ("admin_list_admins", {"p_admin": "0" * 64, "p_request": {}}),
        ("admin_ban_user", {"p_admin": "0" * 64, "p_request": {}, "p_user_id": None, "p_reason": None}),
        ("lottery_draw_complete", {"p_lottery_id": None, "p_record": {}}),
        ("retention_sweep", {}),
        ("proof_tagging_done", {"p_deposit_ids": []}),  # a user must not drop a proof from the tagging queue
        ("process_commissions", {"p_order_ids": []}),
        (
            "ops_scheduler_tick",
            {"p_activated": 0, "p_cancelled": 0, "p_drawn": 0, "p_failed": 0, "p_republished": 0},
        ),
        ("admin_ops_health", {"p_admin": "0" * 64, "p_request": {}}),
    ]
    for function, params in refusals:
        refused = call(stack, user_key, function, params)
        assert (refused.status_code, refused.json()["code"]) == (403, "42501"), (function, refused.text)


def test_system_and_admin_keys_are_confined_too(stack: Stack) -> None:
    system_key, admin_key = secret("supabase_system_key"), secret("supabase_admin_key")
    assert call(stack, system_key, "retention_sweep", {}).status_code == 200
    assert call(stack, system_key, "validate_session", {"p_session": "0" * 64}).json()["code"] == "42501"
    assert (
        call(stack, system_key, "admin_list_admins", {"p_admin": "0", "p_request": {}}).json()["code"] == "42501"
    )
    # the admin key runs admin functions (which then refuse the unknown admin token with LM401)
    assert (
        call(stack, admin_key, "admin_list_admins", {"p_admin": "0" * 64, "p_request": {}}).json()["code"]
        == "LM401"
    )
    assert (
        call(
            stack,
            admin_key,
            "auth_telegram",
            {"p_telegram_user": {}, "p_start_param": None, "p_token_hash": "0" * 64},
        ).json()["code"]
        == "42501"
    )
    assert call(stack, admin_key, "retention_sweep", {}).json()["code"] == "42501"


def test_no_lambda_can_read_the_service_role_key() -> None:
    assert "supabase_service_role_key" not in SECRET_NAMES
    with pytest.raises(KeyError):
        secret("supabase_service_role_key")


def test_keys_minted_by_the_script_are_accepted_as_their_role(stack: Stack) -> None:
    minted = mint("user", days=1, hs256_secret=JWT_SECRET)  # what an operator does with the project's JWT secret
    assert call(stack, minted, "validate_session", {"p_session": "0" * 64}).json()["code"] == "LM401"
    assert call(stack, minted, "retention_sweep", {}).json()["code"] == "42501"
