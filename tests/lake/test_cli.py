"""``leadline lake status`` and ``leadline lake vacuum`` through the real CLI."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from leadline.cli import app as cli
from leadline.config import Settings
from leadline.store import Store
from tests.lake.tables import (
    EVENTS,
    LOGS,
    append,
    at,
    events,
    files_on_disk,
    land,
    listed,
    logs,
    make_old,
    uncommitted,
)

runner = CliRunner()


def _lake(settings: Settings, store: Store) -> None:
    land(
        settings,
        store,
        append(
            EVENTS,
            events(
                [
                    ("a", "api", at("2024-01-02T00:00:00Z"), 1.0, "1"),
                    ("b", "api", at("2024-03-02T00:00:00Z"), 2.0, "2"),
                ]
            ),
        ),
    )
    land(
        settings, store, append(EVENTS, events([("c", "web", at("2024-01-09T00:00:00Z"), 3, "3")]))
    )
    land(settings, store, append(LOGS, logs([("api", at("2023-11-30T23:00:00-05:00"), "m")])))


def test_status_reports_tables_partitions_files_rows_and_bytes(
    settings: Settings, store: Store
) -> None:
    """JSON status: per table, distinct partitions, files, rows, bytes on disk, month range."""
    _lake(settings, store)
    result = runner.invoke(
        cli, ["--home", str(settings.home), "lake", "status", "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    sizes = {
        name: sum((settings.lake_path / f.path).stat().st_size for f in listed(store, table))
        for name, table in ((EVENTS.name, EVENTS), (LOGS.name, LOGS))
    }
    assert payload["count"] == 2
    assert payload["tables"] == [
        {
            "table": EVENTS.name,
            "partitions": 2,
            "files": 3,
            "rows": 3,
            "bytes": sizes[EVENTS.name],
            "first_month": "2024-01",
            "last_month": "2024-03",
        },
        {
            "table": LOGS.name,
            "partitions": 1,
            "files": 1,
            "rows": 1,
            "bytes": sizes[LOGS.name],
            "first_month": "2023-12",
            "last_month": "2023-12",
        },
    ]
    table = runner.invoke(cli, ["--home", str(settings.home), "lake", "status"])
    assert table.exit_code == 0, table.output
    assert "lake_test" in table.output  # the names may be folded to the terminal's width
    assert "2024-03" in table.output


def test_status_of_an_empty_lake(settings: Settings) -> None:
    result = runner.invoke(
        cli, ["--home", str(settings.home), "lake", "status", "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {"tables": [], "count": 0}


def test_vacuum_removes_only_old_unlisted_files(settings: Settings, store: Store) -> None:
    """vacuum keeps committed files and young orphans; --grace 0 removes the young ones too."""
    _lake(settings, store)
    committed = files_on_disk(settings)
    with uncommitted(settings, store) as writer:
        writer.append(LOGS, logs([("api", at("2024-01-07T00:00:00Z"), "crashed")]))
        writer.publish()
    with uncommitted(settings, store) as writer:
        writer.append(LOGS, logs([("api", at("2024-02-07T00:00:00Z"), "crashed too")]))
        writer.publish()
    old_orphan, young_orphan = sorted(files_on_disk(settings) - committed)
    for path in committed | {old_orphan}:
        make_old(settings.lake_path / path)

    home = str(settings.home)
    result = runner.invoke(cli, ["--home", home, "lake", "vacuum"])
    assert result.exit_code == 0, result.output
    assert "removed 1 orphaned files" in result.output
    assert files_on_disk(settings) == committed | {young_orphan}

    result = runner.invoke(cli, ["--home", home, "lake", "vacuum", "--grace", "0"])
    assert result.exit_code == 0, result.output
    assert "removed 1 orphaned files" in result.output
    assert files_on_disk(settings) == committed
