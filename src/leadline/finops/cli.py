"""``leadline finops showback|chargeback|lines``: thin layer over finops.report."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from leadline.context import App
from leadline.finops import report
from leadline.output import OutputFormat, console, emit, err_console, to_json

finops_app = typer.Typer(
    help="FinOps and TBM: showback, chargeback, allocation detail.", no_args_is_help=True
)
Fmt = Annotated[OutputFormat, typer.Option("--format", help="table, json or csv")]
MonthOpt = Annotated[str, typer.Option("--month", help="Calendar month, YYYY-MM (UTC).")]
CostOpt = Annotated[
    str, typer.Option("--cost", help="effective (amortised, default) or billed (invoiced).")
]
Currency = Annotated[
    str | None, typer.Option("--currency", help="Report this currency (needed when mixed).")
]
Engine = Annotated[str | None, typer.Option(help="duckdb or spark (default: settings).")]


def _cost_type(value: str) -> report.CostType:
    if value not in ("effective", "billed"):
        raise typer.BadParameter("must be effective or billed", param_hint="--cost")
    return value  # type: ignore[return-value]


def _fail(error: Exception) -> None:
    err_console.print(f"[red]error[/red] {error}")
    raise typer.Exit(2)


def _warn(data: dict[str, Any]) -> None:
    for warning in data.get("warnings", []):
        err_console.print(f"[yellow]warning[/yellow] {warning}")


@finops_app.command("showback")
def showback_command(
    ctx: typer.Context,
    *,
    month: MonthOpt,
    by: Annotated[
        str, typer.Option("--by", help="team, business-unit, value-stream, service or tower")
    ] = "team",
    cost: CostOpt = "effective",
    currency: Currency = None,
    engine: Engine = None,
    fmt: Fmt = OutputFormat.table,
) -> None:
    """A month's cost per group; 'unallocated' makes the groups add up to the total."""
    app: App = ctx.obj
    if by not in report.GROUPS:
        raise typer.BadParameter(f"must be one of {', '.join(report.GROUPS)}", param_hint="--by")
    try:
        data = report.showback(
            app, month, by=by, cost_type=_cost_type(cost), currency=currency, engine=engine
        )
    except report.FinOpsError as error:
        _fail(error)
        return
    if fmt is OutputFormat.json:
        print(to_json(data))
        return
    rows = [
        {
            by: g["key"],
            "cost": g["cost"],
            "share": "" if g["share"] is None else f"{g['share'] * 100:.1f}%",
        }
        for g in data["groups"]
    ]
    title = (
        f"Showback {data['month']} by {by} ({data['cost_type']} cost, {data['currency']}): "
        f"total {data['total']}"
    )
    emit(rows, fmt, key="groups", title=title)
    if fmt is OutputFormat.table and data["allocation_coverage"] is not None:
        console.print(f"allocation coverage: {data['allocation_coverage'] * 100:.1f}%")
    _warn(data)


@finops_app.command("chargeback")
def chargeback_command(
    ctx: typer.Context,
    *,
    month: MonthOpt,
    cost: CostOpt = "effective",
    currency: Currency = None,
    engine: Engine = None,
    fmt: Fmt = OutputFormat.table,
) -> None:
    """Chargeback statements per business unit: cost per team and tower, rate, charged."""
    app: App = ctx.obj
    try:
        data = report.chargeback(
            app, month, cost_type=_cost_type(cost), currency=currency, engine=engine
        )
    except report.FinOpsError as error:
        _fail(error)
        return
    if fmt is OutputFormat.json:
        print(to_json(data))
        return
    rows = [
        {"business_unit": s["business_unit"], **line}
        for s in data["statements"]
        for line in s["lines"]
    ]
    title = (
        f"Chargeback {data['month']} ({data['currency']}): total {data['total']}, "
        f"unallocated {data['unallocated']}"
    )
    emit(rows, fmt, key="lines", title=title)
    _warn(data)


@finops_app.command("lines")
def lines_command(
    ctx: typer.Context,
    *,
    month: MonthOpt,
    rule: Annotated[str | None, typer.Option("--rule", help="Only this rule's lines.")] = None,
    unallocated: Annotated[
        bool, typer.Option("--unallocated", help="Only lines no rule matched.")
    ] = False,
    limit: Annotated[int, typer.Option("--limit", min=1, help="At most this many.")] = 1000,
    cost: CostOpt = "effective",
    currency: Currency = None,
    engine: Engine = None,
    fmt: Fmt = OutputFormat.table,
) -> None:
    """Each cost line with the rule that allocated it and its TBM tower."""
    app: App = ctx.obj
    try:
        data = report.line_detail(
            app,
            month,
            cost_type=_cost_type(cost),
            currency=currency,
            rule=rule,
            unallocated=unallocated,
            limit=limit,
            engine=engine,
        )
    except report.FinOpsError as error:
        _fail(error)
        return
    if fmt is OutputFormat.json:
        print(to_json(data))
        return
    title = f"Cost lines {data['month']}: {len(data['lines'])} of {data['count']}"
    emit(data["lines"], fmt, key="lines", title=title)
