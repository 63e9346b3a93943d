"""The presentation model: one formatter for every surface, and CSV that spreadsheets read
as data (exact values, formulas escaped)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from leadline.present import Column, Report, cell, money, number, to_csv
from leadline.present.formats import ABSENT
from leadline.present.render import document, escape_formula


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
        text = cell(value, Column("v", "V", kind, currency="USD"))  # type: ignore[arg-type]
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
