"""Sources that hash a file while landing it (``Source.hash_while_landing``, issue 19 item 7):
the same batch, content hash and idempotency key as when the hash is taken first; the same
content again lands nothing and reports the earlier batch; --force as before; a file hashed in
the background hashes to the sha256 of its bytes."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from leadline.context import App
from leadline.ingest.files import BackgroundDigest
from leadline.ingest.models import Reject
from leadline.ingest.problems import InputError
from leadline.ingest.registry import InputFile
from leadline.ingest.runner import idempotency_key
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
    parquet_on_disk,
    write_events,
)


@pytest.fixture
def hashing_later(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sample_source.EventsSource, "hash_while_landing", True)


@pytest.fixture
def events(tmp_path: Path) -> Path:
    return write_events(tmp_path / "in" / "events.csv", ROWS)


def test_the_unit_is_read_without_hashing_and_hashes_like_file_digest(
    tmp_path: Path, hashing_later: None
) -> None:
    data = b"a,b\n" * 300_000  # several of the digest's chunks
    path = tmp_path / "big.csv"
    path.write_bytes(data)
    unit = sample_source.EventsSource().read([path])
    assert unit.hashed_later and unit.size == len(data)
    assert unit.files[0].sha256 == hashlib.sha256(data).hexdigest()
    assert unit.hash_known
    plain = InputFile(path)
    assert (plain.hashed_later, plain.sha256) == (False, hashlib.sha256(data).hexdigest())


def test_an_unreadable_file_fails_when_read_not_later(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="file not found"):
        BackgroundDigest(tmp_path / "missing.csv")
    with pytest.raises(InputError, match="is a directory"):
        BackgroundDigest(tmp_path)


def test_a_read_error_while_hashing_is_raised_to_the_one_asking(tmp_path: Path) -> None:
    path = tmp_path / "f.csv"
    path.write_bytes(b"x")
    digest = BackgroundDigest(path)
    digest._handle.close()  # as if the disk failed under the reader
    with pytest.raises(ValueError):
        digest.hexdigest()


def test_landed_batch_has_the_same_hash_and_key(
    any_app: App, events: Path, hashing_later: None
) -> None:
    result = ingest(any_app, events).results[0]
    assert (result.status, result.rows_read, result.rows_accepted) == ("landed", 6, 4)
    [batch] = batches(any_app)
    assert batch.content_hash == content_hash(events)
    assert batch.idempotency_key == idempotency_key(SOURCE, content_hash(events), {})


def test_same_content_again_lands_nothing_and_reports_the_earlier_batch(
    any_app: App, events: Path, hashing_later: None
) -> None:
    first = ingest(any_app, events).results[0]
    files_before = [(f.id, f.path) for f in lake_files(any_app)]
    disk_before = parquet_on_disk(any_app)
    report = ingest(any_app, events)
    [again] = report.results
    assert_unchanged_sample(again, first.batch_id)
    assert report.exit_code == 1
    assert len(batches(any_app)) == 1
    assert [(f.id, f.path) for f in lake_files(any_app)] == files_before
    assert parquet_on_disk(any_app) == disk_before
    assert count(any_app, Reject) == 4
    assert not list((any_app.settings.lake_path / "_staging").rglob("*.parquet"))


def test_force_still_supersedes(any_app: App, events: Path, hashing_later: None) -> None:
    first = ingest(any_app, events).results[0]
    forced = ingest(any_app, events, force=True).results[0]
    assert forced.status == "landed" and forced.batch_id != first.batch_id
    assert forced.message == f"re-ingested with --force; supersedes batch {first.batch_id}"
    assert event_ids(any_app) == ["e1", "e2", "e3", "e6"]
    stored = {b.id: b for b in batches(any_app)}
    assert stored[first.batch_id].idempotency_key is None
    key = idempotency_key(SOURCE, content_hash(events), {})
    assert stored[forced.batch_id].idempotency_key == key
    again = ingest(any_app, events).results[0]
    assert (again.status, again.batch_id) == ("unchanged", forced.batch_id)


def test_edited_content_is_a_new_batch(any_app: App, tmp_path: Path, hashing_later: None) -> None:
    path = write_events(tmp_path / "e.csv", ROWS)
    ingest(any_app, path)
    write_events(path, ROWS[:3])
    assert ingest(any_app, path).results[0].status == "landed"
    assert len({b.content_hash for b in batches(any_app)}) == 2
