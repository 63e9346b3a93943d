"""The QBR, the scorecard files and the Prometheus exposition served by the web app over the
small demo: the same documents as ``leadline report qbr``, ``leadline scorecard --format
csv|parquet`` and ``scorecard.export.metrics_text``, behind the same authentication as the
pages and the API, through the report cache."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

import pyarrow.parquet as pq
import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from typer.testing import CliRunner

from leadline.cli import app as cli
from leadline.context import App
from leadline.periods import Period
from leadline.scorecard.core import rows, scorecard
from leadline.scorecard.views import report_links
from leadline.web import reports
from leadline.webkit.cache import invalidate
from tests.conftest import make_settings
from tests.web.support import login, token_for

QUARTER = Period.current_quarter().label
PREVIOUS = Period.current_quarter().previous().label
# Anything a browser would fetch: a script, stylesheet, frame, import, or a src/href/url() that
# is not a data URI or an in-page anchor.
EXTERNAL = re.compile(
    r"<script|<link|<iframe|@import|url\(\s*(?!['\"]?data:)|(?:src|href)\s*=\s*(?!['\"]?(?:data:|#))",
    re.IGNORECASE,
)
ABSOLUTE = re.compile(r"(?:src|href)\s*=\s*['\"]?https?://", re.IGNORECASE)
QBR_KEYS = {
    "quarter",
    "previous_quarter",
    "organisation",
    "generated_at",
    "as_of",
    "state",
    "starts_on",
    "last_day",
    "scorecard",
    "trends",
    "costs",
    "objectives",
    "risks",
    "slos",
    "plan",
    "maturity",
    "summary",
}
LABELS = {"kpi", "group", "scope_kind", "scope", "period"}


class Served(NamedTuple):
    client: TestClient
    app: App
    reader: dict[str, str]  # a read token's header
    writer: dict[str, str]  # a write-only token's header


@pytest.fixture(scope="module")
def served(demo_home: Path) -> Iterator[Served]:
    """A client, the app and a read token's header. Every write (tokens, the login) happens
    here, before any report is computed, so the tests share the cached reports."""
    from leadline.web.app import create_app

    settings = make_settings(demo_home)
    app = App(settings)
    reader = {"Authorization": "Bearer " + token_for(app, "vic", ["read"])}
    writer = {"Authorization": "Bearer " + token_for(app, "vic", ["write"])}
    with TestClient(create_app(settings, background=False)) as client:
        yield Served(client, app, reader, writer)
    app.close()


@pytest.fixture(scope="module")
def viewer(served: Served, demo_home: Path) -> Iterator[TestClient]:
    from leadline.web.app import create_app

    with TestClient(create_app(make_settings(demo_home), background=False)) as client:
        assert login(client, "vic").status_code == 303
        yield client


def test_the_external_reference_checks_can_fail() -> None:
    for bad in ('<img src="https://x/a.png">', "<a href=http://x>", "<link href='a.css'>"):
        assert EXTERNAL.search(bad)
    assert ABSOLUTE.search('<a href="https://example.com/">')
    assert EXTERNAL.search('<img src="data:image/png;base64,AA"><a href="#top">') is None


def test_qbr_page_is_the_self_contained_report(viewer: TestClient) -> None:
    answer = viewer.get(f"/reports/qbr?quarter={QUARTER}")
    assert answer.status_code == 200, answer.text[:300]
    assert answer.headers["content-type"] == "text/html; charset=utf-8"
    html = answer.text
    assert f"Quarterly business review {QUARTER}" in html
    assert "<h2>Scorecard</h2>" in html and "<table>" in html
    assert "Deployment frequency" in html  # a KPI row of the scorecard table
    assert html.count("<svg") >= 2  # charts inline
    assert ABSOLUTE.search(html) is None and EXTERNAL.search(html) is None
    # Without a quarter: this quarter's report; a lower-case, dashed quarter is the same one.
    assert viewer.get("/reports/qbr").text == html
    assert viewer.get(f"/reports/qbr?quarter={QUARTER[:4]}-q{QUARTER[-1]}").text == html


def test_qbr_pdf_is_an_attachment(viewer: TestClient) -> None:
    answer = viewer.get(f"/reports/qbr?quarter={QUARTER}&format=pdf")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/pdf"
    assert answer.headers["content-disposition"] == f'attachment; filename="qbr-{QUARTER}.pdf"'
    assert answer.content[:5] == b"%PDF-" and len(answer.content) > 10_000


@pytest.mark.parametrize("quarter", ["2026Q9", "2026-11", "next", "2026Q4x"])
def test_a_bad_quarter_is_a_400_naming_the_form(served: Served, quarter: str) -> None:
    client, _, reader, _ = served
    answer = client.get("/reports/qbr", params={"quarter": quarter}, headers=reader)
    assert answer.status_code == 400, answer.text
    assert "YYYYQN" in answer.json()["detail"] and quarter in answer.json()["detail"]
    # The API's schema states the pattern: a value outside it is 422 naming the parameter.
    answer = client.get("/api/v1/reports/qbr", params={"quarter": quarter}, headers=reader)
    assert answer.status_code == 422 and quarter in answer.text, answer.text
    assert client.get("/reports/qbr?format=docx", headers=reader).status_code == 422


def test_without_credentials_pages_redirect_and_api_answers_401(served: Served) -> None:
    client = served.client
    page = client.get(f"/reports/qbr?quarter={QUARTER}&format=pdf", follow_redirects=False)
    assert page.status_code == 303
    assert (
        page.headers["location"] == f"/login?next=/reports/qbr%3Fquarter%3D{QUARTER}%26format%3Dpdf"
    )
    for route in ("/api/v1/reports/qbr", "/metrics", "/api/v1/scorecard?format=csv"):
        answer = client.get(route)
        assert answer.status_code == 401, route
        assert answer.headers["www-authenticate"] == "Bearer"
        bad = client.get(route, headers={"Authorization": "Bearer llt_not-a-token"})
        assert bad.status_code == 401


def test_qbr_json_is_the_qbr_data_the_page_shows(served: Served, viewer: TestClient) -> None:
    client, _, reader, _ = served
    answer = client.get(f"/api/v1/reports/qbr?quarter={QUARTER}", headers=reader)
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/json"
    data = answer.json()
    assert set(data) == QBR_KEYS
    assert (data["quarter"], data["previous_quarter"]) == (QUARTER, PREVIOUS)
    assert data["scorecard"]["by"] == "organisation" and data["scorecard"]["period"] == QUARTER
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z", data["generated_at"])  # UTC
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", data["as_of"])
    # One cached document behind the JSON and the page: the page shows its generation time.
    generated = data["generated_at"].removesuffix("Z").replace("T", " ")
    assert f"generated {generated} UTC" in viewer.get(f"/reports/qbr?quarter={QUARTER}").text
    again = client.get(
        f"/api/v1/reports/qbr?quarter={QUARTER}",
        headers={**reader, "If-None-Match": answer.headers["etag"]},
    )
    assert again.status_code == 304


def _samples(text: str, metric: str) -> dict[tuple[str, str, str], Any]:
    families = {f.name: f for f in text_string_to_metric_families(text)}
    assert families[metric].type == "gauge"
    found = {}
    for sample in families[metric].samples:
        assert set(sample.labels) == LABELS and sample.labels["period"] == QUARTER
        key = (sample.labels["scope_kind"], sample.labels["scope"], sample.labels["kpi"])
        found[key] = sample
    return found


def test_metrics_are_the_scorecards_as_gauges(served: Served) -> None:
    client, app, reader, _ = served
    answer = client.get("/metrics", headers=reader)
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8"
    values = _samples(answer.text, "leadline_kpi_value")
    previous = _samples(answer.text, "leadline_kpi_previous_value")
    assert {kind for kind, _, _ in values} == {
        "organisation",
        "business-unit",
        "value-stream",
        "team",
    }
    for kind in ("organisation", "team"):
        document = scorecard(app, by=kind)
        checked = 0
        for scope in document["scopes"]:
            for kpi in scope["kpis"]:
                key = (kind, scope["scope"], kpi["kpi"])
                if kpi["value"] is None:
                    assert key not in values  # grey: no sample
                    continue
                sample = values[key]
                assert sample.labels["group"] == kpi["group"]
                # DORA rates run to "now": a request a few seconds earlier may differ by 1e-6.
                assert sample.value == pytest.approx(kpi["value"], rel=1e-4), key
                if kpi["previous"] is not None:
                    assert previous[key].value == kpi["previous"], key  # a closed quarter
                checked += 1
        assert checked > 5, kind
    nps = values[("organisation", "organisation", "outcome.customer-nps")]
    assert nps.labels["group"] == "business-value" and nps.value == 34.0  # entered outcome


def test_metrics_auth_tokens_sessions_and_anonymous_read(
    served: Served, viewer: TestClient, demo_home: Path
) -> None:
    from leadline.web.app import create_app

    client, _, _, writer = served
    assert client.get("/metrics", headers=writer).status_code == 403  # no read scope
    assert viewer.get("/metrics").status_code == 200  # a logged-in session
    settings = make_settings(demo_home, web={"anonymous_read": True})
    with TestClient(create_app(settings, background=False)) as anonymous:
        answer = anonymous.get("/metrics")
        assert answer.status_code == 200 and "leadline_kpi_value{" in answer.text
        assert anonymous.get(f"/api/v1/reports/qbr?quarter={QUARTER}").status_code == 200
        bad = anonymous.get("/metrics", headers={"Authorization": "Bearer llt_wrong"})
        assert bad.status_code == 401  # a wrong token is not read as anonymous


def test_reports_stay_out_of_the_openapi_document_except_the_api(served: Served) -> None:
    client = served.client
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert "/api/v1/reports/qbr" in paths
    assert "/metrics" not in paths and "/reports/qbr" not in paths
    formats = [p for p in paths["/api/v1/scorecard"]["get"]["parameters"] if p["name"] == "format"]
    assert formats and formats[0]["schema"]["enum"] == ["json", "csv", "parquet"]


def test_scorecard_csv_and_parquet_are_the_cli_rows(served: Served, tmp_path: Path) -> None:
    client, app, reader, _ = served
    query = "/api/v1/scorecard?by=business-unit&period=2026Q3"
    expected = rows(scorecard(app, by="business-unit", period="2026Q3"))
    assert len(expected) > 10
    as_csv = client.get(query + "&format=csv", headers=reader)
    assert as_csv.status_code == 200
    assert as_csv.headers["content-type"] == "text/csv; charset=utf-8"
    disposition = 'attachment; filename="scorecard-business-unit-2026Q3.csv"'
    assert as_csv.headers["content-disposition"] == disposition
    got = list(csv.DictReader(io.StringIO(as_csv.text)))
    assert got == [{k: "" if v is None else str(v) for k, v in r.items()} for r in expected]
    out = tmp_path / "cli.csv"
    home = str(app.settings.resolved_home)
    args = ["--home", home, "scorecard", "--by", "business-unit", "--period", "2026Q3"]
    result = CliRunner().invoke(cli, [*args, "--format", "csv", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert as_csv.text == out.read_text(encoding="utf-8")
    as_parquet = client.get(query + "&format=parquet", headers=reader)
    assert as_parquet.headers["content-type"] == "application/vnd.apache.parquet"
    assert pq.read_table(io.BytesIO(as_parquet.content)).to_pylist() == expected
    bad = client.get("/api/v1/scorecard?period=2026-13&format=csv", headers=reader)
    assert bad.status_code == 422 and "2026-13" in bad.text


def test_the_scorecard_page_links_the_qbr_and_the_files(viewer: TestClient) -> None:
    html = viewer.get("/").text
    for quarter in (QUARTER, PREVIOUS):
        assert f'href="/reports/qbr?quarter={quarter}"' in html
        assert f'href="/reports/qbr?quarter={quarter}&amp;format=pdf"' in html
    assert 'href="/api/v1/scorecard?by=organisation&amp;format=csv"' in html
    team = viewer.get("/?team=checkout-team").text
    assert 'href="/api/v1/scorecard?by=team&amp;format=parquet"' in team


def test_the_qbr_index_lists_the_quarters_with_html_and_pdf(viewer: TestClient) -> None:
    """/qbr is in the nav and links this quarter's and the four previous quarters' QBR, as
    the page and as PDF, with each quarter's state."""
    html = viewer.get("/qbr").text
    assert '<a href="/qbr" aria-current="page">QBR</a>' in html
    period = Period.current_quarter()
    for _ in range(5):
        assert f'href="/reports/qbr?quarter={period.label}"' in html
        assert f'href="/reports/qbr?quarter={period.label}&amp;format=pdf"' in html
        period = period.previous()
    assert f"QBR {QUARTER} (in progress: provisional)" in html
    assert f"QBR {PREVIOUS} (complete)" in html
    assert 'href="/qbr"' in viewer.get("/").text  # the nav of every page
    csv_text = viewer.get("/qbr?format=csv&table=qbr").text
    header, first = csv_text.splitlines()[:2]
    assert header == "quarter,starts_on,ends_on,state,objectives,html,pdf"
    assert first.startswith(f"{QUARTER},")


def test_qbr_index_quarters_and_states_at_an_instant(served: Served) -> None:
    """At 2026-11-25: 2026Q4 runs, the four quarters before it are complete. Judged at
    2026-06-01, the demo's OKR quarter (this quarter) is listed as not started."""
    from leadline.scorecard.qbr_index import qbr_index, quarters
    from leadline.webkit.filters import Filters, Scope

    now = dt.datetime(2026, 11, 25, 12)
    labels = [p.label for p in quarters(served.app, now)]
    assert labels[:5] == ["2026Q4", "2026Q3", "2026Q2", "2026Q1", "2025Q4"]
    page = qbr_index(served.app, Filters(), Scope(None, None, {}), now=now)
    rows = {r["quarter"]: r for r in page.tables[0].rows}
    assert rows["2026Q4"]["state"] == "In progress: provisional"
    assert rows["2026Q4"]["ends_on"] == dt.date(2026, 12, 31)
    assert rows["2025Q4"]["state"] == "Complete"
    assert rows["2026Q4"]["pdf"] == "/reports/qbr?quarter=2026Q4&format=pdf"
    early = qbr_index(served.app, Filters(), Scope(None, None, {}), now=dt.datetime(2026, 6, 1))
    states = {r["quarter"]: r["state"] for r in early.tables[0].rows}
    assert list(states)[-5:] == ["2026Q2", "2026Q1", "2025Q4", "2025Q3", "2025Q2"]
    assert states[QUARTER] == "Not started" and states["2026Q2"] == "In progress: provisional"
    assert rows["2026Q4"]["objectives"] == 4 or QUARTER != "2026Q4"


def test_report_links_name_this_quarter_and_the_previous_one() -> None:
    links = dict(report_links("value-stream", dt.date(2026, 2, 10)))
    assert links["/reports/qbr?quarter=2026Q1&format=pdf"] == "QBR 2026Q1 as PDF"
    assert "/reports/qbr?quarter=2025Q4" in links
    assert "/api/v1/scorecard?by=value-stream&format=csv" in links


def test_qbr_data_is_cached_until_the_data_changes(
    served: Served, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A quarter no other test asks for, with qbr_data counted: a second request is served
    from the cache; a write (a new audit entry) computes the report again."""
    client, app, reader, _ = served
    calls: list[str] = []

    def counted(_app: App, quarter: str, **_: Any) -> dict[str, Any]:
        calls.append(quarter)
        return {"quarter": quarter, "computed": len(calls)}

    monkeypatch.setattr(reports, "qbr_data", counted)
    route = "/api/v1/reports/qbr?quarter=2019Q1"
    assert client.get(route, headers=reader).json() == {"quarter": "2019Q1", "computed": 1}
    assert client.get(route, headers=reader).json()["computed"] == 1
    assert calls == ["2019Q1"]
    token_for(app, "vic", ["read"])  # a write: an audit entry
    invalidate(app)
    assert client.get(route, headers=reader).json()["computed"] == 2
