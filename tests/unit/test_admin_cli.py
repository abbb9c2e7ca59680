"""The admin CLI without servers: its table covers the admin contract exactly, every subcommand has --help,
arguments become the contract's params, and `--stage` makes exactly the expected lambda.invoke calls
(botocore Stubber), including the runtime's FunctionError."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.response import StreamingBody
from botocore.stub import Stubber

from luckymart_cli import main as cli
from luckymart_cli import targets
from luckymart_cli.commands import COMMANDS
from luckymart_cli.targets import LocalTarget, StageTarget, TargetError

pytestmark = pytest.mark.unit

# The admin contract shared by every engineer (function, action -> params), written out independently of the
# CLI's table so that a drift on either side fails here.
PAYMENT = {
    "min_amount",
    "max_amount",
    "fee_rate",
    "processing_time",
    "sort_order",
    "account_number",
    "account_name",
    "bank_name",
    "instructions",
}
CONTRACT: dict[str, tuple[str, set[str]]] = {
    "deposits.list": ("admin-finance", {"status", "limit", "offset"}),
    "deposits.approve": ("admin-finance", {"deposit_id", "note"}),
    "deposits.reject": ("admin-finance", {"deposit_id", "note"}),
    "withdrawals.list": ("admin-finance", {"status", "limit", "offset"}),
    "withdrawals.complete": ("admin-finance", {"withdrawal_id", "transfer_reference", "note"}),
    "withdrawals.reject": ("admin-finance", {"withdrawal_id", "note"}),
    "lotteries.create": (
        "admin-lotteries",
        {
            "title",
            "ticket_price",
            "total_tickets",
            "end_time",
            "start_time",
            "description",
            "max_per_user",
            "unlimited_purchase",
            "currency",
            "image_url",
            "image_urls",
            "title_i18n",
            "description_i18n",
            "details_i18n",
            "specifications_i18n",
            "material_i18n",
            "name_i18n",
            "period",
        },
    ),
    "lotteries.list": ("admin-lotteries", {"status", "limit", "offset"}),
    "lotteries.show": ("admin-lotteries", {"lottery_id"}),
    "lotteries.cancel": ("admin-lotteries", {"lottery_id", "reason"}),
    "lotteries.draw": ("draw-lottery", {"lottery_id"}),
    "shipping.list": ("admin-prizes", {"status", "limit", "offset"}),
    "shipping.ship": ("admin-prizes", {"shipping_id", "tracking_number", "shipping_company"}),
    "shipping.deliver": ("admin-prizes", {"shipping_id"}),
    "showoffs.list": ("admin-prizes", {"status", "limit", "offset"}),
    "showoffs.approve": ("admin-prizes", {"showoff_id", "reward_coins", "note"}),
    "showoffs.reject": ("admin-prizes", {"showoff_id", "note"}),
    "users.show": ("admin-users", {"user_id", "telegram_id"}),
    "users.ban": ("admin-users", {"user_id", "reason"}),
    "users.unban": ("admin-users", {"user_id"}),
    "orders.list": ("admin-users", {"user_id", "limit", "offset"}),
    "prizes.list": ("admin-users", {"user_id", "status", "limit", "offset"}),
    "commissions.dlq_list": ("admin-commissions", {"limit"}),
    "commissions.dlq_replay": ("admin-commissions", {"message_id", "all"}),
    "admins.add": ("admin-accounts", {"username", "role"}),
    "admins.list": ("admin-accounts", set()),
    "admins.disable": ("admin-accounts", {"username"}),
    "admins.rotate_token": ("admin-accounts", {"username"}),
    # added by this branch (SUPER_ADMIN only): the audit log reader
    "audit.list": ("admin-accounts", {"username", "action", "outcome", "limit", "offset"}),
    # issue 14: operating without SQL
    "lotteries.update": (
        "admin-lotteries",
        {
            "lottery_id",
            "title",
            "description",
            "image_url",
            "image_urls",
            "title_i18n",
            "description_i18n",
            "details_i18n",
            "specifications_i18n",
            "material_i18n",
            "name_i18n",
            "ticket_price",
            "total_tickets",
            "max_per_user",
            "unlimited_purchase",
            "currency",
            "start_time",
            "end_time",
        },
    ),
    "payments.list": ("admin-finance", {"config_type", "limit", "offset"}),
    "payments.add": ("admin-finance", {"config_type", "method", *PAYMENT}),
    "payments.update": ("admin-finance", {"id", *PAYMENT}),
    "payments.enable": ("admin-finance", {"id"}),
    "payments.disable": ("admin-finance", {"id"}),
    "ledger.list": ("admin-finance", {"user_id", "wallet_type", "type", "from", "to", "limit", "offset"}),
    "stats.summary": ("admin-finance", {"days"}),
    "resales.list": ("admin-prizes", {"status", "seller_id", "limit", "offset"}),
    "resales.cancel": ("admin-prizes", {"resale_id", "reason"}),
    "users.search": ("admin-users", {"q", "limit", "offset"}),
    "users.list": ("admin-users", {"sort", "status", "limit", "offset"}),
    "commissions.list": ("admin-commissions", {"user_id", "order_id", "status", "from", "to", "limit", "offset"}),
    "referrals.tree": ("admin-commissions", {"user_id", "limit", "offset"}),
    "admins.enable": ("admin-accounts", {"username"}),
    "admins.set_role": ("admin-accounts", {"username", "role"}),
    "config.show": ("admin-accounts", {"key"}),
    "config.set": ("admin-accounts", {"key", "value"}),
    "notifications.broadcast": ("admin-notifications", {"audience", "text_i18n", "button", "dry_run"}),
    "notifications.dlq_list": ("admin-notifications", {"limit"}),
    "notifications.dlq_replay": ("admin-notifications", {"message_id", "all"}),
}

TOKEN = "lma_unit-test-token-never-printed"
DEPOSIT = "0b7d3f52-51b4-4bb3-9f5e-7a4c1f3a2e10"


def test_the_table_is_the_contract() -> None:
    table = {c.action: (c.function, {p.name for p in c.params}) for c in COMMANDS}
    assert table == CONTRACT
    assert len({(c.group, c.verb) for c in COMMANDS}) == len(COMMANDS)


@pytest.mark.parametrize("words", [[], ["bootstrap"], *([c.group, c.verb] for c in COMMANDS)], ids=str)
def test_every_subcommand_has_help(words: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        cli.main([*words, "--help"])
    assert done.value.code == 0
    assert "usage: luckymart-admin" in capsys.readouterr().out


def parse(*argv: str) -> dict[str, Any]:
    args = cli.build_parser().parse_args(argv)
    return cli.params_of(next(c for c in COMMANDS if c.action == args.command), args)


def test_arguments_become_contract_params() -> None:
    assert parse("deposits", "approve", DEPOSIT) == {"deposit_id": DEPOSIT}
    assert parse("withdrawals", "complete", DEPOSIT, "--transfer-reference", "B-1", "--note", "paid") == {
        "withdrawal_id": DEPOSIT,
        "transfer_reference": "B-1",
        "note": "paid",
    }
    created = parse(
        "lotteries",
        "create",
        "--title",
        "iPhone",
        "--ticket-price",
        "5.50",
        "--total-tickets",
        "100",
        "--end-time",
        "2026-12-31T18:00:00Z",
        "--unlimited-purchase",
        "--title-i18n",
        '{"ru": "Айфон"}',
    )
    # money travels as a decimal string, counts as JSON integers, flags as booleans, JSON options as objects
    assert created == {
        "title": "iPhone",
        "ticket_price": "5.50",
        "total_tickets": 100,
        "end_time": "2026-12-31T18:00:00Z",
        "unlimited_purchase": True,
        "title_i18n": {"ru": "Айфон"},
    }
    assert parse("commissions", "dlq-replay", "--all") == {"all": True}
    assert parse("admins", "rotate-token", "desk") == {"username": "desk"}
    assert parse("users", "show", "--telegram-id", "42") == {"telegram_id": "42"}


@pytest.mark.parametrize(
    "argv",
    [
        ["deposits", "approve", "not-a-uuid"],
        ["showoffs", "approve", DEPOSIT, "--reward-coins", "1.234"],
        ["showoffs", "approve", DEPOSIT, "--reward-coins", "ten"],
        ["lotteries", "create", "--title", "x"],
        [
            "lotteries",
            "create",
            *["--title", "x", "--ticket-price", "1", "--total-tickets", "1", "--end-time", "t"],
            "--image-urls",
            "[broken",
        ],
        ["shipping", "ship", DEPOSIT],
        ["nonsense"],
    ],
    ids=str,
)
def test_bad_arguments_are_usage_errors(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        cli.main(["--local", *argv])
    assert done.value.code == 2
    assert "error:" in capsys.readouterr().err


def run(argv: list[str], monkeypatch: pytest.MonkeyPatch, token: str | None = TOKEN) -> tuple[int, str, str]:
    if token is None:
        monkeypatch.delenv(cli.TOKEN_ENV, raising=False)
    else:
        monkeypatch.setenv(cli.TOKEN_ENV, token)
    out, err = io.StringIO(), io.StringIO()
    code = cli.main(argv, out, err)
    return code, out.getvalue(), err.getvalue()


def test_target_and_token_are_required(monkeypatch: pytest.MonkeyPatch) -> None:
    assert run(["admins", "list"], monkeypatch)[0] == 2
    assert run(["--local", "--stage", "prod", "admins", "list"], monkeypatch)[0] == 2
    code, _, err = run(["--stage", "prod", "admins", "list"], monkeypatch, token=None)
    assert code == 2 and cli.TOKEN_ENV in err
    assert run(["--stage", "Prod!", "admins", "list"], monkeypatch)[0] == 3


@pytest.fixture
def stubbed(monkeypatch: pytest.MonkeyPatch) -> Iterator[Stubber]:
    """`--stage` with a real boto3 Lambda client whose calls are checked and answered by botocore's Stubber."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    client = boto3.client("lambda", region_name="eu-central-1")
    monkeypatch.setattr(cli, "stage_target", lambda stage, region, profile: StageTarget(stage, client))
    with Stubber(client) as stubber:
        yield stubber
        stubber.assert_no_pending_responses()


def answer(body: Any, function_error: str | None = None) -> dict[str, Any]:
    raw = json.dumps(body).encode()
    response: dict[str, Any] = {"StatusCode": 200, "Payload": StreamingBody(io.BytesIO(raw), len(raw))}
    if function_error:
        response["FunctionError"] = function_error
    return response


def test_stage_invokes_the_exact_function_with_the_exact_payload(
    stubbed: Stubber, monkeypatch: pytest.MonkeyPatch
) -> None:
    stubbed.add_response(
        "invoke",
        answer(
            {"statusCode": 200, "success": True, "data": {"id": DEPOSIT, "status": "APPROVED", "amount": 12.5}}
        ),
        {
            "FunctionName": "luckymart-prod-admin-finance",
            "InvocationType": "RequestResponse",
            "Payload": (
                b'{"admin_token":"lma_unit-test-token-never-printed","action":"deposits.approve",'
                b'"params":{"deposit_id":"0b7d3f52-51b4-4bb3-9f5e-7a4c1f3a2e10","note":"bank ok"}}'
            ),
        },
    )
    code, out, err = run(
        ["--stage", "prod", "deposits", "approve", DEPOSIT, "--note", "bank ok", "--json"], monkeypatch
    )
    assert code == 0, err
    assert json.loads(out) == {"id": DEPOSIT, "status": "APPROVED", "amount": 12.5}
    assert "12.5" in out and TOKEN not in out + err


def test_stage_other_functions_and_options_after_the_subcommand(
    stubbed: Stubber, monkeypatch: pytest.MonkeyPatch
) -> None:
    stubbed.add_response(
        "invoke",
        answer({"statusCode": 200, "success": True, "data": {"items": [], "total": 0}}),
        {
            "FunctionName": "luckymart-staging-draw-lottery",
            "InvocationType": "RequestResponse",
            "Payload": b'{"admin_token":"lma_cli","action":"lotteries.draw","params":{"lottery_id":"'
            + DEPOSIT.encode()
            + b'"}}',
        },
    )
    code, _, _ = run(["lotteries", "draw", DEPOSIT, "--stage", "staging", "--token", "lma_cli"], monkeypatch)
    assert code == 0


def test_stage_refusal_is_exit_1_with_the_code(stubbed: Stubber, monkeypatch: pytest.MonkeyPatch) -> None:
    refusal = {
        "statusCode": 403,
        "success": False,
        "error": {"code": "FORBIDDEN", "message": "role SUPPORT may not"},
    }
    stubbed.add_response("invoke", answer(refusal))
    stubbed.add_response("invoke", answer(refusal))
    code, out, err = run(["--stage", "prod", "admins", "list"], monkeypatch)
    assert (code, out) == (1, "")
    assert "FORBIDDEN (403)" in err and TOKEN not in err
    code, out, _ = run(["--stage", "prod", "admins", "list", "--json"], monkeypatch)
    assert code == 1 and json.loads(out)["error"]["code"] == "FORBIDDEN"


def test_stage_function_error_is_reported_without_stack_trace(
    stubbed: Stubber, monkeypatch: pytest.MonkeyPatch
) -> None:
    crash = {
        "errorMessage": "Task timed out after 15.00 seconds",
        "errorType": "Sandbox.Timedout",
        "stackTrace": ["File secret_place.py"],
    }
    stubbed.add_response("invoke", answer(crash, function_error="Unhandled"))
    code, out, err = run(["--stage", "prod", "users", "show", "--telegram-id", "7"], monkeypatch)
    assert code == 3 and out == ""
    assert "luckymart-prod-admin-users failed (Unhandled): Sandbox.Timedout: Task timed out" in err
    assert "secret_place" not in err and TOKEN not in err


def test_stage_aws_errors_are_reported(stubbed: Stubber, monkeypatch: pytest.MonkeyPatch) -> None:
    stubbed.add_client_error(
        "invoke", service_error_code="AccessDeniedException", service_message="not allowed", http_status_code=403
    )
    code, _, err = run(["--stage", "prod", "admins", "list"], monkeypatch)
    assert code == 3 and "AccessDeniedException: not allowed" in err


def test_local_target_names_a_function_missing_from_the_checkout(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    monkeypatch.setattr(targets, "DEV_RUN_DIR", tmp_path)  # no `make dev` secrets
    # set here so monkeypatch restores them: LocalTarget fills in what is unset, for this process
    for name in ("SUPABASE_URL", "SUPABASE_ANON_KEY", "SUPABASE_ADMIN_KEY", "POWERTOOLS_METRICS_DISABLED"):
        monkeypatch.setenv(name, "set-by-test")
    with pytest.raises(TargetError, match=r"admin-nothing is not in this checkout"):
        LocalTarget().invoke("admin-nothing", {"admin_token": TOKEN, "action": "x.y", "params": {}})


def test_human_output_tables_and_details() -> None:
    from decimal import Decimal

    from luckymart_cli.output import render

    out = io.StringIO()
    items = [
        {"id": "d1", "amount": Decimal("12.50"), "user": {"telegram_username": "zarina"}, "note": None},
        {"id": "d2", "amount": Decimal("7.00"), "user": {"telegram_username": "x" * 60}, "note": "ok"},
    ]
    render({"items": items, "total": 5}, ("id", "amount", "user.telegram_username", "note"), out)
    lines = out.getvalue().splitlines()
    assert lines[0].split() == ["ID", "AMOUNT", "USER.TELEGRAM_USERNAME", "NOTE"]
    assert lines[1].split() == ["d1", "12.50", "zarina", "-"]
    assert lines[2].split()[2].endswith("…") and len(lines[2].split()[2]) == 40
    assert lines[-1] == "(2 shown, 5 in total)"

    out = io.StringIO()
    render(
        {"user": {"id": "u1", "status": "BANNED"}, "wallets": [{"type": "BALANCE"}], "active_sessions": 0}, (), out
    )
    assert out.getvalue().splitlines() == [
        "user.id          u1",
        "user.status      BANNED",
        'wallets          [{"type":"BALANCE"}]',
        "active_sessions  0",
    ]


def test_local_target_knows_the_queue_urls_make_dev_wrote(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "aws.json").write_text(
        json.dumps({"COMMISSION_DLQ_URL": "http://127.0.0.1:54340/q/dlq", "AWS_ENDPOINT_URL_SQS": "http://e"})
    )
    monkeypatch.setattr(targets, "DEV_RUN_DIR", tmp_path)
    monkeypatch.delenv("COMMISSION_DLQ_URL", raising=False)
    monkeypatch.setenv("AWS_ENDPOINT_URL_SQS", "http://already-set")
    for name in ("SUPABASE_URL", "SUPABASE_ANON_KEY", "SUPABASE_ADMIN_KEY"):
        monkeypatch.setenv(name, "set-by-test")
    LocalTarget()
    import os

    assert os.environ["COMMISSION_DLQ_URL"] == "http://127.0.0.1:54340/q/dlq"
    assert os.environ["AWS_ENDPOINT_URL_SQS"] == "http://already-set"  # variables already set win


def test_csv_rows_totals_and_stats_sparklines() -> None:
    from decimal import Decimal

    from luckymart_cli.output import render, sparkline, write_csv

    out = io.StringIO()
    write_csv(
        {
            "items": [{"id": "t1", "amount": Decimal("-5.00"), "user": {"telegram_id": "7"}, "note": None}],
            "total": 1,
            "totals": [{"type": "LOTTERY_PURCHASE", "count": 1, "amount": Decimal("-5.00")}],
        },
        out,
    )
    assert out.getvalue() == (
        "id,amount,user.telegram_id,note\nt1,-5.00,7,\n\ntype,count,amount\nLOTTERY_PURCHASE,1,-5.00\n"
    )
    assert sparkline([0, 1, 2, 4]) == "▁▂▄█" and sparkline([0, 0]) == "▁▁"
    out = io.StringIO()
    render({"days": 2, "series": [{"day": "d1", "signups": 1}, {"day": "d2", "signups": 3}]}, (), out, "stats")
    assert out.getvalue().splitlines()[-1].split() == ["signups", "▃█", "total", "4"]


def test_rates_travel_as_decimal_strings_never_floats() -> None:
    from pydantic import ValidationError

    from functions.admin_finance.handler import PaymentUpdate

    assert str(PaymentUpdate(id=DEPOSIT, fee_rate="0.015").fee_rate) == "0.015"  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="decimal string"):
        PaymentUpdate(id=DEPOSIT, fee_rate=0.015)  # type: ignore[arg-type]
