"""Engine conformance of the figures pillars read from each other through the registry: the
SLO counts and paved-road adoption give the same values on DuckDB and Spark, and the paved
road's Ibis query agrees row for row. (``dora.performance_level`` names the level of
``leadline dora``'s figures in Python; the Ibis query behind them is checked on both engines by
tests/delivery/test_metrics_spark.py, at 25 s a query on Spark.)"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from leadline.config import Settings
from leadline.context import App
from leadline.lake.conformance import assert_engines_agree
from leadline.people.paved_road import deployers
from leadline.semantic.evaluation import Evaluation
from tests.conftest import make_settings
from tests.semantic.test_metrics import MARCH, NOW
from tests.semantic.test_pillar_reads import land

pytestmark = pytest.mark.spark
KINDS = ("service", "team", "value-stream", "business-unit", "organisation")


def test_registry_reads_agree_on_both_engines(spark_settings: Settings, tmp_path: Path) -> None:
    app = land(App(make_settings(tmp_path / "home")), tmp_path)
    try:
        duck, spark = (Evaluation(app, engine, now=NOW) for engine in ("duckdb", "spark"))
        # One query per metric and engine; every scope kind then groups the cached answer.
        for key in (
            "reliability.slos_judged",
            "reliability.slos_within_objective_count",
            "people.paved_road_adoption",
        ):
            for kind in KINDS:
                expected = duck.values(key, kind, [MARCH])[0]
                assert spark.values(key, kind, [MARCH])[0] == expected, (key, kind)
        assert spark.values("reliability.slos_judged", "team", [MARCH])[0] == {
            "t1": 2,
            "t2": 0,
            "(none)": 1,
        }
        rows = assert_engines_agree(
            deployers,
            {"deployments": "deployments"},
            settings=app.settings,
            store=app.store,
            production_environments=["production"],
            since=dt.datetime(2026, 3, 5),
            until=dt.datetime(2026, 3, 21),
        ).to_pylist()
        assert sorted(r["service"] for r in rows) == ["s1", "s2", "s3"]  # d2, d3, d4
    finally:
        app.close()
