"""The runner on SQLite and PostgreSQL: one batch per file with exact counts, rejects with the
raw record, idempotency, --force, failed units kept and retried, and atomic landing."""

from __future__ import annotations

import datetime as dt
import shutil
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session

from leadline.catalog.models import Team
from leadline.context import App
from leadline.ingest.models import Batch, Reject
from leadline.ingest.problems import Parsed, Problem
from leadline.ingest.registry import Context, LandContext, Unit
from leadline.ingest.runner import IngestReport, UnitResult, idempotency_key
from leadline.lake.models import LakeFile
from leadline.lake.writer import STAGING_DIR, LakeWriter, sweep_orphans
from tests.ingest import sample_source
from tests.ingest.support import (
    ROWS,
    SOURCE,
    assert_unchanged_sample,
    batches,
    content_hash,
    count,
    event_ids,
    ingest,
    lake_files,
    lake_table,
    parquet_on_disk,
    rejects,
    write_events,
)

UTC = dt.UTC


@pytest.fixture
def events(tmp_path: Path) -> Path:
    return write_events(tmp_path / "in" / "events.csv", ROWS)


def test_a_landed_batch_records_file_counts_and_times(any_app: App, events: Path) -> None:
    before = dt.datetime.now(UTC)
    report = ingest(any_app, events)
    after = dt.datetime.now(UTC)
    [result] = report.results
    assert (result.status, result.rows_read, result.rows_accepted, result.rows_rejected) == (
        "landed",
        6,
        4,
        2,
    )
    assert report.exit_code == 1
    assert report.totals() == {
        "rows_read": 6,
        "rows_accepted": 4,
        "rows_rejected": 2,
        "rows_warned": 0,
        "rows_superseded": 0,
    }
    [batch] = batches(any_app)
    assert batch.id == result.batch_id
    assert (batch.source, batch.file_name, batch.status) == (SOURCE, str(events), "landed")
    assert batch.content_hash == content_hash(events)
    assert batch.idempotency_key == idempotency_key(SOURCE, content_hash(events), {})
    assert (batch.rows_read, batch.rows_accepted, batch.rows_rejected, batch.rows_warned) == (
        6,
        4,
        2,
        0,
    )
    assert before <= batch.started_at <= batch.finished_at <= after
    assert batch.message is None


def test_accepted_rows_land_typed_in_their_month_partitions(any_app: App, events: Path) -> None:
    batch_id = ingest(any_app, events).results[0].batch_id
    table = lake_table(any_app)
    assert table.select(
        ["event_id", "service", "occurred_at", "value", "amount", "kind", "source_row"]
    ).to_pylist() == [
        {
            "event_id": "e1",
            "service": "checkout",
            "occurred_at": dt.datetime(2026, 1, 31, 23, 30, tzinfo=UTC),
            "value": 1.5,
            "amount": Decimal("10.00"),
            "kind": "deploy",
            "source_row": 2,
        },
        {
            "event_id": "e2",
            "service": "checkout",
            "occurred_at": dt.datetime(2026, 1, 31, 23, 30, tzinfo=UTC),
            "value": 2.0,
            "amount": None,
            "kind": "incident",
            "source_row": 3,
        },
        {
            "event_id": "e3",
            "service": "search",
            "occurred_at": dt.datetime(2026, 2, 1, 0, 30, tzinfo=UTC),
            "value": 3.0,
            "amount": None,
            "kind": "change",
            "source_row": 4,
        },
        {
            "event_id": "e6",
            "service": "billing",
            "occurred_at": dt.datetime(2026, 3, 2, tzinfo=UTC),
            "value": 6.0,
            "amount": Decimal("7.50"),
            "kind": "deploy",
            "source_row": 7,
        },
    ]
    assert set(table.column("_batch_id").to_pylist()) == {batch_id}
    files = lake_files(any_app)
    assert sorted((f.partition, f.rows, f.batch_id) for f in files) == [
        ("2026-01", 2, batch_id),
        ("2026-02", 1, batch_id),
        ("2026-03", 1, batch_id),
    ]
    # Exactly the listed files exist, and the staging area is gone.
    root = any_app.settings.lake_path
    assert parquet_on_disk(any_app) == sorted(root / f.path for f in files)
    assert not any((root / STAGING_DIR).glob("*"))


def test_rejects_keep_file_row_field_value_reason_and_raw_record(
    any_app: App, events: Path
) -> None:
    result = ingest(any_app, events).results[0]
    stored = rejects(any_app, result.batch_id)
    assert [(r.file_name, r.row, r.field, r.value, r.reason, r.severity) for r in stored] == [
        (str(events), 5, "occurred_at", "not-a-time", _ts_reason(), "error"),
        (str(events), 6, "value", "x", "must be a number", "error"),
        (
            str(events),
            6,
            "amount",
            "1.234",
            "must be a decimal number with at most 2 decimal places and 36 digits before the point",
            "error",
        ),
        (str(events), 6, "kind", "other", "must be one of deploy, incident, change", "error"),
    ]
    assert stored[0].record == {
        "event_id": "e4",
        "service": "search",
        "occurred_at": "not-a-time",
        "value": "4",
        "amount": "",
        "kind": "deploy",
    }
    assert {r.batch_id for r in stored} == {result.batch_id}
    assert result.problems[0].describe() == (
        f"{events}, row 5, field 'occurred_at': {_ts_reason()} (got not-a-time)"
    )


def _ts_reason() -> str:
    return "must be an ISO-8601 timestamp (e.g. 2026-03-01T12:00:00Z)"


def test_a_clean_file_exits_zero(any_app: App, tmp_path: Path) -> None:
    clean = write_events(tmp_path / "clean.csv", [ROWS[0], ROWS[5]])
    report = ingest(any_app, clean)
    assert report.exit_code == 0
    assert report.results[0].problems == []
    assert count(any_app, Reject) == 0


def test_same_content_again_is_unchanged_and_writes_nothing(
    any_app: App, events: Path, tmp_path: Path
) -> None:
    """Same content and options: status unchanged, same batch, no new batch row, no new lake
    file, the stored problems reported again; a copy with the same base name elsewhere too."""
    first = ingest(any_app, events).results[0]
    files_before = [(f.id, f.path) for f in lake_files(any_app)]
    disk_before = parquet_on_disk(any_app)
    copy = tmp_path / "elsewhere" / "events.csv"
    copy.parent.mkdir()
    shutil.copy(events, copy)
    for path, options in ((events, None), (copy, {"service": None})):
        report = ingest(any_app, path, options=options)
        [again] = report.results
        assert_unchanged_sample(again, first.batch_id)
        assert report.exit_code == 1  # its rows are still rejected
    assert len(batches(any_app)) == 1
    assert [(f.id, f.path) for f in lake_files(any_app)] == files_before
    assert parquet_on_disk(any_app) == disk_before
    assert count(any_app, Reject) == 4


def test_renamed_or_edited_content_is_a_new_batch(any_app: App, tmp_path: Path) -> None:
    a = write_events(tmp_path / "a.csv", [ROWS[0]])
    b = write_events(tmp_path / "b.csv", [ROWS[0]])
    c = write_events(tmp_path / "c" / "a.csv", [ROWS[0], ROWS[2]])
    statuses = [ingest(any_app, p).results[0].status for p in (a, b, c)]
    assert statuses == ["landed", "landed", "landed"]
    assert len({b.content_hash for b in batches(any_app)}) == 3


def test_different_options_make_a_new_batch(any_app: App, events: Path) -> None:
    first = ingest(any_app, events).results[0]
    second = ingest(any_app, events, options={"service": "payments"}).results[0]
    assert second.status == "landed"
    assert second.batch_id != first.batch_id
    stored = {b.id: b for b in batches(any_app)}
    assert stored[second.batch_id].options == {"service": "payments"}
    assert stored[first.batch_id].options == {}
    table = lake_table(any_app)
    by_batch = {
        batch_id: sorted(
            (r["event_id"], r["service"]) for r in table.to_pylist() if r["_batch_id"] == batch_id
        )
        for batch_id in (first.batch_id, second.batch_id)
    }
    assert by_batch[second.batch_id] == [(e, "payments") for e in ("e1", "e2", "e3", "e6")]
    assert [e for e, _ in by_batch[first.batch_id]] == ["e1", "e2", "e3", "e6"]
    third = ingest(any_app, events, options={"service": "payments"}).results[0]
    assert (third.status, third.batch_id) == ("unchanged", second.batch_id)


def test_force_supersedes_the_earlier_batch(any_app: App, events: Path) -> None:
    """--force lands a new batch whose rows replace the earlier batch's (no doubling); the old
    files are unlisted (kept for the grace period, then swept); a later plain re-ingest is
    unchanged against the new batch."""
    first = ingest(any_app, events).results[0]
    old_files = parquet_on_disk(any_app)
    forced = ingest(any_app, events, force=True).results[0]
    assert forced.status == "landed"
    assert forced.batch_id != first.batch_id
    assert forced.message == f"re-ingested with --force; supersedes batch {first.batch_id}"
    assert event_ids(any_app) == ["e1", "e2", "e3", "e6"]
    assert set(lake_table(any_app).column("_batch_id").to_pylist()) == {forced.batch_id}
    assert {f.batch_id for f in lake_files(any_app)} == {forced.batch_id}
    listed_now = {any_app.settings.lake_path / f.path for f in lake_files(any_app)}
    assert not set(old_files) & listed_now
    with any_app.store.session() as session:
        sweep_orphans(any_app.settings.lake_path, session, 0)
    assert all(not p.exists() for p in old_files)
    stored = {b.id: b for b in batches(any_app)}
    assert stored[first.batch_id].idempotency_key is None
    assert stored[forced.batch_id].idempotency_key == idempotency_key(
        SOURCE, content_hash(events), {}
    )
    again = ingest(any_app, events).results[0]
    assert (again.status, again.batch_id) == ("unchanged", forced.batch_id)


def test_force_keeps_other_batches_rows(any_app: App, tmp_path: Path) -> None:
    """Only the superseded batch's rows go, even when they share month partitions."""
    a = write_events(tmp_path / "a.csv", [ROWS[0], ROWS[5]])  # January, March
    b = write_events(tmp_path / "b.csv", [ROWS[1].replace("e2", "b2"), ROWS[2]])  # Jan, Feb
    ingest(any_app, a)
    ingest(any_app, b)
    ingest(any_app, a, force=True)
    ingest(any_app, a, force=True)
    assert event_ids(any_app) == ["b2", "e1", "e3", "e6"]


def test_a_missing_file_is_a_failed_batch_and_can_be_retried(any_app: App, tmp_path: Path) -> None:
    missing = tmp_path / "later.csv"
    good = write_events(tmp_path / "good.csv", [ROWS[0]])
    report = ingest(any_app, missing, good)
    assert [r.status for r in report.results] == ["failed", "landed"]
    assert report.exit_code == 1
    failed = report.results[0]
    assert failed.message == "file not found"
    stored = {b.id: b for b in batches(any_app)}
    row = stored[failed.batch_id]
    assert (row.status, row.message, row.file_name, row.idempotency_key) == (
        "failed",
        "file not found",
        str(missing),
        None,
    )
    assert [(r.file_name, r.reason) for r in rejects(any_app, failed.batch_id)] == [
        (str(missing), "file not found")
    ]
    write_events(missing, [ROWS[5]])
    retried = ingest(any_app, missing).results[0]
    assert retried.status == "landed"
    assert event_ids(any_app) == ["e1", "e6"]


def test_an_unreadable_csv_is_a_failed_batch(any_app: App, tmp_path: Path) -> None:
    """A file whose header lacks a required column fails whole; once fixed it lands."""
    path = write_events(tmp_path / "e.csv", ["e1,checkout,2026-01-01T00:00:00Z"], header="x,y,z")
    failed = ingest(any_app, path).results[0]
    assert failed.status == "failed"
    assert failed.message == (
        "the header lacks required column(s) event_id, service, occurred_at, value, kind; "
        "expected event_id, service, occurred_at, value, amount, kind"
    )
    assert count(any_app, LakeFile) == 0
    write_events(path, [ROWS[0]])
    assert ingest(any_app, path).results[0].status == "landed"


def _land_then(error: Exception) -> Any:
    """The sample source's land(), then an entity flushed to the store, then ``error``."""
    original = sample_source.EventsSource.land

    def land(self: sample_source.EventsSource, parsed: Parsed, ctx: LandContext) -> list[Problem]:
        original(self, parsed, ctx)
        assert ctx.session is not None
        ctx.session.add(Team(name="written-before-the-crash"))
        ctx.session.flush()
        raise error

    return land


def test_an_error_inside_land_leaves_nothing(
    any_app: App, events: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rows staged and an entity flushed, then land() raises: no entity, no listed lake file,
    no Parquet file on disk, and a failed batch saying why; a retry lands."""
    monkeypatch.setattr(
        sample_source.EventsSource, "land", _land_then(RuntimeError("disk on fire"))
    )
    result = ingest(any_app, events).results[0]
    assert result.status == "failed"
    assert result.message == "ingest failed and nothing was written: disk on fire"
    assert count(any_app, Team) == 0
    assert count(any_app, LakeFile) == 0
    assert parquet_on_disk(any_app) == []
    assert not any((any_app.settings.lake_path / STAGING_DIR).glob("*"))
    assert [(b.status, b.rows_read) for b in batches(any_app)] == [("failed", 0)]
    monkeypatch.undo()
    assert ingest(any_app, events).results[0].status == "landed"
    assert event_ids(any_app) == ["e1", "e2", "e3", "e6"]


def test_a_failure_after_publish_removes_the_renamed_files(
    any_app: App, events: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Files already renamed into their partitions are removed when the commit does not
    happen; a forced re-ingest that fails keeps the earlier batch's rows intact."""
    first = ingest(any_app, events).results[0]
    kept = parquet_on_disk(any_app)
    original = LakeWriter.publish

    def publish(self: LakeWriter) -> None:
        original(self)
        assert len(self._published) == 3
        raise OSError("lost the network share")

    monkeypatch.setattr(LakeWriter, "publish", publish)
    result = ingest(any_app, events, force=True).results[0]
    assert result.status == "failed"
    assert "lost the network share" in (result.message or "")
    assert parquet_on_disk(any_app) == kept
    assert set(lake_table(any_app).column("_batch_id").to_pylist()) == {first.batch_id}
    assert event_ids(any_app) == ["e1", "e2", "e3", "e6"]
    stored = {b.id: b for b in batches(any_app)}
    assert stored[first.batch_id].idempotency_key is not None  # still the landed batch


def test_a_failed_commit_leaves_nothing(
    any_app: App, events: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The store commit itself fails (after the lake files were published): nothing is left."""
    original = Session.commit
    calls = {"n": 0}

    def commit(self: Session) -> None:
        landing = any(
            isinstance(o, Batch) and o.status == "landed" for o in self.identity_map.values()
        )
        if landing and calls["n"] == 0:
            calls["n"] += 1
            raise RuntimeError("connection reset during commit")
        original(self)

    monkeypatch.setattr(Session, "commit", commit)
    result = ingest(any_app, events).results[0]
    monkeypatch.undo()
    assert calls["n"] == 1
    assert result.status == "failed"
    assert result.message == "ingest failed and nothing was written: connection reset during commit"
    assert count(any_app, LakeFile) == 0
    assert parquet_on_disk(any_app) == []
    assert [b.status for b in batches(any_app)] == ["failed"]


def test_one_command_many_files_one_batch_each(any_app: App, tmp_path: Path) -> None:
    paths = [
        write_events(tmp_path / "m1.csv", [ROWS[0]]),
        write_events(tmp_path / "m2.csv", [ROWS[3]]),
        write_events(tmp_path / "m3.csv", [ROWS[5]]),
    ]
    report = ingest(any_app, *paths)
    assert [(r.file_name, r.status, r.rows_accepted, r.rows_rejected) for r in report.results] == [
        (str(paths[0]), "landed", 1, 0),
        (str(paths[1]), "landed", 0, 1),
        (str(paths[2]), "landed", 1, 0),
    ]
    assert [b.file_name for b in batches(any_app)] == [str(p) for p in paths]
    assert event_ids(any_app) == ["e1", "e6"]
    assert report.exit_code == 1


def test_a_bug_in_parse_fails_its_unit_only(
    any_app: App, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An unexpected exception while parsing one file is a failed batch with the reason; the
    other files of the command still land."""
    bad = write_events(tmp_path / "bad.csv", [ROWS[0]])
    good = write_events(tmp_path / "good.csv", [ROWS[5]])
    original = sample_source.EventsSource.parse

    def parse(self: sample_source.EventsSource, unit: Unit, ctx: Context) -> Parsed:
        if unit.files[0].path == bad:
            raise ZeroDivisionError("division by zero")
        return original(self, unit, ctx)

    monkeypatch.setattr(sample_source.EventsSource, "parse", parse)
    report = ingest(any_app, bad, good)
    assert [(r.status, r.message) for r in report.results] == [
        ("failed", "could not be parsed and nothing was written: division by zero"),
        ("landed", None),
    ]
    assert event_ids(any_app) == ["e6"]
    assert [b.status for b in batches(any_app)] == ["failed", "landed"]


WARNED = Problem("f", "service 'x' is not in the catalog (1 rows kept)", 2, severity="warning")


@pytest.mark.parametrize(
    ("result", "outcome", "code", "strict_code"),
    [
        (UnitResult("f", "landed", 1, 3, 3), "clean", 0, 0),
        (UnitResult("f", "unchanged", 1, 3, 3), "clean", 0, 0),
        # warnings land: 0, as a nightly job that landed every row succeeded; --strict fails
        (UnitResult("f", "landed", 1, 3, 3, rows_warned=1), "warnings", 0, 1),
        (UnitResult("f", "unchanged", 1, 3, 3, rows_warned=1), "warnings", 0, 1),
        # a warning that names no row (rows_warned 0) is a warning still
        (UnitResult("f", "landed", 1, 3, 3, problems=[WARNED]), "warnings", 0, 1),
        # a notice (what a batch superseded) is no problem at all
        (
            UnitResult("f", "landed", 1, 3, 3, problems=[replace(WARNED, severity="notice")]),
            "clean",
            0,
            0,
        ),
        (UnitResult("f", "landed", 1, 3, 2, rows_rejected=1), "rejected", 1, 1),
        (UnitResult("f", "unchanged", 1, 3, 2, rows_rejected=1), "rejected", 1, 1),
        (UnitResult("f", "landed", 1, 3, 2, rows_rejected=1, rows_warned=1), "rejected", 1, 1),
        (UnitResult("f", "failed", 1), "failed", 1, 1),
    ],
)
def test_exit_code_is_1_for_rejects_and_failures_and_warnings_only_when_strict(
    result: UnitResult, outcome: str, code: int, strict_code: int
) -> None:
    clean = UnitResult("g", "landed", 2, 1, 1)
    assert IngestReport(SOURCE, [clean, result]).outcome == outcome
    assert IngestReport(SOURCE, [clean, result]).exit_code == code
    assert IngestReport(SOURCE, [result, clean], strict=True).exit_code == strict_code


def test_the_worst_unit_decides_and_the_summary_counts_everything() -> None:
    report = IngestReport(
        SOURCE,
        [
            UnitResult("a", "landed", 1, 1200, 1199, rows_warned=1),
            UnitResult("b", "landed", 2, 3, 2, rows_rejected=1),
            UnitResult("c", "failed", 3),
        ],
    )
    assert (report.outcome, report.exit_code) == ("failed", 1)
    assert report.summary() == (
        "3 files (1 failed); 1,203 rows read; 1,201 landed; 1 rejected; 1 warning: "
        "exit 1, a batch failed and nothing of it was written"
    )
    warned = IngestReport(SOURCE, [UnitResult("a", "landed", 1, 2, 2, rows_warned=2)])
    assert warned.summary() == (
        "1 file; 2 rows read; 2 landed; 0 rejected; 2 warnings: exit 0, landed with "
        "warnings (--strict would fail)"
    )
    warned.strict = True
    assert warned.summary().endswith("exit 1, landed with warnings (--strict: a failure)")
