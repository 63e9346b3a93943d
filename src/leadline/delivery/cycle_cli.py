"""``leadline dora cycle-time``, and ``leadline dora`` as a group whose bare call is still the
four keys (``delivery.cli.dora_command``, options unchanged)."""

from __future__ import annotations

import functools
from typing import Annotated, Any

import typer

from leadline.context import App
from leadline.delivery.cli import By, PeriodOption, dora_command
from leadline.delivery.cycle_report import cycle_document, cycle_report
from leadline.output import OutputFormat, err_console, show, to_json
from leadline.periods import Window, instant, iso

dora_app = typer.Typer(
    help="DORA four keys and rework rate (``leadline dora``), and pull-request cycle time "
    "(``leadline dora cycle-time``).",
    no_args_is_help=False,
)


@functools.wraps(dora_command)
def _four_keys(ctx: typer.Context, **options: Any) -> None:
    """The group's own call: the four keys, unless a sub-command was named."""
    if ctx.invoked_subcommand is None:
        dora_command(ctx, **options)


dora_app.callback(invoke_without_command=True)(_four_keys)


@dora_app.command("cycle-time")
def cycle_time_command(
    ctx: typer.Context,
    *,
    by: Annotated[By, typer.Option(help="Group by.")] = By.team,
    period: Annotated[
        PeriodOption | None,
        typer.Option(help="Add a series per week, month, quarter or year, by merge."),
    ] = None,
    since: Annotated[
        str | None,
        typer.Option(help="Window start (date or ISO time, UTC); default: 90 days before --until."),
    ] = None,
    until: Annotated[
        str | None, typer.Option(help="Window end, exclusive; default: the end of today (UTC).")
    ] = None,
    at: Annotated[
        str | None,
        typer.Option(
            "--at", help="Judge the window with the facts known at this instant; default: now."
        ),
    ] = None,
    engine: Annotated[str | None, typer.Option(help="duckdb or spark (default: settings).")] = None,
    fmt: Annotated[OutputFormat, typer.Option("--format")] = OutputFormat.table,
) -> None:
    """Pull-request cycle time over [since, until), broken down: coding, pickup, review and
    deploy (p50 and p90), the whole cycle and the size, per group; LinearB's elite
    thresholds shown as a reference."""
    app: App = ctx.obj
    try:
        window = Window.parse(since, until)
        as_of = instant(at) if at else None
        if as_of is not None and as_of <= window.since:
            raise ValueError(f"--at ({iso(as_of)}) must be after --since ({iso(window.since)})")
    except ValueError as error:
        err_console.print(f"[red]error[/red] {error}")
        raise typer.Exit(2) from None
    document = cycle_document(
        app,
        by=by.value,
        period=period.value if period else None,
        window=window,
        engine=engine,
        as_of=as_of,
    )
    if fmt is OutputFormat.json:
        print(to_json(document))
    else:
        show(cycle_report(document), fmt)
