"""``leadline slo status|budget|alerts|kpi|export``: thin layer over reliability.report."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import typer

from leadline.context import App
from leadline.output import OutputFormat, console, emit, err_console, show, to_json
from leadline.periods import PeriodError
from leadline.reliability import report
from leadline.reliability.export_cli import export_app
from leadline.reliability.gate_cli import gate_command, gate_log_command
from leadline.reliability.tables import budget_columns, slo_status_report

slo_app = typer.Typer(
    help="SLOs: status, error budgets, burn-rate alerts, KPI.", no_args_is_help=True
)
slo_app.command("gate")(gate_command)
slo_app.command("gate-log")(gate_log_command)
Fmt = Annotated[OutputFormat, typer.Option("--format", help="table, json or csv")]
At = Annotated[str | None, typer.Option("--at", help="Instant (ISO, UTC); default now.")]
SloName = Annotated[str | None, typer.Option("--slo", help="Only this SLO.")]
Engine = Annotated[str | None, typer.Option(help="duckdb or spark (default: settings).")]


def _instant(text: str | None) -> dt.datetime:
    """``--at``/``--since``/``--until`` read (default now); a bad one exits 2 with one line."""
    try:
        return report.parse_instant(text)
    except PeriodError as error:
        err_console.print(f"[red]{error}[/red]")
        raise typer.Exit(2) from None


@slo_app.command("status")
def status_command(
    ctx: typer.Context,
    *,
    at: At = None,
    slo: SloName = None,
    engine: Engine = None,
    fmt: Fmt = OutputFormat.table,
) -> None:
    """Each SLO now (or --at): SLI, error budget left, burn rates, alert and policy state."""
    app: App = ctx.obj
    data = report.status(app, at=_instant(at), slo=slo, engine=engine)
    if fmt is OutputFormat.json:
        print(to_json(data))
        return
    show(slo_status_report(data), fmt, empty="no SLOs")


@slo_app.command("budget")
def budget_command(
    ctx: typer.Context,
    *,
    at: At = None,
    slo: SloName = None,
    engine: Engine = None,
    fmt: Fmt = OutputFormat.table,
) -> None:
    """Error budgets: allowed and spent bad events, what is left, projected exhaustion."""
    app: App = ctx.obj
    data = report.status(app, at=_instant(at), slo=slo, engine=engine)
    rows = [_budget_row(r) for r in data["slos"]]
    if fmt is OutputFormat.json:
        print(to_json({"at": data["at"], "budgets": rows}))
        return
    title = f"Error budgets at {data['at']}"
    emit(rows, fmt, key="budgets", title=title, columns=budget_columns())


def _budget_row(r: dict[str, Any]) -> dict[str, Any]:
    events = r["events"]
    return {
        "slo": r["slo"],
        "service": r["service"],
        "window": r["window"],
        "window_start": r["window_start"],
        "objective": r["objective"],
        "budgeting": r["budgeting"],
        "allowed_bad": events["allowed_bad"],
        "bad": events["bad"],
        "total": events["total"],
        "error_budget_remaining": r["error_budget_remaining"],
        "budget_left_time": r["budget_left_time"],
        "budget_left_time_seconds": r["budget_left_time_seconds"],
        "projected_exhaustion": r["projected_exhaustion"],
        "policy_state": r["policy_state"],
        "policy_action": r["policy_action"],
    }


@slo_app.command("alerts")
def alerts_command(
    ctx: typer.Context,
    *,
    since: Annotated[str | None, typer.Option(help="Start (ISO); default 7 days ago.")] = None,
    until: Annotated[str | None, typer.Option(help="End (ISO); default now.")] = None,
    slo: SloName = None,
    engine: Engine = None,
    fmt: Fmt = OutputFormat.table,
) -> None:
    """Burn-rate alert episodes (SRE workbook multiwindow rules) over a time range."""
    app: App = ctx.obj
    end = _instant(until)
    start = _instant(since) if since else end - dt.timedelta(days=7)
    data = report.alerts(app, since=start, until=end, slo=slo, engine=engine)
    if fmt is OutputFormat.json:
        print(to_json(data))
        return
    emit(
        data["episodes"],
        fmt,
        key="episodes",
        title=f"alert episodes {data['since']} to {data['until']}",
    )


@slo_app.command("kpi")
def kpi_command(
    ctx: typer.Context,
    *,
    by: Annotated[str, typer.Option(help="service, team, value-stream or business-unit")] = "team",
    engine: Engine = None,
    fmt: Fmt = OutputFormat.table,
) -> None:
    """Percentage of SLOs met per group and calendar month."""
    app: App = ctx.obj
    data = report.kpi(app, by=by, engine=engine)  # type: ignore[arg-type]
    if fmt is OutputFormat.json:
        print(to_json(data))
        return
    rows = [{"group": g["key"], **m} for g in data["groups"] for m in g["months"]]
    emit(rows, fmt, key="kpi", title=f"SLOs met by {by}")
    if fmt is OutputFormat.table and not rows:
        console.print("[dim]no SLO data yet[/dim]")


slo_app.add_typer(export_app, name="export")
