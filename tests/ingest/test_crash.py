"""kill -9 in the middle of an ingest leaves either nothing or the whole batch, and ingesting
again afterwards lands the file's rows exactly once."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from leadline.config import Settings
from leadline.context import App
from leadline.ingest.runner import run_ingest
from leadline.lake.writer import sweep_orphans
from tests.ingest.support import (
    SOURCE,
    batches,
    event_ids,
    generated_rows,
    lake_files,
    parquet_on_disk,
    write_events,
)

REPO = Path(__file__).resolve().parents[2]
ROWS = 300_000  # one every 7 minutes from 2024-01-01 to 2027-12-29: 48 partitions
SCRIPT = """
import sys
from pathlib import Path
import tests.ingest.sample_source
from leadline.config import load_settings
from leadline.context import App
from leadline.ingest.runner import run_ingest
app = App(load_settings(home=Path(sys.argv[1])))
assert app.store.dialect == "sqlite"
print("ready", flush=True)
report = run_ingest("test-events", [Path(sys.argv[2])], settings=app.settings, store=app.store)
print(report.results[0].status, flush=True)
"""


@pytest.fixture(scope="module")
def big_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_events(tmp_path_factory.mktemp("crash") / "events.csv", generated_rows(ROWS))


@pytest.fixture(scope="module")
def expected_ids() -> list[str]:
    return [f"e{i:07d}" for i in range(ROWS)]


# Seconds after the child is ready to ingest (the ingest itself takes about a second here);
# each gets a little random jitter so repeated runs probe different instants.
DELAYS = [0.05, 0.25, 0.45, 0.65, 0.85, 1.1]


@pytest.mark.parametrize("delay", DELAYS)
def test_kill_9_leaves_nothing_or_the_whole_batch(
    tmp_path: Path, big_csv: Path, expected_ids: list[str], delay: float
) -> None:
    home = tmp_path / "home"
    child = subprocess.Popen(
        [sys.executable, "-c", SCRIPT, str(home), str(big_csv)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "ready"
        time.sleep(delay + random.uniform(0, 0.1))
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
    finally:
        if child.poll() is None:
            os.kill(child.pid, signal.SIGKILL)
            child.wait(timeout=30)
        if child.stdout is not None:
            child.stdout.close()
        if child.stderr is not None:
            child.stderr.close()
    if delay <= 0.25:
        assert child.returncode == -signal.SIGKILL  # killed mid-ingest, not after it

    app = App(Settings(home=home))
    try:
        landed = batches(app)
        files = lake_files(app)
        if not landed:
            assert files == []
            assert event_ids(app) == []
        else:
            [batch] = landed
            assert (batch.status, batch.rows_read, batch.rows_accepted) == ("landed", ROWS, ROWS)
            assert sum(f.rows for f in files) == ROWS
            assert len(files) == 48
            assert event_ids(app) == expected_ids
        # Files of the interrupted write are unlisted; sweeping removes exactly those.
        with app.store.session() as session:
            sweep_orphans(app.settings.lake_path, session, older_than_seconds=-60)
        root = app.settings.lake_path
        assert parquet_on_disk(app) == sorted(root / f.path for f in files)

        report = run_ingest(SOURCE, [big_csv], settings=app.settings, store=app.store)
        assert report.results[0].status == ("unchanged" if landed else "landed")
        assert event_ids(app) == expected_ids
        assert [b.status for b in batches(app)] == ["landed"]
    finally:
        app.close()
