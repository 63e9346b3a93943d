"""``leadline maturity``: thin layer over maturity.model."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer
from rich.table import Table

from leadline.context import App
from leadline.maturity.model import maturity
from leadline.maturity.tables import domains_report
from leadline.output import OutputFormat, console, err_console, show, to_json
from leadline.periods import PeriodError, instant


def maturity_command(
    ctx: typer.Context,
    *,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Assess at this date YYYY-MM-DD (default today).")
    ] = None,
    engine: Annotated[str | None, typer.Option(help="duckdb or spark.")] = None,
    fmt: Annotated[OutputFormat, typer.Option("--format", help="table, json or csv")] = (
        OutputFormat.table
    ),
) -> None:
    """Maturity per domain (Reactive, Proactive, Integrated, Optimized, Transformative) from
    evidence, and what is missing for the next level."""
    app: App = ctx.obj
    try:  # within the years every window keeps (issue 16: 9999-12-31 overflowed)
        day = instant(as_of).date() if as_of and dt.date.fromisoformat(as_of) else None
    except PeriodError as error:
        err_console.print(f"[red]--as-of: {error}[/red]")
        raise typer.Exit(2) from None
    except ValueError:
        err_console.print(f"[red]--as-of must be YYYY-MM-DD, not {as_of!r}[/red]")
        raise typer.Exit(2) from None
    data = maturity(app, as_of=day, engine=engine)
    if fmt is OutputFormat.json:
        print(to_json(data))
        return
    if fmt is OutputFormat.csv:
        show(domains_report(data), fmt)  # the Maturity page's "Download CSV"
        return
    table = Table(title=f"Maturity at {data['as_of']}", title_justify="left")
    for column in ("domain", "level", "next level needs"):
        table.add_column(column, overflow="fold")
    for d in data["domains"]:
        missing = "\n".join(
            f"• {m['description']} ({m['detail']})" for m in (d["next"] or {}).get("missing", [])
        )
        table.add_row(d["name"], f"{d['level']} {d['level_name']}", missing or "—")
    console.print(table)
