"""Budgets: the budgets-csv source (rejects naming row and field, upsert on the key) and
``leadline finops budget`` on hand-computed months — actual from the showback, variance, share
used, run-rate forecast of a month in progress, next month from the last complete months."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from leadline.cli import app as cli
from leadline.context import App
from leadline.finops import budgets
from leadline.finops.models import Budget
from leadline.ingest.runner import IngestReport, run_ingest
from leadline.periods import Period
from tests.delivery.support_metrics import load_catalog
from tests.finops.support_finops import (
    focus_row,
    ingest_focus,
    ingest_rules,
    problems,
    rules_yaml,
    scenario_rows,
    write_focus,
)

BUDGETS = """\
month,scope_kind,scope,amount,currency
2026-01,team,payments,150,USD
2026-01,team,browse,100.00,USD
2026-01,Organisation,,300,USD
2026-13,team,payments,1,USD
2026-01,team,payments,99,USD
2026-01,team,,5,USD
2026-01,team,browse,5,EURO
2026-01,team,search,-1,USD
2026-01,team,browse,7,EUR
"""


def ingest_budgets(app: App, path: Path, text: str) -> IngestReport:
    path.write_text(text, encoding="utf-8")
    return run_ingest("budgets-csv", [path], settings=app.settings, store=app.store)


def line(day: str, cost: str, team: str = "payments") -> dict[str, str]:
    """A payments-tagged line charged on ``day`` (billing period = its month)."""
    start = dt.date.fromisoformat(day).replace(day=1)
    end = (start.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return focus_row(
        EffectiveCost=cost,
        BillingAccountId=f"acct-{start:%Y%m}",
        BillingPeriodStart=f"{start}T00:00:00Z",
        BillingPeriodEnd=f"{end}T00:00:00Z",
        ChargePeriodStart=f"{day}T00:00:00Z",
        ChargePeriodEnd=f"{dt.date.fromisoformat(day) + dt.timedelta(days=1)}T00:00:00Z",
        Tags=json.dumps({"team": team}),
    )


@pytest.fixture
def jan_app(app: App, tmp_path: Path) -> App:
    """January 2026 of the showback scenario (payments 158.888…, browse 61.111…, unallocated
    10; every line charged on 5 January) with proportional rules."""
    load_catalog(app, tmp_path)
    assert ingest_focus(app, write_focus(tmp_path / "jan.csv", scenario_rows())).exit_code == 0
    ingest_rules(app, tmp_path, rules_yaml("proportional"))
    return app


def by_key(data: dict[str, object]) -> dict[str, dict[str, object]]:
    return {g["key"]: g for g in data["groups"]}  # type: ignore[attr-defined]


def test_budgets_csv_rejects_name_row_and_field(any_app: App, tmp_path: Path) -> None:
    report = ingest_budgets(any_app, tmp_path / "budgets.csv", BUDGETS)
    assert report.exit_code != 0
    found = {(p.row, p.field) for p in problems(report) if p.severity == "error"}
    assert found == {(5, "month"), (6, "scope"), (7, "scope"), (8, "currency"), (9, "amount")}
    with any_app.store.session() as session:
        stored = {
            (b.scope_kind, b.scope, b.currency): b.amount for b in session.scalars(select(Budget))
        }
    assert stored == {
        ("team", "payments", "USD"): 150,
        ("team", "browse", "USD"): 100,
        ("organisation", "", "USD"): 300,
        ("team", "browse", "EUR"): 7,
    }


def test_reingest_replaces_the_amount(any_app: App, tmp_path: Path) -> None:
    ingest_budgets(
        any_app,
        tmp_path / "a.csv",
        "month,scope_kind,scope,amount,currency\n2026-01,team,payments,150,USD\n",
    )
    again = ingest_budgets(
        any_app,
        tmp_path / "b.csv",
        "month,scope_kind,scope,amount,currency\n2026-01,team,payments,175.5,USD\n",
    )
    assert again.exit_code == 0
    with any_app.store.session() as session:
        rows = list(session.scalars(select(Budget)))
    assert [(r.scope, r.amount) for r in rows] == [("payments", 175.5)]


def test_month_in_progress_forecasts_the_run_rate(jan_app: App, tmp_path: Path) -> None:
    """Data reaches 5 January: 5 of 31 days elapsed. payments: actual 158.888…, forecast
    ×31/5 = 985.111… (over: actual > 150); browse: 61.111… → 378.888… > 100 (at risk)."""
    ingest_budgets(jan_app, tmp_path / "b.csv", BUDGETS)
    data = budgets.budget_report(jan_app, "2026-01")
    assert (data["elapsed_days"], data["days_in_month"], data["in_progress"]) == (5, 31, True)
    assert data["data_until"] == "2026-01-05" and data["currency"] == "USD"
    rows = by_key(data)
    assert rows["payments"] == {
        "key": "payments",
        "budget": "150.00",
        "actual": "158.89",
        "variance": "-8.89",
        "used": pytest.approx(158.888888 / 150, abs=1e-6),
        "forecast": "985.11",
        "status": "over",
        "next_month_forecast": None,
    }
    assert (rows["browse"]["forecast"], rows["browse"]["status"]) == ("378.89", "at risk")
    assert rows["browse"]["variance"] == "38.89"
    assert rows["unallocated"]["status"] == "no budget"
    assert rows["unallocated"]["budget"] is None and rows["unallocated"]["actual"] == "10.00"
    organisation = budgets.budget_report(jan_app, "2026-01", by="organisation")
    (whole,) = organisation["groups"]
    assert (whole["key"], whole["actual"], whole["budget"]) == ("organisation", "230.00", "300.00")
    assert (whole["forecast"], whole["status"]) == ("1426.00", "at risk")  # 230 × 31 / 5


def test_finished_month_and_next_month_mean(jan_app: App, tmp_path: Path) -> None:
    """November 90 and December 120 (payments only), January as above, one line on
    1 February: January is complete (forecast = actual, on track against a 200 budget) and
    February's forecast is the mean of November–January: payments (90 + 120 + 158.888…) / 3 =
    122.96, browse 61.111… / 3 = 20.37."""
    rows = [line("2025-11-10", "90"), line("2025-12-10", "120"), line("2026-02-01", "3")]
    assert ingest_focus(jan_app, write_focus(tmp_path / "more.csv", rows)).exit_code == 0
    ingest_budgets(
        jan_app,
        tmp_path / "b.csv",
        "month,scope_kind,scope,amount,currency\n"
        "2026-01,team,payments,200,USD\n2026-03,team,payments,1,USD\n",
    )
    data = budgets.budget_report(jan_app, "2026-01")
    assert (data["in_progress"], data["elapsed_days"]) == (False, 31)
    assert data["next_month"] == "2026-02"
    assert data["next_month_basis"] == ["2026-01", "2025-12", "2025-11"]
    payments = by_key(data)["payments"]
    assert (payments["forecast"], payments["status"]) == ("158.89", "on track")
    assert payments["next_month_forecast"] == "122.96"
    assert by_key(data)["browse"]["next_month_forecast"] == "20.37"
    future = budgets.budget_report(jan_app, "2026-03")
    assert future["elapsed_days"] is None
    assert by_key(future)["payments"] == {
        "key": "payments",
        "budget": "1.00",
        "actual": "0.00",
        "variance": "1.00",
        "used": 0.0,
        "forecast": None,
        "status": "on track",
        "next_month_forecast": "122.96",
    }


def test_elapsed_days() -> None:
    jan = Period.parse("2026-01")
    assert budgets.elapsed_days(jan, None) is None
    assert budgets.elapsed_days(jan, dt.datetime(2025, 12, 31, 23)) is None
    assert budgets.elapsed_days(jan, dt.datetime(2026, 1, 1)) == 1
    assert budgets.elapsed_days(jan, dt.datetime(2026, 1, 31, 12)) == 31
    assert budgets.elapsed_days(jan, dt.datetime(2026, 3, 1)) == 31


def test_budget_cli_json(jan_app: App, tmp_path: Path) -> None:
    ingest_budgets(jan_app, tmp_path / "b.csv", BUDGETS)
    home = str(jan_app.settings.home)
    result = CliRunner().invoke(
        cli, ["--home", home, "finops", "budget", "--month", "2026-01", "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert by_key(data)["payments"]["actual"] == "158.89"
    table = CliRunner().invoke(cli, ["--home", home, "finops", "budget", "--month", "2026-01"])
    assert table.exit_code == 0 and "At risk" in table.output  # the state in words
    bad = CliRunner().invoke(
        cli, ["--home", home, "finops", "budget", "--month", "2026-01", "--by", "service"]
    )
    assert bad.exit_code != 0
