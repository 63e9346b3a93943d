"""Issue 16 item 11: a cell starting with = + - @ TAB or CR is run as a formula by spreadsheets
(OWASP CSV injection). Every CSV export quotes such text with a leading ' through one function,
``present.render.escape_formula``; numbers are not text, so a negative number stays a number."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from typer.testing import CliRunner

from leadline.cli import app as cli
from leadline.context import App
from leadline.ingest.runner import run_ingest
from leadline.present.model import Column, Report
from leadline.present.render import to_csv
from leadline.reliability.sla_report import write_csv

STARTS = ["=", "+", "-", "@", "\t", "\r"]
HEADER = "risk_id,title,owner,category,likelihood,impact,treatment,identified_on,status\n"


@pytest.mark.parametrize("start", STARTS)
def test_report_csv_quotes_formula_text_and_keeps_negative_numbers(start: str) -> None:
    report = Report(
        "t",
        "T",
        [Column("name", "Name"), Column("delta", "Delta", "number")],
        [{"name": f"{start}SUM(A1)", "delta": -3}],
    )
    (row,) = list(csv.DictReader(io.StringIO(to_csv(report), newline="")))
    assert row == {"name": f"'{start}SUM(A1)", "delta": "-3"}


@pytest.mark.parametrize("start", STARTS)
def test_sla_csv_quotes_formula_text_and_keeps_negative_numbers(
    start: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """``reliability sla --format csv`` wrote its rows with its own DictWriter, unescaped."""
    write_csv([{"service": f"{start}cmd|' /C calc'!A0", "breaches": -2, "ratio": -0.5, "x": None}])
    (row,) = list(csv.DictReader(io.StringIO(capsys.readouterr().out, newline="")))
    assert row == {
        "service": f"'{start}cmd|' /C calc'!A0",
        "breaches": "-2",
        "ratio": "-0.5",
        "x": "",
    }


def test_risk_register_export_quotes_formula_titles_and_owners(app: App, tmp_path: Path) -> None:
    """The reported risk: a title ``=HYPERLINK(...)`` exported by ``risk register --format csv``
    (the same ``to_csv`` answers ``?format=csv``)."""
    path = tmp_path / "risks.csv"
    path.write_text(
        HEADER + 'R-1,"=HYPERLINK(""http://evil.example"",""click"")",'
        "@alice,security,4,5,mitigate,2026-01-10,open\n"
        + "R-2,+1,-bob,security,2,2,accept,2026-01-10,open\n"
    )
    report = run_ingest("risks-csv", [path], settings=app.settings, store=app.store)
    assert report.results[0].rows_accepted == 2, report.results[0].problems
    args = ["--home", str(app.settings.home), "risk", "register", "--all", "--format", "csv"]
    out = CliRunner().invoke(cli, args)
    assert out.exit_code == 0, out.output
    rows = {r["risk_id"]: r for r in csv.DictReader(io.StringIO(out.output))}
    assert sorted(rows) == ["R-1", "R-2"]
    first = rows["R-1"]
    assert first["title"] == '\'=HYPERLINK("http://evil.example","click")'
    assert first["owner"] == "'@alice"
    assert (rows["R-2"]["title"], rows["R-2"]["owner"]) == ("'+1", "'-bob")
    assert rows["R-2"]["likelihood"] == "2"
