"""The verification page in a real headless Chromium: the golden vectors, a real draw on the test stack (VALID at
every step, before the draw too), and doctored records, each of which must fail at the step naming the fault."""

from __future__ import annotations

import base64
import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from selenium import webdriver

from infra.local.lambdas import Lambdas
from infra.local.stack import Stack
from luckymart import fairdraw
from scripts import verify_draw
from tests import golden_vectors
from tests.conftest import truncate_all
from tests.support import invoke, sign_in
from tests.support_browser import PageServer, chromium, gateway_source, run_page
from tests.support_lottery import create_lottery, fund

pytestmark = pytest.mark.e2e
STEPS = [
    "key", "commitment_signature", "entries", "receipt_signature", "receipt_lottery", "proofs", "tickets",
    "receipt_tickets", "root", "draw_signature", "seed", "draw_input", "hmac", "winner",
]  # fmt: skip


@pytest.fixture(scope="module")
def browser() -> Iterator[webdriver.Chrome]:
    with chromium() as driver:
        yield driver


def fragment(receipt: dict[str, Any]) -> str:
    encoded = base64.urlsafe_b64encode(json.dumps(receipt).encode()).rstrip(b"=").decode()
    return f"#receipt={encoded}"


def failing(result: dict[str, Any]) -> set[str]:
    return {step for step, status in result["steps"].items() if status == "fail"}


# ---------------------------------------------------------------- the golden vectors (shared with Python tests)
def golden_server(**config: str) -> PageServer:
    golden = golden_vectors.load()
    answers = {"verify-draw": golden["verify_draw"], "get-ticket-proof": golden["ticket_proofs"]}

    def source(name: str, query: dict[str, str]) -> Any:
        data = copy.deepcopy(answers[name])
        if name == "get-ticket-proof":
            wanted = {int(n) for n in query["ticket_numbers"].split(",")}
            data["proofs"] = [p for p in data["proofs"] if p["ticket_number"] in wanted]
        return data

    keys = {
        "operator_public_key": golden["expected"]["operator_public_key"],
        "receipt_public_key": golden["verify_draw"]["receipt_public_key"],
        "verify_draw_url": "/functions/v1/verify-draw",
        "ticket_proof_url": "/functions/v1/get-ticket-proof",
    }
    return PageServer({**keys, **config}, source)


@pytest.mark.parametrize("engine", ["WebCrypto", "@noble/ed25519"])
def test_golden_vectors_verify_in_the_page(browser: webdriver.Chrome, engine: str) -> None:
    golden = golden_vectors.load()
    force = "&ed25519=library" if engine != "WebCrypto" else ""
    with golden_server() as server:
        query = f"lottery=lot-golden&ticket=1000007&lang=zh{force}"
        url = f"{server.origin}/verify/?{query}{fragment(golden['receipt'])}"
        result = run_page(browser, url)
    assert result["verdict"] == "valid", result
    assert result["steps"] == dict.fromkeys(STEPS, "ok")
    assert result["engine"] == engine
    assert browser.find_element("id", "verdict").text.startswith("有效")


def test_golden_receipt_missing_from_the_entries_is_flagged(browser: webdriver.Chrome) -> None:
    golden = golden_vectors.load()
    with golden_server() as server:
        server.doctor = lambda name, data: (
            {
                **data,
                "tickets": {**data["tickets"], "items": [t for t in data["tickets"]["items"] if t["seq"] != 3]},
            }
            if name == "verify-draw"
            else data
        )
        result = run_page(
            browser, f"{server.origin}/verify/?lottery=lot-golden&lang=en{fragment(golden['receipt'])}"
        )
    assert result["verdict"] == "invalid"
    assert failing(result) == {"tickets", "receipt_tickets", "root"}
    text = browser.find_element("css selector", "#step-receipt_tickets .text").text
    assert text == "Ticket 1000003 from your receipt is missing from the list or was changed."


# ---------------------------------------------------------------- a real lottery on the test stack
def buy(token: str, lottery_id: str, quantity: int) -> dict[str, Any]:
    return dict(
        invoke(
            "lottery-purchase",
            {"lottery_id": lottery_id, "quantity": quantity, "payment_method": "BALANCE"},
            token=token,
        ).data
    )


@pytest.fixture(scope="module")
def sold_out(pg: psycopg.Connection, stack: Stack) -> dict[str, Any]:
    """A real lottery of 12 tickets sold out to two buyers (alice keeps her receipt), not drawn yet."""
    truncate_all(pg)
    lottery = create_lottery(pg, total_tickets=12, ticket_price="1.00")
    alice, bob = sign_in(), sign_in()
    fund(pg, alice.user["id"], "20.00")
    fund(pg, bob.user["id"], "20.00")
    receipt = buy(alice.token, lottery["id"], 5)["receipt"]
    buy(bob.token, lottery["id"], 7)
    return {"lottery": lottery, "receipt": receipt}


def draw(pg: psycopg.Connection, lottery_id: str, lambdas: Lambdas) -> None:
    pg.execute("update lotteries set draw_time = now() - interval '1 second' where id = %s", (lottery_id,))
    lambdas.invoke("auto-lottery-draw", {"source": "aws.events", "detail-type": "Scheduled Event", "detail": {}})
    assert pg.execute("select status from lotteries where id = %s", (lottery_id,)).fetchone() == ("COMPLETED",)


def test_a_lottery_drawn_before_the_cutover_is_said_to_be_not_verifiable(browser: webdriver.Chrome) -> None:
    """verify-draw's record of a lottery drawn by the previous system (migrate-legacy): no step, no failure."""
    legacy = {
        "legacy": True,
        "verifiable": False,
        "message": verify_draw.LEGACY_MESSAGE,
        "previous": {"status": "COMPLETED", "winning_ticket_number": "1000007"},
    }
    with golden_server() as server:
        server.doctor = lambda name, data: {**data, "commitment": None, "entries": None, "record": legacy}
        result = run_page(browser, f"{server.origin}/verify/?lottery=lot-golden&lang=en")
    assert result["verdict"] == "legacy" and not failing(result), result
    assert (
        browser.find_element("id", "verdict").text == "Drawn by the previous system, not independently verifiable."
    )


def test_real_lottery_before_and_after_the_draw(
    browser: webdriver.Chrome,
    pg: psycopg.Connection,
    stack: Stack,
    lambdas: Lambdas,
    sold_out: dict[str, Any],
    tmp_path: Path,
) -> None:
    lottery_id, receipt = sold_out["lottery"]["id"], sold_out["receipt"]
    # the Python verifier, over HTTP before the draw: the frozen entries and the receipt
    receipt_file = tmp_path / "receipt.json"
    receipt_file.write_text(json.dumps({"receipt": receipt}))
    keys = gateway_source(stack.api_url)("verify-draw", {"lottery_id": lottery_id})
    args = ["--url", f"{stack.api_url}/functions/v1/verify-draw", "--lottery-id", lottery_id,
            "--public-key", keys["operator_public_key"], "--receipt", str(receipt_file),
            "--receipt-key", keys["receipt_public_key"]]  # fmt: skip
    assert verify_draw.main(args) == 0
    page = f"{stack.api_url}/verify/?lottery={lottery_id}&ticket=1000011&lang=ru{fragment(receipt)}"

    before = run_page(browser, page)  # served by the local gateway, keys from its config.json
    assert before["verdict"] == "valid", before
    draw_steps = {"draw_signature", "seed", "draw_input", "hmac", "winner"}
    assert before["steps"] == {s: "pending" if s in draw_steps else "ok" for s in STEPS}
    assert browser.find_element("id", "verdict").text.startswith("ВЕРНО")

    draw(pg, lottery_id, lambdas)
    after = run_page(browser, page)
    assert after["verdict"] == "valid", after
    assert after["steps"] == dict.fromkeys(STEPS, "ok")
    winner = browser.find_element("css selector", "#step-winner .text").text
    assert winner.startswith("Выигрышный билет 10000")
    # pages of 5 tickets: the 12 entries come in 3 pages, requested ahead while one is hashed
    paged = run_page(browser, page.replace("&lang=ru", "&lang=tg&page_size=5"))
    assert paged["verdict"] == "valid" and paged["steps"] == dict.fromkeys(STEPS, "ok")
    assert browser.find_element("id", "verdict").text.startswith("ДУРУСТ")


def _tickets(data: dict[str, Any]) -> list[dict[str, Any]]:
    return list(data["tickets"]["items"])


def _with_tickets(data: dict[str, Any], items: list[dict[str, Any]]) -> dict[str, Any]:
    return {**data, "tickets": {**data["tickets"], "items": items}}


def _other_than_winner(data: dict[str, Any], *exclude: int) -> list[int]:
    return [
        t["seq"] for t in _tickets(data) if t["seq"] != data["record"]["winning_seq"] and t["seq"] not in exclude
    ]


def changed_winner(data: dict[str, Any]) -> dict[str, Any]:
    seq = _other_than_winner(data)[0]
    ticket = _tickets(data)[seq - 1]
    record = {**data["record"], "winning_seq": seq, "winning_ticket_number": ticket["ticket_number"],
              "winning_ticket_id": ticket["ticket_id"]}  # fmt: skip
    return {**data, "record": record}


def changed_seed(data: dict[str, Any]) -> dict[str, Any]:
    return {**data, "record": {**data["record"], "server_seed": "00" * 32}}


def changed_buyer_ref(data: dict[str, Any]) -> dict[str, Any]:
    seq = _other_than_winner(data, 1, 2, 3, 4, 5)[0]  # one of bob's tickets
    return _with_tickets(data, [{**t, "buyer_ref": "0" * 16} if t["seq"] == seq else t for t in _tickets(data)])


def swapped_tickets(data: dict[str, Any]) -> dict[str, Any]:
    a, b = _other_than_winner(data, 1, 2, 3, 4, 5)[:2]
    items = _tickets(data)
    items[a - 1], items[b - 1] = items[b - 1], items[a - 1]
    return _with_tickets(data, items)


def dropped_ticket(data: dict[str, Any]) -> dict[str, Any]:
    seq = _other_than_winner(data, 1, 2, 3, 4, 5)[0]
    return _with_tickets(data, [t for t in _tickets(data) if t["seq"] != seq])


def dropped_receipt_ticket(data: dict[str, Any]) -> dict[str, Any]:
    seq = _other_than_winner(data, 6, 7, 8, 9, 10, 11, 12)[0]  # one of alice's receipted tickets
    return _with_tickets(data, [t for t in _tickets(data) if t["seq"] != seq])


DOCTORED = {
    "changed winner": (changed_winner, {"draw_signature", "winner"}),
    "changed seed": (changed_seed, {"draw_signature", "seed", "hmac"}),
    "changed buyer_ref": (changed_buyer_ref, {"root"}),
    "swapped tickets": (swapped_tickets, {"tickets", "root"}),
    "dropped ticket": (dropped_ticket, {"tickets", "root"}),
    "receipt ticket missing": (dropped_receipt_ticket, {"tickets", "root", "receipt_tickets"}),
}


@pytest.mark.parametrize("case", [*DOCTORED, "wrong operator key", "wrong receipt key"])
def test_each_doctored_record_fails_at_its_step(
    browser: webdriver.Chrome,
    pg: psycopg.Connection,
    stack: Stack,
    lambdas: Lambdas,
    sold_out: dict[str, Any],
    case: str,
) -> None:
    lottery_id, receipt = sold_out["lottery"]["id"], sold_out["receipt"]
    if pg.execute("select status from lotteries where id = %s", (lottery_id,)).fetchone() != ("COMPLETED",):
        draw(pg, lottery_id, lambdas)
    real = gateway_source(stack.api_url)("verify-draw", {"lottery_id": lottery_id})
    config = {
        "operator_public_key": real["operator_public_key"],
        "receipt_public_key": real["receipt_public_key"],
        "verify_draw_url": "/functions/v1/verify-draw",
        "ticket_proof_url": "/functions/v1/get-ticket-proof",
    }
    other = fairdraw.public_key_hex(fairdraw.private_key("42" * 32))
    doctor = None
    if case in DOCTORED:
        change, expected = DOCTORED[case]
        doctor = lambda name, data: change(data) if name == "verify-draw" else data  # noqa: E731
    elif case == "wrong operator key":
        config["operator_public_key"], expected = other, {"key", "commitment_signature", "draw_signature"}
    else:
        config["receipt_public_key"], expected = other, {"receipt_signature"}
    with PageServer(config, gateway_source(stack.api_url), doctor) as server:
        result = run_page(browser, f"{server.origin}/verify/?lottery={lottery_id}&lang=en{fragment(receipt)}")
    assert result["verdict"] == "invalid"
    found = failing(result)
    if case == "changed seed":
        assert found - {"winner"} == expected  # the recomputed winner moves too, unless it lands on the same seq
    else:
        assert found == expected, result
    for step in expected:
        assert browser.find_element("id", f"step-{step}").get_attribute("data-status") == "fail"


def test_a_ticket_that_is_not_in_the_entries_fails_its_proof(
    browser: webdriver.Chrome, stack: Stack, sold_out: dict[str, Any]
) -> None:
    lottery_id = sold_out["lottery"]["id"]
    result = run_page(browser, f"{stack.api_url}/verify/?lottery={lottery_id}&ticket=1000013&lang=en")
    assert result["verdict"] == "invalid" and failing(result) == {"proofs"}
    text = browser.find_element("css selector", "#step-proofs .text").text
    assert "no such ticket in this lottery" in text
