"""``outcomes-csv``: business outcome metrics land in the store (SQLite and PostgreSQL), bad
rows are rejected naming row and field, re-imports correct values, and the scorecard shows
them with their own target, owner, status and trend."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from leadline.audit.log import AuditEntry
from leadline.context import App
from leadline.scorecard.core import scorecard
from leadline.scorecard.models import Outcome
from tests.delivery.support_metrics import ingest, load_catalog, write_csv
from tests.scorecard.support import NOW, kpi

HEADER = "name,scope_kind,scope,period,value,target,direction,owner,unit,category"
ROWS = [
    "online-revenue,organisation,,2026Q1,1000000,1200000,higher,CFO,EUR,revenue",  # row 2
    "online-revenue,,,2025Q4,900000,1100000,higher,CFO,EUR,revenue",  # 3: kind defaults
    "nps,team,payments,2026-02,30,40,higher,Product lead,points,nps",  # 4
    "nps,team,payments,2026-03,38,40,higher,Product lead,points,nps",  # 5: latest in Q1
    "nps,team,ghost,2026-03,10,40,higher,,points,nps",  # 6: unknown team, kept (warning)
    "churn,organisation,,2026Q1,3.1,3,sideways,COO,%,risk",  # 7: bad direction
    "churn,organisation,,2026Q5,3.1,3,lower,COO,%,risk",  # 8: bad period
    "churn,team,,2026Q1,3.1,3,lower,COO,%,risk",  # 9: a team outcome without its team
    "churn,organisation,,2026Q1,abc,3,lower,COO,%,risk",  # 10: value not a number
    "online-revenue,organisation,,2026Q1,1,2,higher,CFO,EUR,revenue",  # 11: repeats row 2
    "cost-to-serve,organisation,,2026Q1,4.2,,lower,COO,EUR,cost",  # 12: no target
]


def test_outcomes_land_and_bad_rows_are_named(any_app: App, tmp_path: Path) -> None:
    load_catalog(any_app, tmp_path)
    report = ingest(any_app, "outcomes-csv", write_csv(tmp_path / "o.csv", HEADER, ROWS))
    assert report.exit_code == 1
    found = {(p.row, p.field, p.severity) for r in report.results for p in r.problems}
    assert found == {
        (6, "scope", "warning"),
        (7, "direction", "error"),
        (8, "period", "error"),
        (9, "scope", "error"),
        (10, "value", "error"),
        (11, "name", "error"),
    }
    with any_app.store.session() as session:
        assert session.scalar(select(func.count(Outcome.id))) == 6
        audits = session.scalar(
            select(func.count(AuditEntry.id)).where(AuditEntry.entity_type == "scorecard_outcome")
        )
        assert audits == 6
    # Re-importing a corrected value updates the row in place.
    fixed = write_csv(
        tmp_path / "fix.csv",
        HEADER,
        ["online-revenue,organisation,,2026Q1,1150000,1200000,higher,CFO,EUR,revenue"],
    )
    assert ingest(any_app, "outcomes-csv", fixed).exit_code == 0
    with any_app.store.session() as session:
        rows = list(session.scalars(select(Outcome).where(Outcome.period == "2026Q1")))
        revenue = [r for r in rows if r.name == "online-revenue"]
        assert len(revenue) == 1 and revenue[0].value == 1150000


def test_scorecard_shows_outcomes(app: App, tmp_path: Path) -> None:
    load_catalog(app, tmp_path)
    ingest(app, "outcomes-csv", write_csv(tmp_path / "o.csv", HEADER, ROWS))
    org = scorecard(app, by="organisation", period="2026Q1", now=NOW)
    revenue = kpi(org, "organisation", "outcome.online-revenue")
    # 1.0 M against 1.2 M: 200 k short, beyond the 10 % band (120 k): red; up from 0.9 M.
    assert (revenue["value"], revenue["target"], revenue["status"]) == (1e6, 1.2e6, "red")
    assert (revenue["previous"], revenue["trend"]) == (9e5, "better")
    assert (revenue["group"], revenue["category"], revenue["owner"]) == (
        "business-value",
        "revenue",
        "CFO",
    )
    cost = kpi(org, "organisation", "outcome.cost-to-serve")
    assert (cost["status"], cost["direction"]) == ("grey", "lower")
    teams = scorecard(app, by="team", period="2026Q1", now=NOW)
    nps = kpi(teams, "payments", "outcome.nps")
    # The quarter's value is its latest month entered (March: 38), 2 short of 40: amber.
    assert (nps["value"], nps["status"], nps["previous"], nps["trend"]) == (38, "amber", None, None)
    assert kpi(teams, "ghost", "outcome.nps")["value"] == 10  # a scope outside the catalog shows
    march = scorecard(app, by="team", period="2026-03", now=NOW)
    assert kpi(march, "payments", "outcome.nps")["trend"] == "better"  # 38 vs February's 30


def test_a_period_that_has_not_started_has_no_data(app: App, tmp_path: Path) -> None:
    """Nothing is carried into the future: every measured KPI of 2026Q3, seen from April, is
    grey; its trend compares with nothing."""
    load_catalog(app, tmp_path)
    ingest(app, "outcomes-csv", write_csv(tmp_path / "o.csv", HEADER, ROWS))
    controls = tmp_path / "controls.yaml"
    controls.write_text(
        "controls:\n  - id: OW-01\n    name: Every service has an owner\n"
        "    scope: {all: true}\n    evidence_rule: owner-defined\n",
        encoding="utf-8",
    )
    assert ingest(app, "controls-yaml", controls).exit_code == 0
    now = scorecard(app, by="organisation", period="2026Q1", now=NOW)
    assert kpi(now, "organisation", "risk.compliance_coverage")["value"] is not None
    later = scorecard(app, by="organisation", period="2026Q3", now=NOW)
    kpis = later["scopes"][0]["kpis"]
    assert kpis and all(k["value"] is None and k["status"] == "grey" for k in kpis)
