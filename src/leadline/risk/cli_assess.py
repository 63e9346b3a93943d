"""``leadline risk csf | zero-trust | frameworks``: profiles, maturity and the libraries."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated

import typer

from leadline.context import App
from leadline.output import OutputFormat, console, emit, err_console, show, to_json
from leadline.periods import Period, PeriodError, instant
from leadline.risk.cli import FormatOption, risk_app
from leadline.risk.frameworks import BUILTIN_FILES, builtin, library_rows
from leadline.risk.models import Framework, FrameworkNode
from leadline.risk.profiles import profile_report, profiles_summary
from leadline.risk.tables import csf_rows_report, profiles_report
from leadline.risk.zerotrust import assessments, zero_trust_report

DateOption = Annotated[
    str | None,
    typer.Option("--at", help="As of this date or quarter (YYYY-MM-DD or YYYYQN; default today)."),
]


def as_of(value: str | None, option: str = "--at") -> dt.date:
    """A date, or a quarter's last day (``2026Q2`` -> 2026-06-30); default today."""
    if value is None:
        return dt.datetime.now(dt.UTC).date()
    quarter = re.fullmatch(r"(\d{4})-?Q([1-4])", value.strip(), re.IGNORECASE)
    try:
        if quarter:  # within the years every window keeps (issue 16: 9999Q4 overflowed)
            return Period.parse(value, ["quarter"]).last_day
        dt.date.fromisoformat(value)
        return instant(value).date()
    except PeriodError as error:
        err_console.print(f"[red]{option}: {error}[/red]")
        raise typer.Exit(2) from None
    except ValueError:
        err_console.print(f"[red]{option}: {value!r} is not a date or quarter[/red]")
        raise typer.Exit(2) from None


@risk_app.command("csf")
def csf_command(
    ctx: typer.Context,
    *,
    profile: Annotated[str | None, typer.Option(help="One profile's gap analysis.")] = None,
    at: DateOption = None,
    compare: Annotated[
        str | None, typer.Option(help="Progress since this date or quarter.")
    ] = None,
    gaps_only: Annotated[bool, typer.Option("--gaps", help="Only rows with a gap.")] = False,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """CSF 2.0 profiles: list them, or one profile's gaps, heat map and progress."""
    app: App = ctx.obj
    day = as_of(at)
    with app.store.session() as session:
        if profile is None:
            profiles = profiles_summary(session, day)
            if fmt is OutputFormat.json:
                emit(profiles, fmt, key="profiles")
            else:
                show(profiles_report(profiles), fmt, empty="no CSF profiles")
            return
        report = profile_report(
            session, profile, day, as_of(compare, "--compare") if compare else None
        )
    if gaps_only:
        report["rows"] = [r for r in report["rows"] if r["tier_gap"] or r["status_gap"]]
    if fmt is OutputFormat.json:
        print(to_json(report))
        return
    if fmt is OutputFormat.csv:
        show(csf_rows_report(report), fmt)
        return
    emit(report["heatmap"]["functions"], fmt, key="functions", title=f"{profile} as of {day}")
    emit(report["heatmap"]["categories"], fmt, key="categories")
    columns = ("subcategory", "current_status", "current_tier", "target_tier", "tier_gap", "owner")
    gap_rows = [
        {c: r[c] for c in columns} for r in report["rows"] if r["tier_gap"] or r["status_gap"]
    ]
    emit(gap_rows, fmt, key="gaps", title="Gaps")
    if "progress" in report:
        progress = report["progress"]
        console.print(
            f"since {progress['since']}: gaps {progress['gaps_before']} -> {report['gaps']}, "
            f"average current tier {progress['avg_current_tier_before']} -> "
            f"{report['avg_current_tier']}, {len(progress['changes'])} subcategories changed"
        )


@risk_app.command("zero-trust")
def zero_trust_command(
    ctx: typer.Context,
    *,
    assessment: Annotated[str | None, typer.Option(help="Default: every assessment.")] = None,
    at: DateOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Zero Trust maturity per CISA ZTMM 2.0 pillar, with the stage history."""
    app: App = ctx.obj
    day = as_of(at)
    with app.store.session() as session:
        names = [assessment] if assessment else assessments(session)
        reports = [zero_trust_report(session, name, day) for name in names]
    if fmt is OutputFormat.json:
        print(to_json({"at": day, "assessments": reports, "count": len(reports)}))
        return
    rows = [
        {
            "assessment": r["assessment"],
            "pillar": p["name"],
            "stage": p.get("current_stage_name"),
            "target": p.get("target_stage_name"),
            "gap": p.get("gap"),
            "history": " -> ".join(h["stage_name"] for h in p.get("history", [])),
            "assessed_on": p.get("assessed_on"),
        }
        for r in reports
        for p in r["pillars"]
    ]
    emit(rows, fmt, key="pillars", title=f"Zero Trust maturity as of {day}")


@risk_app.command("frameworks")
def frameworks_command(
    ctx: typer.Context,
    *,
    framework_id: Annotated[
        str | None, typer.Option("--id", help="List one framework's nodes.")
    ] = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """The framework libraries: built in (CSF 2.0, ZTMM 2.0, COBIT 2019) and imported."""
    app: App = ctx.obj
    with app.store.session() as session:
        stored = {f.key: f for f in session.query(Framework)}
        if framework_id is None:
            rows = [
                {
                    "id": key,
                    "name": builtin(key).library.framework.name,
                    "origin": "built-in",
                    "nodes": len(builtin(key).library.nodes),
                }
                for key in BUILTIN_FILES
            ] + [
                {
                    "id": f.key,
                    "name": f.name,
                    "origin": f.origin,
                    "nodes": session.query(FrameworkNode).filter_by(framework_id=f.id).count(),
                }
                for f in stored.values()
            ]
            emit(rows, fmt, key="frameworks", title="Frameworks")
            return
        if framework_id in stored:
            nodes = session.query(FrameworkNode).filter_by(framework_id=stored[framework_id].id)
            rows = [
                {
                    "id": n.node_id,
                    "level": n.level,
                    "parent": n.parent,
                    "name": n.name,
                    "summary": n.summary or n.statement,
                    "kind": n.kind,
                }
                for n in nodes.order_by(FrameworkNode.position)
            ]
        elif framework_id in BUILTIN_FILES:
            rows = library_rows(builtin(framework_id))
        else:
            err_console.print(f"[red]no framework {framework_id!r}[/red]")
            raise typer.Exit(1)
    emit(rows, fmt, key="nodes", title=framework_id)
