"""Printing results: Rich tables for people, stable JSON and CSV for programs."""

from __future__ import annotations

import datetime as dt
import json
import sys
from decimal import Decimal
from enum import StrEnum
from typing import Any

from rich.console import Console, RenderableType
from rich.markup import escape
from rich.measure import Measurement

from leadline.present.model import Column, Report, humanise, infer
from leadline.present.render import rich_table, to_csv

console = Console()
err_console = Console(stderr=True)
PIPED_MAX_WIDTH = 1000


def print_table(table: RenderableType) -> None:
    """A table on a terminal fits its width (long names fold, never cut); piped or
    redirected (where Rich would assume 80 columns and fold every word), it is printed at
    its natural width, up to ``PIPED_MAX_WIDTH`` columns, one line per row for grep or a
    file."""
    if console.is_terminal:
        console.print(table)
        return
    natural = Measurement.get(console, console.options.update(width=PIPED_MAX_WIDTH), table)
    width = max(console.width, min(natural.maximum, PIPED_MAX_WIDTH))
    Console(file=sys.stdout, width=width, color_system=None).print(table)


class OutputFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


def _json_default(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")  # exact, never "3.5E+5"
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def to_json(payload: Any) -> str:
    return json.dumps(payload, indent=2, default=_json_default, ensure_ascii=False)


def emit(
    rows: list[dict[str, Any]],
    fmt: OutputFormat,
    *,
    key: str,
    title: str | None = None,
    extra: dict[str, Any] | None = None,
    columns: list[Column] | None = None,
) -> None:
    """Print ``rows``: ``{key: rows, **extra}`` as JSON, or a :class:`Report` of ``columns``
    (default: inferred from the values, a fallback for commands whose pillar declares no
    report) as a table or CSV."""
    if fmt is OutputFormat.json:
        print(to_json({key: rows, "count": len(rows), **(extra or {})}))
        return
    report = Report(key, title or humanise(key), columns or infer(rows), rows)
    show(report, fmt, empty=f"no {key.replace('_', ' ')}")


def show(report: Report, fmt: OutputFormat, *, empty: str | None = None) -> None:
    """A report as people read it (a table of its shown columns, formatted by kind) or as CSV
    (every column, exact values: the bytes the web page's "Download CSV" gives). JSON is the
    caller's: each command's JSON document is its own contract."""
    if fmt is OutputFormat.csv:
        sys.stdout.write(to_csv(report))
    elif report.rows:
        print_table(rich_table(report))
        for note in report.notes:
            console.print(escape(note))
    else:
        console.print(escape(empty or f"{report.title}: nothing to show"), style="dim")
