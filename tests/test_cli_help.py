"""Help and tables as people read them (issue 15): flags show no ``<bool>`` type, a command's
description is re-wrapped as one paragraph (never broken where its docstring's line ended),
and a table piped to a file keeps every name whole on its row."""

from __future__ import annotations

from typing import Any

import pytest
import typer.main
from typer.testing import CliRunner

from leadline.cli import app as cli
from leadline.output import OutputFormat, emit
from leadline.present.model import Column


def _paths(command: Any, path: list[str]) -> list[list[str]]:
    found = [path]
    for name, sub in getattr(command, "commands", {}).items():
        found += _paths(sub, [*path, name])
    return found


def test_no_command_help_shows_bool_for_a_flag() -> None:
    paths = _paths(typer.main.get_command(cli), [])
    assert len(paths) > 50
    for path in paths:
        result = CliRunner().invoke(cli, [*path, "--help"], terminal_width=100)
        assert result.exit_code == 0, path
        assert "<bool>" not in result.output, path
    verbose = CliRunner().invoke(cli, ["--help"], terminal_width=100).output
    assert any("--verbose" in line and "Log details." in line for line in verbose.splitlines())


def test_descriptions_are_rewrapped_not_broken_where_the_docstring_wrapped() -> None:
    """``demo``'s docstring wraps after "through the real": at 140 columns its description
    fits one line, so the words stay together."""
    text = CliRunner().invoke(cli, ["--help"], env={"COLUMNS": "140"}).output
    (line,) = [row for row in text.splitlines() if "│ demo" in row]
    assert "them through the real ingest paths." in line


@pytest.mark.parametrize("width", ["80", "250"])
def test_a_piped_table_keeps_names_whole(width: str, capsys: pytest.CaptureFixture[str]) -> None:
    """Twelve columns and a 40-character name: piped (not a terminal) the table is printed
    at its natural width, so every title and name stays on one line, whatever COLUMNS says."""
    name = "checkout-store-availability-eu-west-long"
    rows = [{"slo": name, **{f"figure_{i}": 1000 * i for i in range(11)}}]
    columns = [Column("slo", "SLO", "name")] + [
        Column(f"figure_{i}", f"Figure number {i}", "count") for i in range(11)
    ]
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("COLUMNS", width)
        emit(rows, OutputFormat.table, key="slos", title="SLOs", columns=columns)
    out = capsys.readouterr().out
    assert any(name in line and "10,000" in line for line in out.splitlines())
    assert any("Figure number 10" in line for line in out.splitlines())
    assert "…" not in out


def test_slo_status_at_a_word_exits_2_with_one_line(tmp_path: Any) -> None:
    """``--at yesterday`` is not a date: exit 2 and one line naming the value, no traceback."""
    home = str(tmp_path / "home")
    result = CliRunner().invoke(cli, ["--home", home, "slo", "status", "--at", "yesterday"])
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    (line,) = result.output.strip().splitlines()
    assert "'yesterday' is not a date" in line and "Traceback" not in result.output
