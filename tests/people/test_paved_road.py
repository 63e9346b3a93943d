"""Paved-road adoption: each golden-path check, per-group shares, the CLI."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from leadline.catalog.grouping import Scope
from leadline.cli import app as cli
from leadline.context import App
from leadline.people.paved_road import adoption
from leadline.periods import Window
from leadline.reliability.models import Slo
from leadline.semantic.evaluation import Evaluation
from leadline.semantic.query import explain
from leadline.strategy import plan
from tests.strategy.support import ingest, write

CATALOG = """
apiVersion: leadline.io/v1
kind: Catalog
teams:
  - {name: shop, type: stream-aligned}
  - {name: ops, type: stream-aligned}
  - {name: platform, type: platform}
services:
  - {name: api, owner: shop, lifecycle: production}
  - {name: web, owner: shop, lifecycle: production}
  - {name: batch, owner: ops, lifecycle: production}
  - {name: orphan, lifecycle: production}
  - {name: infra, owner: platform}
  - {name: spike, owner: shop, lifecycle: experimental}
interactions:
  - {team: shop, with: platform, mode: x-as-a-service, started_on: 2026-01-05}
  - {team: ops, with: platform, mode: x-as-a-service, started_on: 2025-01-05,
     ended_on: 2026-02-01}
"""
DEPLOYMENTS = """deployment_id,service,environment,status,finished_at
d1,api,production,success,2026-03-01T00:00:00Z
d2,web,staging,success,2026-03-01T00:00:00Z
d3,batch,production,success,2026-03-01T00:00:00Z
d4,infra,production,failure,2026-03-01T00:00:00Z
d5,orphan,production,success,2025-10-01T00:00:00Z
"""
AS_OF = dt.datetime(2026, 3, 15)


@pytest.fixture
def landed(any_app: App, tmp_path: Path) -> App:
    ingest(any_app, "catalog-yaml", write(tmp_path / "c.yaml", CATALOG))
    ingest(any_app, "deployments-csv", write(tmp_path / "d.csv", DEPLOYMENTS))
    with any_app.store.session() as session:
        for name, service in (("api-av", "api"), ("infra-av", "infra")):
            session.add(
                Slo(
                    name=name,
                    service=service,
                    objective=0.99,
                    window_kind="rolling",
                    window_days=28,
                    budgeting="occurrences",
                    sli_kind="ratio",
                )
            )
        session.commit()
    return any_app


def test_each_check_and_adoption(landed: App) -> None:
    """api passes all four; web deploys only to staging; batch's team left the platform in
    February; orphan has no owner and its deployment is older than 90 days; infra (a platform
    team's, lifecycle unset) failed its only deployment; spike is experimental (out of scope)."""
    data = adoption(landed, as_of=AS_OF)
    checks = {r["service"]: r for r in data["services"]}
    assert set(checks) == {"api", "web", "batch", "orphan", "infra"}
    assert checks["api"]["passes"] is True
    assert (checks["web"]["deploys_via_ci"], checks["web"]["has_slo"]) == (False, False)
    assert checks["batch"]["on_standard_platform"] is False
    assert checks["batch"]["deploys_via_ci"] is True
    assert (checks["orphan"]["has_owner"], checks["orphan"]["deploys_via_ci"]) == (False, False)
    assert checks["infra"]["on_standard_platform"] is True
    assert checks["infra"]["deploys_via_ci"] is False
    total = data["total"]
    assert (total["services"], total["passing"], total["adoption"]) == (5, 1, 0.2)
    assert total["has_slo"] == pytest.approx(2 / 5)
    groups = {g["key"]: g for g in data["groups"]}
    assert groups["shop"]["adoption"] == 0.5
    assert groups["(none)"]["services"] == 1


def test_adoption_through_the_registry(landed: App) -> None:
    """people.paved_road_adoption in percent, judged at the window's end: of api, web, batch,
    orphan and infra only api passes (organisation 1 of 5: 20); shop has api and web (50);
    ops (batch), platform (infra) and (none) (orphan) pass none; spike is out of scope."""
    ev = Evaluation(landed, now=AS_OF)
    window = Window(AS_OF - dt.timedelta(days=90), AS_OF)
    metric = "people.paved_road_adoption"
    assert ev.values(metric, "organisation", [window])[0] == {"organisation": 20.0}
    assert ev.values(metric, "team", [window])[0] == {
        "shop": 50.0,
        "ops": 0.0,
        "platform": 0.0,
        "(none)": 0.0,
    }
    by_service = ev.values(metric, "service", [window])[0]
    assert by_service == {"api": 100.0, "web": 0.0, "batch": 0.0, "orphan": 0.0, "infra": 0.0}
    # A window ending before api's deployment (2026-03-01) judges it then: nobody passes.
    february = Window(dt.datetime(2026, 2, 1), dt.datetime(2026, 3, 1))
    assert ev.values(metric, "organisation", [february])[0] == {"organisation": 0.0}
    rows = explain(ev, metric, Scope("team", "shop"), window).rows
    assert [(r["service"], r["has_slo"], r["passes"]) for r in rows] == [
        ("api", True, True),
        ("web", False, False),
    ]


def test_plan_item_publish_paved_road_is_met_by_a_passing_service(landed: App) -> None:
    plan.start(landed, on=dt.date(2026, 1, 1), actor="a")
    row = next(i for i in plan.plan_report(landed)["items"] if i["key"] == "publish-paved-road")
    # The check looks at the last 90 days from now; the fixture's deployments are older.
    assert row["automatic_evidence"]["detail"].endswith("services on the paved road")


def test_cli_paved_road(tmp_path: Path) -> None:
    home = ["--home", str(tmp_path / "home")]
    runner = CliRunner()
    runner.invoke(cli, [*home, "ingest", "catalog-yaml", str(write(tmp_path / "c.yaml", CATALOG))])
    result = runner.invoke(cli, [*home, "paved-road", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["total"]["services"] == 5
    table = runner.invoke(cli, [*home, "paved-road", "--by", "service"], env={"COLUMNS": "200"})
    assert table.exit_code == 0 and "orphan" in table.stdout
    assert runner.invoke(cli, [*home, "paved-road", "--by", "planet"]).exit_code == 2
