"""The FinOps page shows whether the month's FOCUS bills landed whole (issue 19 item 1): the
demo's bills reconcile, so the tile is green and says so, in words as well as colour."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from leadline.context import App
from leadline.finops.reconcile import reconcile, status_tile
from leadline.webkit.viewdata import last_month
from tests.conftest import make_settings
from tests.web.support import login


def test_the_finops_page_shows_reconciliation_status(demo_home: Path) -> None:
    from leadline.web.app import create_app

    month = last_month()
    app = App(make_settings(demo_home))
    try:
        document = reconcile(app, month)
    finally:
        app.close()
    assert document["bills"] and document["status"] == "reconciled", document["differences"]
    tile = status_tile(document)
    assert (tile.value, tile.status) == ("Reconciled", "green")
    with TestClient(create_app(make_settings(demo_home), background=False)) as client:
        assert login(client, "vic").status_code == 303
        html = client.get(f"/finops?month={month}").text
    assert "FOCUS bills read = landed" in html and "Reconciled" in html
    assert f"billing periods of {month}" in html
