"""``leadline dora``: the four keys and rework rate per group, as a table, JSON or CSV."""

from __future__ import annotations

import csv
import sys
from enum import StrEnum
from typing import Annotated, Any

import typer
from rich.table import Table

from leadline.context import App
from leadline.delivery.report import Window, dora
from leadline.output import OutputFormat, console, err_console, to_json


class By(StrEnum):
    service = "service"
    team = "team"
    value_stream = "value-stream"
    business_unit = "business-unit"


class PeriodOption(StrEnum):
    week = "week"
    month = "month"
    quarter = "quarter"


class LeadFromOption(StrEnum):
    commit = "commit"
    merge = "merge"


def dora_command(
    ctx: typer.Context,
    *,
    by: Annotated[By, typer.Option(help="Group by.")] = By.team,
    period: Annotated[
        PeriodOption | None, typer.Option(help="Add a series per week, month or quarter.")
    ] = None,
    since: Annotated[
        str | None,
        typer.Option(help="Window start (date or ISO time, UTC); default: 90 days before --until."),
    ] = None,
    until: Annotated[
        str | None, typer.Option(help="Window end, exclusive; default: the end of today (UTC).")
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


def print_table(report: dict[str, Any]) -> None:
    table = Table(
        title=f"DORA four keys by {report['by']}, {report['since'][:10]} to "
        f"{report['until'][:10]} (exclusive)",
        title_justify="left",
    )
    for column in (
        "group",
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
        table.add_column(
            column, justify="left" if column in ("group", "frequency", "level") else "right"
        )
    for group in report["groups"]:
        table.add_row(
            group["key"],
            str(group["deployments"]),
            _num(group["deployment_frequency_per_day"], 2),
            group["deployment_frequency_level"],
            _num(group["lead_time_hours"]["p50"]),
            _num(group["lead_time_hours"]["p90"]),
            _pct(group["change_failure_rate"]),
            _num(group["time_to_restore_hours"]["p50"]),
            _num(group["time_to_restore_hours"]["p90"]),
            _pct(group["rework_rate"]),
            group["performance_level"],
        )
    console.print(table)
    unresolved = sum(g["unresolved_incidents"] for g in report["groups"])
    if unresolved:
        console.print(
            f"[yellow]{unresolved} incidents are still unresolved[/yellow] (not in "
            "the restore times)"
        )


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
    """One row per group (bucket ``total``), then one per group and bucket of the series."""
    rows = []
    for group in report["groups"]:
        rows.append({"key": group["key"], "bucket": "total", **_flat(group)})
        rows += [
            {"key": group["key"], "bucket": s["bucket"], **_flat(s)}
            for s in group.get("series", [])
        ]
    fields = ["key", "bucket", *(rows[0].keys() - {"key", "bucket"})] if rows else ["key"]
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
    ]
    return order.index(name) if name in order else len(order)
