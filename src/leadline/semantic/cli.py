"""``leadline metrics list|show|explain``: the metric registry from the command line. The
same functions answer ``/api/v1/metrics``, so the JSON is the same."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from leadline.catalog.grouping import Scope
from leadline.context import App
from leadline.output import console, err_console, print_table, to_json
from leadline.periods import PeriodError, Window, instant
from leadline.present.render import document, rich_table, to_csv
from leadline.semantic import registry
from leadline.semantic.evaluation import Evaluation
from leadline.semantic.query import catalogue, explain, show, show_report, window_of
from leadline.semantic.registry import MetricError

metrics_app = typer.Typer(
    help="The metric registry: every KPI, defined once.", no_args_is_help=True
)


class Fmt(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


class By(StrEnum):
    service = "service"
    team = "team"
    value_stream = "value-stream"
    business_unit = "business-unit"
    organisation = "organisation"


class Grain(StrEnum):
    week = "week"
    month = "month"
    quarter = "quarter"
    year = "year"


FmtOpt = Annotated[Fmt, typer.Option("--format", help="table, json or csv.")]
Since = Annotated[str | None, typer.Option(help="Window start (date or ISO time, UTC).")]
Until = Annotated[str | None, typer.Option(help="Window end, exclusive (date or ISO time).")]
At = Annotated[
    str | None,
    typer.Option(help="Judge at this instant (date or ISO time, UTC); default: now."),
]
Params = Annotated[
    list[str] | None,
    typer.Option("--param", help="A metric parameter NAME=VALUE (e.g. driver=customers)."),
]
Engine = Annotated[str | None, typer.Option(help="duckdb or spark (default: settings).")]


def _fail(error: Exception) -> typer.Exit:
    err_console.print(f"[red]error[/red] {error}")
    return typer.Exit(2)


def _params(given: list[str] | None) -> dict[str, str]:
    out = {}
    for item in given or []:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise MetricError(f"--param takes NAME=VALUE, not {item!r}")
        out[name.strip()] = value.strip()
    return out


def evaluation(app: App, at: str | None, engine: str | None) -> Evaluation:
    if at is None:
        return Evaluation(app, engine)
    return Evaluation(app, engine, instant(at))


def _asked(
    ctx: typer.Context,
    key: str,
    window: tuple[str | None, str | None, str | None],
    engine: str | None,
    period: str | None = None,
) -> tuple[Evaluation, Window]:
    """The evaluation (at ``--at``) and the window (``--since``/``--until``, else the current
    ``period`` to date, else the metric's default) a command asks about; MetricError or
    PeriodError when they are bad."""
    since, until, at = window
    ev = evaluation(ctx.obj, at, engine)
    return ev, window_of(ev, registry.get(key), since, until, period)


@metrics_app.command("list")
def list_command(fmt: FmtOpt = Fmt.table) -> None:
    """Every registered metric: key, title, unit, direction, scopes, default window and the
    anchor of its definition in docs/metrics.md."""
    report = catalogue()
    if fmt is Fmt.json:
        print(to_json({"metrics": report.rows, "count": len(report.rows)}))
    elif fmt is Fmt.csv:
        print(to_csv(report), end="")
    else:
        shown = ("key", "title", "unit", "direction", "default_window")
        report.columns = [c for c in report.columns if c.key in shown]
        print_table(rich_table(report))


@metrics_app.command("show")
def show_command(
    ctx: typer.Context,
    key: Annotated[str, typer.Argument(help="A metric key (leadline metrics list).")],
    *,
    by: Annotated[By, typer.Option(help="Group by.")] = By.organisation,
    period: Annotated[
        Grain | None,
        typer.Option(help="A series per week, month, quarter or year (partial ones marked)."),
    ] = None,
    since: Since = None,
    until: Until = None,
    at: At = None,
    param: Params = None,
    engine: Engine = None,
    fmt: FmtOpt = Fmt.table,
) -> None:
    """A metric for every scope of a kind over a window (default: the metric's own)."""
    try:
        ev, window = _asked(ctx, key, (since, until, at), engine)
        data = show(
            ev,
            key,
            by=by.value,
            window=window,
            grain=period.value if period else None,
            params=_params(param),
        )
    except (MetricError, PeriodError, ValueError) as error:
        raise _fail(error) from None
    if fmt is Fmt.json:
        print(to_json(data))
        return
    report = show_report(data)
    if fmt is Fmt.csv:
        print(to_csv(report), end="")
        return
    print_table(rich_table(report))
    console.print(f"[dim]as of {data['as_of']}; definition: {data['definition']}[/dim]")


@metrics_app.command("explain")
def explain_command(
    ctx: typer.Context,
    key: Annotated[str, typer.Argument(help="A metric key (leadline metrics list).")],
    *,
    scope: Annotated[
        str, typer.Option(help="KIND:NAME (team:payments) or organisation.")
    ] = "organisation",
    period: Annotated[
        Grain | None,
        typer.Option(help="The current week, month, quarter or year to date (without --since)."),
    ] = None,
    since: Since = None,
    until: Until = None,
    at: At = None,
    param: Params = None,
    engine: Engine = None,
    fmt: FmtOpt = Fmt.table,
) -> None:
    """The rows behind one value: the facts it was computed from and how each counted."""
    try:
        grain = period.value if period else None
        ev, window = _asked(ctx, key, (since, until, at), engine, grain)
        report = explain(ev, key, Scope.parse(scope), window, _params(param))
    except (MetricError, PeriodError, ValueError) as error:
        raise _fail(error) from None
    if fmt is Fmt.json:
        print(to_json(document(report)))
    elif fmt is Fmt.csv:
        print(to_csv(report), end="")
    else:
        print_table(rich_table(report))
        meta = report.meta
        console.print(
            f"{registry.get(key).title} of {meta['scope']}: [bold]{meta['display']}[/bold] "
            f"({len(report.rows)} facts; as of {meta['as_of']}; {meta['definition']})"
        )
