"""``leadline dora``: the four keys and rework rate per group, as a table, JSON or CSV."""

from __future__ import annotations

import csv
import sys
from enum import StrEnum
from typing import Annotated, Any

import typer
from rich.table import Table

from leadline.context import App
from leadline.delivery.report import dora
from leadline.output import OutputFormat, console, err_console, to_json
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
        typer.Option(help="Lead time from the change's first commit or from its merge."),
    ] = LeadFromOption.commit,
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
    )
    if fmt is OutputFormat.json:
        print(to_json(report))
    elif fmt is OutputFormat.csv:
        _csv(report)
    else:
        print_table(report)


def _num(value: float | None, digits: int = 1) -> str:
    return "" if value is None else f"{value:.{digits}f}"


def _pct(value: float | None) -> str:
    return "" if value is None else f"{value * 100:.1f}%"


PARTIAL = "*"  # marks a bucket the window or the as-of instant cuts short


def print_table(report: dict[str, Any]) -> None:
    """One row per group; with a series, the group's total then one row per bucket (a partial
    bucket's label marked ``*``)."""
    window = Window(instant(report["since"]), instant(report["until"]))
    as_of = instant(report["as_of"]) if report.get("as_of") else None
    judged = f", as of {report['as_of'][:16].replace('T', ' ')} UTC" if as_of else ""
    table = Table(
        title=f"DORA four keys by {report['by']}, {window.label()}{judged}",
        title_justify="left",
    )
    series = report.get("period") is not None
    for column in (
        "group",
        *(["period"] if series else []),
        "deploys",
        "per day",
        "frequency",
        "lead time p50 h",
        "p90 h",
        "change failure",
        "restore p50 h",
        "p90 h",
        "rework",
        "level",
    ):
        left = column in ("group", "period", "frequency", "level")
        table.add_column(column, justify="left" if left else "right")
    partial = False
    for group in report["groups"]:
        rows = [("total", group)] if series else [(None, group)]
        for bucket in group.get("series", []):
            partial = partial or bucket["partial"]
            rows.append((bucket["label"] + (PARTIAL if bucket["partial"] else ""), bucket))
        for index, (label, item) in enumerate(rows):
            table.add_row(
                group["key"] if index == 0 else "",
                *([label or ""] if series else []),
                *_cells(item),
                end_section=series and index == len(rows) - 1,
            )
    console.print(table)
    if partial:
        console.print(
            f"{PARTIAL} partial: the window or the as-of instant cuts the period short "
            "(per-day rates divide by its days inside the window)"
        )
    unresolved = sum(g["unresolved_incidents"] for g in report["groups"])
    if unresolved:
        console.print(
            f"[yellow]{unresolved} incidents are still unresolved[/yellow] (not in "
            "the restore times)"
        )


def _cells(item: dict[str, Any]) -> list[str]:
    """The numbers of a group's totals or of one bucket, as the table shows them."""
    return [
        str(item["deployments"]),
        _num(item["deployment_frequency_per_day"], 2),
        item["deployment_frequency_level"],
        _num(item["lead_time_hours"]["p50"]),
        _num(item["lead_time_hours"]["p90"]),
        _pct(item["change_failure_rate"]),
        _num(item["time_to_restore_hours"]["p50"]),
        _num(item["time_to_restore_hours"]["p90"]),
        _pct(item["rework_rate"]),
        item["performance_level"],
    ]


FLAT = (
    "deployments",
    "deployment_frequency_per_day",
    "deployment_frequency_level",
    "changes",
    "change_failure_rate",
    "failed_deployments",
    "incidents",
    "unresolved_incidents",
    "rework_rate",
    "rework_deployments",
    "performance_level",
)


def _flat(item: dict[str, Any]) -> dict[str, Any]:
    row = {k: item[k] for k in FLAT}
    row["lead_time_p50_hours"] = item["lead_time_hours"]["p50"]
    row["lead_time_p90_hours"] = item["lead_time_hours"]["p90"]
    row["time_to_restore_p50_hours"] = item["time_to_restore_hours"]["p50"]
    row["time_to_restore_p90_hours"] = item["time_to_restore_hours"]["p90"]
    return row


def _csv(report: dict[str, Any]) -> None:
    """One row per group (bucket ``total``), then one per group and bucket of the series
    (with its ``label`` and whether it is ``partial``)."""
    rows = []
    for group in report["groups"]:
        rows.append({"key": group["key"], "bucket": "total", **_flat(group)})
        rows += [
            {
                "key": group["key"],
                "bucket": s["bucket"],
                **_flat(s),
                "label": s["label"],
                "partial": "true" if s["partial"] else "false",
            }
            for s in group.get("series", [])
        ]
    fields = list(dict.fromkeys(name for row in rows for name in row)) if rows else ["key"]
    writer = csv.DictWriter(
        sys.stdout, fieldnames=sorted(fields, key=_field_order), lineterminator="\n"
    )
    writer.writeheader()
    writer.writerows(rows)


def _field_order(name: str) -> int:
    order = [
        "key",
        "bucket",
        "deployments",
        "deployment_frequency_per_day",
        "deployment_frequency_level",
        "lead_time_p50_hours",
        "lead_time_p90_hours",
        "changes",
        "change_failure_rate",
        "failed_deployments",
        "time_to_restore_p50_hours",
        "time_to_restore_p90_hours",
        "incidents",
        "unresolved_incidents",
        "rework_rate",
        "rework_deployments",
        "performance_level",
        "label",
        "partial",
    ]
    return order.index(name) if name in order else len(order)
