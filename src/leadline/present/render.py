"""One renderer per output, all from a :class:`Report`: JSON for programs, CSV for
spreadsheets (exact values, formula-escaped), a Rich table for terminals, cells for the web
and the QBR. The CSV is the same bytes wherever it is made (CLI, web download, API)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
from decimal import Decimal
from fractions import Fraction
from typing import Any

from rich.markup import escape
from rich.table import Table

from leadline.present.formats import cell
from leadline.present.model import Column, Report

# OWASP CSV injection: a cell starting with one of these is read as a formula by spreadsheets.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def plain(value: Any) -> Any:
    """A value as JSON holds it: exact decimals as strings, instants in UTC ISO-8601."""
    if isinstance(value, Decimal):
        return format(value, "f") if value.is_finite() else None  # never "1E+2"
    if isinstance(value, Fraction):
        return format(Decimal(value.numerator) / Decimal(value.denominator), "f")
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        return value.isoformat() + "Z"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return value


def document(report: Report) -> dict[str, Any]:
    """``{"name", "title", "window", "columns": [...], "rows": [...], **meta}``."""
    return {
        **{k: plain(v) for k, v in report.meta.items()},
        "name": report.name,
        "title": report.title,
        "window": report.window,
        "columns": [
            {"key": c.key, "title": c.title, "kind": c.kind, "unit": c.unit} for c in report.columns
        ],
        "rows": [{c.key: plain(r.get(c.key)) for c in report.columns} for r in report.rows],
        "notes": list(report.notes),
    }


def to_json(report: Report) -> str:
    return json.dumps(document(report), indent=2, ensure_ascii=False)


def escape_formula(text: str) -> str:
    """A text cell a spreadsheet would run as a formula, quoted to be read as text."""
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def _csv_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if not math.isfinite(value):
            return ""
        text = repr(value)  # the shortest exact form, written out without an exponent
        return format(Decimal(text), "f") if "e" in text or "E" in text else text
    if isinstance(value, int | Decimal | Fraction):
        return str(plain(value))
    shown = plain(value)
    if isinstance(shown, list):
        shown = ", ".join(str(v) for v in shown)
    return escape_formula(str(shown))


def write_csv_row(out: io.StringIO | Any, values: list[str]) -> None:
    """One CSV line ending in ``\n``. Python 3.11's writer leaves a field holding a lone CR
    unquoted (its line terminator is ``\n``), which readers take for a line break; such a row
    is quoted here field by field."""
    if any("\r" in v for v in values):
        out.write(",".join('"' + v.replace('"', '""') + '"' for v in values) + "\n")
    else:
        csv.writer(out, lineterminator="\n").writerow(values)


def to_csv(report: Report) -> str:
    """Header of column keys, then the rows' exact values (not the formatted text)."""
    out = io.StringIO()
    write_csv_row(out, list(report.keys))
    for row in report.rows:
        write_csv_row(out, [_csv_value(row.get(k)) for k in report.keys])
    return out.getvalue()


def cells(report: Report, columns: list[Column] | None = None) -> list[list[str]]:
    """Every row's values formatted for people, in column order (web, QBR, terminal), of
    ``columns`` (default: every column of the report)."""
    chosen = report.columns if columns is None else columns
    return [[cell(row.get(c.key), c, row) for c in chosen] for row in report.rows]


RIGHT = frozenset(("count", "number", "percent", "ratio", "per_day", "hours", "money", "score"))


def align(column: Column) -> str:
    """``number`` for columns of figures (right-aligned, so digits line up), else ``text``."""
    return "number" if column.kind in RIGHT or column.kind_from else "text"


def rich_table(report: Report, columns: list[Column] | None = None) -> Table:
    """A terminal table of ``columns`` (default: the report's shown ones) that folds long
    names instead of cutting them."""
    chosen = report.shown if columns is None else columns
    title = report.title + (f" — {report.window}" if report.window else "")
    table = Table(title=title, title_justify="left")
    for column in chosen:
        right = align(column) == "number"
        table.add_column(column.title, overflow="fold", justify="right" if right else "left")
    for row in cells(report, chosen):
        table.add_row(*(escape(text) for text in row))  # a "[draft]" title is text, not markup
    return table
