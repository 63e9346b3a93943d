"""``leadline finops budget|anomalies|unit-cost|vendors|reconcile``: thin layers over the core
functions (the same data the web app returns), registered on the lead's ``finops_app``."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from leadline.context import App
from leadline.finops import anomalies, budgets, reconcile, unit_cost, vendors
from leadline.finops.cli import (
    CostOpt,
    Currency,
    Engine,
    Fmt,
    MonthOpt,
    _cost_type,
    _fail,
    _warn,
    finops_app,
)
from leadline.finops.report import FinOpsError
from leadline.finops.tables import anomalies_table, budget_table, unit_cost_table, vendors_table
from leadline.output import OutputFormat, show, to_json
from leadline.periods import PeriodError, instant
from leadline.present.model import Report


def _show(data: dict[str, Any], fmt: OutputFormat, report: Report) -> None:
    """The command's JSON document, or its report (``finops/tables.py``: the FinOps pages
    show the same) as a table or CSV."""
    if fmt is OutputFormat.json:
        print(to_json(data))
        return
    show(report, fmt)
    _warn(data)


@finops_app.command("budget")
def budget_command(
    ctx: typer.Context,
    *,
    month: MonthOpt,
    by: Annotated[
        str,
        typer.Option(
            "--by", help="team, business-unit, value-stream, tower or organisation (the budgets')"
        ),
    ] = "team",
    cost: CostOpt = "effective",
    currency: Currency = None,
    engine: Engine = None,
    fmt: Fmt = OutputFormat.table,
) -> None:
    """Budget against actual per scope, with the month's forecast and the next month's."""
    app: App = ctx.obj
    if by not in budgets.SCOPE_KINDS:
        raise typer.BadParameter(
            f"must be one of {', '.join(budgets.SCOPE_KINDS)}", param_hint="--by"
        )
    try:
        data = budgets.budget_report(
            app, month, by=by, cost_type=_cost_type(cost), currency=currency, engine=engine
        )
    except FinOpsError as error:
        _fail(error)
        return
    _show(data, fmt, budget_table(data))


@finops_app.command("anomalies")
def anomalies_command(
    ctx: typer.Context,
    *,
    since: Annotated[str | None, typer.Option(help="First day (default: 30 days back).")] = None,
    until: Annotated[
        str | None, typer.Option(help="Day after the last (default: after the latest data).")
    ] = None,
    min_delta: Annotated[
        float, typer.Option("--min-delta", help="Smallest excess over the mean that counts.")
    ] = 10.0,
    cost: CostOpt = "effective",
    engine: Engine = None,
    fmt: Fmt = OutputFormat.table,
) -> None:
    """Days whose cost of a service jumps above its trailing 14-day baseline; a service
    posted once a month (salaries, licences) is judged against its previous 6 months."""
    app: App = ctx.obj
    try:
        data = anomalies.anomalies(
            app,
            since=since,
            until=until,
            cost_type=_cost_type(cost),
            min_delta=min_delta,
            engine=engine,
        )
    except ValueError as error:
        _fail(error)
        return
    _show(data, fmt, anomalies_table(data))


@finops_app.command("unit-cost")
def unit_cost_command(
    ctx: typer.Context,
    *,
    month: MonthOpt,
    driver: Annotated[str, typer.Option(help="Business driver, e.g. transactions.")],
    by: Annotated[
        str, typer.Option("--by", help="organisation, team, business-unit or value-stream")
    ] = "organisation",
    cost: CostOpt = "effective",
    currency: Currency = None,
    engine: Engine = None,
    fmt: Fmt = OutputFormat.table,
) -> None:
    """Cost per unit of a business driver and per deployment, per scope."""
    app: App = ctx.obj
    if by not in unit_cost.SCOPES:
        raise typer.BadParameter(f"must be one of {', '.join(unit_cost.SCOPES)}", param_hint="--by")
    try:
        data = unit_cost.unit_cost(
            app,
            month,
            driver=driver,
            by=by,
            cost_type=_cost_type(cost),
            currency=currency,
            engine=engine,
        )
    except FinOpsError as error:
        _fail(error)
        return
    _show(data, fmt, unit_cost_table(data))


@finops_app.command("vendors")
def vendors_command(
    ctx: typer.Context,
    *,
    at: Annotated[
        str | None, typer.Option("--at", help="Report date (default today, UTC).")
    ] = None,
    cost: CostOpt = "effective",
    engine: Engine = None,
    fmt: Fmt = OutputFormat.table,
) -> None:
    """Contracts: spend against commitment, projection, renewal and notice dates, flags."""
    app: App = ctx.obj
    try:  # within the years every window keeps (issue 16: 9999-12-31 overflowed)
        day = instant(at).date() if at else None
    except PeriodError as error:
        _fail(ValueError(f"--at: {error}"))
    data = vendors.vendors_report(app, at=day, cost_type=_cost_type(cost), engine=engine)
    _show(data, fmt, vendors_table(data))


@finops_app.command("reconcile")
def reconcile_command(
    ctx: typer.Context,
    *,
    month: Annotated[
        str | None, typer.Option("--month", help="Billing periods of this month, YYYY-MM.")
    ] = None,
    engine: Engine = None,
    fmt: Fmt = OutputFormat.table,
) -> None:
    """Read vs landed BilledCost and EffectiveCost of every FOCUS batch, per billing period and
    currency; lists any difference (exit 1 when there is one)."""
    app: App = ctx.obj
    try:
        data = reconcile.reconcile(app, month, engine=engine)
    except ValueError as error:
        _fail(error)
        return
    _show(data, fmt, reconcile.reconcile_table(data))
    if data["differences"]:
        raise typer.Exit(1)
