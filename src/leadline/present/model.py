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
from decimal import Decimal
from typing import Any, Literal, get_args

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

# The organisational grouping's group of facts with no place at a level (a service the
# catalog gives no team, value stream or business unit): the value in CSV and JSON, and the
# words people read (``catalog.grouping`` uses these).
NO_GROUP = "(none)"
NO_GROUP_TITLE = "Not assigned"


@dataclass(frozen=True)
class Column:
    """One column: its key in the rows, a human title, its kind and formatting details."""

    key: str
    title: str
    kind: Kind = "text"
    # money: the currency code, or ``@column`` naming the row's column that holds it
    currency: str | None = None
    digits: int | None = None  # decimals shown for numbers, hours, percentages
    # shown after numbers, scores and money (``per customer-month``), or ``@column`` naming
    # the row's column that holds it
    unit: str | None = None
    # False: a detail column, in the CSV and JSON but not in tables for people (CLI, web)
    shown: bool = True
    # the row's column holding this row's kind, for a column whose rows mix kinds (a
    # scorecard's values: a percentage in one row, money in the next); ``kind`` otherwise
    kind_from: str | None = None


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

    @property
    def shown(self) -> list[Column]:
        """The columns tables for people show (every column is in the CSV and JSON)."""
        return [c for c in self.columns if c.shown]

    def select(self, keys: list[str] | tuple[str, ...]) -> list[Column]:
        """The columns of ``keys``, in that order (a page showing fewer columns)."""
        return [self.column(k) for k in keys]


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
        elif isinstance(sample, float | Decimal):
            kind = "number"
        elif isinstance(sample, dt.datetime):
            kind = "datetime"
        elif isinstance(sample, dt.date):
            kind = "date"
        out.append(Column(key, humanise(key), kind))
    return out


KINDS: frozenset[str] = frozenset(get_args(Kind))
_UNIT_KINDS: dict[str, Kind] = {
    "%": "percent",
    "percent": "percent",
    "ratio": "ratio",
    "h": "hours",
    "hours": "hours",
    "per day": "per_day",
}


def unit_kind(unit: str | None) -> tuple[Kind, str | None, str | None]:
    """(kind, currency, unit label) of a value whose unit is only known as text (a key
    result's or an outcome's ``%``, ``hours``, ``EUR``, ``EUR per customer-month``,
    ``services``): a currency code makes it money; text nobody knows stays a label."""
    text = (unit or "").strip()
    if text.lower() in _UNIT_KINDS:
        return _UNIT_KINDS[text.lower()], None, None
    code, _, rest = text.partition(" ")
    if len(code) == 3 and code.isalpha() and code.isupper():
        return "money", code, rest or None
    return "number", None, text or None


def humanise(key: str) -> str:
    """``error_budget_remaining`` -> ``Error budget remaining`` (titles, never slugs)."""
    words = key.replace("_", " ").replace("-", " ").strip()
    return words[:1].upper() + words[1:]
