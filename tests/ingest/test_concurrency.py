"""Concurrent ingests: the write lock serialises landing, so simultaneous ingests of different
files all land, and the same file landed twice at once lands once."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

from leadline.config import Settings
from leadline.context import App
from leadline.ingest.runner import IngestReport, run_ingest
from leadline.store import Store
from tests.ingest.support import SOURCE, batches, event_ids, generated_rows, write_events

REPO = Path(__file__).resolve().parents[2]
ROWS = 20_000


def _migrate(settings: Settings) -> None:
    """Open (and so migrate) the store before a race, so the race is about ingest alone."""
    app = App(settings)
    assert app.store.dialect in ("sqlite", "postgresql")
    app.close()


def _in_threads(settings: Settings, paths: list[Path]) -> list[IngestReport]:
    """Each path ingested by its own thread with its own App, all started together."""
    barrier = threading.Barrier(len(paths))
    reports: list[IngestReport | BaseException] = [RuntimeError("not run")] * len(paths)

    def work(index: int) -> None:
        app = App(settings)
        try:
            barrier.wait()
            reports[index] = run_ingest(SOURCE, [paths[index]], settings=settings, store=app.store)
        except BaseException as error:
            reports[index] = error
        finally:
            app.close()

    _migrate(settings)
    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(paths))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    out = []
    for report in reports:
        assert isinstance(report, IngestReport), report
        out.append(report)
    return out


def test_threads_ingesting_different_files_both_land(
    any_settings: Settings, tmp_path: Path
) -> None:
    paths = [
        write_events(tmp_path / "a.csv", generated_rows(ROWS)),
        write_events(tmp_path / "b.csv", generated_rows(ROWS, start=ROWS)),
    ]
    reports = _in_threads(any_settings, paths)
    assert [r.results[0].status for r in reports] == ["landed", "landed"]
    assert [r.results[0].rows_accepted for r in reports] == [ROWS, ROWS]
    app = App(any_settings)
    try:
        assert [b.status for b in batches(app)] == ["landed", "landed"]
        assert event_ids(app) == [f"e{i:07d}" for i in range(2 * ROWS)]
    finally:
        app.close()


def test_threads_ingesting_the_same_file_land_it_once(
    any_settings: Settings, tmp_path: Path
) -> None:
    """Both see no earlier batch; the second to take the lock finds the first's batch."""
    path = write_events(tmp_path / "same.csv", generated_rows(ROWS))
    reports = _in_threads(any_settings, [path, path])
    statuses = sorted(r.results[0].status for r in reports)
    assert statuses == ["landed", "unchanged"], [r.results[0].message for r in reports]
    assert all(r.exit_code == 0 for r in reports)
    app = App(any_settings)
    try:
        assert [b.status for b in batches(app)] == ["landed"]
        assert event_ids(app) == [f"e{i:07d}" for i in range(ROWS)]
    finally:
        app.close()


SCRIPT = """
import sys
from pathlib import Path
import tests.ingest.sample_source
from leadline.config import load_settings
from leadline.context import App
from leadline.ingest.runner import run_ingest
app = App(load_settings(home=Path(sys.argv[1])))
report = run_ingest("test-events", [Path(sys.argv[2])], settings=app.settings, store=app.store)
print(report.results[0].status)
"""


def test_processes_ingesting_different_files_both_land(tmp_path: Path) -> None:
    home = tmp_path / "home"
    _migrate(Settings(home=home))
    paths = [
        write_events(tmp_path / f"{name}.csv", generated_rows(ROWS, start=i * ROWS))
        for i, name in enumerate("abc")
    ]
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", SCRIPT, str(home), str(path)],
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for path in paths
    ]
    outputs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], [err for _, err in outputs]
    assert [out.strip() for out, _ in outputs] == ["landed"] * 3
    app = App(Settings(home=home))
    try:
        assert event_ids(app) == [f"e{i:07d}" for i in range(3 * ROWS)]
        assert sorted(b.file_name for b in batches(app)) == [str(p) for p in paths]
    finally:
        app.close()


def test_two_first_ingests_into_a_fresh_home_both_open_the_store(tmp_path: Path) -> None:
    """Two ``leadline ingest`` runs started together on a new SQLite home must both work."""
    for attempt in range(5):
        url = f"sqlite:///{tmp_path / f'home{attempt}' / 'leadline.db'}"
        barrier = threading.Barrier(2)
        errors: list[BaseException] = []

        def open_store(
            url: str = url, barrier: threading.Barrier = barrier, errors: list[Any] = errors
        ) -> None:
            barrier.wait()
            try:
                Store(url).dispose()
            except BaseException as error:
                errors.append(error)

        threads = [threading.Thread(target=open_store) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert errors == []
