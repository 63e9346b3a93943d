"""Issue 16 item 1: a NaN or infinite count in an SLI CSV used to land and then crash every
reliability report; it is now rejected at ingest naming row, field and value, and a lake that
already holds one still reports."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow as pa
import pytest

from leadline.context import App
from leadline.lake.writer import LakeWriter
from leadline.reliability import report
from leadline.reliability.schemas import SLI_SAMPLES
from tests.reliability.support_slo import (
    SLI_HEADER_STEP,
    add_slo,
    ingest_samples,
    t,
    write_sli_csv,
)
from tests.reliability.test_openslo_import import FIXTURES, ingest


@pytest.mark.parametrize("value", ["NaN", "nan", "inf", "-inf", "Infinity", "1e309"])
def test_non_finite_counts_are_rejected(app: App, tmp_path: Path, value: str) -> None:
    add_slo(app, "a", "api", 0.99)
    path = write_sli_csv(
        tmp_path / "sli.csv",
        [f"a,2026-12-06T10:00:00Z,{value},100,60", "a,2026-12-06T10:01:00Z,99,100,60"],
        SLI_HEADER_STEP,
    )
    result = ingest_samples(app, path)
    found = [p for r in result.results for p in r.problems]
    assert result.exit_code == 1
    assert [(p.row, p.field, p.value) for p in found] == [(2, "good", value)]
    assert found[0].reason.startswith("must be a")
    assert result.totals()["rows_accepted"] == 1
    report.status(app, at=t("2026-12-07T00:00:00Z"), slo="a")


def test_report_ignores_non_finite_samples_already_in_the_lake(app: App) -> None:
    """A sample written before the check (or by another writer) is skipped, not a crash."""
    add_slo(app, "a", "api", 0.99)
    now = dt.datetime(2026, 12, 6, tzinfo=dt.UTC)
    rows = [
        {
            "slo": "a",
            "timestamp": t(f"2026-12-06T10:0{i}:00Z"),
            "step_seconds": 60,
            "good": good,
            "total": 100.0,
            "source": "test",
            "updated_at": now,
        }
        for i, good in enumerate([float("nan"), float("inf"), 99.0])
    ]
    with app.store.session() as session:
        writer = LakeWriter(app.settings.lake_path, session, None)
        writer.append(SLI_SAMPLES, pa.Table.from_pylist(rows, SLI_SAMPLES.schema))
        writer.publish()
    (status,) = report.status(app, at=t("2026-12-07T00:00:00Z"), slo="a")["slos"]
    assert status["sli"] == pytest.approx(0.99)


def test_non_finite_threshold_in_an_openslo_spec_is_rejected(app: App, tmp_path: Path) -> None:
    """YAML's ``.nan`` is a float; an OpenSLO objective holding it is refused, naming the field."""
    assert ingest(app, "catalog-yaml", FIXTURES / "catalog.yaml").exit_code == 0
    text = (FIXTURES / "openslo.yaml").read_text(encoding="utf-8")
    assert "value: 0.3" in text
    path = tmp_path / "openslo.yaml"
    path.write_text(text.replace("value: 0.3", "value: .nan"), encoding="utf-8")
    report = ingest(app, "openslo", path)
    errors = [p for r in report.results for p in r.problems if p.severity == "error"]
    assert report.exit_code == 1
    assert any("finite" in p.reason and (p.field or "").endswith("value") for p in errors), [
        p.describe() for p in errors
    ]
