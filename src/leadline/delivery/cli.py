"""``leadline dora``: the four keys and rework rate per group, as a table, JSON or CSV (the
table and CSV are ``delivery.tables.dora_report``, the report the Delivery page shows)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

import typer

from leadline.context import App
from leadline.delivery.levels import NEWEST, rebenchmark
from leadline.delivery.report import dora
from leadline.delivery.tables import dora_report
from leadline.output import OutputFormat, console, emit, err_console, show, to_json
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
    ticket = "ticket"


class BenchmarkOption(StrEnum):
    """The DORA report whose benchmarks rate the keys (``levels.BENCHMARKS``)."""

    dora2023 = "2023"
    dora2024 = "2024"
    dora2025 = "2025"


DEFAULT_BENCHMARK = BenchmarkOption(NEWEST)


class IncidentAttributionOption(StrEnum):
    window = "window"
    latest = "latest"


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
    benchmark: Annotated[
        BenchmarkOption,
        typer.Option(
            help="The DORA report rating the keys: 2023 or 2024 (clusters), 2025 (per-key "
            "buckets; its levels from the 2024 clusters). Default: the newest."
        ),
    ] = DEFAULT_BENCHMARK,
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
    report = rebenchmark(report, benchmark.value)
    if fmt is OutputFormat.json:
        print(to_json(report))
    else:
        show(dora_report(report), fmt)
        if fmt is OutputFormat.table:
            print_benchmark(report)


def print_benchmark(document: dict[str, Any]) -> None:
    """Which report the levels come from, and the 2025 report's buckets when asked for."""
    groups = document["groups"]
    if not groups:
        return
    first = groups[0]
    console.print(
        f"[dim]Levels: {first['levels_benchmark']} clusters (benchmark {first['benchmark']}; "
        "docs/metrics.md#benchmarks).[/dim]"
    )
    if first["benchmark_buckets"] is None:
        return
    rows = [
        {
            "group": g["key"],
            "deployment frequency": g["benchmark_buckets"]["deployment_frequency"],
            "lead time": g["benchmark_buckets"]["lead_time"] or "—",
            "recovery time": g["benchmark_buckets"]["time_to_restore"] or "—",
        }
        for g in groups
    ]
    emit(rows, OutputFormat.table, key="buckets", title=f"{first['benchmark']} buckets")


def print_table(document: dict[str, Any]) -> None:
    """The DORA document as the default table (``leadline demo`` prints it too)."""
    show(dora_report(document), OutputFormat.table)
