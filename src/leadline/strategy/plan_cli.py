"""``leadline plan [start|update]``: thin layer over strategy.plan."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import typer

from leadline.audit.log import actor_name
from leadline.context import App
from leadline.output import OutputFormat, err_console, show, to_json
from leadline.periods import PeriodError, instant
from leadline.strategy import plan
from leadline.strategy.tables import plan_table_report

plan_app = typer.Typer(
    help="The 90-day action plan: items, due dates, status, automatic evidence.",
    invoke_without_command=True,
)
Fmt = Annotated[OutputFormat, typer.Option("--format", help="table, json or csv")]
Name = Annotated[str | None, typer.Option("--name", help="Which plan (default: the latest).")]
As = Annotated[str | None, typer.Option("--as", help="Acting user (default: OS user).")]


def _date(text: str | None, option: str) -> dt.date | None:
    if text is None:
        return None
    try:
        dt.date.fromisoformat(text)
        return instant(text).date()  # the years every window keeps (issue 16)
    except PeriodError as error:
        _fail(ValueError(f"{option}: {error}"))
    except ValueError:
        _fail(ValueError(f"{option}: must be a date YYYY-MM-DD, not {text!r}"))
    raise AssertionError("unreachable")


def _fail(error: Exception) -> None:
    err_console.print(f"[red]{error}[/red]")
    raise typer.Exit(2)


def _show(data: dict[str, Any], fmt: OutputFormat) -> None:
    if fmt is OutputFormat.json:
        print(to_json(data))
        return
    show(plan_table_report(data), fmt, empty="no items")


@plan_app.callback()
def plan_command(
    ctx: typer.Context,
    *,
    name: Name = None,
    today: Annotated[str | None, typer.Option("--today", help="Judge as of this date.")] = None,
    fmt: Fmt = OutputFormat.table,
) -> None:
    """The plan's items with due dates, status, overdue flags and evidence."""
    if ctx.invoked_subcommand is not None:
        return
    app: App = ctx.obj
    try:
        data = plan.plan_report(app, name=name, today=_date(today, "--today"))
    except plan.PlanError as error:
        _fail(error)
    _show(data, fmt)


@plan_app.command("start")
def start_command(
    ctx: typer.Context,
    *,
    date: Annotated[str, typer.Option("--date", help="Start date YYYY-MM-DD.")],
    owner: Annotated[str | None, typer.Option("--owner", help="Default owner of items.")] = None,
    name: Annotated[str, typer.Option("--name")] = plan.DEFAULT_PLAN,
    as_: As = None,
    fmt: Fmt = OutputFormat.table,
) -> None:
    """Seed a plan from the template, starting on --date."""
    app: App = ctx.obj
    on = _date(date, "--date")
    assert on is not None
    try:
        data = plan.start(app, on=on, owner=owner, name=name, actor=actor_name(as_))
    except plan.PlanError as error:
        _fail(error)
    _show(data, fmt)


@plan_app.command("update")
def update_command(
    ctx: typer.Context,
    item: Annotated[str, typer.Argument(help="The item's key (see leadline plan).")],
    *,
    status: Annotated[str | None, typer.Option("--status", help=", ".join(plan.STATUSES))] = None,
    evidence: Annotated[str | None, typer.Option("--evidence", help="Link or note.")] = None,
    owner: Annotated[str | None, typer.Option("--owner")] = None,
    name: Name = None,
    as_: As = None,
    fmt: Fmt = OutputFormat.table,
) -> None:
    """Set an item's status, evidence or owner (audited)."""
    app: App = ctx.obj
    try:
        row = plan.update(
            app,
            item,
            actor=actor_name(as_),
            status=status,
            evidence=evidence,
            owner=owner,
            name=name,
        )
    except plan.PlanError as error:
        _fail(error)
    if fmt is OutputFormat.json:
        print(to_json(row))
        return
    report = plan_table_report({"items": [row]})
    report.title = "Plan item updated"
    show(report, fmt)
