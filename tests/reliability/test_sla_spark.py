"""Engine conformance of the SLA and XLA metrics: DuckDB and Spark give identical answers over
the same lake (the scenarios of test_sla and test_xla, landed through the real sources)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest

from leadline.config import Settings
from leadline.context import App
from leadline.delivery.report import NO_GROUP
from leadline.lake.conformance import assert_engines_agree
from leadline.periods import PeriodAsOf
from leadline.reliability.agreement_models import SLA, XLA
from leadline.reliability.service_level_report import coverage, services_table
from leadline.reliability.sla import availability, sla_attainment
from leadline.reliability.sla_report import sla_inputs
from leadline.reliability.xla import experience_scores, xla_inputs
from tests.conftest import make_settings
from tests.reliability.test_sla import land_sla
from tests.reliability.test_xla import land_xla

pytestmark = pytest.mark.spark
MONTH = PeriodAsOf.parse("2026-03", dt.datetime(2026, 4, 10))


@pytest.fixture(scope="module")
def lake_app(spark_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[App]:
    home = tmp_path_factory.mktemp("service-levels")
    app = App(make_settings(home / "home"))
    land_sla(app, home / "sla")
    land_xla(app, home / "xla")
    yield app
    app.close()


def agree(app: App, metric: Any, inputs: dict[str, str], **params: Any) -> list[dict[str, Any]]:
    result = assert_engines_agree(metric, inputs, settings=app.settings, store=app.store, **params)
    rows: list[dict[str, Any]] = result.to_pylist()
    return rows


def test_sla_attainment_engines_agree(lake_app: App) -> None:
    """By team: two agreements in one group, a group without one, unknown services."""
    by = "team"
    members, covered = coverage(lake_app, SLA, MONTH)
    rows = agree(
        lake_app,
        sla_attainment,
        {"tickets": "tickets", "sli_samples": "sli_samples"},
        services=services_table(members, by),
        as_of=MONTH.as_of,
        unmapped=None if by == "service" else NO_GROUP,
        **sla_inputs(covered, MONTH),
    )
    assert {r["status"] for r in rows} >= {"breached", "no_target"}
    assert (
        sum(r["tickets"] for r in rows if r["priority"] is None) == 12
    )  # t8 in its own (February) row


def test_building_blocks_engines_agree(lake_app: App) -> None:
    """availability and experience_scores on their own (ticket_outcomes runs inside
    sla_attainment)."""
    members, covered = coverage(lake_app, SLA, MONTH)
    inputs = sla_inputs(covered, MONTH)
    avail = agree(
        lake_app,
        availability,
        {"sli_samples": "sli_samples"},
        availability_targets=inputs["availability_targets"],
        services=services_table(members, "service"),
        as_of=MONTH.as_of,
    )
    assert {(r["key"], r["availability_status"]) for r in avail} == {
        ("api", "met"),
        ("web", "breached"),
    }
    members, covered = coverage(lake_app, XLA, MONTH)
    scores = agree(
        lake_app,
        experience_scores,
        {"responses": "experience_responses"},
        services=services_table(members, "service"),
        xla_targets=xla_inputs(covered, MONTH),
    )
    assert {r["key"]: r["status"] for r in scores if r["month"].month == 3} == {
        "api": "breached",
        "web": "insufficient_data",
        "search": "no_target",
    }
