"""``leadline strategy [capabilities|alignment|roadmap]``: without a sub-command the strategy on
a page (as before); the sub-commands are thin layers over strategy.capabilities,
strategy.alignment and strategy.roadmap."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import typer

from leadline.audit.log import actor_name
from leadline.context import App
from leadline.output import OutputFormat, emit, to_json
from leadline.periods import Period, PeriodError, instant
from leadline.strategy.alignment import alignment_matrix
from leadline.strategy.capabilities import capability_map
from leadline.strategy.cli import As, Engine, Fmt, _fail, strategy_command
from leadline.strategy.portfolio_ingest import PortfolioError, remove
from leadline.strategy.roadmap import roadmap

strategy_app = typer.Typer(
    help="Strategy on a page (no sub-command), capability map, alignment matrix, roadmap.",
    invoke_without_command=True,
)
strategy_app.callback()(strategy_command)
Today = Annotated[
    str | None, typer.Option("--today", help="Judge horizons and KPIs as of this date.")
]


def _day(text: str | None) -> dt.date | None:
    if text is None:
        return None
    try:
        dt.date.fromisoformat(text)
        return instant(text).date()  # the years every window keeps (issue 16)
    except PeriodError as error:
        _fail(f"--today: {error}")
    except ValueError:
        _fail(f"--today: must be a date YYYY-MM-DD, not {text!r}")
    raise AssertionError("unreachable")


def _pct(value: float | None, table: bool = True) -> str | float | None:
    """A share as a percentage in a table, as the plain 0..1 number in CSV."""
    if value is None or not table:
        return value
    return f"{100 * value:.0f}%"


@strategy_app.command("capabilities")
def capabilities_command(
    ctx: typer.Context,
    *,
    month: Annotated[
        str | None, typer.Option(help="Cost month YYYY-MM (default: the last full month).")
    ] = None,
    at: Annotated[
        str | None, typer.Option(help="Health as of this instant (default: now), ISO-8601.")
    ] = None,
    engine: Engine = None,
    fmt: Fmt = OutputFormat.table,
) -> None:
    """The capability map with its heat map: investment, cost and health per capability."""
    app: App = ctx.obj
    when = None
    try:  # within the years every window keeps; a bad one is one line (issue 16)
        when = instant(at) if at is not None else None
    except PeriodError as error:
        _fail(f"--at: {error}")
    try:
        if month is not None:
            Period.parse(month, ["month"])
    except PeriodError as error:
        _fail(f"--month: {error}")
    data = capability_map(app, month=month, at=when, engine=engine)
    if fmt is OutputFormat.json:
        print(to_json(data))
        return
    table = fmt is OutputFormat.table
    rows = [
        {
            **_name(c, table),
            "value streams": c["value_streams"],
            "initiatives": len(c["initiatives"]),
            "investment": _money(c["rollup"]["investment"]),
            f"cost {data['month']}": c["rollup"]["cost"],
            "SLOs met": _pct(c["rollup"]["slo_met_share"], table),
            "DORA": c["rollup"]["dora_level"],
            "health": _band(c["rollup"]["health"], table),
            "attention": c["attention"],
        }
        for c in data["capabilities"]
    ]
    title = "Capability map, each with its sub-capabilities"
    emit(rows, fmt, key="capabilities", title=f"{title} (cost in {data['cost_currency']})")


def _name(capability: dict[str, Any], table: bool) -> dict[str, Any]:
    """Indented under its parent in a table; name, level and parent columns in CSV."""
    if table:
        return {"capability": "  " * ((capability["level"] or 1) - 1) + capability["capability"]}
    return {k: capability[k] for k in ("capability", "level", "parent")}


def _band(health: str | None, table: bool) -> str | None:
    """The health band, in its colour in a table (green, yellow or red)."""
    return f"[{health}]{health}[/{health}]" if table and health else health


def _money(amounts: dict[str, str] | None) -> str | None:
    return None if not amounts else ", ".join(f"{v} {k}" for k, v in amounts.items())


@strategy_app.command("alignment")
def alignment_command(
    ctx: typer.Context, *, today: Today = None, engine: Engine = None, fmt: Fmt = OutputFormat.table
) -> None:
    """Capabilities x business outcomes (strength 0-3), with the initiatives behind each."""
    app: App = ctx.obj
    data = alignment_matrix(app, today=_day(today), engine=engine)
    if fmt is OutputFormat.json:
        print(to_json(data))
        return
    rows: list[dict[str, Any]] = [
        {
            **_name(c, fmt is OutputFormat.table),
            **c["strengths"],
            "initiatives": [i["name"] for i in c["initiatives"]],
        }
        for c in data["capabilities"]
    ]
    emit(rows, fmt, key="capabilities", title="Alignment (0 none, 1 weak, 2 medium, 3 strong)")
    if fmt is OutputFormat.table and data["uncovered_outcomes"]:
        typer.echo(
            "Outcomes no capability serves at medium or more: "
            + ", ".join(data["uncovered_outcomes"])
        )


@strategy_app.command("roadmap")
def roadmap_command(
    ctx: typer.Context, *, today: Today = None, engine: Engine = None, fmt: Fmt = OutputFormat.table
) -> None:
    """Initiatives by quarter and horizon (now/next/later), lighthouses, value realisation."""
    app: App = ctx.obj
    data = roadmap(app, today=_day(today), engine=engine)
    if fmt is OutputFormat.json:
        print(to_json(data))
        return
    table = fmt is OutputFormat.table
    mark = "##" if table else "x"
    rows = [
        {
            "initiative": ("* " if table and i["lighthouse"] else "") + i["name"],
            **({} if table else {"lighthouse": i["lighthouse"]}),
            "horizon": i["horizon"],
            **{q: mark if q in i["quarters"] else "" for q in data["quarters"]},
            "outcomes": i["outcomes"],
            "budget": None if i["budget"] is None else f"{i['budget']} {i['currency']}",
            "realised": _pct(i["realisation"], table),
        }
        for i in data["initiatives"]
    ]
    emit(rows, fmt, key="initiatives", title=f"Roadmap ({data['current_quarter']}; * lighthouse)")


@strategy_app.command("remove")
def remove_command(
    ctx: typer.Context,
    kind: Annotated[str, typer.Argument(help="capability or initiative")],
    name: Annotated[str, typer.Argument(help="Its metadata.name.")],
    *,
    as_: As = None,
    fmt: Fmt = OutputFormat.table,
) -> None:
    """Delete a capability or a roadmap initiative (audited); importing never deletes."""
    app: App = ctx.obj
    try:
        row = remove(app, kind, name, actor=actor_name(as_))
    except PortfolioError as error:
        _fail(str(error))
    emit([row], fmt, key="removed", title="Removed")
