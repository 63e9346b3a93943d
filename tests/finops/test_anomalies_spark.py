"""Engine conformance of the cost anomaly metric: DuckDB and Spark give identical daily
scores and flags over the same lake (FOCUS lines landed by the focus source), with gaps, a
spike, a ramp and two currencies."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import ibis
import pytest

from leadline.config import Settings
from leadline.context import App
from leadline.finops.anomalies import Method, anomaly_scores
from leadline.lake.conformance import assert_engines_agree
from tests.conftest import make_settings
from tests.finops.support_finops import focus_row, ingest_focus, write_focus

pytestmark = pytest.mark.spark

SINCE, UNTIL = dt.datetime(2026, 1, 10), dt.datetime(2026, 2, 1)


def _rows() -> list[dict[str, str]]:
    rows = []
    for day in range(1, 32):
        start = dt.datetime(2026, 1, day, 6)
        period = {
            "ChargePeriodStart": f"{start:%Y-%m-%dT%H:%M:%S}Z",
            "ChargePeriodEnd": f"{start + dt.timedelta(hours=1):%Y-%m-%dT%H:%M:%S}Z",
        }
        rows.append(focus_row(EffectiveCost="400.00" if day == 20 else "40.25", **period))
        rows.append(focus_row(EffectiveCost=f"{10 + 3 * day}.10", ServiceName="S3", **period))
        if day % 4:  # gaps every fourth day
            rows.append(
                focus_row(
                    EffectiveCost="7.5" if day != 27 else "90",
                    ServiceName="Blob Storage",
                    BillingAccountId="eu",
                    BillingCurrency="EUR",
                    **period,
                )
            )
    return rows


@pytest.fixture(scope="module")
def lake_app(spark_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[App]:
    home = tmp_path_factory.mktemp("anomaly-conformance")
    app = App(make_settings(home / "home"))
    report = ingest_focus(app, write_focus(home / "jan.csv", _rows()))
    assert report.totals()["rows_rejected"] == 0
    yield app
    app.close()


def test_anomaly_scores_engines_agree(lake_app: App) -> None:
    def metric(lines: ibis.Table) -> ibis.Table:
        return anomaly_scores(lines, SINCE, UNTIL, method=Method(min_delta=5))

    result = assert_engines_agree(
        metric, {"lines": "cost_lines"}, settings=lake_app.settings, store=lake_app.store
    )
    rows: list[dict[str, Any]] = result.to_pylist()
    assert len(rows) == 3 * 22  # three series, 10-31 January, gaps filled
    flagged = sorted(
        (r["billing_currency"], r["service"], r["day"].day) for r in rows if r["anomalous"]
    )
    assert flagged == [("EUR", "Blob Storage", 27), ("USD", "Amazon EC2", 20)]
