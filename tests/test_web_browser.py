"""``searchidx serve`` driven by a real headless Chromium (the system's, e.g. Debian's
``chromium`` package) through Playwright: typing a query, marked hits, a facet, an entity
page with its timeline, paging with the keyboard, and a phone-sized window. Skips when no
Chromium is installed."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from web_support import Served, serving

sync_api = pytest.importorskip("playwright.sync_api")

#: Where a system Chromium may be; $SEARCHIDX_CHROMIUM names another.
CANDIDATES = ("/usr/lib/chromium/chromium", "chromium", "chromium-browser", "google-chrome")


def chromium_path() -> str | None:
    given = os.environ.get("SEARCHIDX_CHROMIUM")
    if given:
        return given
    for candidate in CANDIDATES:
        found = candidate if os.path.isabs(candidate) and os.access(candidate, os.X_OK) else shutil.which(candidate)
        if found:
            return found
    return None


@pytest.fixture(scope="module")
def server(web_index_path: Path) -> Iterator[Served]:
    with serving(web_index_path, "--workers", "2") as served:
        yield served


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    executable = chromium_path()
    if executable is None:
        pytest.skip("no Chromium found (apt-get install chromium, or set $SEARCHIDX_CHROMIUM)")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, headless=True,
                                              args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"])
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    blocked: list[str] = []
    # no request may leave the server: every asset ships in the package
    context.route("**/*", lambda route: route.continue_() if route.request.url.startswith("http://127.0.0.1")
                  else (blocked.append(route.request.url), route.abort()))
    opened = context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda error: errors.append(str(error)))
    opened.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    yield opened
    context.close()
    assert not blocked, blocked
    assert not errors, errors


def total_of(page: Any) -> int:
    return int(page.locator("#results-heading").inner_text().split()[0].replace(",", ""))


def test_type_a_query_see_marked_hits_and_narrow_with_a_facet(page: Any, server: Served) -> None:
    page.goto(server.url)
    page.keyboard.press("/")  # the shortcut to the search box
    assert page.evaluate("document.activeElement.id") == "q"
    page.keyboard.type('jansen "unclosed')
    feedback = page.locator("#feedback")
    sync_api.expect(feedback).to_contain_text("paragraph")
    sync_api.expect(feedback.locator(".warn")).not_to_have_count(0)  # the repair is announced as you type
    sync_api.expect(page.locator("#preview .tok-error")).to_have_count(1)
    page.keyboard.press("End")
    for _ in range(len(' "unclosed')):
        page.keyboard.press("Backspace")
    page.keyboard.press("Enter")
    page.wait_for_url("**/?q=jansen*")
    marks = page.locator(".hit mark")
    assert marks.count() >= 3 and marks.first.inner_text().lower() == "jansen"
    before = total_of(page)
    page.locator('#facet-place + ul a.narrow', has_text="Rotterdam").first.click()
    page.wait_for_url("**place%3A%22Rotterdam%22*")
    assert page.locator("#q").input_value() == 'jansen place:"Rotterdam"'
    assert 0 < total_of(page) < before
    page.locator('#facet-place + ul a.exclude').first.click()
    page.wait_for_url("**-place*")
    assert total_of(page) >= 0


def test_entity_page_with_timeline(page: Any, server: Served) -> None:
    page.goto(server.url + "?q=jansen")
    page.locator(".hit .entities a", has_text="Maria Jansen").first.click()
    page.wait_for_url("**/entity/person/Maria%20Jansen")
    sync_api.expect(page.locator("h1")).to_contain_text("Maria Jansen")
    chart = page.locator("svg.chart")
    sync_api.expect(chart).to_be_visible()
    assert chart.locator("rect.bar").count() == 16
    tall = [float(h) for h in chart.locator("rect.bar").evaluate_all("bars => bars.map(b => b.getAttribute('height'))")]
    assert max(tall) > 0 and tall.count(0.0) > 0  # months without a mention stay empty
    page.locator(".switch a", has_text="year").click()
    page.wait_for_url("**by=year*")
    assert page.locator("svg.chart rect.bar").count() == 2
    related = page.locator("table.related a", has_text="Rotterdam").first
    related.click()
    sync_api.expect(page.locator("h1")).to_contain_text("Rotterdam")


def test_paging_with_the_keyboard(page: Any, server: Served) -> None:
    page.goto(server.url + "?q=rotterdam")
    assert page.locator(".pager [aria-current=page]").inner_text() == "1"
    first = page.locator(".hit h3").first.inner_text()
    page.keyboard.press("n")
    page.wait_for_url("**page=2*")
    assert page.locator(".pager [aria-current=page]").inner_text() == "2"
    assert page.locator("ol.hits").get_attribute("start") == "11"
    page.keyboard.press("p")
    page.wait_for_url("**page=1*")
    assert page.locator(".hit h3").first.inner_text() == first
    # and with Tab alone: the skip link, then the search box
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "q"


def test_reads_at_phone_width(browser: Any, server: Served) -> None:
    context = browser.new_context(viewport={"width": 380, "height": 800}, is_mobile=True)
    try:
        page = context.new_page()
        for path in ("?q=rotterdam", "entity/person/Maria%20Jansen", "article/council-01?p=2"):
            page.goto(server.url + path)
            overflow = page.evaluate("document.scrollingElement.scrollWidth - window.innerWidth")
            assert overflow <= 1, (path, overflow)
    finally:
        context.close()
