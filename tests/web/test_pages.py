"""Pages over the small demo: every page renders for a viewer, with filters as plain GET forms,
charts as Vega-Lite specs, CSV per table; edits through forms with CSRF and role checks."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from leadline.context import App
from leadline.risk.risks import get_risk
from tests.conftest import make_settings
from tests.web.support import csrf_of, login

PAGES = ["/", "/catalog", "/delivery", "/reliability", "/finops", "/risk", "/strategy"]


@pytest.fixture(scope="module")
def viewer(demo_home: Path) -> Iterator[TestClient]:
    from leadline.web.app import create_app

    with TestClient(create_app(make_settings(demo_home), background=False)) as client:
        assert login(client, "vic").status_code == 303
        yield client


def _specs(html: str) -> list[dict[str, Any]]:
    return [json.loads(unescape(s)) for s in re.findall(r'data-spec="([^"]*)"', html)]


@pytest.mark.parametrize("path", PAGES)
def test_every_page_renders_with_filters_tables_and_charts(viewer: TestClient, path: str) -> None:
    answer = viewer.get(path)
    assert answer.status_code == 200, answer.text[:500]
    html = answer.text
    assert '<form method="get"' in html  # filters work without JavaScript
    assert 'href="#main"' in html and 'id="main"' in html  # skip link
    assert all(f'for="f-{n}"' in html for n in ("business_unit", "value_stream", "team"))
    assert "<table>" in html and "Download CSV" in html
    for spec in _specs(html):
        assert spec["$schema"].startswith("https://vega.github.io/schema/vega-lite/v6")
    assert "/admin/audit" not in html  # a viewer gets no audit link
    assert ">Edit<" not in html  # nor edit links


def test_home_has_the_headline_kpis_and_charts(viewer: TestClient) -> None:
    html = viewer.get("/").text
    for label in (
        "Deployment frequency",
        "Change failure rate",
        "SLOs within objective",
        "Open risks",
    ):
        assert label in html
    assert "Balanced scorecard" in html and "of organisation (" in html
    team = viewer.get("/?team=checkout-team").text
    assert "Balanced scorecard" in team and "of checkout-team (" in team
    specs = _specs(html)
    assert len(specs) == 2
    assert specs[0]["data"]["values"], "the deployments chart has data"


def test_team_filter_narrows_the_delivery_table(viewer: TestClient) -> None:
    everything = viewer.get("/delivery?format=csv&table=dora").text
    teams = [row["key"] for row in csv.DictReader(io.StringIO(everything))]  # leadline dora's
    assert len(teams) > 2
    one = viewer.get(f"/delivery?team={teams[1]}&format=csv&table=dora").text
    assert [row["key"] for row in csv.DictReader(io.StringIO(one))] == [teams[1]]
    page = viewer.get(f"/delivery?team={teams[1]}").text
    assert f'<option value="{teams[1]}" selected>' in page


def test_csv_export_matches_the_table(viewer: TestClient) -> None:
    answer = viewer.get("/risk?format=csv&table=register")
    assert answer.headers["content-type"].startswith("text/csv")
    assert 'filename="register.csv"' in answer.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    page = viewer.get("/risk").text
    assert f"({len(rows)} rows)" in page
    assert all(r["risk_id"] in page for r in rows)
    assert viewer.get("/risk?format=csv&table=nope").status_code == 404


def test_bad_period_is_reported_not_a_crash(viewer: TestClient) -> None:
    answer = viewer.get("/delivery?since=yesterday")
    assert answer.status_code == 200 and "since must be a date" in answer.text


def test_viewer_cannot_edit_or_see_the_audit_log(viewer: TestClient) -> None:
    assert viewer.get("/risk/R-001/edit").status_code == 403
    assert viewer.get("/admin/audit").status_code == 403


def test_risk_editor_edits_a_risk_through_the_form_and_admin_sees_it(demo_copy: Path) -> None:
    from leadline.web.app import create_app

    settings = make_settings(demo_copy)
    with TestClient(create_app(settings, background=False)) as editor:
        login(editor, "eve")
        html = editor.get("/risk").text
        key = re.search(r'href="/risk/([^/]+)/edit"', html).group(1)  # type: ignore[union-attr]
        form = editor.get(f"/risk/{key}/edit").text
        values = dict(re.findall(r'name="(\w+)" type="\w+" value="([^"]*)"', form))
        values["likelihood"] = "1"
        values["status"] = "open"
        values["treatment"] = "mitigate"
        refused = editor.post(f"/risk/{key}/edit", data=values, follow_redirects=False)
        assert refused.status_code == 403  # no CSRF token
        saved = editor.post(
            f"/risk/{key}/edit", data={**values, "csrf": csrf_of(form)}, follow_redirects=False
        )
        assert saved.status_code == 303, saved.text[:400]
        bad = editor.post(
            f"/risk/{key}/edit",
            data={**values, "likelihood": "9", "csrf": csrf_of(form)},
            follow_redirects=False,
        )
        assert bad.status_code == 400 and "likelihood" in bad.text
    app = App(settings)
    with app.store.session() as session:
        risk = get_risk(session, key)
        assert risk is not None and risk.likelihood == 1
    app.close()
    with TestClient(create_app(settings, background=False)) as admin:
        login(admin, "ada")
        audit = admin.get("/admin/audit?entity_type=risk").text
        assert f"risk {key}" in audit and "eve" in audit and "Likelihood" in audit


def test_strategy_editor_checks_in_and_updates_the_plan(demo_copy: Path) -> None:
    from leadline.audit import history
    from leadline.strategy.plan import plan_report
    from leadline.web.app import create_app

    settings = make_settings(demo_copy)
    with TestClient(create_app(settings, background=False)) as admin:
        login(admin, "ada")
        page = admin.get("/strategy").text
        item = re.search(r'href="/plan/([^/]+)/edit"', page).group(1)  # type: ignore[union-attr]
        form = admin.get(f"/plan/{item}/edit").text
        saved = admin.post(
            f"/plan/{item}/edit",
            data={"status": "blocked", "owner": "cto", "evidence": "", "csrf": csrf_of(form)},
            follow_redirects=False,
        )
        assert saved.status_code == 303
        bad = admin.post(
            f"/plan/{item}/edit",
            data={"status": "someday", "csrf": csrf_of(form)},
            follow_redirects=False,
        )
        assert bad.status_code == 400
    app = App(settings)
    [row] = [i for i in plan_report(app)["items"] if i["key"] == item]
    assert (row["status"], row["owner"]) == ("blocked", "cto")
    with app.store.session() as session:
        [entry] = history(session, entity_type="plan_item")[:1]
    assert (entry.actor, entry.via, entry.action) == ("ada", "web", "update")
    assert entry.entity_id.endswith(f"/{item}")
    app.close()
