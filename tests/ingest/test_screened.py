"""read_screened keeps large files in Arrow yet reports exactly what read_checked reports, and
the runner never loads a streamed file whole (not even to size a progress bar)."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any
from unittest.mock import patch

import pyarrow as pa
import pyarrow.compute as pc
from hypothesis import given, settings
from hypothesis import strategies as st

from leadline.context import App
from leadline.ingest.problems import Problem
from leadline.ingest.registry import InputFile, Unit
from leadline.ingest.runner import run_ingest
from leadline.ingest.tabular import Column, CsvFormat, read_checked, read_screened
from tests.ingest.support import ROWS, SOURCE, event_ids, write_events

RANGES = CsvFormat(
    "ranges",
    "A low and an optional high count.",
    (Column("key"), Column("low", "int"), Column("high", "int", required=False)),
)


def check(file: str, row: dict[str, Any]) -> Problem | None:
    """Reject high below low; warn (and keep) a zero low."""
    record = {k: v for k, v in row.items() if k != "_row"}
    if row["high"] is not None and row["high"] < row["low"]:
        return Problem(file, "is below low", row["_row"], "high", row["high"], "error", record)
    if row["low"] == 0:
        return Problem(file, "is zero", row["_row"], "low", 0, "warning", record)
    return None


def screen(table: pa.Table) -> pa.Array:
    """The rows ``check`` could object to; a null high compares as null: checked too."""
    inverted = pc.less(table.column("high"), table.column("low"))
    return pc.or_(inverted, pc.equal(table.column("low"), 0)).combine_chunks()


def write(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(["key,low,high", *lines]) + "\n", encoding="utf-8")
    return path


def test_only_flagged_rows_are_checked_and_the_outcome_is_read_checked_s(tmp_path: Path) -> None:
    """Rows 2 and 6 are clean (never checked); 3 is inverted (rejected), 4 has a zero low
    (warned, kept), 5 has no high (null: checked, passes), 7 is not a number (rejected by the
    column check). Problems and kept rows equal read_checked's, rows stay a table."""
    path = write(tmp_path / "r.csv", ["a,1,2", "b,5,3", "c,0,1", "d,4,", "e,2,9", "f,x,1"])
    seen: list[int] = []

    def counting(file: str, row: dict[str, Any]) -> Problem | None:
        seen.append(row["_row"])
        return check(file, row)

    screened = read_screened(path, RANGES, counting, screen)
    assert seen == [3, 4, 5]
    whole = read_checked(path, RANGES, check)
    assert isinstance(screened.records, pa.Table)
    assert screened.records.to_pylist() == whole.records
    assert [r["key"] for r in whole.records] == ["a", "c", "d", "e"]
    assert screened.problems == whole.problems
    assert [(p.row, p.field, p.severity) for p in screened.problems] == [
        (7, "low", "error"),
        (3, "high", "error"),
        (4, "low", "warning"),
    ]
    assert (screened.rows_read, screened.rejected_rows, screened.warned_rows) == (6, 2, 1)


VALUES = st.sampled_from(["0", "1", "2", "5", "-1", "", "x"])


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(VALUES, VALUES), max_size=30))
def test_screened_equals_checked(pairs: list[tuple[str, str]]) -> None:
    """Whatever the rows, read_screened keeps and reports what read_checked does."""
    with tempfile.TemporaryDirectory() as folder:
        lines = [f"k{i},{low},{high}" for i, (low, high) in enumerate(pairs)]
        path = write(Path(folder) / "r.csv", lines)
        screened = read_screened(path, RANGES, check, screen)
        whole = read_checked(path, RANGES, check)
    assert screened.records.to_pylist() == whole.records
    assert screened.problems == whole.problems
    assert screened.rows_read == whole.rows_read == len(pairs)


def test_unit_size_does_not_read_the_files(tmp_path: Path) -> None:
    """A unit's size (a progress bar's total) comes from the streamed hash, not the bytes."""
    streamed = tmp_path / "big.csv"
    streamed.write_bytes(b"x" * 5000)
    with patch("leadline.ingest.registry.read_bytes", side_effect=AssertionError("read")):
        unit = Unit([InputFile(streamed), InputFile(tmp_path / "small.yaml", b"abc")])
        assert unit.size == 5003


class Progress:
    """Rich's Progress, reduced to what the runner calls."""

    def __init__(self) -> None:
        self.totals: list[int] = []
        self.advanced = 0

    def add_task(self, _description: str, total: int) -> int:
        self.totals.append(total)
        return len(self.totals)

    def advance(self, _task: int, advance: int) -> None:
        self.advanced += advance


def test_ingest_with_a_progress_bar_streams_the_file(app: App, tmp_path: Path) -> None:
    """With a progress display (as ``leadline ingest`` and ``leadline demo`` pass one), a
    source that streams its input still never loads it whole; the bar's total is its size."""
    path = write_events(tmp_path / "events.csv", ROWS)
    progress = Progress()
    with patch("leadline.ingest.registry.read_bytes", side_effect=AssertionError("read")):
        report = run_ingest(
            SOURCE, [path], settings=app.settings, store=app.store, progress=progress
        )
    assert [r.status for r in report.results] == ["landed"]
    assert progress.totals == [path.stat().st_size]
    assert event_ids(app)
