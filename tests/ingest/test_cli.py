"""The ingest commands as a user runs them: summary, problems with file/row/field, exit codes,
stable JSON, ``batches``, ``rejects`` with the raw record, and ``templates``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner, Result

from leadline.ingest.registry import sources
from tests.ingest.support import ROWS, SOURCE, write_events

ENV = {"COLUMNS": "250"}


@pytest.fixture
def run(cli_app: typer.Typer, tmp_path: Path) -> Any:
    home = tmp_path / "home"

    def invoke(*args: str) -> Result:
        return CliRunner().invoke(cli_app, ["--home", str(home), *args], env=ENV)

    return invoke


@pytest.fixture
def events(tmp_path: Path) -> Path:
    return write_events(tmp_path / "events.csv", ROWS)


def test_ingest_prints_a_summary_and_the_problems_and_exits_1(run: Any, events: Path) -> None:
    result = run("ingest", SOURCE, str(events))
    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    row = next(line for line in lines if str(events) in line and "landed" in line)
    assert [cell.strip() for cell in row.strip("│ ").split("│")] == [
        str(events),
        "landed",
        "1",
        "6",
        "4",
        "2",
        "0",
    ]
    ts = "must be an ISO-8601 timestamp (e.g. 2026-03-01T12:00:00Z)"
    assert f"error {events}, row 5, field 'occurred_at': {ts} (got not-a-time)" in lines
    assert f"error {events}, row 6, field 'value': must be a number (got x)" in lines
    assert (
        f"error {events}, row 6, field 'kind': must be one of deploy, incident, change (got other)"
    ) in lines
    assert "every problem and the rejected rows: leadline rejects --batch 1" in lines


def test_a_clean_file_exits_0(run: Any, tmp_path: Path) -> None:
    clean = write_events(tmp_path / "clean.csv", [ROWS[0], ROWS[5]])
    result = run("ingest", SOURCE, str(clean))
    assert result.exit_code == 0, result.output
    assert "error" not in result.output
    again = run("ingest", SOURCE, str(clean))
    assert again.exit_code == 0
    assert f"{clean}: same content already landed as batch 1; nothing changed" in again.output


def test_a_missing_file_exits_1_and_says_so(run: Any, tmp_path: Path) -> None:
    missing = tmp_path / "missing.csv"
    result = run("ingest", SOURCE, str(missing))
    assert result.exit_code == 1
    assert f"error {missing}: file not found" in result.output.splitlines()


def test_ingest_json_keys_and_values(run: Any, events: Path, tmp_path: Path) -> None:
    missing = tmp_path / "missing.csv"
    result = run("ingest", SOURCE, str(events), str(missing), "--format", "json")
    assert result.exit_code == 1
    payload = json.loads(result.output)
    assert {k: payload[k] for k in payload if k != "results"} == {
        "source": SOURCE,
        "exit_code": 1,
        "rows_read": 6,
        "rows_accepted": 4,
        "rows_rejected": 2,
        "rows_warned": 0,
        "rows_superseded": 0,
        "outcome": "failed",
        "strict": False,
        "summary": "2 files (1 failed); 6 rows read; 4 landed; 2 rejected; 0 warnings: "
        "exit 1, a batch failed and nothing of it was written",
    }
    first, second = payload["results"]
    assert {k: first[k] for k in first if k != "problems"} == {
        "file_name": str(events),
        "status": "landed",
        "batch_id": 1,
        "rows_read": 6,
        "rows_accepted": 4,
        "rows_rejected": 2,
        "rows_warned": 0,
        "rows_superseded": 0,
        "message": None,
    }
    assert first["problems"][0] == {
        "file": str(events),
        "row": 5,
        "field": "occurred_at",
        "value": "not-a-time",
        "reason": "must be an ISO-8601 timestamp (e.g. 2026-03-01T12:00:00Z)",
        "severity": "error",
    }
    assert [(p["row"], p["field"]) for p in first["problems"]] == [
        (5, "occurred_at"),
        (6, "value"),
        (6, "amount"),
        (6, "kind"),
    ]
    assert (second["status"], second["batch_id"], second["message"]) == (
        "failed",
        2,
        "file not found",
    )
    assert second["problems"] == [
        {
            "file": str(missing),
            "row": None,
            "field": None,
            "value": None,
            "reason": "file not found",
            "severity": "error",
        }
    ]


def test_service_option_and_force(run: Any, events: Path) -> None:
    """``--service`` is a source option (a new batch); ``--force`` re-ingests."""
    assert run("ingest", SOURCE, str(events)).exit_code == 1
    other = json.loads(
        run("ingest", SOURCE, str(events), "--service", "x", "--format", "json").output
    )
    assert (other["results"][0]["status"], other["results"][0]["batch_id"]) == ("landed", 2)
    forced = json.loads(run("ingest", SOURCE, str(events), "--force", "--format", "json").output)
    assert forced["results"][0]["status"] == "landed"
    assert forced["results"][0]["message"] == "re-ingested with --force; supersedes batch 1"
    listed = json.loads(run("batches", "--format", "json").output)
    assert [(b["id"], b["message"]) for b in listed["batches"]] == [
        (3, "re-ingested with --force; supersedes batch 1"),
        (2, None),
        (1, None),
    ]


def test_batches_lists_newest_first(run: Any, events: Path, tmp_path: Path) -> None:
    missing = tmp_path / "missing.csv"
    run("ingest", SOURCE, str(events))
    run("ingest", SOURCE, str(missing))
    payload = json.loads(run("batches", "--format", "json").output)
    assert payload["count"] == 2
    newest, oldest = payload["batches"]
    assert {k: newest[k] for k in ("id", "source", "file", "status", "read", "message")} == {
        "id": 2,
        "source": SOURCE,
        "file": str(missing),
        "status": "failed",
        "read": 0,
        "message": "file not found",
    }
    assert {
        k: oldest[k] for k in ("id", "file", "status", "read", "accepted", "rejected", "warnings")
    } == {
        "id": 1,
        "file": str(events),
        "status": "landed",
        "read": 6,
        "accepted": 4,
        "rejected": 2,
        "warnings": 0,
    }
    assert oldest["started_at"].endswith("Z") and oldest["finished_at"] >= oldest["started_at"]
    assert json.loads(run("batches", "--source", "nothing", "--format", "json").output) == {
        "batches": [],
        "count": 0,
    }
    table = run("batches")
    assert table.exit_code == 0
    assert any("failed" in line and "file not found" in line for line in table.output.splitlines())


def test_rejects_of_a_batch_include_the_raw_record(run: Any, events: Path, tmp_path: Path) -> None:
    run("ingest", SOURCE, str(events))
    run("ingest", SOURCE, str(write_events(tmp_path / "other.csv", [ROWS[3]])))
    payload = json.loads(run("rejects", "--batch", "1", "--format", "json").output)
    assert payload["count"] == 4
    assert [(r["batch"], r["row"], r["field"]) for r in payload["rejects"]] == [
        (1, 5, "occurred_at"),
        (1, 6, "value"),
        (1, 6, "amount"),
        (1, 6, "kind"),
    ]
    assert payload["rejects"][1] == {
        "batch": 1,
        "file": str(events),
        "row": 6,
        "field": "value",
        "value": "x",
        "reason": "must be a number",
        "severity": "error",
        "record": {
            "event_id": "e5",
            "service": "search",
            "occurred_at": "2026-03-01T00:00:00Z",
            "value": "x",
            "amount": "1.234",
            "kind": "other",
        },
    }
    everything = json.loads(run("rejects", "--format", "json").output)
    assert [r["batch"] for r in everything["rejects"]] == [2, 1, 1, 1, 1]  # newest first
    table = run("rejects", "--batch", "2")
    assert table.exit_code == 0
    assert "record" not in table.output
    assert "not-a-time" in table.output


def test_templates_writes_one_file_per_template_and_keeps_existing(
    cli_app: typer.Typer, tmp_path: Path
) -> None:
    expected = sorted(t.file_name for s in sources().values() for t in s.templates())
    assert "test-events.csv" in expected
    target = tmp_path / "templates"
    runner = CliRunner()
    first = runner.invoke(cli_app, ["templates", str(target)], env=ENV)
    assert first.exit_code == 0, first.output
    assert sorted(p.name for p in target.iterdir()) == expected
    template = target / "test-events.csv"
    assert template.read_text().splitlines()[-1] == "event_id,service,occurred_at,value,amount,kind"
    assert f"wrote {template}  leadline ingest {SOURCE} {template}" in first.output
    template.write_text("mine\n")
    second = runner.invoke(cli_app, ["templates", str(target)], env=ENV)
    assert second.exit_code == 0
    assert template.read_text() == "mine\n"
    assert f"kept {template} (exists; --overwrite replaces)" in second.output
    third = runner.invoke(cli_app, ["templates", str(target), "--overwrite"], env=ENV)
    assert third.exit_code == 0
    assert template.read_text().startswith("# Test events: one row per event of a service.")
    assert sorted(p.name for p in target.iterdir()) == expected


def test_an_ingested_template_lands_nothing_cleanly(
    run: Any, cli_app: typer.Typer, tmp_path: Path
) -> None:
    """The blank template is a valid input: zero rows, exit 0."""
    CliRunner().invoke(cli_app, ["templates", str(tmp_path / "t")], env=ENV)
    payload = json.loads(
        run("ingest", SOURCE, str(tmp_path / "t" / "test-events.csv"), "--format", "json").output
    )
    assert (payload["exit_code"], payload["rows_read"], payload["results"][0]["status"]) == (
        0,
        0,
        "landed",
    )


def _deployments_of_an_unknown_service(tmp_path: Path) -> Path:
    """Two rows that land with one warning: the service is not in the (empty) catalog."""
    path = tmp_path / "deployments.csv"
    path.write_text(
        "deployment_id,service,environment,status,finished_at\n"
        "d1,Hello-World,production,success,2026-03-03T12:00:00Z\n"
        "d2,Hello-World,production,success,2026-03-04T12:00:00Z\n",
        encoding="utf-8",
    )
    return path


def test_a_batch_that_landed_with_warnings_exits_0_and_1_with_strict(
    run: Any, tmp_path: Path
) -> None:
    """The nightly job that lands every row succeeds: warnings are printed and recorded, the
    exit status is 0; ``--strict`` (either side of the source) makes them a failure."""
    path = _deployments_of_an_unknown_service(tmp_path)
    result = run("ingest", "deployments-csv", str(path))
    assert result.exit_code == 0, result.output
    assert "warning" in result.output and "'Hello-World'" in result.output
    assert (
        "1 file; 2 rows read; 2 landed; 0 rejected; 1 warning: exit 0, landed with warnings "
        "(--strict would fail)"
    ) in result.output.replace("\n", " ")
    # the same content again: unchanged, and the earlier verdict (warnings) decides
    assert run("ingest", "deployments-csv", str(path)).exit_code == 0
    strict = run("ingest", "deployments-csv", str(path), "--strict", "--format", "json")
    assert strict.exit_code == 1, strict.output
    payload = json.loads(strict.stdout)
    assert (payload["exit_code"], payload["outcome"], payload["strict"]) == (1, "warnings", True)
    assert (payload["rows_read"], payload["rows_accepted"], payload["rows_warned"]) == (2, 2, 1)
    before = run("ingest", "--strict", "deployments-csv", str(path), "--force")
    assert before.exit_code == 1, before.output


def test_usage_errors_exit_2(run: Any, tmp_path: Path) -> None:
    assert run("ingest", SOURCE).exit_code == 2  # no path
    assert run("ingest", SOURCE, str(tmp_path), "--no-such-option").exit_code == 2
    assert run("ingest", "no-such-source", str(tmp_path)).exit_code == 2


def test_csv_output_keeps_stdout_csv_and_says_the_summary_on_stderr(
    run: Any, tmp_path: Path
) -> None:
    path = _deployments_of_an_unknown_service(tmp_path)
    result = run("ingest", "deployments-csv", str(path), "--format", "csv")
    assert result.exit_code == 0
    assert result.stdout.splitlines()[0] == "file,status,batch,read,accepted,rejected,warnings"
    assert "2 rows read; 2 landed; 0 rejected; 1 warning: exit 0" in result.stderr
