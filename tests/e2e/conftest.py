from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from infra.local.stack import Stack


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    from tests import support_browser

    count = len(support_browser.saved_screenshots)
    if count:
        terminalreporter.write_line(f"verification page: {count} screenshots in {support_browser.SCREENSHOTS}")


@pytest.fixture
def api(stack: Stack, clean: object) -> Iterator[httpx.Client]:
    """HTTP client on the local gateway, as the frontend would call it (anon key in Authorization)."""
    headers = {"apikey": stack.anon_key, "Authorization": f"Bearer {stack.anon_key}"}
    with httpx.Client(base_url=f"{stack.api_url}/functions/v1", headers=headers, timeout=30) as client:
        yield client
