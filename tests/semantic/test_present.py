"""The presentation model: one formatter for every surface, and CSV that spreadsheets read
as data (exact values, formulas escaped)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rich.console import Console

from leadline.output import OutputFormat, emit
from leadline.present import Column, Report, cell, money, number, to_csv
from leadline.present.formats import ABSENT
from leadline.present.model import unit_kind
from leadline.present.render import align, cells, document, escape_formula, rich_table


@pytest.mark.parametrize(
    ("value", "currency", "shown"),
    [
        (Decimal("2923302"), "USD", "2,923,302.00 USD"),
        (Decimal("950570.065"), "USD", "950,570.06 USD"),  # half-even at the minor unit
        (Decimal("950570.075"), "USD", "950,570.08 USD"),
        (Decimal("1234567.5"), "JPY", "1,234,568 JPY"),  # no minor unit
        (Decimal("12.3456"), "BHD", "12.346 BHD"),  # three decimals
        (350000.0, "EUR", "350,000.00 EUR"),  # never 3.5e+05
        (Decimal("-0.004"), "USD", "-0.00 USD"),
        (None, "USD", ABSENT),
    ],
)
def test_money(value: object, currency: str, shown: str) -> None:
    assert money(value, currency) == shown


def test_cells_by_kind() -> None:
    row = {"currency": "EUR"}
    assert cell(9.627, Column("v", "CFR", "percent")) == "9.6 %"
    assert cell(0.09627, Column("v", "CFR", "ratio")) == "9.6 %"
    assert cell(36.5, Column("v", "Lead time", "hours")) == "36.5 h"
    assert cell(80.0, Column("v", "Lead time", "hours")) == "80.0 h (3.3 d)"
    assert cell(15.18, Column("v", "Frequency", "per_day")) == "15.18 per day"
    assert cell(1234, Column("v", "Deployments", "count")) == "1,234"
    assert cell(Decimal("1234.5"), Column("v", "Cost", "money", currency="@currency"), row) == (
        "1,234.50 EUR"
    )
    assert cell("at_risk", Column("v", "State", "label")) == "At risk"
    assert cell(None, Column("v", "Anything")) == ABSENT
    assert cell(float("nan"), Column("v", "N", "number")) == ABSENT
    assert cell(dt.datetime(2026, 12, 7, 9, 5), Column("v", "At", "datetime")) == (
        "2026-12-07 09:05 UTC"
    )
    assert cell(True, Column("v", "Met", "bool")) == "yes"


@given(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e15, max_value=1e15))
def test_numbers_are_never_in_scientific_notation(value: float) -> None:
    for kind in ("number", "percent", "hours", "per_day", "money"):
        text = cell(value, Column("v", "V", kind, currency="USD"))
        assert "e+" not in text and "e-" not in text, text
    assert "e" not in number(value).lower()


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_csv_escapes_formulas(start: str) -> None:
    text = f'{start}HYPERLINK("http://evil.example","click")'
    assert escape_formula(text) == "'" + text
    report = Report("r", "R", [Column("title", "Title")], [{"title": text}])
    assert to_csv(report).splitlines()[1].lstrip('"').startswith("'")


def test_csv_keeps_exact_values_and_numbers_unescaped() -> None:
    report = Report(
        "costs",
        "Costs",
        [Column("team", "Team", "name"), Column("cost", "Cost", "money", currency="USD")],
        [{"team": "payments", "cost": Decimal("950570.07")}, {"team": "x", "cost": -3.5}],
    )
    assert to_csv(report) == "team,cost\npayments,950570.07\nx,-3.5\n"
    assert document(report)["rows"][0] == {"team": "payments", "cost": "950570.07"}


def test_rows_of_mixed_units_and_units_from_the_row() -> None:
    """A scorecard's value column: each row says its kind, currency and unit label."""
    value = Column(
        "value", "Value", "number", currency="@_currency", unit="@_unit", kind_from="_kind"
    )
    rows = [
        {"value": 9.63, "_kind": "percent"},
        {"value": 350000.0, "_kind": "money", "_currency": "EUR"},
        {"value": Decimal("1.234"), "_kind": "money", "_currency": "EUR", "_unit": "per customer"},
        {"value": 3.57, "_kind": "score", "_unit": "of 5"},
        {"value": 4, "_kind": "count"},
        {"value": 34.0, "_kind": "unknown", "_unit": "points"},
    ]
    assert [cell(r["value"], value, r) for r in rows] == [
        "9.6 %",
        "350,000.00 EUR",
        "1.23 EUR per customer",
        "3.57 of 5",
        "4",
        "34.00 points",
    ]


@pytest.mark.parametrize(
    ("unit", "expected"),
    [
        ("%", ("percent", None, None)),
        ("hours", ("hours", None, None)),
        ("per day", ("per_day", None, None)),
        ("ratio", ("ratio", None, None)),
        ("EUR", ("money", "EUR", None)),
        ("USD per customer-month", ("money", "USD", "per customer-month")),
        ("services", ("number", None, "services")),
        (None, ("number", None, None)),
    ],
)
def test_unit_kind(unit: str | None, expected: tuple[str, str | None, str | None]) -> None:
    assert unit_kind(unit) == expected


def test_numbers_written_as_text_and_instants_as_iso_text() -> None:
    assert cell("12.5", Column("v", "V", "hours")) == "12.5 h"
    assert cell("n/a", Column("v", "V", "ratio")) == "n/a"
    assert cell("2026-12-07T09:05:00Z", Column("v", "V", "datetime")) == "2026-12-07 09:05 UTC"


def test_detail_columns_are_in_the_csv_not_in_tables_for_people() -> None:
    report = Report(
        "r",
        "R",
        [Column("key", "Team", "name"), Column("raw", "Raw", "count", shown=False)],
        [{"key": "[payments]", "raw": 3}],
        window="2026-11",
        notes=["a note"],
    )
    assert to_csv(report) == "key,raw\n[payments],3\n"
    assert [c.key for c in report.shown] == ["key"]
    assert cells(report, report.shown) == [["[payments]"]]
    table = rich_table(report)
    assert [c.header for c in table.columns] == ["Team"] and table.title == "R — 2026-11"
    console = Console(record=True, width=80)
    console.print(table)
    assert "[payments]" in console.export_text()  # text, not Rich markup
    assert [align(c) for c in report.columns] == ["text", "number"]
    assert [c.key for c in report.select(["raw"])] == ["raw"]


def test_emit_without_declared_columns_infers_them(capsys: pytest.CaptureFixture[str]) -> None:
    """The generic CLI printer: never ``3.5e+05`` nor a raw None, in the table or the CSV."""
    rows = [
        {"team": "payments", "cost": 350000.0, "share": None, "at": dt.datetime(2026, 12, 7)},
        {"team": "x", "cost": Decimal("1E+2"), "share": 0.5, "at": None},
    ]
    emit(rows, OutputFormat.table, key="costs", title="Costs")
    shown = capsys.readouterr().out
    assert "350,000" in shown and "e+05" not in shown and "None" not in shown
    assert "Cost" in shown and "—" in shown and "2026-12-07 00:00 UTC" in shown
    emit(rows, OutputFormat.csv, key="costs")
    assert capsys.readouterr().out == (
        "team,cost,share,at\npayments,350000.0,,2026-12-07T00:00:00Z\nx,100,0.5,\n"
    )
    emit([], OutputFormat.table, key="costs")
    assert "no costs" in capsys.readouterr().out
