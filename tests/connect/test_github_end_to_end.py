"""Issue 18's "done when": ``leadline connect add github acme --org acme --token-env
GITHUB_TOKEN --base-url http://127.0.0.1:PORT`` then ``leadline sync`` fills deployments, changes
and incidents, and ``leadline dora`` gives the same figures as ingesting the same payloads from
files; and a sync killed with SIGKILL mid-way, run again, misses and doubles nothing."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from leadline.cli import app as cli
from leadline.config import load_settings
from leadline.connect.sync import sync_connection
from leadline.context import App
from leadline.lake.engines import Lake
from leadline.lake.tables import BATCH_COLUMN
from tests.connect.servers.github import GitHubServer, synthetic_org
from tests.connect.servers.vendor import serving

TOKEN = "ghp_end_to_end"
START = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
WINDOW = ["--since", "2026-06-01", "--until", "2026-09-01"]
TABLES = ("deployments", "changes", "incidents", "pull_requests", "pull_request_reviews")


@pytest.fixture(scope="module")
def server() -> Iterator[GitHubServer]:
    repos, _ = synthetic_org("acme", 4, start=START, days=90, merges_per_week=4, seed=11)
    yield from serving(GitHubServer(repos, token=TOKEN))  # type: ignore[misc]


def facts(app: App, table: str) -> list[dict[str, Any]]:
    """A lake table's committed rows (without the batch that landed them), in a fixed order."""
    rows = Lake(app.settings, app.store).table(table).to_pyarrow().to_pylist()
    for row in rows:
        row.pop(BATCH_COLUMN, None)
    return sorted(rows, key=lambda r: json.dumps(r, sort_keys=True, default=str))


def run(home: Path, *args: str) -> Any:
    return CliRunner().invoke(cli, ["--home", str(home), *args], catch_exceptions=False)


@pytest.fixture(scope="module")
def synced(server: GitHubServer, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A home where the issue's commands ran: connect add github ..., then sync (whole)."""
    home = tmp_path_factory.mktemp("synced") / "home"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GITHUB_TOKEN", TOKEN)
        added = run(
            home,
            *("connect", "add", "github", "acme", "--org", "acme", "--token-env", "GITHUB_TOKEN"),
            *("--base-url", server.url, "--history-days", "3650"),
        )
        assert added.exit_code == 0, added.output
        result = run(home, "sync")
    assert result.exit_code == 0, result.output
    assert "OK acme (github): ok, 12 batches" in result.stdout
    return home


def test_sync_fills_the_facts_and_dora_matches_ingesting_the_files(
    server: GitHubServer, synced: Path, tmp_path: Path
) -> None:
    listed = run(synced, "connect", "list", "--format", "json")
    (row,) = json.loads(listed.stdout)
    assert row["secret"] == "env GITHUB_TOKEN" and TOKEN not in listed.stdout
    assert row["status"] == "ok" and row["facts_landed"] > 0
    filed = tmp_path / "filed"
    folder = tmp_path / "export"
    folder.mkdir()
    paths = []
    for name, items in server.org_payloads().items():
        path = folder / name
        path.write_text(json.dumps(items), encoding="utf-8")
        paths.append(str(path))
    ingested = run(filed, "ingest", "github-api", *paths)
    assert ingested.exit_code == 0, ingested.output

    apps = App(load_settings(home=synced)), App(load_settings(home=filed))
    try:
        for table in TABLES:
            via_sync, via_files = (facts(a, table) for a in apps)
            assert via_sync == via_files, table
        counts = {t: len(facts(apps[0], t)) for t in ("deployments", "changes", "incidents")}
    finally:
        for a in apps:
            a.close()
    repos = server.repos.values()
    assert counts["deployments"] == sum(len(r.deployments) for r in repos)
    assert counts["changes"] == sum(len(r.commits) for r in repos)
    reverts = sum(p["title"].startswith("Revert") for r in repos for p in r.pulls)
    assert reverts > 0 and counts["incidents"] == reverts  # a revert is a failure signal

    reports = []
    for home in (synced, filed):
        dora = run(home, "dora", "--by", "service", *WINDOW, "--format", "json")
        assert dora.exit_code == 0, dora.output
        report = json.loads(dora.stdout)
        report.pop("as_of")  # when each report was computed
        reports.append(report)
    assert reports[0] == reports[1]
    assert len(reports[0]["groups"]) == 4, reports[0]  # a row of figures per repository


def _landed_cursors(database: Path) -> int:
    try:
        with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=1) as db:
            return int(db.execute("select count(*) from connector_cursors").fetchone()[0])
    except sqlite3.Error:
        return 0


def test_a_sync_killed_mid_way_resumes_without_missing_or_doubling(
    server: GitHubServer, synced: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SIGKILL once a few streams have landed (mid-run: more pulls follow, one is being pulled
    or landed), run the sync again, and compare with the uninterrupted sync (``synced``)."""
    after_cursors = 4
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    killed = tmp_path / "killed"
    added = run(
        killed,
        *("connect", "add", "github", "acme", "--org", "acme", "--token-env", "GITHUB_TOKEN"),
        *("--base-url", server.url, "--history-days", "3650"),
    )
    assert added.exit_code == 0, added.output
    server.delay = 0.01  # slow enough to land mid-way, not to finish
    env = {**os.environ, "LEADLINE_HOME": str(killed), "GITHUB_TOKEN": TOKEN}
    leadline = Path(sys.executable).with_name("leadline")
    process = subprocess.Popen([str(leadline), "sync"], env=env, stdout=subprocess.DEVNULL)
    database = next(killed.rglob("*.db"), None) or killed / "leadline.db"
    try:
        deadline = time.monotonic() + 60
        while _landed_cursors(database) < after_cursors and process.poll() is None:
            assert time.monotonic() < deadline, "the sync never landed a stream"
            time.sleep(0.005)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
    finally:
        server.delay = 0.0
        if process.poll() is None:
            process.kill()
    assert process.returncode == -signal.SIGKILL, "the sync finished before it was killed"
    landed = _landed_cursors(database)
    assert after_cursors <= landed < 4 * 3 + 1  # mid-way: streams were still to come

    apps = App(load_settings(home=killed)), App(load_settings(home=synced))
    try:
        result = sync_connection("acme", settings=apps[0].settings, store=apps[0].store)
        assert result.status == "ok", result.error
        for table in TABLES:
            again, once = (facts(a, table) for a in apps)
            assert again == once, table
            key = {"deployments": "deployment_id", "changes": "change_id"}.get(table)
            if key:
                assert len({r[key] for r in again}) == len(again)
        repos = server.repos.values()
        assert len(facts(apps[0], "deployments")) == sum(len(r.deployments) for r in repos)
    finally:
        for a in apps:
            a.close()
