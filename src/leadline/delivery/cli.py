"""``leadline dora``: the four keys and rework rate per group, as a table, JSON or CSV (the
table and CSV are ``delivery.tables.dora_report``, the report the Delivery page shows)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

import typer

from leadline.context import App
from leadline.delivery.report import dora
from leadline.delivery.tables import dora_report
from leadline.output import OutputFormat, err_console, show, to_json
from leadline.periods import Window, instant, iso


class By(StrEnum):
    service = "service"
    team = "team"
    value_stream = "value-stream"
    business_unit = "business-unit"


class PeriodOption(StrEnum):
    week = "week"
    month = "month"
    quarter = "quarter"
    year = "year"


class LeadFromOption(StrEnum):
    commit = "commit"
    merge = "merge"


class IncidentAttributionOption(StrEnum):
    window = "window"
    latest = "latest"
    ticket = "ticket"


def dora_command(
    ctx: typer.Context,
    *,
    by: Annotated[By, typer.Option(help="Group by.")] = By.team,
    period: Annotated[
        PeriodOption | None,
        typer.Option(help="Add a series per week, month, quarter or year (partial ones marked)."),
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
            "--at",
            help="Judge the window with every fact known at this instant (date or ISO time, "
            "UTC): later incidents and remediations count against it; default: now.",
        ),
    ] = None,
    lead_time_from: Annotated[
        LeadFromOption,
        typer.Option(
            help="Lead time from the change's first commit, its merge, or the start of the "
            "tickets it names (Jira, Linear keys; docs/delivery.md)."
        ),
    ] = LeadFromOption.commit,
    incident_attribution: Annotated[
        IncidentAttributionOption | None,
        typer.Option(
            help="How an incident without a deployment id finds its deployment: 'window' (the "
            "service's latest within its incident window) or 'latest' (Apache DevLake's rule: "
            "the latest before it, no window); default: [delivery] incident_attribution.",
        ),
    ] = None,
    engine: Annotated[str | None, typer.Option(help="duckdb or spark (default: settings).")] = None,
    fmt: Annotated[OutputFormat, typer.Option("--format")] = OutputFormat.table,
) -> None:
    """DORA four keys and rework rate over [since, until): deployment frequency, lead time for
    changes, change failure rate, time to restore service, with DORA performance levels."""
    app: App = ctx.obj
    try:
        window = Window.parse(since, until)
        as_of = instant(at) if at else None
        if as_of is not None and as_of <= window.since:
            raise ValueError(f"--at ({iso(as_of)}) must be after --since ({iso(window.since)})")
    except ValueError as error:
        err_console.print(f"[red]error[/red] {error}")
        raise typer.Exit(2) from None
    report = dora(
        app,
        by=by.value,
        period=period.value if period else None,
        window=window,
        engine=engine,
        lead_time_from=lead_time_from.value,
        as_of=as_of,
        incident_attribution=incident_attribution.value if incident_attribution else None,
    )
    if fmt is OutputFormat.json:
        print(to_json(report))
    else:
        show(dora_report(report), fmt)


def print_table(document: dict[str, Any]) -> None:
    """The DORA document as the default table (``leadline demo`` prints it too)."""
    show(dora_report(document), OutputFormat.table)
