"""Engine conformance of the developer-experience metrics: DuckDB and Spark agree."""

from __future__ import annotations

from pathlib import Path

import pytest

from leadline.config import Settings
from leadline.context import App
from leadline.lake.conformance import assert_engines_agree
from leadline.people.metrics import organisation_scores, team_scores
from tests.conftest import make_settings
from tests.people.support import answers, write_survey
from tests.strategy.support import ingest

pytestmark = pytest.mark.spark


def test_devex_scores_engines_agree(spark_settings: Settings, tmp_path: Path) -> None:
    """Two quarters (trend), a suppressed team, two small teams joining the total."""
    app = App(make_settings(tmp_path / "home"))
    rows = [
        *answers("shop", 5, 4, month="2026-08", survey="q3"),
        *answers("shop", 6, 3, survey="q4"),
        *answers("ops", 3, 1, survey="q4"),
        *answers("data", 2, 5, survey="q4"),
        *answers("shop", 5, 2, survey="q4", dimension="efficiency"),
    ]
    ingest(app, "devex-survey-csv", write_survey(tmp_path / "s.csv", rows))
    try:
        teams, org = (
            assert_engines_agree(
                metric, {"responses": "devex_responses"}, settings=app.settings, store=app.store
            ).to_pylist()
            for metric in (team_scores, organisation_scores)
        )
        assert {r["team"] for r in teams if r["suppressed"]} == {"ops", "data"}
        assert any(r["change"] is not None for r in teams)
        q4 = [r for r in org if r["quarter"] == "2026Q4" and r["dimension"] == "satisfaction"]
        assert q4[0]["respondents"] == 11  # shop 6 + ops 3 + data 2 (together 5)
    finally:
        app.close()
