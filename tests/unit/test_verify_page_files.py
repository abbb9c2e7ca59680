"""The local gateway's /verify/ files: the page and its scripts with their types, config.json from the local keys,
nothing outside web/verify/, and no script loaded from another origin."""

from __future__ import annotations

import json
import re
import subprocess

import pytest

from infra.local import verify_page
from luckymart import fairdraw
from scripts import verify_draw

pytestmark = pytest.mark.unit


def test_page_scripts_and_config(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FAIRDRAW_PUBLIC_KEY", raising=False)
    monkeypatch.delenv("RECEIPT_PUBLIC_KEY", raising=False)
    monkeypatch.setenv("FAIRDRAW_SIGNING_KEY", "07" * 32)
    monkeypatch.setenv("RECEIPT_SIGNING_KEY", "09" * 32)
    assert verify_page.serve("/verify") == (301, {"location": "/verify/"}, b"")
    status, headers, body = verify_page.serve("/verify/")
    assert status == 200 and headers["content-type"].startswith("text/html") and b"page.js" in body
    assert verify_page.serve("/verify/verify.js")[1]["content-type"].startswith("text/javascript")
    status, headers, body = verify_page.serve("/verify/config.json")
    config = json.loads(body)
    assert config["operator_public_key"] == fairdraw.public_key_hex(fairdraw.private_key("07" * 32))
    assert config["receipt_public_key"] == fairdraw.public_key_hex(fairdraw.private_key("09" * 32))
    assert headers["cache-control"] == "no-store"


@pytest.mark.parametrize("path", ["/verify/../../README.md", "/verify/%2e%2e/README.md", "/verify/nope.js",
                                  "/verify/../infra/local/secrets.py"])  # fmt: skip
def test_nothing_outside_the_page_folder(path: str) -> None:
    assert verify_page.serve(path)[0] == 404


def test_no_remote_code() -> None:
    for source in verify_page.PAGE.glob("*.*"):
        text = source.read_text(encoding="utf-8")
        assert not re.search(r"""(src|href|import)\s*[=(]?\s*["'](https?:)?//""", text), source.name


def test_every_text_exists_in_every_language() -> None:
    """The page's texts (i18n.js) have the same keys in en, ru, tg and zh, and every check of verify.js has its
    passing, failing and explaining line in each."""
    script = (
        "const {TEXT} = await import('./web/verify/i18n.js');"
        "const {STEP_IDS} = await import('./web/verify/verify.js');"
        "console.log(JSON.stringify({TEXT, STEP_IDS}));"
    )
    dumped = subprocess.run(
        ["node", "--input-type=module", "-e", script],
        cwd=verify_page.ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    loaded = json.loads(dumped.stdout)
    texts, steps = loaded["TEXT"], loaded["STEP_IDS"]

    def paths(value: object, prefix: str = "") -> set[str]:
        if isinstance(value, dict):
            return set().union(*(paths(v, f"{prefix}.{k}") for k, v in value.items()))
        assert isinstance(value, str) and value.strip(), prefix
        return {prefix}

    assert set(texts) == {"en", "ru", "tg", "zh"}
    english = paths(texts["en"])
    for language, catalogue in texts.items():
        assert paths(catalogue) == english, language
        for step in steps:
            assert {"ok", "fail", "about"} <= set(catalogue["steps"][step]), (language, step)
    assert set(texts["en"]["steps"]) == set(steps) == set(verify_draw.STEP_IDS)  # the Python verifier's too
    assert set(texts["en"]["legacy_reasons"]) == set(fairdraw.LEGACY_REASONS) == set(verify_draw.LEGACY_REASONS)
