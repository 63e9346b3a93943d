"""One organisational grouping on every surface (issue 14).

Team ``t1`` sits in value stream ``vs-team`` (business unit ``a``) and has no business unit of
its own; its service ``s1`` declares its own value stream ``vs-own`` (business unit ``b``); its
other service ``s2`` declares none. By the one rule (docs/metrics.md, "Organisational
grouping") s1 is in vs-own / b, s2 and everything allocated to t1 alone in vs-team / a. DORA,
the SLO KPI, showback and chargeback, policy compliance and the web filters all agree (before,
DORA and SLOs put s1 in vs-own / b, showback in vs-team / a, and the web filters found nothing
under a or b)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from leadline.catalog.grouping import (
    NO_GROUP,
    NO_GROUP_TITLE,
    ORGANISATION,
    Grouping,
    Scope,
    unplaced_key,
)
from leadline.context import App
from leadline.delivery.report import dora
from leadline.finops import report as finops
from leadline.periods import Window
from leadline.reliability import report as slo_report
from leadline.reliability.service_level_report import memberships
from leadline.risk.compliance import compliance_report
from leadline.risk.models import Control
from leadline.webkit.filters import Filters, scope_of
from tests.delivery.support_metrics import (
    DEPLOYMENTS_HEADER,
    ingest,
    load_catalog,
    write_csv,
)
from tests.finops.support_finops import focus_row, ingest_focus, ingest_rules, write_focus
from tests.reliability.support_slo import add_slo, ingest_samples, smp, write_samples

CATALOG = """
apiVersion: leadline.io/v1
kind: Catalog
business_units:
  - name: a
    title: Unit A
  - name: b
value_streams:
  - name: vs-team
    business_unit: a
  - name: vs-own
    business_unit: b
teams:
  - name: t1
    value_stream: vs-team
services:
  - name: s1
    owner: t1
    value_stream: vs-own
  - name: s2
    owner: t1
"""
# s1 deploys once, s2 twice, in the two weeks from 2 March 2026.
DEPLOYMENTS = [
    "d1,s1,production,success,2026-03-03T12:00:00Z,,",
    "d2,s2,production,success,2026-03-04T12:00:00Z,,",
    "d3,s2,production,success,2026-03-05T12:00:00Z,,",
]
WINDOW = ("2026-03-02", "2026-03-16")
# January 2026: 30 tagged for s1, 5 for s2, 100 for team t1 alone (no service).
RULES = """
apiVersion: leadline.io/v1
kind: AllocationRules
metadata: {name: grouping}
spec:
  rules:
    - name: s1
      match: {tags: {svc: s1}}
      to: {service: s1}
    - name: s2
      match: {tags: {svc: s2}}
      to: {service: s2}
    - name: t1
      match: {tags: {team: t1}}
      to: {team: t1}
"""
COSTS = [
    focus_row(EffectiveCost="30.00", Tags='{"svc": "s1"}'),
    focus_row(EffectiveCost="5.00", Tags='{"svc": "s2"}'),
    focus_row(EffectiveCost="100.00", Tags='{"team": "t1"}'),
]


@pytest.fixture
def org(app: App, tmp_path: Path) -> App:
    load_catalog(app, tmp_path, CATALOG)
    return app


def test_the_grouping_places_the_service_by_its_own_value_stream(org: App) -> None:
    grouping = Grouping.of(org)
    assert [grouping.service_key("s1", by) for by in ("team", "value-stream", "business-unit")] == [
        "t1",
        "vs-own",
        "b",
    ]
    assert grouping.service_key("s2", "value-stream") == "vs-team"
    assert grouping.service_key("s2", "business-unit") == "a"
    assert (grouping.team_key("t1", "value-stream"), grouping.team_key("t1", "business-unit")) == (
        "vs-team",
        "a",
    )
    assert grouping.service_key("s1", "organisation") == ORGANISATION
    assert grouping.services_in(Scope("business-unit", "b")) == {"s1"}
    assert grouping.teams_in(Scope("business-unit", "b")) == {"t1"}  # as s1's owner
    assert grouping.services_in(Scope("value-stream", "vs-team")) == {"s2"}
    assert grouping.options() == {
        "business_unit": ["a", "b"],
        "value_stream": ["vs-own", "vs-team"],
        "team": ["t1"],
    }
    assert grouping.title("business-unit", "a") == "Unit A"
    assert grouping.title("business-unit", NO_GROUP) == NO_GROUP_TITLE == "Not assigned"
    assert Grouping.of(org).service_pairs("business-unit") == [("s1", "b"), ("s2", "a")]


def test_unknown_services_and_teams_are_not_assigned() -> None:
    grouping = Grouping.build(teams=[], services=[], stream_units={})
    assert grouping.service_key("ghost", "service") == "ghost"
    assert grouping.service_key("ghost", "team") == NO_GROUP
    assert grouping.service_key("ghost", "organisation") == ORGANISATION
    assert grouping.team_key("ghost-team", "team") == "ghost-team"
    assert grouping.team_key("ghost-team", "business-unit") == NO_GROUP
    assert [unplaced_key(by) for by in ("service", "team", "organisation")] == [
        None,
        NO_GROUP,
        ORGANISATION,
    ]


def test_scope_parse() -> None:
    assert Scope.parse("value_stream:vs-own") == Scope("value-stream", "vs-own")
    assert str(Scope.parse("organisation")) == "organisation"
    with pytest.raises(ValueError, match="KIND:NAME"):
        Scope.parse("galaxy:far")


def _deployments(document: dict[str, Any]) -> dict[str, int]:
    return {g["key"]: g["deployments"] for g in document["groups"]}


def test_dora_groups_s1_under_its_own_value_stream(org: App, tmp_path: Path) -> None:
    ingest(org, "deployments-csv", write_csv(tmp_path / "d.csv", DEPLOYMENTS_HEADER, DEPLOYMENTS))
    window = Window.parse(*WINDOW)
    assert _deployments(dora(org, by="value-stream", window=window)) == {"vs-own": 1, "vs-team": 2}
    assert _deployments(dora(org, by="business-unit", window=window)) == {"b": 1, "a": 2}
    assert _deployments(dora(org, by="team", window=window)) == {"t1": 3}


def test_slo_kpi_groups_s1_under_its_own_value_stream(org: App, tmp_path: Path) -> None:
    """s1's SLO meets its objective in February (95 of 100 at 0.9), s2's misses (50 of 100)."""
    add_slo(org, "s1-availability", "s1", 0.9)
    add_slo(org, "s2-availability", "s2", 0.9)
    samples = [
        smp("s1-availability", "2026-02-10T00:00:00Z", 95, 100),
        smp("s2-availability", "2026-02-10T00:00:00Z", 50, 100),
    ]
    assert ingest_samples(org, write_samples(tmp_path / "sli.csv", samples)).exit_code == 0
    for by, own, team in (("value-stream", "vs-own", "vs-team"), ("business-unit", "b", "a")):
        data = slo_report.kpi(org, by=by)  # type: ignore[arg-type]
        cells = {g["key"]: [(m["slos"], m["met"]) for m in g["months"]] for g in data["groups"]}
        assert cells == {own: [(1, 1)], team: [(1, 0)]}
    members = memberships(org)
    assert members["s1"] == {
        "service": "s1",
        "team": "t1",
        "value-stream": "vs-own",
        "business-unit": "b",
    }
    assert members["s2"]["business-unit"] == "a"


def test_showback_and_chargeback_group_s1_cost_under_its_own_value_stream(
    org: App, tmp_path: Path
) -> None:
    assert ingest_focus(org, write_focus(tmp_path / "jan.csv", COSTS)).exit_code == 0
    ingest_rules(org, tmp_path, RULES)

    def costs(by: str) -> dict[str, Decimal]:
        data = finops.showback(org, "2026-01", by=by)
        return {g["key"]: Decimal(g["cost"]) for g in data["groups"]}

    assert costs("value-stream") == {"vs-team": 105, "vs-own": 30, "unallocated": 0}
    assert costs("business-unit") == {"a": 105, "b": 30, "unallocated": 0}
    assert costs("team") == {"t1": 135, "unallocated": 0}
    statements = {
        s["business_unit"]: {(line["team"], line["cost"]) for line in s["lines"]}
        for s in finops.chargeback(org, "2026-01")["statements"]
    }
    assert statements == {"a": {("t1", "105.00")}, "b": {("t1", "30.00")}}


def test_web_filters_select_by_the_grouping(org: App) -> None:
    def chosen(**filters: str) -> tuple[set[str] | None, set[str] | None]:
        scope = scope_of(org, Filters(**filters))  # type: ignore[arg-type]
        return scope.services, scope.teams

    assert chosen(business_unit="b") == ({"s1"}, {"t1"})
    assert chosen(business_unit="a") == ({"s2"}, {"t1"})
    assert chosen(value_stream="vs-own") == ({"s1"}, {"t1"})
    assert chosen(value_stream="vs-team") == ({"s2"}, {"t1"})
    assert chosen(team="t1") == ({"s1", "s2"}, {"t1"})
    assert chosen(business_unit="b", team="t1") == ({"s1"}, {"t1"})
    assert chosen(business_unit="a", value_stream="vs-own") == (set(), {"t1"})
    assert chosen() == (None, None)
    options = scope_of(org, Filters()).options
    assert options["business_unit"] == ["a", "b"]
    assert options["value_stream"] == ["vs-own", "vs-team"]


def test_policy_compliance_groups_s1_under_its_own_business_unit(org: App) -> None:
    with org.store.session() as session:
        session.add(
            Control(key="B-01", name="Unit b", scope_kind="business-unit", scope=["b"], csf=[])
        )
        session.add(Control(key="ALL-01", name="Everyone", scope_kind="all", scope=[], csf=[]))
        session.commit()
        document = compliance_report(session, dt.date(2026, 3, 1), "business-unit")
    pairs = {(m["control"], m["service"], m["business_unit"]) for m in document["missing"]}
    assert pairs == {("B-01", "s1", "b"), ("ALL-01", "s1", "b"), ("ALL-01", "s2", "a")}
    assert {g["key"]: g["in_scope"] for g in document["groups"]} == {"a": 1, "b": 2}


def test_api_catalog_filters_select_by_the_grouping(org: App) -> None:
    from fastapi.testclient import TestClient

    from leadline.web.app import create_app
    from tests.web.support import add_user, token_for

    add_user(org, "vic", "viewer")
    reader = {"Authorization": "Bearer " + token_for(org, "vic", ["read"])}
    with TestClient(create_app(org.settings, background=False)) as client:

        def names(route: str, key: str) -> list[str]:
            answer = client.get(f"/api/v1/catalog/{route}", headers=reader)
            assert answer.status_code == 200, answer.text
            return [row["name"] for row in answer.json()[key]]

        assert names("services?value_stream=vs-own", "services") == ["s1"]
        assert names("services?value_stream=vs-team", "services") == ["s2"]
        assert names("services?team=t1", "services") == ["s1", "s2"]
        assert names("teams?business_unit=b", "teams") == ["t1"]
        assert names("teams?value_stream=vs-own", "teams") == ["t1"]
        assert names("teams?business_unit=elsewhere", "teams") == []
