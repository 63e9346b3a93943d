"""``leadline scorecard``: thin layer over scorecard.core and scorecard.export."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from leadline.context import App
from leadline.output import OutputFormat, err_console, show, to_json
from leadline.periods import PeriodError, instant
from leadline.scorecard import export, qbr
from leadline.scorecard.core import ScorecardError, scorecard
from leadline.scorecard.tables import scorecard_report


class Format(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"
    parquet = "parquet"
    prometheus = "prometheus"


def scorecard_command(
    ctx: typer.Context,
    *,
    by: Annotated[
        str, typer.Option("--by", help="organisation, business-unit, value-stream or team")
    ] = "organisation",
    period: Annotated[
        str | None,
        typer.Option(
            "--period",
            help="The period judged: a quarter (2026Q4 or 2026-Q4), a month (2026-11), an ISO "
            "week (2026-W49) or a year (2026); default: this quarter. A running period is judged "
            "to date; the trend compares with the period before (2026Q3 for 2026Q4).",
        ),
    ] = None,
    fmt: Annotated[
        Format, typer.Option("--format", help="table, json, csv, parquet or prometheus")
    ] = Format.table,
    out: Annotated[
        Path | None, typer.Option("--out", help="Write to this file (required for parquet).")
    ] = None,
    engine: Annotated[str | None, typer.Option(help="duckdb or spark.")] = None,
    at: Annotated[
        str | None,
        typer.Option("--at", help="Judge at this instant (date or ISO time, UTC); default now."),
    ] = None,
) -> None:
    """The balanced scorecard: each KPI's value, target, red/amber/green status, trend against
    the previous period and owner, per organisation, business unit, value stream or team."""
    app: App = ctx.obj
    if fmt is Format.parquet and out is None:
        err_console.print("[red]--format parquet needs --out FILE[/red]")
        raise typer.Exit(2)
    try:
        moment = instant(at) if at else None
        document = scorecard(app, by=by, period=period, engine=engine, now=moment)
    except (ScorecardError, PeriodError) as error:
        err_console.print(f"[red]{error}[/red]")
        raise typer.Exit(2) from None
    if fmt is Format.table:
        show(scorecard_report(document), OutputFormat.table, empty="no scopes")
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
        note = qbr.write(app, quarter, out, engine=engine)
    except ValueError as error:
        err_console.print(f"[red]{error}[/red]")
        raise typer.Exit(2) from None
    err_console.print(f"wrote {out}")
    if note:
        err_console.print(f"[yellow]{escape(note)}[/yellow]")
