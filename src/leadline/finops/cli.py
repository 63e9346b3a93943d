"""``leadline finops showback|chargeback|lines``: thin layer over finops.report."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from leadline.context import App
from leadline.finops import report
from leadline.finops.tables import chargeback_columns, money_columns, showback_report
from leadline.output import OutputFormat, emit, err_console, show, to_json
from leadline.present.formats import money
from leadline.present.model import infer

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
        str,
        typer.Option("--by", help="team, business-unit, value-stream, service, tower or tag:KEY"),
    ] = "team",
    cost: CostOpt = "effective",
    currency: Currency = None,
    engine: Engine = None,
    fmt: Fmt = OutputFormat.table,
) -> None:
    """A month's cost per group; 'unallocated' makes the groups add up to the total."""
    app: App = ctx.obj
    try:
        report.check_by(by)
    except report.FinOpsError:
        choices = ", ".join(report.GROUPS)
        raise typer.BadParameter(
            f"must be one of {choices} or tag:KEY", param_hint="--by"
        ) from None
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
    show(showback_report(data), fmt)
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
    currency = data["currency"]
    title = (
        f"Chargeback {data['month']}: total {money(data['total'], currency)}, "
        f"unallocated {money(data['unallocated'], currency)}"
    )
    emit(rows, fmt, key="lines", title=title, columns=chargeback_columns(currency))
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
    columns = money_columns(infer(data["lines"]), data["currency"])
    emit(data["lines"], fmt, key="lines", title=title, columns=columns)
