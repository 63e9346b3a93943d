"""Engine conformance of the incident rework rate: DuckDB and Spark agree over the lake of
``test_metrics_spark`` (labelled and derived rollbacks, hotfixes, open and resolved incidents,
offsets and fractional seconds). One query: the Spark budget is small."""

from __future__ import annotations

from typing import Any

import ibis
import pytest

from leadline.context import App
from leadline.delivery.rework import incident_rework
from leadline.lake.conformance import assert_engines_agree
from tests.delivery.support_metrics import PROD, services_table
from tests.delivery.test_metrics_spark import SERVICES, SINCE, UNTIL, lake_app

pytestmark = pytest.mark.spark
__all__ = ["lake_app"]  # the module-scoped fixture, landed once for this module


def test_incident_rework_engines_agree(lake_app: App) -> None:
    def metric(deployments: ibis.Table, incidents: ibis.Table) -> Any:
        return incident_rework(
            deployments,
            incidents,
            services_table(SERVICES),
            since=ibis.literal(SINCE, "timestamp(6)"),
            until=ibis.literal(UNTIL, "timestamp(6)"),
            production_environments=PROD,
            incident_window_hours=800.0,  # weeks: every unplanned deployment finds an incident
        )

    inputs = {"deployments": "deployments", "incidents": "incidents"}
    rows = assert_engines_agree(
        metric, inputs, settings=lake_app.settings, store=lake_app.store
    ).to_pylist()
    by_key = {r["key"]: r for r in rows}
    # payments (api, web): 8 successful production deployments in the window; with an 800 h
    # window the derived rollback d05 (306.5 h after i01's resolution), the hotfix d08 (498.5 h
    # after it) and web's rollback d10 (758.5 h after i04's, fractional seconds floored) are
    # rework; planned ones and d03 (not a remediation) are not.
    assert by_key["payments"]["deployments"] == 8
    assert by_key["payments"]["incident_rework_deployments"] == 3
    assert set(by_key) == {"payments", "platform"}
