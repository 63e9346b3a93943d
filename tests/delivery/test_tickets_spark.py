"""Engine conformance of lead time from ticket: DuckDB and Spark give the same ticket starts
(hence the same links) over one small lake (changes CSV with titles, a Jira search export).
One test, to stay within the Spark budget; the link rules are checked on DuckDB in
test_tickets.py."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from leadline.config import Settings
from leadline.context import App
from leadline.delivery.tickets import with_ticket_start
from leadline.lake.conformance import assert_engines_agree
from tests.conftest import make_settings
from tests.delivery.support_events import ingest, write_json

pytestmark = pytest.mark.spark

DATA = Path(__file__).resolve().parent.parent / "data" / "trackers"
INPUTS = {"changes": "changes", "tickets": "work_items"}


@pytest.fixture(scope="module")
def lake_app(spark_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[App]:
    home = tmp_path_factory.mktemp("tickets-conformance")
    app = App(make_settings(home / "home"))
    changes = home / "changes.csv"
    changes.write_text(
        "change_id,service,commit_sha,committed_at,merged_at,deployment_id,title\n"
        "c1,search,a,2026-03-02T10:00:00Z,,,SHOP-101 faceted filters\n"
        "c2,search,b,2026-03-02T11:00:00Z,,,shop-101-fix and SHOP-103\n"
        "c3,search,c,2026-03-02T12:00:00Z,,,XSHOP-101 is another key\n"
        "c4,search,d,2026-03-02T13:00:00Z,,,no key\n"
    )
    assert ingest(app, "changes-csv", changes).exit_code in (0, 1)
    pages = [
        json.loads((DATA / name).read_text())
        for name in ("jira_search.json", "jira_search_jql.json")
    ]
    assert ingest(app, "jira", write_json(home / "jira.json", pages)).exit_code == 0
    yield app
    app.close()


def test_ticket_starts_engines_agree(lake_app: App) -> None:
    rows = assert_engines_agree(
        with_ticket_start, INPUTS, settings=lake_app.settings, store=lake_app.store
    ).to_pylist()
    starts = {r["change_id"]: r["committed_at"].isoformat() for r in rows}
    assert starts == {
        "c1": "2026-03-01T08:00:00",  # SHOP-101's first entry into In Progress
        "c2": "2026-03-01T08:00:00",  # the earlier of SHOP-101 and SHOP-103 (created 3 March)
        "c3": "2026-03-02T12:00:00",
        "c4": "2026-03-02T13:00:00",
    }
