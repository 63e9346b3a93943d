"""``leadline slo status|budget|alerts|kpi`` through the command line, in every format: the
JSON contract keys of DESIGN.md §4 with hand-computed values, tables and CSV, and the Spark
engine giving the same status as DuckDB."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from leadline.cli import app as cli
from leadline.context import App
from tests.conftest import make_settings
from tests.delivery.support_metrics import load_catalog
from tests.reliability.support_slo import add_slo, ingest_samples, smp, write_samples

runner = CliRunner()
AT = "2026-03-10T00:00:00Z"
CONTRACT = {
    "slo",
    "service",
    "objective",
    "window",
    "sli",
    "error_budget_remaining",
    "burn_rate_1h",
    "burn_rate_6h",
    "alert",
    "policy_state",
}


@pytest.fixture(autouse=True)
def _wide_console(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tables wide enough that no cell folds. (Rich reads COLUMNS on every print; setting
    ``console.width`` instead would pin the width for every later test.)"""
    monkeypatch.setenv("COLUMNS", "250")


@pytest.fixture
def home(tmp_path: Path) -> Iterator[Path]:
    """A home with the catalog, three SLOs and their samples (landed by sli-csv):
    - api-availability (api, 0.99, 28 days): 3000/3000 on 28 February, 990/1000 at 23:00 on
      9 March: SLI 3990/4000 = 0.9975, remaining 0.75, 1h and 6h burn (10/1000)/0.01 = 1;
    - checkout (web, 0.9, 28 days): 5/10 at 23:58 and 23:59: SLI 0.5, remaining −4, burn 5 on
      every window; workbook rules: page 1h/5m at 14.4 no, page 6h/30m at 6 no, ticket 1d/2h
      at 3 yes: ticket, exhausted;
    - ghost (api, 0.999, 7 days): no samples."""
    home = tmp_path / "home"
    app = App(make_settings(home))
    load_catalog(app, tmp_path)
    add_slo(app, "api-availability", "api", 0.99)
    add_slo(app, "checkout", "web", 0.9)
    add_slo(app, "ghost", "api", 0.999, window_days=7)
    samples = [
        smp("api-availability", "2026-02-28T00:00:00Z", 3000, 3000),
        smp("api-availability", "2026-03-09T23:00:00Z", 990, 1000),
        smp("checkout", "2026-03-09T23:58:00Z", 5, 10),
        smp("checkout", "2026-03-09T23:59:00Z", 5, 10),
    ]
    result = ingest_samples(app, write_samples(tmp_path / "sli.csv", samples))
    assert result.exit_code == 0
    app.close()
    yield home


def invoke(home: Path, *args: str) -> str:
    result = runner.invoke(cli, ["--home", str(home), "slo", *args])
    assert result.exit_code == 0, result.output
    return result.stdout


def status_json(home: Path, *extra: str) -> dict[str, Any]:
    return json.loads(invoke(home, "status", "--at", AT, "--format", "json", *extra))


def test_status_json_contract(home: Path) -> None:
    """Every SLO carries the contract keys with the hand-computed values (see ``home``)."""
    data = status_json(home)
    assert data["at"] == AT
    rows = {r["slo"]: r for r in data["slos"]}
    assert list(rows) == ["api-availability", "checkout", "ghost"]
    for row in rows.values():
        assert set(row) >= CONTRACT
    api = rows["api-availability"]
    assert {k: api[k] for k in ("slo", "service", "objective", "window", "alert")} == {
        "slo": "api-availability",
        "service": "api",
        "objective": 0.99,
        "window": "28d",
        "alert": None,
    }
    assert api["sli"] == pytest.approx(0.9975)
    assert api["error_budget_remaining"] == pytest.approx(0.75)
    assert api["burn_rate_1h"] == pytest.approx(1.0)
    assert api["burn_rate_6h"] == pytest.approx(1.0)
    assert api["policy_state"] == "healthy"
    checkout = rows["checkout"]
    assert checkout["sli"] == 0.5
    assert checkout["error_budget_remaining"] == pytest.approx(-4.0)
    assert checkout["burn_rate_1h"] == pytest.approx(5.0)
    assert (checkout["alert"], checkout["policy_state"]) == ("ticket", "exhausted")
    ghost = rows["ghost"]
    assert (ghost["sli"], ghost["error_budget_remaining"], ghost["window"]) == (None, None, "7d")
    assert (ghost["alert"], ghost["policy_state"]) == (None, "healthy")


def test_status_one_slo_table_and_csv(home: Path) -> None:
    """``--slo`` restricts the output; the table shows percentages and the policy in words;
    the CSV (``reliability.tables.slo_status_report``) has a header of the JSON keys and one
    row per SLO with the same figures, exact."""
    assert [r["slo"] for r in status_json(home, "--slo", "checkout")["slos"]] == ["checkout"]
    table = invoke(home, "status", "--at", AT)
    assert "api-availability" in table and "99.750 %" in table and "Exhausted" in table
    assert "None" not in table
    rows = list(csv.DictReader(io.StringIO(invoke(home, "status", "--at", AT, "--format", "csv"))))
    assert [r["slo"] for r in rows] == ["api-availability", "checkout", "ghost"]
    assert (rows[0]["sli"], rows[0]["policy_state"]) == ("0.9975", "healthy")
    assert float(rows[0]["error_budget_remaining"]) == pytest.approx(0.75)
    assert rows[1]["alert"] == "ticket"
    assert float(rows[1]["burn_rate_1h"]) == pytest.approx(5.0)
    assert (rows[2]["sli"], rows[2]["alert"]) == ("", "")


def test_budget_json_and_csv(home: Path) -> None:
    """Budgets: api-availability allows 1 % of 4000 = 40 bad events and spent 10 (75 % left),
    projected to run out 28 days × 0.75 ÷ burn_1d 1 = 21 days later (31 March); checkout allowed
    2, spent 10, exhausted, no projection."""
    data = json.loads(invoke(home, "budget", "--at", AT, "--format", "json"))
    rows = {r["slo"]: r for r in data["budgets"]}
    api = rows["api-availability"]
    assert api["allowed_bad"] == pytest.approx(40.0)
    assert (api["bad"], api["total"]) == (10.0, 4000.0)
    assert api["projected_exhaustion"] == "2026-03-31T00:00:00Z"
    assert api["policy_action"] == "ship as usual"
    # As time: 0.75 × 0.01 × 28 days = 18,144 s; checkout −4 × 0.1 × 28 days = −967,680 s.
    assert api["budget_left_time_seconds"] == pytest.approx(18_144.0)
    assert api["budget_left_time"] == "5 h 2 m left in the last 28 d"
    checkout = rows["checkout"]
    assert checkout["budget_left_time_seconds"] == pytest.approx(-967_680.0)
    assert checkout["budget_left_time"] == "overspent by 11 d 4 h in the last 28 d"
    assert checkout["allowed_bad"] == pytest.approx(2.0)
    assert (checkout["bad"], checkout["projected_exhaustion"]) == (10.0, None)
    assert checkout["policy_state"] == "exhausted"
    text = invoke(home, "budget", "--at", AT, "--format", "csv")
    first = next(csv.DictReader(io.StringIO(text)))
    assert first["slo"] == "api-availability"
    assert float(first["budget_left_time_seconds"]) == pytest.approx(18_144.0)


def test_alerts_json_table_csv(home: Path) -> None:
    """Over [9 March 23:00, 10 March 00:00) checkout is evaluated at 23:58 (empty windows:
    quiet) and 23:59 (23:58: 5 bad of 10 → burn 5 on every window: ticket 1d/2h and 3d/6h, no
    page): one ticket episode 23:59 to midnight; api's 23:00 evaluation is quiet."""
    args = ("alerts", "--since", "2026-03-09T23:00:00Z", "--until", AT)
    data = json.loads(invoke(home, *args, "--format", "json"))
    assert data["episodes"] == [
        {
            "slo": "checkout",
            "severity": "ticket",
            "started_at": "2026-03-09T23:59:00Z",
            "last_evaluated_at": "2026-03-09T23:59:00Z",
            "ended_at": "2026-03-10T00:00:00Z",
            "evaluations": 1,
        }
    ]
    assert "checkout" in invoke(home, *args)
    rows = list(csv.DictReader(io.StringIO(invoke(home, *args, "--format", "csv"))))
    assert [(r["slo"], r["severity"]) for r in rows] == [("checkout", "ticket")]


def test_kpi_json_table_csv(home: Path) -> None:
    """% met per team and month: payments (api and web) in February has api (3000/3000: met);
    in March api 990/1000 = 0.99 ≥ 0.99 (met) and checkout 0.5 (not met): 50 %."""
    data = json.loads(invoke(home, "kpi", "--format", "json"))
    assert data == {
        "by": "team",
        "groups": [
            {
                "key": "payments",
                "months": [
                    {"month": "2026-02", "slos": 1, "met": 1, "percent_met": 100.0},
                    {"month": "2026-03", "slos": 2, "met": 1, "percent_met": 50.0},
                ],
            }
        ],
    }
    by_service = json.loads(invoke(home, "kpi", "--by", "service", "--format", "json"))
    assert [g["key"] for g in by_service["groups"]] == ["api", "web"]
    assert "payments" in invoke(home, "kpi")
    rows = list(csv.DictReader(io.StringIO(invoke(home, "kpi", "--format", "csv"))))
    assert [(r["group"], r["month"], r["percent_met"]) for r in rows] == [
        ("payments", "2026-02", "100.0"),
        ("payments", "2026-03", "50.0"),
    ]


@pytest.mark.spark
def test_status_on_spark_equals_duckdb(home: Path, spark_settings: Any) -> None:
    """``--engine spark`` gives the same status document as DuckDB (floats to 1e-12)."""
    duck = status_json(home)
    spark = status_json(home, "--engine", "spark")
    assert spark.keys() == duck.keys()
    for a, b in zip(duck["slos"], spark["slos"], strict=True):
        assert a.keys() == b.keys()
        for key in a:
            if isinstance(a[key], float):
                assert b[key] == pytest.approx(a[key], rel=1e-12), key
            elif key != "burn_rates":
                assert b[key] == a[key], key
