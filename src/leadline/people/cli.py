"""``leadline devex``: thin layer over people.report."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from leadline.context import App
from leadline.output import OutputFormat, emit, err_console, show, to_json
from leadline.people import paved_road, skills
from leadline.people.metrics import MIN_RESPONDENTS
from leadline.people.report import DevexError, devex
from leadline.people.tables import skill_rows, skills_report
from leadline.periods import Period


def _num(value: float | None, digits: int = 2) -> str | None:
    return None if value is None else f"{value:.{digits}f}"


def _row(r: dict[str, Any]) -> dict[str, Any]:
    change = r["change"]
    return {
        "team": r["team"],
        "quarter": r["quarter"],
        "dimension": r["dimension"],
        "respondents": "<" + str(MIN_RESPONDENTS) if r["suppressed"] else r["respondents"],
        "mean": _num(r["mean"]),
        "favourable": None if r["favourable"] is None else f"{r['favourable']:.0%}",
        "change": None if change is None else f"{change:+.2f}",
    }


def devex_command(
    ctx: typer.Context,
    *,
    quarter: Annotated[str | None, typer.Option("--quarter", help="Quarter YYYYQN.")] = None,
    team: Annotated[str | None, typer.Option("--team", help="Only this team.")] = None,
    min_respondents: Annotated[
        int, typer.Option("--min-respondents", help="Anonymity threshold (at least 5).")
    ] = MIN_RESPONDENTS,
    engine: Annotated[str | None, typer.Option(help="duckdb or spark.")] = None,
    fmt: Annotated[OutputFormat, typer.Option("--format", help="table, json or csv")] = (
        OutputFormat.table
    ),
) -> None:
    """Developer-experience scores (SPACE + psychological safety) per team and quarter; groups
    under the anonymity threshold are not shown."""
    app: App = ctx.obj
    try:
        chosen = Period.parse(quarter, ("quarter",)).label if quarter else None
        data = devex(app, quarter=chosen, team=team, min_respondents=min_respondents, engine=engine)
    except (DevexError, ValueError) as error:
        err_console.print(f"[red]{error}[/red]")
        raise typer.Exit(2) from None
    if fmt is OutputFormat.json:
        print(to_json(data))
        return
    rows = [_row(r) for r in data["teams"] + data["organisation"]]
    emit(rows, fmt, key="scores", title="Developer experience (1-5; favourable = 4 or 5)")


def paved_road_command(
    ctx: typer.Context,
    *,
    by: Annotated[
        str, typer.Option("--by", help="service, team, value-stream or business-unit")
    ] = "team",
    services: Annotated[bool, typer.Option("--services", help="One row per service.")] = False,
    fmt: Annotated[OutputFormat, typer.Option("--format", help="table, json or csv")] = (
        OutputFormat.table
    ),
) -> None:
    """Paved-road adoption: services meeting the golden-path checks (owner, SLO, CI
    deployments, standard platform)."""
    app: App = ctx.obj
    if by not in ("service", "team", "value-stream", "business-unit"):
        raise typer.BadParameter("service, team, value-stream or business-unit", param_hint="--by")
    data = paved_road.adoption(app, by=by)  # type: ignore[arg-type]
    if fmt is OutputFormat.json:
        print(to_json(data))
        return
    if services:
        emit(data["services"], fmt, key="services", title="Golden-path checks per service")
        return
    rows = [
        {
            "group": g["key"],
            "services": g["services"],
            "passing": g["passing"],
            "adoption": _pct(g["adoption"]),
            **{c.replace("_", " "): _pct(g[c]) for c in paved_road.CHECKS},
        }
        for g in [*data["groups"], data["total"]]
    ]
    emit(rows, fmt, key="groups", title=f"Paved-road adoption by {by}")


def _pct(value: float | None) -> str | None:
    return None if value is None else f"{value:.0%}"


def skills_command(
    ctx: typer.Context,
    *,
    team: Annotated[str | None, typer.Option("--team", help="Only this team.")] = None,
    gaps: Annotated[bool, typer.Option("--gaps", help="Only skills with a gap.")] = False,
    everything: Annotated[
        bool,
        typer.Option(
            "--all", help="Also skills the team's people have that the team does not need."
        ),
    ] = False,
    fmt: Annotated[OutputFormat, typer.Option("--format", help="table, json or csv")] = (
        OutputFormat.table
    ),
) -> None:
    """Skills matrix: the skills each team needs vs the people who have them, with open roles
    and training, and the state of each need (met, covered by plan, uncovered)."""
    app: App = ctx.obj
    data = skills.skills_matrix(app, team=team)
    if fmt is OutputFormat.json:
        print(to_json(data))
        return
    rows = skill_rows(data, gaps=gaps, everything=everything)
    show(skills_report(rows), fmt, empty="No skills needed" + (" with a gap." if gaps else "."))
