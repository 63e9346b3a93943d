"""The demo carries a strategy, OKRs (some bound to metrics), a plan started 45 days ago and
developer-experience surveys, all through the real ingest paths."""

from __future__ import annotations

import datetime as dt

from leadline.context import App
from leadline.demo.run import build_demo
from leadline.people.report import devex
from leadline.people.skills import skills_matrix
from leadline.strategy import okrs, plan
from leadline.strategy.change import change_report
from leadline.strategy.page import strategy_page

AS_OF = dt.date(2026, 11, 25)


def test_demo_has_strategy_okrs_plan_and_surveys(app: App) -> None:
    result = build_demo(app, seed=1, size="small", as_of=AS_OF, delivery=False)
    mine = [
        r for r in result.reports if r.source in {"strategy-yaml", "okrs-yaml", "devex-survey-csv"}
    ]
    assert len(mine) == 3 and all(r.exit_code == 0 for r in mine)
    page = strategy_page(app, quarter="2026Q4")
    assert len(page["outcomes"]) == 4 and len(page["lighthouse_value_streams"]) == 2
    objectives = okrs.okr_report(app, quarter="2026Q4")["objectives"]
    krs = [k for o in objectives for k in o["key_results"]]
    assert len(objectives) == 4
    assert sum(k["metric"] is not None for k in krs) == 8
    assert {k["metric"] for k in krs} >= {"dora.lead_time_p50", "devex.efficiency"}
    report = plan.plan_report(app, today=AS_OF)
    assert report["day"] == 45 and len(report["items"]) == 14
    assert report["started_on"] == AS_OF - dt.timedelta(days=45)
    data = devex(app)
    assert {r["quarter"] for r in data["teams"]} == {"2026Q3", "2026Q4"}
    assert any(r["suppressed"] for r in data["teams"])
    assert any(not r["suppressed"] for r in data["teams"])
    planned = [t for t in skills_matrix(app)["teams"] if t["open_roles"]]
    assert len(planned) == 4
    assert all(any(s["skill"] == "sre" and s["hiring"] == 1 for s in t["skills"]) for t in planned)
    change = change_report(app)
    barriers = {g["group"]: g["barrier_point"] for g in change["initiatives"][0]["adkar"]}
    assert barriers == {"engineering-managers": None, "stream-aligned-teams": "knowledge"}
    assert {p["stage"]: len(p["ideas"]) for p in change["pipeline"]} == {
        "idea": 1,
        "pilot": 1,
        "proof-of-concept": 1,
        "scale": 0,
        "stopped": 1,
    }
    engineering = next(o for o in objectives if o["name"].startswith("engineering-"))
    assert engineering["key_results"][0]["current"] is not None  # devex bound, org scope
