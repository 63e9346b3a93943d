"""The Prometheus exposition the web app serves at /metrics (parsed back with
prometheus-client's own parser), and the Grafana dashboard's queries naming only metrics and
labels the exposition has."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from leadline.context import App
from leadline.scorecard.export import exposition, metrics_text
from tests.scorecard.support import build

DASHBOARD = Path(__file__).resolve().parents[2] / "docs" / "grafana-leadline.json"


def test_metrics_text_parses_and_carries_values(app: App, tmp_path: Path) -> None:
    build(app, tmp_path)
    text = metrics_text(app, kinds=("organisation", "team"), period="2026-03").decode()
    families = {f.name: f for f in text_string_to_metric_families(text)}
    assert set(families) == {
        "leadline_kpi_value",
        "leadline_kpi_target",
        "leadline_kpi_previous_value",
        "leadline_kpi_rag",
    }
    values = {
        (s.labels["scope_kind"], s.labels["scope"], s.labels["kpi"]): s.value
        for s in families["leadline_kpi_value"].samples
    }
    frequency = "dora.deployment_frequency"
    assert values[("organisation", "organisation", frequency)] == pytest.approx(5 / 31, abs=1e-6)
    assert values[("team", "payments", frequency)] == pytest.approx(4 / 31, abs=1e-6)
    assert ("team", "payments", "reliability.slos_met") not in values  # grey: no sample
    rag = {
        (s.labels["scope"], s.labels["kpi"]): s.value for s in families["leadline_kpi_rag"].samples
    }
    assert rag[("payments", frequency)] == 2.0
    assert all(s.labels["period"] == "2026-03" for s in families["leadline_kpi_rag"].samples)


def test_empty_scorecard_exposes_no_samples() -> None:
    text = exposition([{"period": "2026Q1", "scopes": []}]).decode()
    assert "# TYPE leadline_kpi_value gauge" in text
    assert not [line for line in text.splitlines() if line and not line.startswith("#")]


def test_grafana_dashboard_uses_the_exposed_names() -> None:
    dashboard = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    exprs = [t["expr"] for p in dashboard["panels"] for t in p.get("targets", []) if "expr" in t]
    exprs += [v["definition"] for v in dashboard["templating"]["list"] if "definition" in v]
    assert exprs
    names = {m for e in exprs for m in re.findall(r"leadline_[a-z_]+", e)}
    assert names <= {
        "leadline_kpi_value",
        "leadline_kpi_target",
        "leadline_kpi_previous_value",
        "leadline_kpi_rag",
    }
    labels = {m for e in exprs for m in re.findall(r"(\w+)=~?\"", e)}
    labels |= {m for e in exprs for m in re.findall(r"label_values\([^,]+,\s*(\w+)\)", e)}
    assert labels <= {"kpi", "group", "scope_kind", "scope", "period"}
