"""A real headless Chromium (Debian ``chromium``) driven by Playwright through a real ``sco-kg serve`` (issue 6).

Home page → link to Kazakhstan → switch to Russian («Республика Казахстан») → query page → run the canned
query ``signatories`` → the result table lists the six signatory states. A screenshot of each page goes to the
test's temp dir. Chromium is kept off the network by its launch flags and by the server binding 127.0.0.1.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import require_tool, serve_subprocess

pytestmark = [pytest.mark.browser, pytest.mark.network_loopback, pytest.mark.slow]

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]
STATE_NAMES = ["China", "Kazakhstan", "Kyrgyz", "Russia", "Tajikistan", "Uzbekistan"]


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    """Start ``sco-kg serve`` on a free loopback port and yield its base URL."""
    with serve_subprocess() as (_proc, base):
        yield base


@pytest.fixture()
def page(tmp_path: Path) -> Iterator[object]:
    """A fresh Chromium page (new empty profile under tmp_path)."""
    chromium = require_tool("chromium", "chromium")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
        yield context.new_page()
        context.close()
        browser.close()


def test_browse_kazakhstan_in_russian_and_run_a_query(server: str, page: object, tmp_path: Path) -> None:
    from playwright.sync_api import Page, expect

    assert isinstance(page, Page)
    page.goto(server)
    expect(page.locator("h1")).to_contain_text("SCO Declaration 2001")
    page.screenshot(path=str(tmp_path / "home.png"), full_page=True)

    page.locator("#states a", has_text="Kazakhstan").first.click()
    page.wait_for_url("**/id/state/kazakhstan")
    expect(page.locator("h1")).to_have_text("Republic of Kazakhstan")
    page.screenshot(path=str(tmp_path / "kazakhstan-en.png"), full_page=True)

    page.get_by_role("link", name="Русский").click()
    page.wait_for_url("**/id/state/kazakhstan?lang=ru")
    expect(page.locator("h1")).to_have_text("Республика Казахстан")
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    page.screenshot(path=str(tmp_path / "kazakhstan-ru.png"), full_page=True)

    page.get_by_role("link", name="Запрос").first.click()  # the query page, still in Russian
    page.wait_for_url("**/query?lang=ru")
    page.locator("select[name=name]").select_option("signatories")
    page.locator("form.pick button").click()
    expect(page.locator("textarea[name=query]")).to_contain_text("sco:isSignatoryOf")
    page.locator("#run").click()
    rows = page.locator("table.results tbody tr")
    expect(rows).to_have_count(6)
    text = page.locator("table.results").inner_text()
    page.screenshot(path=str(tmp_path / "query.png"), full_page=True)
    for name in ("Казахстан", "Китай", "Кыргыз", "Росси", "Таджикистан", "Узбекистан"):
        assert name in text, text
    for png in ("home.png", "kazakhstan-en.png", "kazakhstan-ru.png", "query.png"):
        data = (tmp_path / png).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000
