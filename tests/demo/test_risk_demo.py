"""The demo organisation carries the risk pillar's data, through the real ingest paths."""

from __future__ import annotations

import datetime as dt

from leadline.context import App
from leadline.demo.run import build_demo
from leadline.risk.ai import ai_report
from leadline.risk.compliance import compliance_report
from leadline.risk.profiles import profile_report, profiles_summary
from leadline.risk.register import register_report
from leadline.risk.summary import risk_summary
from leadline.risk.zerotrust import zero_trust_report

AS_OF = dt.date(2026, 11, 25)
RISK_SOURCES = (
    "risks-csv",
    "csf-profile",
    "controls-yaml",
    "attestations-csv",
    "zero-trust-csv",
    "ai-systems-csv",
)


def test_demo_has_register_profiles_compliance_zero_trust_and_ai(app: App) -> None:
    result = build_demo(app, seed=1, size="small", as_of=AS_OF, delivery=False)
    reports = {r.source: r for r in result.reports}
    for source in RISK_SOURCES:
        totals = reports[source].totals()
        assert totals["rows_rejected"] == 0 and totals["rows_warned"] == 0, source
    with app.store.session() as session:
        register = register_report(session, app.settings, AS_OF, include_closed=True)
        profiles = profiles_summary(session, AS_OF)
        progress = profile_report(session, "retail-csf", AS_OF, compare=dt.date(2026, 6, 30))
        coverage = compliance_report(session, AS_OF, "business-unit")
        zero_trust = zero_trust_report(session, "northwind", AS_OF)
        ai = ai_report(session, app.settings, AS_OF)
        line = risk_summary(session, app.settings, AS_OF)
    assert len(register["risks"]) == 30
    assert sum(r["status"] == "closed" for r in register["risks"]) == 1
    assert register["overdue_reviews"], "some reviews are overdue, as in a real register"
    assert sum(register["by_rating"].values()) == 29
    assert {p["profile"] for p in profiles} == {"retail-csf", "commercial-csf", "technology-csf"}
    assert all(p["assessed"] == 106 for p in profiles)
    assert progress["progress"]["changes"], "progress between the two quarters is visible"
    assert progress["gaps"] <= progress["progress"]["gaps_before"]
    assert 0 < coverage["coverage"] < 1 and coverage["missing"]
    assert {g["key"] for g in coverage["groups"]} >= {"retail", "commercial", "technology"}
    assert len(zero_trust["pillars"]) == 8
    assert all(len(p["history"]) == 3 for p in zero_trust["pillars"])
    assert "AI-003" in ai["overdue_evaluations"]
    assert line is not None and line.startswith("risk: 29 open risks (")
    assert f"{len(register['overdue_reviews'])} reviews overdue" in line
