"""The site-wide quality gate, in Debian's Chromium against one real uvicorn server over the
small demo: every nav page (read from the page registry, so a new page is covered without
editing this file), the audit log and the HTML QBR, as admin and as viewer, at 1400 px and at
390 px (a phone). On each: no horizontal scrolling of the page, no text leaving its table cell
or tile, no number in scientific notation, no table column blank in every row, no console or
page error, and no serious or critical WCAG 2.1 AA violation found by axe-core (vendored in
tests/support/vendor). A full-page screenshot of each goes to test-output/web/site/."""

from __future__ import annotations

import re
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from tests.conftest import OUTPUT
from tests.web.support import PASSWORD, csrf_of
from tests.web.test_crash import free_port, start_server

CHROMIUM = "/usr/bin/chromium"
SHOTS = OUTPUT / "web" / "site"
AXE = Path(__file__).parents[1] / "support" / "vendor" / "axe-4.14.1.min.js"
WIDTHS = (1400, 390)
ROLES = {"admin": "ada", "viewer": "vic"}
# 1.5e+05, 3.5E-3, 2e10: a number written with an exponent
SCIENTIFIC = re.compile(r"(?<![\w.])\d+(?:\.\d+)?[eE][+-]?\d+(?![\w.])")
# "at_risk", "▲ not_implemented": a whole value (a cell, a label, an option) that is an
# enumeration's code; identifiers within sentences are left alone
SNAKE = re.compile(r"\W*[a-z][a-z0-9]*(?:_[a-z0-9]+)+")


# Pages outside the registry's nav: the admin's audit log, the HTML QBR, a metric's
# explanation (the page every tile links to; this one has few facts, so it is quick) and an
# edit form
EXTRA = (
    "/admin/audit",
    "/reports/qbr",
    "/metrics/reliability.slos_within_objective/explain?scope=organisation",
    "/risk/R-001/edit",
)
# pages a viewer is refused (403): checked as admin only
NOT_FOR_VIEWERS = ("/admin/audit", "/risk/R-001/edit")


def nav_pages() -> list[str]:
    """The pages of the nav (the registry's, in order) and the EXTRA pages."""
    from leadline.webkit.registry import registered

    return [path for path, _title in registered().nav] + [*EXTRA]


# Measured in the page: the document's width, cells and tiles whose text is wider than their
# box, columns blank in every row, and the visible text.
MEASURE = """() => {
  // the text nodes people read (outside code samples, scripts and charts), trimmed
  function texts(root) {
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT, {
      acceptNode: n => n.parentElement.closest('code, pre, script, style, svg, title')
        ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT });
    const found = [];
    while (walker.nextNode()) {
      const text = walker.currentNode.textContent.trim();
      if (text) { found.push(text); }
    }
    return found;
  }
  const boxes = [...document.querySelectorAll(
    'td, th, .kpi, .kpi > *, h1, h2, h3, figcaption, .filters .field, nav li, dt, dd')];
  const overflowing = boxes.filter(e => {
    const style = getComputedStyle(e);
    if (style.display === 'inline' || style.overflowX !== 'visible') { return false; }
    return e.scrollWidth > e.clientWidth + 1;
  }).map(e => e.tagName.toLowerCase() + (e.className ? '.' + e.className : '') + ': '
        + e.textContent.trim().slice(0, 60));
  const blank = [];
  document.querySelectorAll('table').forEach((table, n) => {
    const rows = [...table.querySelectorAll('tbody tr')];
    if (!rows.length) { return; }
    const heads = [...table.querySelectorAll('thead th')].map(h => h.textContent.trim());
    const width = Math.max(...rows.map(r => r.cells.length));
    for (let i = 0; i < width; i++) {
      const cells = rows.map(r => r.cells[i]).filter(c => c && c.colSpan === 1);
      if (cells.length === rows.length && cells.every(c => c.textContent.trim() === '')) {
        blank.push('table ' + (n + 1) + ' column ' + (heads[i] || i + 1));
      }
    }
  });
  return {
    scrollWidth: document.scrollingElement.scrollWidth,
    innerWidth: window.innerWidth,
    overflowing: overflowing,
    blank: blank,
    text: document.body.innerText,
    // text people read, outside code samples and form values
    words: texts(document.body),
    failedCharts: [...document.querySelectorAll('.chart')]
      .filter(e => e.textContent.startsWith('Chart failed')).map(e => e.textContent),
  };
}"""

AXE_RUN = """async () => {
  const result = await axe.run(document, {
    runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']},
    resultTypes: ['violations'],
  });
  return result.violations
    .filter(v => v.impact === 'serious' || v.impact === 'critical')
    .map(v => v.id + ' (' + v.impact + '): ' + v.help + ' at '
         + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', ')
         + (v.nodes.length > 3 ? ' and ' + (v.nodes.length - 3) + ' more' : ''));
}"""

# leadline.js marks each chart once drawn at its final width
CHARTS_DRAWN = """() => [...document.querySelectorAll('.chart[data-spec]')]
  .every(e => e.dataset.ready === '1')"""


@pytest.fixture(scope="module")
def server(demo_home: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    home = tmp_path_factory.mktemp("site") / "home"
    shutil.copytree(demo_home, home, ignore=shutil.ignore_patterns("demo-sources"))
    port = free_port()
    with pytest.MonkeyPatch.context() as patch:
        # each page is computed once: its four visits may span more than the default 60 s
        patch.setenv("LEADLINE_WEB__CACHE_SECONDS", "3600")
        process = start_server(home, port)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        process.kill()
        process.wait(10)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            yield instance
        finally:
            instance.close()


def _logged_in_client(server: str) -> httpx.Client:
    http = httpx.Client(base_url=server, timeout=300)
    token = csrf_of(http.get("/login").text)
    form = {"username": "ada", "password": PASSWORD, "csrf": token, "next": "/"}
    answer = http.post("/login", data=form)
    assert answer.status_code == 303, answer.text
    return http


def _warm(http: httpx.Client, paths: list[str]) -> None:
    """Ask for every page in the order the tests visit them, so the server computes the next
    page while the browser checks this one (its report cache then answers the browser)."""
    try:
        for path in paths:
            http.get(path)
    except httpx.HTTPError:
        pass  # the server is gone: the module is over
    finally:
        http.close()


@pytest.fixture(scope="module")
def contexts(server: str, browser: Browser) -> Iterator[dict[str, BrowserContext]]:
    """One logged-in browser context per role, shared by the module's tests."""
    warmer = _logged_in_client(server)  # first: a login later would make the cache stale
    made: dict[str, BrowserContext] = {}
    for role, user in ROLES.items():
        context = browser.new_context(base_url=server)
        # logged in through the form's POST (the context keeps the cookie), not by clicking:
        # the click would wait for the scorecard, computed on a cold server
        token = csrf_of(context.request.get("/login").text())
        answer = context.request.post(
            "/login",
            form={"username": user, "password": PASSWORD, "csrf": token, "next": "/"},
            max_redirects=0,
        )
        assert answer.status == 303, answer.text()
        made[role] = context
    thread = threading.Thread(target=_warm, args=(warmer, nav_pages()), daemon=True)
    thread.start()
    yield made
    for context in made.values():
        context.close()
    thread.join(60)


def _slug(path: str) -> str:
    return re.sub(r"[^\w.]+", "-", path.split("?", maxsplit=1)[0]).strip("-") or "scorecard"


def check_page(context: BrowserContext, path: str, role: str, width: int) -> list[str]:
    """The problems of ``path`` seen by ``role`` at ``width`` px (screenshot saved)."""
    page: Page = context.new_page()
    page.set_viewport_size({"width": width, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(f"page error: {error}"))
    page.on(
        "console",
        lambda message: (
            errors.append(f"console {message.type}: {message.text}")
            if message.type == "error"
            else None
        ),
    )
    try:
        answer = page.goto(path, timeout=120_000)
        assert answer is not None
        if role == "viewer" and path in NOT_FOR_VIEWERS:
            return [] if answer.status == 403 else [f"HTTP {answer.status}, not 403"]
        if answer.status != 200:
            return [f"HTTP {answer.status}"]
        page.wait_for_function(CHARTS_DRAWN, timeout=60_000)
        seen: dict[str, Any] = page.evaluate(MEASURE)
        page.screenshot(path=str(SHOTS / f"{_slug(path)}-{role}-{width}.png"), full_page=True)
        page.evaluate(AXE.read_text(encoding="utf-8"))
        violations: list[str] = page.evaluate(AXE_RUN)
    finally:
        page.close()
    problems = [*errors, *(f"axe: {v}" for v in violations)]
    if seen["scrollWidth"] > seen["innerWidth"]:
        problems.append(f"page {seen['scrollWidth']} px wide in a {seen['innerWidth']} px window")
    problems += [f"text wider than its box: {o}" for o in seen["overflowing"]]
    problems += [f"blank in every row: {b}" for b in seen["blank"]]
    problems += seen["failedCharts"]
    problems += [f"scientific notation: {n}" for n in SCIENTIFIC.findall(seen["text"])]
    snake = sorted({w for w in seen["words"] if SNAKE.fullmatch(w)})
    problems += [f"a value in snake_case: {w}" for w in snake]
    if any("(none)" in w for w in seen["words"]):
        problems.append('"(none)" shown instead of "Not assigned"')
    return problems


@pytest.mark.parametrize("path", nav_pages())
def test_page_fits_reads_and_passes_axe(path: str, contexts: dict[str, BrowserContext]) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    problems = [
        f"{role} at {width} px: {problem}"
        for role, context in contexts.items()
        for width in WIDTHS
        for problem in check_page(context, path, role, width)
    ]
    assert problems == [], "\n".join(problems)


BROKEN = """<!doctype html><html lang="en"><head><title>broken</title></head><body><main>
<h1>Broken on purpose</h1>
<div style="width: 2000px">wider than any window</div>
<table><thead><tr><th>Name</th><th>Cost</th><th>Note</th></tr></thead><tbody>
<tr><td style="max-width: 3rem; white-space: nowrap">an-identifier-far-too-long</td>
<td>3.5e+05 EUR</td><td></td></tr>
<tr><td>(none)</td><td>at_risk</td><td> </td></tr></tbody></table>
<p style="color: #bbbbbb">grey on white</p><img src="data:," width="10" height="10">
<script>console.error("something broke")</script>
</main></body></html>"""


def test_the_checks_find_what_they_look_for(server: str, browser: Browser) -> None:
    """Each check fails on a page made to break it (served in place of the app's answer), so
    a page that passes them passed real checks."""
    context = browser.new_context(base_url=server)
    context.route(
        f"{server}/broken-on-purpose",
        lambda route: route.fulfill(status=200, content_type="text/html", body=BROKEN),
    )
    try:
        problems = "\n".join(check_page(context, "/broken-on-purpose", "anonymous", 390))
    finally:
        context.close()
    for expected in (
        "console error: something broke",
        "axe: image-alt (critical)",
        "axe: color-contrast (serious)",
        "px wide in a 390 px window",
        "text wider than its box: td: an-identifier-far-too-long",
        "blank in every row: table 1 column Note",
        "scientific notation: 3.5e+05",
        "a value in snake_case: at_risk",
        '"(none)" shown instead of "Not assigned"',
    ):
        assert expected in problems, problems


def test_login_page_fits_and_passes_axe(server: str, browser: Browser) -> None:
    context = browser.new_context(base_url=server)
    try:
        problems = [
            f"at {width} px: {problem}"
            for width in WIDTHS
            for problem in check_page(context, "/login", "anonymous", width)
        ]
    finally:
        context.close()
    assert problems == [], "\n".join(problems)


def test_api_docs_draw_from_the_package_under_the_csp(server: str, browser: Browser) -> None:
    """Swagger UI comes from the package (no CDN request), runs under the app's CSP (no
    console error: a refused script or style is one) and lists the API's operations."""
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    errors: list[str] = []
    requests: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("request", lambda request: requests.append(request.url))
    page.goto(f"{server}/api/v1/docs")
    expect(page.locator(".opblock").first).to_be_visible(timeout=60_000)
    assert page.locator(".opblock").count() > 20
    page.screenshot(path=str(SHOTS / "api-docs.png"))
    page.close()
    assert [url for url in requests if not url.startswith(server)] == []
    icon = httpx.get(f"{server}/favicon.ico")
    assert icon.status_code == 200 and icon.headers["content-type"].startswith("image/")
    assert errors == []
