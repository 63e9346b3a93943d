"""The REST API over the small demo: every route answers the CLI's JSON (the same core
function's document), needs credentials, paginates lists and sends ETags on documents."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from leadline.catalog import queries
from leadline.catalog.grouping import Grouping, Scope
from leadline.context import App
from leadline.delivery.report import dora
from leadline.output import to_json
from leadline.periods import Window
from leadline.risk.register import register_report
from leadline.strategy.plan import plan_report
from tests.conftest import make_settings
from tests.web.support import token_for

READ_ROUTES = [
    "/api/v1/catalog/teams",
    "/api/v1/catalog/services",
    "/api/v1/catalog/interactions",
    "/api/v1/dora",
    "/api/v1/dora?at=2026-11-01T00:00:00Z",
    "/api/v1/slo/status",
    "/api/v1/finops/showback?month=2026-01",
    "/api/v1/risk/register",
    "/api/v1/okrs",
    "/api/v1/plan",
    "/api/v1/catalog/business-units",
    "/api/v1/catalog/value-streams",
    "/api/v1/slo/alerts?since=2026-11-01&until=2026-11-08",
    "/api/v1/finops/chargeback?month=2026-01",
    "/api/v1/risk/compliance?by=team",
    "/api/v1/risk/csf",
    "/api/v1/risk/csf/retail-csf",
    "/api/v1/finops/budgets?month=2026-10",
    "/api/v1/finops/anomalies?since=2026-10-01&until=2026-11-01",
    "/api/v1/finops/unit-cost?month=2026-10&driver=orders",
    "/api/v1/finops/vendors?at=2026-11-01",
    "/api/v1/sla/status?month=2026-10",
    "/api/v1/xla/status?month=2026-10",
    "/api/v1/people/devex",
    "/api/v1/people/skills",
    "/api/v1/strategy",
    "/api/v1/strategy/change",
    "/api/v1/scorecard?by=business-unit",
]
NOW_DEPENDENT = {
    "/api/v1/dora",  # judged at now: its tag moves once the report cache recomputes it
    "/api/v1/slo/status",
    "/api/v1/okrs",
    "/api/v1/strategy",
    "/api/v1/scorecard?by=business-unit",
}


@pytest.fixture(scope="module")
def demo(demo_home: Path) -> Iterator[tuple[TestClient, App, dict[str, str]]]:
    from leadline.web.app import create_app

    settings = make_settings(demo_home)
    app = App(settings)
    reader = {"Authorization": "Bearer " + token_for(app, "vic", ["read"])}
    with TestClient(create_app(settings, background=False)) as client:
        yield client, app, reader
    app.close()


def _cli_json(data: Any) -> Any:
    return json.loads(to_json(data))


@pytest.mark.parametrize("route", [*READ_ROUTES, "/api/v1/audit"])
def test_every_route_needs_credentials(demo: Any, route: str) -> None:
    client, _, _ = demo
    assert client.get(route).status_code == 401
    bad = {"Authorization": "Bearer llt_not-a-token"}
    assert client.get(route, headers=bad).status_code == 401


@pytest.mark.parametrize("route", READ_ROUTES)
def test_every_read_route_answers_json_with_an_etag(demo: Any, route: str) -> None:
    client, _, reader = demo
    answer = client.get(route, headers=reader)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/json"
    tag = answer.headers["etag"]
    again = client.get(route, headers={**reader, "If-None-Match": tag})
    if route in NOW_DEPENDENT:
        return  # evaluated at the current instant: the body (and tag) moves with time
    assert again.status_code == 304
    assert again.content == b""
    other = client.get(route, headers={**reader, "If-None-Match": '"stale"'})
    assert other.status_code == 200


def test_teams_are_the_catalog_json_paginated(demo: Any) -> None:
    client, app, reader = demo
    with app.store.session() as session:
        expected = _cli_json(queries.teams(session))
    first = client.get("/api/v1/catalog/teams?limit=5", headers=reader).json()
    assert first["teams"] == expected[:5]
    assert (first["count"], first["limit"], first["offset"]) == (len(expected), 5, 0)
    assert first["next"].endswith("limit=5&offset=5")
    pages, url = [], "/api/v1/catalog/teams?limit=5"
    while url:
        page = client.get(url, headers=reader).json()
        pages += page["teams"]
        url = page["next"]
    assert pages == expected
    last = client.get(f"/api/v1/catalog/teams?limit=5&offset={len(expected) - 1}", headers=reader)
    assert last.json()["next"] is None and len(last.json()["teams"]) == 1


def test_teams_filter_by_business_unit_and_type(demo: Any) -> None:
    """A business unit selects the teams the organisational grouping puts in it (by their own
    place, or owning one of its services: docs/metrics.md, "Organisational grouping")."""
    client, app, reader = demo
    with app.store.session() as session:
        rows = queries.teams(session)
        grouping = Grouping.load(session)
    unit = rows[0]["business_unit"]
    answer = client.get(f"/api/v1/catalog/teams?business_unit={unit}", headers=reader).json()
    chosen = grouping.teams_in(Scope("business-unit", unit))
    assert chosen and [t["name"] for t in answer["teams"]] == [
        t["name"] for t in rows if t["name"] in chosen
    ]
    platform = client.get("/api/v1/catalog/teams?type=platform", headers=reader).json()
    assert platform["teams"] and {t["type"] for t in platform["teams"]} == {"platform"}


def test_dora_is_the_cli_document(demo: Any) -> None:
    client, app, reader = demo
    window = Window.parse("2026-06-01", "2026-09-01")
    at = dt.datetime(2026, 10, 1, 12)  # both judged at the same instant
    expected = _cli_json(dora(app, by="service", period="month", window=window, as_of=at))
    answer = client.get(
        "/api/v1/dora?by=service&period=month&since=2026-06-01&until=2026-09-01"
        "&at=2026-10-01T12:00:00Z",
        headers=reader,
    )
    assert answer.json() == expected
    assert expected["as_of"] == "2026-10-01T12:00:00Z"
    key = expected["groups"][0]["key"]
    one = client.get(
        f"/api/v1/dora?by=service&since=2026-06-01&until=2026-09-01&key={key}", headers=reader
    ).json()
    assert [g["key"] for g in one["groups"]] == [key]


def test_dora_takes_the_incident_attribution_rule(demo: Any) -> None:
    """``/api/v1/dora?incident_attribution=latest`` is ``leadline dora --incident-attribution
    latest``'s document (DevLake's rule); an unknown rule is 422."""
    client, app, reader = demo
    window = Window.parse("2026-06-01", "2026-09-01")
    at = dt.datetime(2026, 10, 1, 12)
    query = "/api/v1/dora?by=service&since=2026-06-01&until=2026-09-01&at=2026-10-01T12:00:00Z"
    answer = client.get(f"{query}&incident_attribution=latest", headers=reader)
    expected = dora(app, by="service", window=window, as_of=at, incident_attribution="latest")
    assert answer.json() == _cli_json(expected)
    assert answer.json()["incident_attribution"] == "latest"
    wrong = client.get(f"{query}&incident_attribution=nearest", headers=reader)
    assert wrong.status_code == 422


def test_dora_groups_by_every_level_the_cli_accepts(demo: Any) -> None:
    """``/api/v1/dora?by=`` takes the values of ``leadline dora --by`` (the catalog's levels
    below the organisation), business unit included, and answers the CLI's document."""
    from leadline.delivery.cli import By

    client, app, reader = demo
    window = Window.parse("2026-06-01", "2026-09-01")
    at = dt.datetime(2026, 10, 1, 12)
    for by in [b.value for b in By]:
        answer = client.get(
            f"/api/v1/dora?by={by}&since=2026-06-01&until=2026-09-01&at=2026-10-01T12:00:00Z",
            headers=reader,
        )
        assert answer.status_code == 200, (by, answer.text[:300])
        assert answer.json() == _cli_json(dora(app, by=by, window=window, as_of=at))  # type: ignore[arg-type]
    units = client.get("/api/v1/dora?by=business-unit", headers=reader).json()
    with app.store.session() as session:
        known = set(Grouping.load(session).business_units)
    assert units["by"] == "business-unit"
    assert {g["key"] for g in units["groups"]} - {"(none)"} <= known


def test_bad_parameters_are_client_errors(demo: Any) -> None:
    client, _, reader = demo
    assert (
        client.get("/api/v1/dora?since=2026-09-01&until=2026-06-01", headers=reader).status_code
        == 400
    )
    assert client.get("/api/v1/dora?by=nonsense", headers=reader).status_code == 422
    assert client.get("/api/v1/finops/showback?month=2026-13", headers=reader).status_code == 422
    assert client.get("/api/v1/finops/showback?month=June", headers=reader).status_code == 422
    assert (
        client.get("/api/v1/finops/showback?month=2026-01&by=x", headers=reader).status_code == 422
    )
    assert client.get("/api/v1/catalog/teams?limit=0", headers=reader).status_code == 422
    assert client.get("/api/v1/plan?name=nope", headers=reader).status_code == 404


def test_showback_by_a_tag(demo: Any) -> None:
    """``by=tag:KEY`` groups last month's showback by a tag's value; the total is the same."""
    from leadline.webkit.viewdata import last_month

    client, _, reader = demo
    url = f"/api/v1/finops/showback?month={last_month()}"
    by_team = client.get(url, headers=reader).json()
    by_tag = client.get(url + "&by=tag:team", headers=reader).json()
    assert by_tag["by"] == "tag:team" and by_tag["total"] == by_team["total"]
    assert by_tag["groups"][-1] == by_team["groups"][-1]  # the same unallocated group


def test_risk_register_and_plan_are_the_cli_documents(demo: Any) -> None:
    client, app, reader = demo
    today = dt.datetime.now(dt.UTC).date()
    with app.store.session() as session:
        expected = _cli_json(register_report(session, app.settings, today))
    answer = client.get("/api/v1/risk/register?limit=1000", headers=reader).json()
    assert answer["risks"] == expected["risks"]
    assert answer["heatmap"] == expected["heatmap"]
    assert answer["count"] == len(expected["risks"])
    plan = client.get("/api/v1/plan", headers=reader).json()
    assert plan == _cli_json(plan_report(app, today=today))


def test_audit_is_for_admins_only(demo: Any) -> None:
    client, app, reader = demo
    assert client.get("/api/v1/audit", headers=reader).status_code == 403
    admin = {"Authorization": "Bearer " + token_for(app, "ada", ["read", "write"])}
    read_only_admin = {"Authorization": "Bearer " + token_for(app, "ada", ["read"])}
    assert client.get("/api/v1/audit", headers=read_only_admin).status_code == 403
    entries = client.get("/api/v1/audit?entity_type=api_token&limit=2", headers=admin).json()
    assert len(entries["entries"]) == 2 and entries["count"] >= 3
    assert all(e["entity_type"] == "api_token" for e in entries["entries"])
    assert entries["entries"][0]["id"] > entries["entries"][1]["id"]  # newest first
    assert "digest" not in json.dumps(entries)


def test_openapi_is_published(demo: Any) -> None:
    client, _, _ = demo
    spec = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/dora" in spec["paths"]
    assert "/api/v1/risk/register/{key}" in spec["paths"]
    assert not any(p.startswith("/webhooks") or p == "/login" for p in spec["paths"])


def test_csf_profile_and_compliance_are_the_cli_documents(demo: Any) -> None:
    from leadline.risk.compliance import compliance_report
    from leadline.risk.profiles import profile_report

    client, app, reader = demo
    day = dt.date(2026, 11, 1)
    with app.store.session() as session:
        profile = _cli_json(profile_report(session, "retail-csf", day))
        coverage = _cli_json(compliance_report(session, day, "team"))
    got = client.get("/api/v1/risk/csf/retail-csf?at=2026-11-01", headers=reader).json()
    assert got == profile and got["rows"]
    got = client.get("/api/v1/risk/compliance?by=team&at=2026-11-01", headers=reader).json()
    assert got == coverage
    assert client.get("/api/v1/risk/csf/no-such", headers=reader).status_code == 404
    wide = "/api/v1/slo/alerts?since=2020-01-01&until=2026-01-01"
    assert client.get(wide, headers=reader).status_code == 400


def test_pillar_documents_are_the_cli_documents(demo: Any) -> None:
    from leadline.finops.budgets import budget_report
    from leadline.people.skills import skills_matrix
    from leadline.periods import PeriodAsOf
    from leadline.reliability.sla_report import sla_status

    client, app, reader = demo
    got = client.get("/api/v1/finops/budgets?month=2026-10&by=business-unit", headers=reader)
    assert got.json() == _cli_json(budget_report(app, "2026-10", by="business-unit"))
    got = client.get("/api/v1/people/skills?team=checkout-team", headers=reader)
    assert got.json() == _cli_json(skills_matrix(app, team="checkout-team"))
    month = PeriodAsOf.parse("2026-10")
    got = client.get("/api/v1/sla/status?month=2026-10&by=team", headers=reader).json()
    expected = _cli_json(sla_status(app, month=month, by="team"))
    assert {k: v for k, v in got.items() if k != "as_of"} == {
        k: v for k, v in expected.items() if k != "as_of"
    }
    bad = client.get("/api/v1/finops/budgets?month=2026-13", headers=reader)
    assert bad.status_code == 422


def test_scorecard_is_the_cli_document(demo: Any) -> None:
    from leadline.scorecard.core import scorecard

    client, app, reader = demo
    at = "2026-10-02T09:00:00Z"
    moment = dt.datetime(2026, 10, 2, 9)
    expected = _cli_json(scorecard(app, by="business-unit", period="2026Q3", now=moment))
    got = client.get(
        f"/api/v1/scorecard?by=business-unit&period=2026Q3&at={at}", headers=reader
    ).json()
    assert got == expected
    assert client.get("/api/v1/scorecard?period=2026Q9", headers=reader).status_code == 422
