"""``leadline risk``: the risk register and its writes (each one audited with ``--as``).

Thin: every command calls a core function that takes a session and returns plain data.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import typer

from leadline.audit import actor_name
from leadline.context import App
from leadline.output import OutputFormat, console, emit, err_console, show, to_json
from leadline.periods import PeriodError, instant
from leadline.risk.register import register_report, risk_history
from leadline.risk.risks import RiskError, get_risk, next_key, parse_actions, save
from leadline.risk.rows import split_list
from leadline.risk.scoring import Matrix
from leadline.risk.tables import risk_register_report

risk_app = typer.Typer(
    help="Governance, security and risk: register, CSF profiles, compliance, Zero Trust, AI.",
    no_args_is_help=True,
)

FormatOption = Annotated[OutputFormat, typer.Option("--format", help="table, json or csv")]
AsOption = Annotated[
    str | None, typer.Option("--as", help="Acting user for the audit log (default: OS user).")
]
AtOption = Annotated[
    str | None, typer.Option("--at", help="Judge reviews and expiry on this date (default today).")
]


def parse_day(value: str | None, option: str) -> dt.date | None:
    if value is None:
        return None
    try:
        dt.date.fromisoformat(value)
        return instant(value).date()  # the years every window keeps (issue 16: 9999 overflowed)
    except PeriodError as error:
        err_console.print(f"[red]{option}: {error}[/red]")
        raise typer.Exit(2) from None
    except ValueError:
        err_console.print(f"[red]{option}: {value!r} is not a date (YYYY-MM-DD)[/red]")
        raise typer.Exit(2) from None


def today(value: str | None) -> dt.date:
    return parse_day(value, "--at") or dt.datetime.now(dt.UTC).date()


def fail(error: RiskError) -> None:
    for field, reason in error.problems:
        err_console.print(f"[red]{field}: {reason}[/red]")
    raise typer.Exit(1)


@risk_app.command("register")
def register_command(
    ctx: typer.Context,
    *,
    at: AtOption = None,
    top: Annotated[int | None, typer.Option("--top", min=1, help="Top N by residual.")] = None,
    include_closed: Annotated[bool, typer.Option("--all", help="Closed risks too.")] = False,
    owner: Annotated[str | None, typer.Option("--owner")] = None,
    function: Annotated[
        str | None, typer.Option("--function", help="CSF function, e.g. PR")
    ] = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """The risk register by residual score (CSV: the risks-csv columns first, so that
    ``--all --format csv`` re-imports with ``leadline ingest risks-csv``)."""
    app: App = ctx.obj
    with app.store.session() as session:
        report = register_report(
            session,
            app.settings,
            today(at),
            top=top,
            include_closed=include_closed,
            owner=owner,
            function=function,
        )
    if fmt is OutputFormat.json:
        print(to_json(report))
        return
    show(risk_register_report(report), fmt, empty="no risks")


@risk_app.command("heatmap")
def heatmap_command(
    ctx: typer.Context,
    *,
    inherent: Annotated[bool, typer.Option("--inherent", help="Before treatment.")] = False,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Open risks on the likelihood x impact matrix (residual unless --inherent)."""
    app: App = ctx.obj
    with app.store.session() as session:
        report = register_report(session, app.settings, dt.datetime.now(dt.UTC).date())
    cells = report["heatmap"]["inherent" if inherent else "residual"]
    if fmt is not OutputFormat.table:
        emit(cells, fmt, key="cells")
        return
    matrix = report["matrix"]
    rows = []
    for likelihood in range(matrix["likelihood_levels"], 0, -1):
        row: dict[str, Any] = {"likelihood": likelihood}
        for cell in (c for c in cells if c["likelihood"] == likelihood):
            row[f"impact_{cell['impact']}"] = f"{cell['count']} ({cell['rating']})"
        rows.append(row)
    emit(rows, fmt, key="cells", title="Risk heat map (count and rating per cell)")


def _options(**given: Any) -> dict[str, Any]:
    """Only the options the user gave, as risk attributes."""
    values = {k: v for k, v in given.items() if v is not None}
    for name in ("csf", "cobit"):
        if name in values:
            values[name] = [item.upper() for item in split_list(values[name])]
    for name in ("services", "teams"):
        if name in values:
            values[name] = split_list(values[name])
    return values


Text = Annotated[str | None, typer.Option()]
Level = Annotated[int | None, typer.Option()]


@risk_app.command("add")
def add_command(
    ctx: typer.Context,
    *,
    title: Annotated[str, typer.Option(help="Short name of the risk.")],
    owner: Annotated[str, typer.Option(help="Accountable person.")],
    category: Annotated[str, typer.Option(help="Risk category.")],
    likelihood: Annotated[int, typer.Option(help="1..N on the matrix.")],
    impact: Annotated[int, typer.Option(help="1..N on the matrix.")],
    treatment: Annotated[str, typer.Option(help="mitigate, accept, transfer or avoid.")],
    risk_id: Annotated[str | None, typer.Option("--id", help="Default: next R-NNN.")] = None,
    description: Text = None,
    residual_likelihood: Level = None,
    residual_impact: Level = None,
    csf: Annotated[str | None, typer.Option(help="CSF subcategories, ';'-separated.")] = None,
    cobit: Annotated[str | None, typer.Option(help="COBIT objectives, ';'-separated.")] = None,
    services: Text = None,
    teams: Text = None,
    review_every_days: Level = None,
    identified_on: Annotated[str | None, typer.Option(help="Default today.")] = None,
    acting: AsOption = None,
) -> None:
    """Add a risk to the register."""
    app: App = ctx.obj
    values = _options(
        title=title,
        owner=owner,
        category=category,
        likelihood=likelihood,
        impact=impact,
        treatment=treatment,
        description=description,
        residual_likelihood=residual_likelihood,
        residual_impact=residual_impact,
        csf=csf,
        cobit=cobit,
        services=services,
        teams=teams,
        review_every_days=review_every_days,
    )
    values["identified_on"] = today(identified_on)
    matrix = Matrix.from_settings(app.settings.risk)
    with app.store.session() as session:
        values["key"] = risk_id or next_key(session)
        if get_risk(session, values["key"]) is not None:
            fail(RiskError([("risk_id", f"{values['key']!r} exists; use leadline risk update")]))
        try:
            risk, _ = save(session, values, matrix, actor=actor_name(acting))
        except RiskError as error:
            session.rollback()
            fail(error)
        key = risk.key
    console.print(f"added {key}")


@risk_app.command("update")
def update_command(
    ctx: typer.Context,
    risk_id: Annotated[str, typer.Argument(help="The risk to change.")],
    *,
    title: Text = None,
    owner: Text = None,
    category: Text = None,
    description: Text = None,
    likelihood: Level = None,
    impact: Level = None,
    residual_likelihood: Level = None,
    residual_impact: Level = None,
    treatment: Text = None,
    csf: Text = None,
    cobit: Text = None,
    services: Text = None,
    teams: Text = None,
    review_every_days: Level = None,
    reviewed_on: Annotated[str | None, typer.Option(help="Record a review on this date.")] = None,
    add_action: Annotated[
        str | None, typer.Option(help="New treatment action: 'TEXT|OWNER|YYYY-MM-DD'.")
    ] = None,
    done_action: Annotated[
        int | None, typer.Option(help="Mark action N (1-based) done.", min=1)
    ] = None,
    note: Annotated[str | None, typer.Option(help="Why (kept in the audit log).")] = None,
    acting: AsOption = None,
) -> None:
    """Change a risk; only the options given change. Every change is in its history."""
    app: App = ctx.obj
    values = _options(
        title=title,
        owner=owner,
        category=category,
        description=description,
        likelihood=likelihood,
        impact=impact,
        residual_likelihood=residual_likelihood,
        residual_impact=residual_impact,
        treatment=treatment,
        csf=csf,
        cobit=cobit,
        services=services,
        teams=teams,
        review_every_days=review_every_days,
    )
    if reviewed_on:
        values["last_reviewed_on"] = parse_day(reviewed_on, "--reviewed-on")
    _write(app, risk_id, values, acting, note, add_action=add_action, done_action=done_action)


@risk_app.command("close")
def close_command(
    ctx: typer.Context,
    risk_id: Annotated[str, typer.Argument()],
    *,
    on: Annotated[str | None, typer.Option("--on", help="Closing date (default today).")] = None,
    note: Annotated[str | None, typer.Option(help="Why it is closed.")] = None,
    acting: AsOption = None,
) -> None:
    """Close a risk (kept in the register's history; ``--all`` lists it)."""
    values = {"status": "closed", "closed_on": today(on)}
    _write(ctx.obj, risk_id, values, acting, note)


def _write(
    app: App,
    key: str,
    values: dict[str, Any],
    acting: str | None,
    note: str | None,
    *,
    add_action: str | None = None,
    done_action: int | None = None,
) -> None:
    matrix = Matrix.from_settings(app.settings.risk)
    with app.store.session() as session:
        risk = get_risk(session, key)
        if risk is None:
            fail(RiskError([("risk_id", f"no risk {key!r}")]))
            return
        if add_action or done_action:
            try:
                values["actions"] = _actions(list(risk.actions), add_action, done_action)
            except ValueError as error:
                fail(RiskError([("actions", str(error))]))
        values["key"] = key
        try:
            _, action = save(session, values, matrix, actor=actor_name(acting), note=note)
        except RiskError as error:
            session.rollback()
            fail(error)
            return
    console.print(f"updated {key}" if action else f"{key}: nothing changed")


def _actions(current: list[dict[str, Any]], add: str | None, done: int | None) -> list[Any]:
    actions = [dict(a) for a in current]
    if done is not None:
        if done > len(actions):
            raise ValueError(f"the risk has {len(actions)} actions; there is no action {done}")
        actions[done - 1]["status"] = "done"
    if add:
        parts = [p.strip() for p in add.split("|")]
        if len(parts) != 3:
            raise ValueError("--add-action takes 'TEXT|OWNER|YYYY-MM-DD'")
        actions.append({"action": parts[0], "owner": parts[1], "due_on": parts[2]})
    return parse_actions(actions)


@risk_app.command("history")
def history_command(
    ctx: typer.Context,
    risk_id: Annotated[str, typer.Argument()],
    *,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Every change of a risk: who, when, and the values before and after."""
    app: App = ctx.obj
    with app.store.session() as session:
        rows = risk_history(session, risk_id)
    if fmt is OutputFormat.json:
        print(to_json({"risk_id": risk_id, "changes": rows, "count": len(rows)}))
        return
    table = [
        {
            "at": r["at"],
            "actor": r["actor"],
            "action": r["action"],
            "changes": "; ".join(
                f"{k}: {(r['before'] or {}).get(k)} -> {(r['after'] or {}).get(k)}"
                for k in r["changed"]
            )
            if r["action"] == "update"
            else r["action"] + "d",
            "note": r["note"],
        }
        for r in rows
    ]
    emit(table, fmt, key="changes", title=f"History of {risk_id}")


# Sub-commands defined in sibling modules register themselves on risk_app when imported.
from leadline.risk import cli_assess as _cli_assess  # noqa: E402, F401
from leadline.risk import cli_controls as _cli_controls  # noqa: E402, F401
