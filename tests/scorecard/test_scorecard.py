"""``leadline scorecard``: values from the pillars, targets, RAG status, trend, owners,
scopes, KPI overrides and the CLI formats (table, JSON, CSV, Parquet, Prometheus)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from leadline.cli import app as cli
from leadline.context import App
from leadline.scorecard.core import ROW_COLUMNS, ScorecardError, headline, rows, scorecard
from tests.delivery.support_metrics import ingest, write_text
from tests.scorecard.support import NOW, build, kpi

FREQUENCY = "dora.deployment_frequency"


def test_deployment_frequency_by_team_with_status_and_trend(app: App, tmp_path: Path) -> None:
    build(app, tmp_path)
    doc = scorecard(app, by="team", period="2026-03", now=NOW)
    assert (doc["period"], doc["previous_period"], doc["by"]) == ("2026-03", "2026-02", "team")
    payments = kpi(doc, "payments", FREQUENCY)
    assert payments["value"] == pytest.approx(4 / 31, abs=1e-6)
    assert payments["previous"] == pytest.approx(1 / 28, abs=1e-6)
    assert (payments["target"], payments["status"], payments["trend"]) == (1.0, "red", "better")
    assert payments["owner"] == "Head of Engineering" and payments["group"] == "delivery"
    browse = kpi(doc, "browse", FREQUENCY)
    assert browse["value"] == pytest.approx(1 / 31, abs=1e-6)
    assert browse["trend"] == "worse"  # 1/31 < 1/28
    assert {s["scope"] for s in doc["scopes"]} == {"payments", "browse", "finance"}
    # No SLOs, controls or costs: those KPIs are grey, never dropped and never invented.
    slos = kpi(doc, "payments", "reliability.slos_met")
    assert (slos["value"], slos["status"], slos["trend"]) == (None, "grey", None)
    assert all(k["kpi"] != "finops.allocation_coverage" for s in doc["scopes"] for k in s["kpis"])


def test_organisation_and_business_unit_scopes(app: App, tmp_path: Path) -> None:
    build(app, tmp_path)
    org = scorecard(app, by="organisation", period="2026-03", now=NOW)
    assert [s["scope"] for s in org["scopes"]] == ["organisation"]
    assert kpi(org, "organisation", FREQUENCY)["value"] == pytest.approx(5 / 31, abs=1e-6)
    assert kpi(org, "organisation", FREQUENCY)["previous"] == pytest.approx(2 / 28, abs=1e-6)
    units = scorecard(app, by="business-unit", period="2026Q1", now=NOW)
    retail = kpi(units, "retail", FREQUENCY)
    assert retail["value"] == pytest.approx(7 / 90, abs=1e-6)  # Q1 2026 has 90 days
    assert retail["previous"] is None  # nothing in 2025Q4
    assert org["summary"]["red"] >= 1
    assert sum(org["summary"].values()) == len(org["scopes"][0]["kpis"])


def test_kpi_overrides_change_target_tolerance_and_owner(app: App, tmp_path: Path) -> None:
    build(app, tmp_path)
    path = write_text(
        tmp_path / "kpis.yaml",
        """
        kpis:
          - key: dora.deployment_frequency
            target: 0.14
            tolerance: 0.1
            owner: VP Engineering
          - key: risk.compliance_coverage
            enabled: false
          - key: custom.weekly-deploys
            name: Deploys (stream-aligned)
            group: delivery
            measure: dora.deployment_frequency
            direction: higher
            target: 0.1
            scopes: [team]
        """,
    )
    assert ingest(app, "scorecard-kpis", path).exit_code == 0
    doc = scorecard(app, by="team", period="2026-03", now=NOW)
    payments = kpi(doc, "payments", FREQUENCY)
    # 4/31 = 0.129 misses 0.14 by 0.011, inside the band 0.014: amber.
    assert (payments["target"], payments["status"], payments["owner"]) == (
        0.14,
        "amber",
        "VP Engineering",
    )
    assert kpi(doc, "payments", "custom.weekly-deploys")["status"] == "green"
    assert all(k["kpi"] != "risk.compliance_coverage" for s in doc["scopes"] for k in s["kpis"])
    org = scorecard(app, by="organisation", period="2026-03", now=NOW)
    assert all(k["kpi"] != "custom.weekly-deploys" for k in org["scopes"][0]["kpis"])


def test_bad_kpi_overrides_are_rejected_with_their_field(app: App, tmp_path: Path) -> None:
    path = write_text(
        tmp_path / "kpis.yaml",
        """
        kpis:
          - key: dora.lead_time_p50
            tolerance: -1
          - key: brand-new
            target: 3
          - key: dora.change_failure_rate
            target: 10
        """,
    )
    report = ingest(app, "scorecard-kpis", path)
    assert report.exit_code == 1
    found = {(p.field, p.severity) for r in report.results for p in r.problems}
    assert ("kpis[0].tolerance", "error") in found
    assert any(f and f.startswith("kpis[1].") for f, _ in found)
    doc = scorecard(app, by="organisation", period="2026-03", now=NOW)
    assert kpi(doc, "organisation", "dora.change_failure_rate")["target"] == 10


def test_bad_arguments(app: App) -> None:
    with pytest.raises(ScorecardError, match="--by"):
        scorecard(app, by="service")
    with pytest.raises(ScorecardError, match="YYYYQN"):
        scorecard(app, period="2026Q9")


def invoke(home: Path, *args: str) -> object:
    return CliRunner().invoke(cli, ["--home", str(home), *args], env={"COLUMNS": "200"})


def test_cli_formats(app: App, tmp_path: Path) -> None:
    build(app, tmp_path)
    home = app.settings.resolved_home
    app.close()
    result = invoke(home, "scorecard", "--by", "team", "--period", "2026-03", "--format", "json")
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    doc = json.loads(result.output)  # type: ignore[attr-defined]
    assert kpi(doc, "payments", FREQUENCY)["value"] == pytest.approx(4 / 31, abs=1e-6)
    table = invoke(home, "scorecard", "--by", "team", "--period", "2026-03")
    assert "Deployment frequency" in table.output and "payments" in table.output  # type: ignore[attr-defined]
    csv_out = invoke(home, "scorecard", "--by", "team", "--period", "2026-03", "--format", "csv")
    lines = csv_out.output.splitlines()  # type: ignore[attr-defined]
    assert lines[0] == ",".join(ROW_COLUMNS) and len(lines) == 1 + len(rows(doc))
    parquet = tmp_path / "s.parquet"
    done = invoke(
        home,
        "scorecard",
        "--by",
        "team",
        "--period",
        "2026-03",
        "--format",
        "parquet",
        "--out",
        str(parquet),
    )
    assert done.exit_code == 0  # type: ignore[attr-defined]
    table_rows = pq.read_table(parquet).to_pylist()
    assert len(table_rows) == len(rows(doc))
    assert any(
        r["kpi"] == FREQUENCY and r["scope"] == "payments" and r["status"] == "red"
        for r in table_rows
    )
    prom = invoke(
        home, "scorecard", "--by", "team", "--period", "2026-03", "--format", "prometheus"
    )
    text = prom.output  # type: ignore[attr-defined]
    assert "# TYPE leadline_kpi_value gauge" in text
    line = next(
        x
        for x in text.splitlines()
        if x.startswith("leadline_kpi_value{") and 'scope="payments"' in x and FREQUENCY in x
    )
    assert float(line.rsplit(" ", 1)[1]) == pytest.approx(4 / 31, abs=1e-6)
    assert (
        'leadline_kpi_rag{group="delivery",kpi="dora.deployment_frequency",'
        'period="2026-03",scope="payments",scope_kind="team"} 2.0' in text
    )
    bad = invoke(home, "scorecard", "--by", "galaxy")
    assert bad.exit_code == 2  # type: ignore[attr-defined]
    no_out = invoke(home, "scorecard", "--format", "parquet")
    assert no_out.exit_code == 2  # type: ignore[attr-defined]


def test_headline_counts_the_organisation_scorecard(app: App, tmp_path: Path) -> None:
    build(app, tmp_path)
    line = headline(app, as_of=dt.date(2026, 3, 20))
    doc = scorecard(app, by="organisation", period="2026Q1", now=dt.datetime(2026, 3, 20, 12))
    s = doc["summary"]
    assert line == (
        f"Scorecard 2026Q1 (organisation): {s['green']} green, {s['amber']} amber, "
        f"{s['red']} red, {s['grey']} without data"
    )
    assert s["red"] >= 1  # deployment frequency 5/31 per day against 1
