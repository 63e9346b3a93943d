"""The sli-csv source end to end: its template ingests as it is, invalid counts are rejected
naming row and field, samples of unknown SLOs are kept with one warning per SLO, re-ingesting a
file changes nothing, and a corrected file replaces samples by (slo, timestamp)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from leadline.context import App
from leadline.ingest.registry import get_source
from leadline.lake.engines import Lake
from leadline.reliability import report
from tests.reliability.support_slo import add_slo, ingest_samples, t, write_sli_csv


def samples(app: App) -> list[dict[str, Any]]:
    """Committed sli_samples rows as (slo, timestamp)-sorted dicts."""
    lake = Lake(app.settings, app.store)
    rows = lake.execute(lake.table("sli_samples")).to_pylist()
    return sorted(rows, key=lambda r: (r["slo"], r["timestamp"]))


def problems(result: Any) -> list[Any]:
    return [p for r in result.results for p in r.problems]


def test_template_ingests_cleanly(app: App, tmp_path: Path) -> None:
    """The template (comments and header) ingests with no rows and no problem; with the
    documented example row under it, one sample lands with its step."""
    add_slo(app, "api-availability", "api", 0.99)
    (template,) = get_source("sli-csv").templates()
    blank = tmp_path / "blank" / template.file_name
    blank.parent.mkdir()
    blank.write_text(template.text, encoding="utf-8")
    result = ingest_samples(app, blank)
    assert result.exit_code == 0, [p.describe() for p in problems(result)]
    assert template.text.splitlines()[-1] == "slo,timestamp,good,total,step_seconds"
    filled = tmp_path / "filled" / template.file_name
    filled.parent.mkdir()
    filled.write_text(
        template.text + "api-availability,2026-03-01T12:00:00Z,99,100,300\n", encoding="utf-8"
    )
    result = ingest_samples(app, filled)
    assert result.exit_code == 0, [p.describe() for p in problems(result)]
    assert result.totals()["rows_accepted"] == 1
    (row,) = samples(app)
    assert (row["timestamp"], row["good"], row["total"], row["step_seconds"]) == (
        t("2026-03-01T12:00:00Z"),
        99.0,
        100.0,
        300,
    )


def test_invalid_counts_are_rejected_naming_row_and_field(app: App, tmp_path: Path) -> None:
    """total below good (row 3), a negative good (row 4), a negative total (row 5) and a zero
    step (row 6) are rejected with their row (header = 1) and field; the good rows (2 and 7,
    total equal to good is fine, no step means 60 s) land and the ingest exits non-zero."""
    add_slo(app, "a", "api", 0.99)
    path = write_sli_csv(
        tmp_path / "sli.csv",
        [
            "a,2026-03-01T00:00:00Z,9,10,",
            "a,2026-03-01T00:01:00Z,11,10,",
            "a,2026-03-01T00:02:00Z,-1,10,",
            "a,2026-03-01T00:03:00Z,0,-5,",
            "a,2026-03-01T00:04:00Z,1,1,0",
            "a,2026-03-01T00:05:00Z,10,10,",
        ],
        header="slo,timestamp,good,total,step_seconds",
    )
    result = ingest_samples(app, path)
    assert result.exit_code == 1
    errors = [(p.row, p.field) for p in problems(result) if p.severity == "error"]
    assert errors == [(3, "total"), (4, "good"), (5, "total"), (6, "step_seconds")]
    reason = next(p for p in problems(result) if p.row == 3).describe()
    assert "row 3" in reason and "total" in reason
    rows = samples(app)
    assert [(r["timestamp"].minute, r["step_seconds"]) for r in rows] == [(0, 60), (5, 60)]


def test_unknown_slo_is_kept_with_one_warning(app: App, tmp_path: Path) -> None:
    """Samples of an SLO the store does not know land (they count once its specification is
    imported) with one warning naming the SLO, however many samples it has."""
    add_slo(app, "known", "api", 0.99)
    path = write_sli_csv(
        tmp_path / "sli.csv",
        [
            "known,2026-03-01T00:00:00Z,1,1",
            "mystery,2026-03-01T00:00:00Z,1,2",
            "mystery,2026-03-01T00:01:00Z,2,2",
        ],
    )
    result = ingest_samples(app, path)
    assert (result.outcome, result.exit_code) == ("warnings", 0)
    assert result.totals()["rows_accepted"] == 3
    assert [(p.severity, p.field, p.value) for p in problems(result)] == [
        ("warning", "slo", "mystery")
    ]
    assert {r["slo"] for r in samples(app)} == {"known", "mystery"}
    add_slo(app, "mystery", "api", 0.5)
    (status,) = report.status(app, at=t("2026-03-02T00:00:00Z"), slo="mystery")["slos"]
    assert status["sli"] == 0.75  # 3 good of 4


def test_reingest_is_unchanged(app: App, tmp_path: Path) -> None:
    """The same file again: status unchanged, the samples identical."""
    add_slo(app, "a", "api", 0.99)
    path = write_sli_csv(tmp_path / "sli.csv", ["a,2026-03-01T00:00:00+01:00,9,10"])
    assert ingest_samples(app, path).exit_code == 0
    before = samples(app)
    again = ingest_samples(app, path)
    assert [r.status for r in again.results] == ["unchanged"]
    assert samples(app) == before
    assert before[0]["timestamp"] == t("2026-02-28T23:00:00Z")  # offset converted to UTC


def test_corrected_file_replaces_samples_by_slo_and_timestamp(app: App, tmp_path: Path) -> None:
    """A corrected file restating one interval (5/10 → 10/10) and adding another replaces that
    sample (one row per slo and timestamp) and leaves the rest: the SLI goes from
    (5 + 10)/20 = 0.75 to (10 + 10 + 10)/30 = 1."""
    add_slo(app, "a", "api", 0.5)
    add_slo(app, "b", "api", 0.5)
    first = [
        "a,2026-03-01T00:00:00Z,5,10",
        "a,2026-03-01T00:01:00Z,10,10",
        "b,2026-03-01T00:00:00Z,1,10",
    ]
    ingest_samples(app, write_sli_csv(tmp_path / "v1" / "sli.csv", first))
    at = t("2026-03-02T00:00:00Z")
    assert report.status(app, at=at, slo="a")["slos"][0]["sli"] == 0.75
    second = ["a,2026-03-01T00:00:00Z,10,10", "a,2026-03-01T00:02:00Z,10,10"]
    result = ingest_samples(app, write_sli_csv(tmp_path / "v2" / "sli.csv", second))
    assert result.exit_code == 0
    rows = samples(app)
    assert [(r["slo"], r["timestamp"].minute, r["good"]) for r in rows] == [
        ("a", 0, 10.0),
        ("a", 1, 10.0),
        ("a", 2, 10.0),
        ("b", 0, 1.0),
    ]
    assert report.status(app, at=at, slo="a")["slos"][0]["sli"] == 1.0
