"""``leadline scorecard``: thin layer over scorecard.core and scorecard.export."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from leadline.context import App
from leadline.output import console, err_console, to_json
from leadline.scorecard import export, qbr
from leadline.scorecard.core import ScorecardError, rows, scorecard

COLOURS = {"green": "green", "amber": "yellow", "red": "red", "grey": "dim"}
ARROWS = {"better": "▲ better", "worse": "▼ worse", "flat": "▶ flat"}


class Format(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"
    parquet = "parquet"
    prometheus = "prometheus"


def _num(value: float | None) -> str:
    return "" if value is None else f"{value:,.4g}" if abs(value) < 1000 else f"{value:,.0f}"


def _table(document: dict[str, Any]) -> None:
    title = (
        f"Scorecard {document['period']} by {document['by']} "
        f"(trend vs {document['previous_period']})"
    )
    table = Table(title=title, title_justify="left")
    for column in (
        "scope",
        "group",
        "KPI",
        "value",
        "target",
        "status",
        "previous",
        "trend",
        "owner",
    ):
        table.add_column(column, overflow="fold")
    for r in rows(document):
        colour = COLOURS[r["status"]]
        table.add_row(
            r["scope"],
            r["group"],
            r["name"],
            f"{_num(r['value'])} {r['unit'] or ''}".strip(),
            _num(r["target"]),
            f"[{colour}]{r['status']}[/{colour}]",
            _num(r["previous"]),
            ARROWS.get(r["trend"] or "", ""),
            r["owner"] or "",
        )
    console.print(table)
    summary = document["summary"]
    console.print(", ".join(f"{summary[s]} {s}" for s in summary))


def scorecard_command(
    ctx: typer.Context,
    *,
    by: Annotated[
        str, typer.Option("--by", help="organisation, business-unit, value-stream or team")
    ] = "organisation",
    period: Annotated[
        str | None,
        typer.Option("--period", help="Quarter YYYYQN or month YYYY-MM (default: this quarter)."),
    ] = None,
    fmt: Annotated[
        Format, typer.Option("--format", help="table, json, csv, parquet or prometheus")
    ] = Format.table,
    out: Annotated[
        Path | None, typer.Option("--out", help="Write to this file (required for parquet).")
    ] = None,
    engine: Annotated[str | None, typer.Option(help="duckdb or spark.")] = None,
) -> None:
    """The balanced scorecard: each KPI's value, target, red/amber/green status, trend against
    the previous period and owner, per organisation, business unit, value stream or team."""
    app: App = ctx.obj
    if fmt is Format.parquet and out is None:
        err_console.print("[red]--format parquet needs --out FILE[/red]")
        raise typer.Exit(2)
    try:
        document = scorecard(app, by=by, period=period, engine=engine)
    except ScorecardError as error:
        err_console.print(f"[red]{error}[/red]")
        raise typer.Exit(2) from None
    if fmt is Format.table:
        _table(document)
        return
    if fmt in (Format.csv, Format.parquet) and out is not None:
        export.write(document, out, fmt.value)
        err_console.print(f"wrote {out}")
        return
    if fmt is Format.json:
        data = (to_json(document) + "\n").encode()
    elif fmt is Format.csv:
        data = export.csv_text(document).encode()
    else:
        data = export.exposition([document])
    if out is not None:
        out.write_bytes(data)
        err_console.print(f"wrote {out}")
    else:
        sys.stdout.write(data.decode())


report_app = typer.Typer(
    help="Reports for the board: the quarterly business review.", no_args_is_help=True
)


@report_app.command("qbr")
def qbr_command(
    ctx: typer.Context,
    *,
    quarter: Annotated[str, typer.Option("--quarter", help="Quarter YYYYQN.")],
    out: Annotated[Path, typer.Option("--out", help="FILE.html or FILE.pdf")],
    engine: Annotated[str | None, typer.Option(help="duckdb or spark.")] = None,
) -> None:
    """The quarterly business review: executive summary, scorecard, trends with charts, OKR
    scores, top risks, SLO and cost highlights, 90-day plan and maturity (HTML or PDF)."""
    app: App = ctx.obj
    if out.suffix.lower() not in (".html", ".htm", ".pdf"):
        err_console.print("[red]--out must end in .html or .pdf[/red]")
        raise typer.Exit(2)
    try:
        qbr.write(app, quarter, out, engine=engine)
    except ValueError as error:
        err_console.print(f"[red]{error}[/red]")
        raise typer.Exit(2) from None
    err_console.print(f"wrote {out}")
