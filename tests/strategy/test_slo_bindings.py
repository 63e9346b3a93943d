"""Key results bound to SLO metrics: error budget left (lowest of the scope's SLOs, in
percentage points) and % of SLOs within objective, at the end of the key result's quarter,
from SLI samples landed by sli-csv. The older names (slo.*) are the registry's aliases."""

from __future__ import annotations

from pathlib import Path

import pytest

from leadline.context import App
from leadline.reliability.models import Slo
from leadline.strategy import okrs
from tests.strategy.support import ingest, land_delivery, objective, write

# api: SLI 0.995 against 0.99 -> budget left 1 - 0.005/0.01 = 0.5 (50 %), met.
# web: SLI 0.998 against 0.999 -> budget left 1 - 0.002/0.001 = -1.0 (-100 %), missed.
SAMPLES = """slo,timestamp,good,total,step_seconds
api-availability,2026-03-20T00:00:00Z,995,1000,60
web-availability,2026-03-20T00:00:00Z,998,1000,60
"""
KRS = """
- {id: budget-team, title: Budget, metric: slo.error_budget_remaining, baseline: 0, target: 100}
- {id: budget-api, title: Budget api, metric: slo.error_budget_remaining, scope: {service: api},
   baseline: 0, target: 100}
- {id: budget-slo, title: Budget web, metric: slo.error_budget_remaining,
   scope: {slo: web-availability}, baseline: 0, target: 100}
- {id: met, title: SLOs met, metric: slo.percent_met, baseline: 0, target: 100}
"""


def test_slo_bound_key_results(any_app: App, tmp_path: Path) -> None:
    land_delivery(any_app, tmp_path)
    with any_app.store.session() as session:
        for service, objective_ in (("api", 0.99), ("web", 0.999)):
            session.add(
                Slo(
                    name=f"{service}-availability",
                    service=service,
                    objective=objective_,
                    window_kind="rolling",
                    window_days=28,
                    budgeting="occurrences",
                    sli_kind="ratio",
                )
            )
        session.commit()
    assert ingest(any_app, "sli-csv", write(tmp_path / "sli.csv", SAMPLES)).exit_code == 0
    ingest(any_app, "okrs-yaml", write(tmp_path / "o.yaml", objective("rel", KRS)))
    rows = okrs.okr_report(any_app)["objectives"][0]["key_results"]
    got = {r["name"].split("/")[1]: r for r in rows}
    assert got["budget-team"]["current"] == pytest.approx(-100.0)  # the lowest of api and web
    assert got["budget-team"]["score"] == 0.0
    assert got["budget-api"]["current"] == pytest.approx(50.0)
    assert got["budget-api"]["score"] == pytest.approx(0.5)
    assert got["budget-slo"]["current"] == pytest.approx(-100.0)
    assert got["met"]["current"] == pytest.approx(50.0)
    assert got["met"]["measurement"]["window"]["until"] == "2026-04-01T00:00:00Z"
