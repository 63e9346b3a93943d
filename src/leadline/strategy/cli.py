"""``leadline okr`` and ``leadline strategy``: thin layers over strategy.okrs and strategy.page."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.panel import Panel

from leadline.audit.log import actor_name
from leadline.context import App
from leadline.output import OutputFormat, console, emit, err_console, show, to_json
from leadline.periods import Period
from leadline.present.formats import number
from leadline.semantic.query import unit_text
from leadline.strategy import okrs
from leadline.strategy.bindings import bindings
from leadline.strategy.page import StrategyError, strategy_page
from leadline.strategy.tables import okr_table_report, proof_metrics_report

okr_app = typer.Typer(
    help="OKRs: scores, key results bound to live metrics, check-ins.",
    invoke_without_command=True,
)
Fmt = Annotated[OutputFormat, typer.Option("--format", help="table, json or csv")]
Engine = Annotated[str | None, typer.Option(help="duckdb or spark (default: settings).")]
QuarterOpt = Annotated[str | None, typer.Option("--quarter", help="Quarter YYYYQN.")]
As = Annotated[str | None, typer.Option("--as", help="Acting user (default: OS user).")]


def _quarter(text: str | None) -> str | None:
    if text is None:
        return None
    try:
        return Period.parse(text, ("quarter",)).label
    except ValueError as error:
        raise typer.BadParameter(str(error), param_hint="--quarter") from None


def _fail(message: str) -> None:
    err_console.print(f"[red]{message}[/red]")
    raise typer.Exit(2)


def _num(value: float | None) -> str | None:
    return None if value is None else number(value)


@okr_app.callback()
def okr_command(
    ctx: typer.Context,
    *,
    quarter: QuarterOpt = None,
    scope: Annotated[str | None, typer.Option(help="Only this team/unit.")] = None,
    engine: Engine = None,
    fmt: Fmt = OutputFormat.table,
) -> None:
    """Objectives and key results with scores (0.0-1.0; 0.7 is a good stretch result)."""
    if ctx.invoked_subcommand is not None:
        return
    app: App = ctx.obj
    data = okrs.okr_report(app, quarter=_quarter(quarter), scope=scope, engine=engine)
    if fmt is OutputFormat.json:
        print(to_json(data))
        return
    show(okr_table_report(data), fmt, empty="no OKRs")


@okr_app.command("checkin")
def checkin_command(
    ctx: typer.Context,
    key_result: Annotated[str, typer.Argument(help="OBJECTIVE/KEY-RESULT")],
    *,
    value: Annotated[float, typer.Option("--value", help="The current value.")],
    confidence: Annotated[
        float | None, typer.Option("--confidence", help="0..1: how likely the target is met.")
    ] = None,
    note: Annotated[str | None, typer.Option("--note")] = None,
    as_: As = None,
    fmt: Fmt = OutputFormat.table,
) -> None:
    """Record a check-in (history and audit log)."""
    app: App = ctx.obj
    try:
        row = okrs.checkin(
            app, key_result, value=value, confidence=confidence, note=note, actor=actor_name(as_)
        )
    except okrs.OkrError as error:
        _fail(str(error))
    emit([row], fmt, key="checkins", title="Check-in recorded")


@okr_app.command("history")
def history_command(
    ctx: typer.Context,
    key_result: Annotated[str, typer.Argument(help="OBJECTIVE/KEY-RESULT")],
    *,
    fmt: Fmt = OutputFormat.table,
) -> None:
    """A key result's check-ins, oldest first."""
    app: App = ctx.obj
    try:
        rows = okrs.history(app, key_result)
    except okrs.OkrError as error:
        _fail(str(error))
    emit(rows, fmt, key="checkins", title=f"Check-ins of {key_result}")


@okr_app.command("refresh")
def refresh_command(
    ctx: typer.Context, *, as_: As = None, engine: Engine = None, fmt: Fmt = OutputFormat.table
) -> None:
    """Record each bound key result's value from the data as a check-in."""
    app: App = ctx.obj
    rows = okrs.refresh(app, actor=actor_name(as_), engine=engine)
    emit(rows, fmt, key="checkins", title="Bound key results recorded")


@okr_app.command("metrics")
def metrics_command(fmt: Fmt = OutputFormat.table) -> None:
    """The leadline metrics a key result can be bound to (``leadline metrics list``)."""
    rows = [
        {
            "metric": b.key,
            "unit": unit_text(b),
            "better": b.direction,
            "scopes": list(b.scopes),
            "description": b.description,
        }
        for b in bindings().values()
    ]
    emit(rows, fmt, key="metrics", title="Bindable metrics")


def strategy_command(
    ctx: typer.Context,
    *,
    name: Annotated[str | None, typer.Option(help="Which strategy (when several).")] = None,
    quarter: QuarterOpt = None,
    engine: Engine = None,
    fmt: Fmt = OutputFormat.table,
) -> None:
    """The strategy on a page: vision, outcomes, bets, OKRs, guardrails, proof metrics."""
    if ctx.invoked_subcommand is not None:
        return
    app: App = ctx.obj
    try:
        page = strategy_page(app, name=name, quarter=_quarter(quarter), engine=engine)
    except StrategyError as error:
        _fail(str(error))
    if fmt is OutputFormat.json:
        print(to_json(page))
        return
    _print_page(page)


def _bet_line(bet: dict[str, Any]) -> str:
    horizon = bet.get("horizon") or "-"
    return f"  bet: {escape(bet['title'])} \\[{horizon}]"


def _print_page(page: dict[str, Any]) -> None:
    console.print(
        Panel(page["vision"], title=f"{page['title'] or page['name']} ({page['period'] or ''})")
    )
    for outcome in page["outcomes"]:
        lines = [f"[bold]{outcome['title']}[/bold] ({outcome['id']})"]
        lines += [_bet_line(b) for b in outcome["bets"]]
        lines += [
            f"  OKR {page['quarter']}: {escape(o['title'])} ({o['scope']}) "
            f"score {_num(o['score']) or '-'}"
            for o in outcome["objectives"]
        ]
        console.print("\n".join(lines))
    if page["guardrails"]:
        guardrails = "\n".join(f"  {escape(g)}" for g in page["guardrails"])
        console.print("[bold]Guardrails[/bold]\n" + guardrails)
    if page["lighthouse_value_streams"]:
        console.print("Lighthouse value streams: " + ", ".join(page["lighthouse_value_streams"]))
    metrics = proof_metrics_report(page)
    if metrics.rows:
        show(metrics, OutputFormat.table)
