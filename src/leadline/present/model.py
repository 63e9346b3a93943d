"""The presentation model: a report is typed columns and plain rows.

A pillar returns a :class:`Report` (its columns say what each value *is*: money in a currency,
a percentage, hours, a count, a date, a titled name) and one renderer turns it into a CLI
table, CSV, JSON, a web table or a QBR table. So a figure is formatted once, by its type, and
the CSV a browser downloads is the CSV the CLI prints.

Percentages are held as percentage points (``9.63`` for 9.63 %), the unit every KPI target is
written in; ratios in [0, 1] use the ``ratio`` kind and are shown as percentages too.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Literal

Kind = Literal[
    "text",  # free text, shown as is
    "name",  # an identifier (a team, a service): never cut, shown with its title when known
    "label",  # an enumerated value (at_risk): shown humanised (At risk)
    "count",  # an integer count
    "number",  # a plain number
    "percent",  # percentage points (9.63 -> 9.63 %)
    "ratio",  # a share in [0, 1] (0.0963 -> 9.63 %)
    "per_day",  # a rate per calendar day
    "hours",  # a duration in hours
    "money",  # an exact decimal amount in the row's (or the column's) currency
    "date",
    "datetime",
    "bool",
    "score",  # a survey or maturity score
]


@dataclass(frozen=True)
class Column:
    """One column: its key in the rows, a human title, its kind and formatting details."""

    key: str
    title: str
    kind: Kind = "text"
    # money: the currency code, or ``@column`` naming the row's column that holds it
    currency: str | None = None
    digits: int | None = None  # decimals shown for numbers, hours, percentages
    unit: str | None = None  # shown after numbers and scores (``per customer-month``)


@dataclass
class Report:
    """Rows with typed columns, a title, the window they cover and notes for the reader."""

    name: str
    title: str
    columns: list[Column]
    rows: list[dict[str, Any]]
    window: str | None = None  # e.g. "2026Q4 (to 2026-12-07)", shown beside the title
    notes: list[str] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)  # extra JSON keys (since, until...)

    def column(self, key: str) -> Column:
        for column in self.columns:
            if column.key == key:
                return column
        raise KeyError(key)

    @property
    def keys(self) -> list[str]:
        return [c.key for c in self.columns]


def infer(rows: list[dict[str, Any]]) -> list[Column]:
    """Columns for rows whose types nobody declared (a fallback: reports should declare)."""
    if not rows:
        return []
    out = []
    for key in rows[0]:
        sample = next((r[key] for r in rows if r.get(key) is not None), None)
        kind: Kind = "text"
        if isinstance(sample, bool):
            kind = "bool"
        elif isinstance(sample, int):
            kind = "count"
        elif isinstance(sample, float):
            kind = "number"
        elif isinstance(sample, dt.datetime):
            kind = "datetime"
        elif isinstance(sample, dt.date):
            kind = "date"
        out.append(Column(key, humanise(key), kind))
    return out


def humanise(key: str) -> str:
    """``error_budget_remaining`` -> ``Error budget remaining`` (titles, never slugs)."""
    words = key.replace("_", " ").replace("-", " ").strip()
    return words[:1].upper() + words[1:]
