"""``leadline slo export grafana``: one dashboard per exported SLO whose every query reads the
recording rules ``slo export prometheus-rules`` writes, filtered to the SLO."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import yaml
from typer.testing import CliRunner

from leadline.cli import app as cli
from tests.reliability.support_export import home

__all__ = ["home"]  # the fixture
runner = CliRunner()
METRIC = re.compile(r"\b([a-zA-Z_:][a-zA-Z0-9_:]*)\{")


def invoke(home: Path, *args: str) -> str:
    result = runner.invoke(cli, ["--home", str(home), "slo", "export", *args])
    assert result.exit_code == 0, result.output
    return result.stdout


def test_dashboards_query_the_exported_rules(home: Path, tmp_path: Path) -> None:
    out = tmp_path / "dashboards"
    invoke(home, "grafana", "--out", str(out))
    assert sorted(p.name for p in out.iterdir()) == ["api-availability.json", "api-latency.json"]
    groups = yaml.safe_load(invoke(home, "prometheus-rules"))["groups"]
    recorded = {r["record"] for g in groups for r in g["rules"] if "record" in r}
    board: dict[str, Any] = json.loads((out / "api-availability.json").read_text("utf-8"))
    assert board["schemaVersion"] == 39
    assert board["title"] == "SLO api-availability"
    assert len(board["uid"]) <= 40
    assert board["templating"]["list"][0]["type"] == "datasource"
    titles = [p["title"] for p in board["panels"]]
    assert titles == [
        "Error budget left (28d)",
        "Burn rate now (5m)",
        "SLI vs objective",
        "Burn rate per window",
    ]
    assert len({p["id"] for p in board["panels"]}) == 4
    for panel in board["panels"]:
        assert panel["targets"], panel["title"]
        assert len({t["refId"] for t in panel["targets"]}) == len(panel["targets"])
        for target in panel["targets"]:
            assert target["datasource"] == {"type": "prometheus", "uid": "${datasource}"}
            names = METRIC.findall(target["expr"])
            assert names, target["expr"]
            assert set(names) <= recorded, target["expr"]
            assert target["expr"].count('{sloth_id="api-availability"}') == len(names)
    burn = board["panels"][3]
    legends = [t["legendFormat"] for t in burn["targets"]]
    assert legends == [f"burn rate {w}" for w in ("5m", "30m", "1h", "2h", "6h", "1d", "3d")]
    assert burn["targets"][2]["expr"] == (
        'slo:sli_error:ratio_rate1h{sloth_id="api-availability"} / on(sloth_id, sloth_slo, '
        'sloth_service) group_left slo:error_budget:ratio{sloth_id="api-availability"}'
    )
    # the workbook's factors as threshold lines; the budget red below 0, amber below 25 %
    steps = burn["fieldConfig"]["defaults"]["thresholds"]["steps"]
    assert [s["value"] for s in steps] == [None, 1.0, 3.0, 6.0, 14.4]
    budget = board["panels"][0]["fieldConfig"]["defaults"]["thresholds"]["steps"]
    assert budget == [
        {"color": "red", "value": None},
        {"color": "orange", "value": 0.0},
        {"color": "green", "value": 0.25},
    ]


def test_one_slo(home: Path, tmp_path: Path) -> None:
    out = tmp_path / "one"
    invoke(home, "grafana", "--slo", "api-latency", "--out", str(out))
    assert [p.name for p in out.iterdir()] == ["api-latency.json"]
    board = json.loads((out / "api-latency.json").read_text("utf-8"))
    assert board["panels"][2]["targets"][2]["expr"] == 'slo:objective:ratio{sloth_id="api-latency"}'
