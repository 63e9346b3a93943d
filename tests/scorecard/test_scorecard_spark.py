"""Engine conformance of the balanced scorecard: every KPI of every scope, for the
organisation and per team, is the same on DuckDB and Spark over the same (small demo) lake.

The pillars' metrics are each checked with the conformance helper in their own packages; this
checks what the scorecard adds on top of them (period windows, monthly combination, the
multi-month allocation, unit costs, RAG and trend), which runs through each engine's results.
"""

from __future__ import annotations

import math
from typing import Any

import pytest

from leadline.config import Settings
from leadline.context import App
from leadline.demo.run import DemoResult
from leadline.scorecard.core import rows, scorecard
from tests.scorecard.conftest import NOW

pytestmark = pytest.mark.spark


def _close(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
    return bool(a == b)


@pytest.mark.parametrize("by", ["organisation", "team"])
def test_scorecard_is_the_same_on_duckdb_and_spark(
    demo: tuple[App, DemoResult], spark_settings: Settings, by: str
) -> None:
    app, _ = demo
    duck = rows(scorecard(app, by=by, period="2026Q4", now=NOW, engine="duckdb"))
    spark = rows(scorecard(app, by=by, period="2026Q4", now=NOW, engine="spark"))
    assert len(duck) == len(spark) and duck
    measured = [r for r in duck if r["value"] is not None]
    assert len({r["kpi"] for r in measured}) >= 6  # DORA, SLOs, compliance, FinOps all present
    for ours, theirs in zip(duck, spark, strict=True):
        different = {k for k in ours if not _close(ours[k], theirs[k])}
        assert not different, (ours, theirs)
