"""The audit log page: server-side pages of a chosen size with newer/older links and the total,
fields and enumerations titled as words, times in UTC; the icon and the API docs page come
from the package (no CDN)."""

from __future__ import annotations

import datetime as dt
import re

from fastapi.testclient import TestClient

from leadline.audit import record
from leadline.context import App
from leadline.web.views import Pager, cell
from tests.web.support import login

START = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def _fill(app: App, count: int) -> None:
    """``count`` updates of plan items, one a minute from START (entry n changes status)."""
    with app.store.session() as session:
        for n in range(count):
            record(
                session,
                actor="cio",
                action="update",
                entity_type="plan_item",
                entity_id=f"90-day/item-{n:03d}",
                before={"status": "in_progress"},
                after={"status": "at_risk", "updated_at": f"2026-01-01T00:{n % 60:02d}:00+00:00"},
                at=START + dt.timedelta(minutes=n),
            )


def _items(html: str) -> list[str]:
    return re.findall(r"90-day/item-(\d{3})", html)


def test_pager_arithmetic() -> None:
    assert Pager(1, 50, 0).pages == 1 and Pager(1, 50, 0).first_shown == 0
    assert Pager(1, 50, 120).pages == 3
    last = Pager(3, 50, 120)
    assert (last.offset, last.first_shown, last.last_shown) == (100, 101, 120)
    assert Pager(2, 25, 50).pages == 2 and Pager(2, 25, 51).pages == 3


def test_audit_pages_with_size_links_and_total(web_app: App, client: TestClient) -> None:
    _fill(web_app, 120)
    login(client, "ada")  # one more entry: ada's login, the newest
    first = client.get("/admin/audit?entity_type=plan_item&size=50").text
    assert "Entries 1–50 of 120, newest first." in first
    assert "Page 1 of 3" in first
    assert _items(first) == [f"{n:03d}" for n in range(119, 69, -1)]  # newest first
    assert "page=2" in first and "page=3" in first and "Newer" not in first
    middle = client.get("/admin/audit?entity_type=plan_item&size=50&page=2").text
    assert "Entries 51–100 of 120" in middle and "Page 2 of 3" in middle
    assert _items(middle) == [f"{n:03d}" for n in range(69, 19, -1)]
    assert "‹ Newer" in middle and "Older ›" in middle
    past_the_end = client.get("/admin/audit?entity_type=plan_item&size=50&page=9").text
    assert "Entries 101–120 of 120" in past_the_end and "Older" not in past_the_end
    assert _items(past_the_end) == [f"{n:03d}" for n in range(19, -1, -1)]
    everything = client.get("/admin/audit").text
    assert "Entries 1–50 of 125, newest first." in everything  # 4 users created, ada's login
    assert client.get("/admin/audit?size=5").status_code == 422  # 10 to 500 a page
    assert client.get("/admin/audit?page=0").status_code == 422


def test_audit_entries_read_as_words(web_app: App, client: TestClient) -> None:
    _fill(web_app, 1)
    login(client, "ada")
    html = client.get("/admin/audit?entity_type=plan_item").text
    row = re.search(r"<tr>\s*<td class=\"when\">.*?</tr>", html, re.S)
    assert row is not None
    text = re.sub(r"<[^>]+>", "", row.group(0))
    assert "2026-01-01 00:00 UTC" in text
    assert "Plan item 90-day/item-000" in text  # the id is never changed
    assert "Status: In progress → At risk" in text
    assert "Updated at: — → 2026-01-01 00:00 UTC" in text
    assert "_" not in text.replace("item-000", "")


def test_cell_words() -> None:
    assert cell("not_implemented") == "Not implemented"
    assert cell("(none)") == "Not assigned"
    assert cell("checkout-api") == "checkout-api"
    assert cell(None) == "—" and cell([]) == "—"
    assert cell(True) == "yes"
    assert cell({"open_roles": [{"title": "SRE", "opened_on": "2026-10-01"}]}) == (
        "Open roles: Title: SRE; Opened on: 2026-10-01"
    )
    assert cell("2026-03-04T05:06:07.123+01:00") == "2026-03-04 04:06 UTC"


def test_icon_and_api_docs_come_from_the_package(client: TestClient) -> None:
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200 and icon.content[:4] == b"\x00\x00\x01\x00"  # an ICO file
    assert icon.headers["content-type"] == "image/vnd.microsoft.icon"
    docs = client.get("/api/v1/docs")
    assert docs.status_code == 200
    scripts = re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', docs.text)
    assert scripts and all(s.startswith("/") for s in scripts)  # nothing from a CDN
    assert "<script>" not in docs.text  # the CSP allows no inline script
    for path in scripts:
        assert client.get(path).status_code == 200, path
    assert "script-src 'self'" in docs.headers["content-security-policy"]
