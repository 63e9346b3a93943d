"""Unit cost on the hand-computed showback month: cost per transaction of the organisation
and of each team, cost per deployment from the delivery facts (null without any, null for a
team with none), rounding to six places."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import pytest
from typer.testing import CliRunner

from leadline.cli import app as cli
from leadline.context import App
from leadline.finops import unit_cost
from leadline.ingest.runner import run_ingest
from tests.delivery.support_metrics import load_catalog
from tests.finops.support_finops import (
    ingest_focus,
    ingest_rules,
    rules_yaml,
    scenario_rows,
    write_focus,
)

DRIVERS = """\
date,driver,value,scope
2026-01-01,transactions,1000,
2026-01-15,transactions,300,
2026-02-01,transactions,99999,
2026-01-10,transactions,5000,payments
2026-01-10,customers,7,payments
"""

DEPLOYMENTS = """\
deployment_id,service,environment,status,finished_at,commit_sha
d1,api,production,success,2026-01-03T10:00:00Z,a1
d2,api,production,success,2026-01-12T10:00:00Z,a2
d3,web,production,success,2026-01-20T10:00:00Z,a3
d4,api,production,failure,2026-01-21T10:00:00Z,a4
d5,api,staging,success,2026-01-22T10:00:00Z,a5
d6,api,production,success,2026-02-02T10:00:00Z,a6
"""


@pytest.fixture
def jan_app(app: App, tmp_path: Path) -> App:
    """Showback of January: payments 158.888…, browse 61.111…, unallocated 10 (total 230)."""
    load_catalog(app, tmp_path)
    assert ingest_focus(app, write_focus(tmp_path / "jan.csv", scenario_rows())).exit_code == 0
    ingest_rules(app, tmp_path, rules_yaml("proportional"))
    path = tmp_path / "drivers.csv"
    path.write_text(DRIVERS, encoding="utf-8")
    assert run_ingest("drivers-csv", [path], settings=app.settings, store=app.store).exit_code == 0
    return app


def ingest_deployments(app: App, tmp_path: Path) -> None:
    path = tmp_path / "deployments.csv"
    path.write_text(DEPLOYMENTS, encoding="utf-8")
    report = run_ingest("deployments-csv", [path], settings=app.settings, store=app.store)
    assert report.exit_code == 0


def test_unit_rounds_half_even_to_six_places() -> None:
    assert unit_cost.unit(Fraction(230), Fraction(1300)) == "0.176923"
    assert unit_cost.unit(Fraction(1, 8_000_000), Fraction(1)) == "0.000000"  # 0.000000125
    assert unit_cost.unit(Fraction(3, 2_000_000), Fraction(1)) == "0.000002"  # 0.0000015
    assert unit_cost.unit(Fraction(5), Fraction(0)) is None
    assert unit_cost.unit(Fraction(5), None) is None


def test_organisation_cost_per_transaction_without_deployments(jan_app: App) -> None:
    """All 230 (unallocated included) ÷ January's 1300 organisation transactions."""
    data = unit_cost.unit_cost(jan_app, "2026-01", driver="transactions")
    assert data["deployment_data"] is False
    assert data["groups"] == [
        {
            "key": "organisation",
            "cost": "230.00",
            "driver_value": 1300.0,
            "unit_cost": "0.176923",
            "deployments": None,
            "cost_per_deployment": None,
        }
    ]


def test_team_unit_cost_and_cost_per_deployment(jan_app: App, tmp_path: Path) -> None:
    """payments: 158.888… ÷ 5000 = 0.0317777… and ÷ 3 deployments (api twice, web once; the
    failure, staging and February ones do not count) = 52.962962…; browse has no driver value
    and no deployment: nulls, with 0 deployments."""
    ingest_deployments(jan_app, tmp_path)
    data = unit_cost.unit_cost(jan_app, "2026-01", driver="transactions", by="team")
    assert data["deployment_data"] is True
    payments, browse = data["groups"]
    assert payments == {
        "key": "payments",
        "cost": "158.89",
        "driver_value": 5000.0,
        "unit_cost": "0.031778",
        "deployments": 3,
        "cost_per_deployment": "52.962963",
    }
    assert browse == {
        "key": "browse",
        "cost": "61.11",
        "driver_value": None,
        "unit_cost": None,
        "deployments": 0,
        "cost_per_deployment": None,
    }
    whole = unit_cost.unit_cost(jan_app, "2026-01", driver="customers")["groups"][0]
    assert (whole["deployments"], whole["cost_per_deployment"]) == (3, "76.666667")
    assert whole["unit_cost"] is None  # customers were given for payments only


def test_unit_cost_cli(jan_app: App) -> None:
    home = str(jan_app.settings.home)
    args = ["--home", home, "finops", "unit-cost", "--month", "2026-01"]
    result = CliRunner().invoke(cli, [*args, "--driver", "transactions", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["groups"][0]["unit_cost"] == "0.176923"
    bad = CliRunner().invoke(cli, [*args, "--driver", "transactions", "--by", "tower"])
    assert bad.exit_code != 0
