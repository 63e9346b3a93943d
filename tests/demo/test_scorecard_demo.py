"""The demo carries business outcome metrics (through outcomes-csv), so its scorecard shows
business value KPIs next to the measured ones, and its maturity is assessed from evidence."""

from __future__ import annotations

from leadline.context import App
from leadline.demo.run import DemoResult
from leadline.maturity.model import maturity
from leadline.scorecard.core import scorecard
from tests.scorecard.conftest import AS_OF, NOW, demo  # noqa: F401


def test_demo_has_outcomes_scorecard_and_maturity(demo: tuple[App, DemoResult]) -> None:  # noqa: F811
    app, result = demo
    mine = [r for r in result.reports if r.source == "outcomes-csv"]
    assert len(mine) == 1 and mine[0].exit_code == 0
    org = scorecard(app, by="organisation", period="2026Q4", now=NOW)
    kpis = {k["kpi"]: k for k in org["scopes"][0]["kpis"]}
    assert {"outcome.online-revenue", "outcome.customer-nps", "outcome.fraud-losses"} <= set(kpis)
    assert kpis["outcome.online-revenue"]["trend"] == "better"
    measured = [
        k for k in kpis.values() if k["source"] != "outcomes-csv" and k["value"] is not None
    ]
    assert len(measured) >= 8
    units = scorecard(app, by="business-unit", period="2026Q4", now=NOW)
    assert all(
        any(k["kpi"] == "outcome.digital-adoption" for k in s["kpis"]) for s in units["scopes"]
    )
    levels = {d["domain"]: d["level"] for d in maturity(app, as_of=AS_OF)["domains"]}
    assert levels["finops"] >= 3 and all(1 <= v <= 5 for v in levels.values())
