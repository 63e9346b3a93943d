"""The web app in Debian's Chromium (Playwright, never a downloaded browser) against a real
uvicorn server over the small demo: log in, the scorecard's charts drawn, filter by team, edit
a risk, find the edit in the audit log. Screenshots go to test-output/web/. A browser that
cannot start fails the test."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.conftest import OUTPUT
from tests.web.support import PASSWORD
from tests.web.test_crash import free_port, start_server

CHROMIUM = "/usr/bin/chromium"
SHOTS = OUTPUT / "web"


@pytest.fixture
def server(demo_copy: Path) -> Iterator[str]:
    port = free_port()
    process = start_server(demo_copy, port)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        process.kill()
        process.wait(10)


@pytest.fixture
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            yield instance
        finally:
            instance.close()


def _log_in(page: Page, base: str, user: str) -> None:
    page.goto(f"{base}/")
    expect(page).to_have_url(re.compile(r"/login\?next=/$"))
    page.get_by_label("User name").fill(user)
    page.get_by_label("Password").fill(PASSWORD)
    # The click waits for the redirect to the scorecard, whose first rendering (cold caches)
    # took over 30 s on a loaded 2-core CI machine: the same 60 s as the heading below.
    page.get_by_role("button", name="Log in").click(timeout=60_000)
    expect(page.get_by_role("heading", name="Scorecard", exact=True)).to_be_visible(timeout=60_000)


def test_scorecard_filter_edit_and_audit_in_chromium(server: str, browser: Browser) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    _log_in(page, server, "ada")
    charts = page.locator(".chart svg.marks")
    expect(charts).to_have_count(2, timeout=30_000)  # vega-embed drew both charts
    assert page.locator(".chart").first.locator("svg .mark-line path").count() > 0
    page.screenshot(path=str(SHOTS / "scorecard.png"), full_page=True)

    page.get_by_role("link", name="Delivery").click()
    rows = page.locator("#t-dora ~ .scroll tbody tr")
    chosen = rows.nth(2).locator("td").first.inner_text()  # a team with deployments
    page.get_by_label("Team", exact=True).select_option(
        chosen
    )  # HTMX reloads the page body on change
    expect(page).to_have_url(re.compile(rf"team={chosen}"))
    expect(rows).to_have_count(1, timeout=30_000)
    expect(rows.first.locator("td").first).to_have_text(chosen)
    expect(page.locator(".chart svg.marks")).to_have_count(2, timeout=30_000)
    page.screenshot(path=str(SHOTS / "delivery-filtered.png"), full_page=True)

    page.get_by_role("link", name="Risk", exact=True).click()
    first_edit = page.locator('a[href$="/edit"]').first
    key = first_edit.get_attribute("href").split("/")[2]  # type: ignore[union-attr]
    first_edit.click()
    page.get_by_label("Owner").fill("browser.tester")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name="Risk", exact=True)).to_be_visible()
    expect(page.locator("tr", has_text=key).first).to_contain_text("browser.tester")
    page.screenshot(path=str(SHOTS / "risk-edited.png"), full_page=True)

    page.get_by_role("link", name="Audit log").click()
    entry = page.locator("tbody tr", has_text=f"risk {key}").first
    expect(entry).to_contain_text("ada")
    expect(entry).to_contain_text("browser.tester")
    page.screenshot(path=str(SHOTS / "audit.png"), full_page=True)
    assert errors == []


def test_keyboard_reaches_the_skip_link_and_login_works_without_javascript(
    server: str, browser: Browser
) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    _log_in(page, server, "vic")
    page.goto(f"{server}/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    page.goto(f"{server}/catalog?type=&team=")
    expect(page.get_by_role("heading", name="Teams (Team Topologies types)")).to_be_visible()
    page.screenshot(path=str(SHOTS / "catalog-no-js.png"), full_page=True)
    context.close()


def _column(page: Page, table: str, title: str) -> list[str]:
    """The data-sort values of a table's column, in the order the rows are shown."""
    headers = page.locator(f"#{table} ~ .scroll thead th").all_inner_texts()
    index = [h.strip() for h in headers].index(title)
    return page.locator(f"#{table} ~ .scroll tbody tr").evaluate_all(
        f"rows => rows.map(r => r.cells[{index}].dataset.sort)"
    )


def test_a_header_click_sorts_by_value_and_a_second_reverses(server: str, browser: Browser) -> None:
    """Deployments sort as numbers (9 before 10), not as text; the header says how it sorts,
    and the keyboard sorts too (the header is a button)."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    _log_in(page, server, "vic")
    page.goto(f"{server}/delivery")
    header = page.locator("#t-dora ~ .scroll thead th", has_text="Deployments").first
    header.get_by_role("button").click()
    ascending = [float(v) for v in _column(page, "t-dora", "Deployments")]
    assert ascending == sorted(ascending) and len(set(ascending)) > 2
    assert header.get_attribute("aria-sort") == "ascending"
    header.get_by_role("button").focus()
    page.keyboard.press("Enter")
    descending = [float(v) for v in _column(page, "t-dora", "Deployments")]
    assert descending == sorted(ascending, reverse=True)
    assert header.get_attribute("aria-sort") == "descending"
    team = page.locator("#t-dora ~ .scroll thead th", has_text="Team").first
    team.get_by_role("button").click()
    names = _column(page, "t-dora", "Team")
    assert names == sorted(names, key=str.casefold)
    assert header.get_attribute("aria-sort") is None
    page.screenshot(path=str(SHOTS / "delivery-sorted.png"), full_page=True)
