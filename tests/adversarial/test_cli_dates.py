"""Issue 16: ``leadline risk register --at 9999-12-31`` and ``leadline finops vendors --at
9999-12-31`` (and maturity --as-of, risk compliance and capabilities --at, plan start --date,
finops anomalies --since 0001-01-01...) ended in an OverflowError traceback, and ``catalog check
--at yesterday`` in a ValueError one. Date options of reports keep the years every window keeps
(``periods.FIRST_YEAR``..``LAST_YEAR``): outside them the command exits 2 with one line.
(``catalog check --at`` takes any real date: the catalog sits beside periods, below it in no
layer, and a far date only ages its findings.)"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from leadline.cli import app as cli
from leadline.config import Settings
from leadline.periods import FIRST_YEAR, LAST_YEAR

COMMANDS = [
    ["risk", "register", "--at"],
    ["risk", "csf", "--at"],
    ["risk", "zero-trust", "--at"],
    ["risk", "compliance", "--at"],
    ["risk", "ai", "--at"],
    ["finops", "vendors", "--at"],
    ["finops", "anomalies", "--since"],
    ["finops", "anomalies", "--until"],
    ["maturity", "--as-of"],
    ["strategy", "capabilities", "--at"],
    ["strategy", "roadmap", "--today"],
    ["plan", "start", "--date"],
    ["scorecard", "--at"],
    ["dora", "--at"],
    ["slo", "status", "--at"],
    ["sla", "status", "--as-of"],
]
PERIODS = [
    ["strategy", "capabilities", "--month", "9999-12"],
    ["sla", "status", "--month", "9999-12"],
    ["xla", "status", "--month", "0001-01"],
    ["risk", "compliance", "--at", "9999Q4"],
    ["devex", "--quarter", "9999Q4"],
    ["report", "qbr", "--quarter", "9999Q4", "--out", "qbr.html"],
]


def _refused(settings: Settings, args: list[str]) -> str:
    home = str(settings.resolved_home)
    result = CliRunner().invoke(cli, ["--home", home, *args])
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output and "Usage:" not in result.output
    (line,) = result.output.strip().splitlines()  # one line
    return line


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01"])
@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_a_date_outside_the_years_exits_2_with_one_line(
    settings: Settings, command: list[str], day: str
) -> None:
    line = _refused(settings, [*command, day])
    assert f"'{day}' is outside the years {FIRST_YEAR}-{LAST_YEAR}" in line


@pytest.mark.parametrize("args", PERIODS, ids=" ".join)
def test_a_period_outside_the_years_exits_2_with_one_line(
    settings: Settings, args: list[str]
) -> None:
    line = _refused(settings, args)
    assert f"is outside the years {FIRST_YEAR}-{LAST_YEAR}" in line


def test_the_edge_years_are_accepted(settings: Settings, tmp_path: Path) -> None:
    home = str(settings.resolved_home)
    for day in (f"{FIRST_YEAR}-01-01", f"{LAST_YEAR}-12-31"):
        for args in (["risk", "register", "--at", day], ["finops", "vendors", "--at", day]):
            result = CliRunner().invoke(cli, ["--home", home, *args])
            assert result.exit_code == 0, (args, result.output)


def test_a_catalog_check_date_that_is_not_a_date_is_one_line(settings: Settings) -> None:
    line = _refused(settings, ["catalog", "check", "--at", "yesterday"])
    assert "'yesterday' is not a date" in line
