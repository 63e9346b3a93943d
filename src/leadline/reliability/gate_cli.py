"""``leadline slo gate``: the deploy gate for CI pipelines (exit 1 to freeze, 0 to deploy);
``leadline slo gate-log``: the decisions and overrides it recorded."""

from __future__ import annotations

from typing import Annotated

import typer

from leadline.audit import actor_name
from leadline.context import App
from leadline.output import OutputFormat, console, err_console, show, to_json
from leadline.periods import PeriodError
from leadline.reliability import report
from leadline.reliability.gate import GateError, cli_principal, decide, grant_override, recent
from leadline.reliability.gate_tables import decisions_report, gate_report

FREEZE_EXIT = 1
ERROR_EXIT = 2


def gate_command(
    ctx: typer.Context,
    *,
    service: Annotated[str, typer.Option("--service", help="Catalog service to gate.")],
    at: Annotated[
        str | None, typer.Option("--at", help="Judge the SLOs at this instant (ISO, UTC).")
    ] = None,
    override: Annotated[
        bool, typer.Option("--override", help="Let deploys through despite a freeze.")
    ] = False,
    reason: Annotated[
        str | None, typer.Option("--reason", help="Why (required with --override).")
    ] = None,
    as_: Annotated[
        str | None, typer.Option("--as", help="Acting user (default: LEADLINE_ACTOR, OS user).")
    ] = None,
    engine: Annotated[str | None, typer.Option(help="duckdb or spark (default: settings).")] = None,
    fmt: Annotated[
        OutputFormat, typer.Option("--format", help="table, json or csv")
    ] = OutputFormat.table,
) -> None:
    """Exit 1 when the error-budget policy freezes SERVICE's deploys (a budget exhausted or a
    page alert firing), 0 otherwise; every decision is recorded. ``--override --reason``
    (editors of reliability, admins) lets deploys through for reliability.gate_override_hours."""
    app: App = ctx.obj
    if override and not (reason or "").strip():
        raise typer.BadParameter('--override needs --reason "why"', param_hint="--reason")
    if reason is not None and not override:
        raise typer.BadParameter("--reason goes with --override", param_hint="--reason")
    try:
        instant = report.parse_instant(at)
    except PeriodError as error:
        err_console.print(f"[red]--at: {error}[/red]")
        raise typer.Exit(ERROR_EXIT) from None
    who = cli_principal(app, actor_name(as_))
    try:
        if override:
            granted = grant_override(app, service, who, reason)
            err_console.print(
                f"override of {service} by {who.name} until {granted['until']} (audited)"
            )
        document = decide(app, service, who, at=instant, engine=engine)
    except GateError as error:
        err_console.print(f"[red]error:[/red] {error}")
        raise typer.Exit(ERROR_EXIT) from None
    if fmt is OutputFormat.json:
        print(to_json(document))
    else:
        if fmt is OutputFormat.table:
            console.print(f"decision: {document['decision']}", style="bold")
        show(gate_report(document), fmt, empty=f"no SLO for {service}")
    if document["decision"] == "freeze":
        raise typer.Exit(FREEZE_EXIT)


def gate_log_command(
    ctx: typer.Context,
    *,
    service: Annotated[
        list[str] | None, typer.Option("--service", help="Only this service (repeatable).")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=1000, help="How many.")] = 20,
    fmt: Annotated[
        OutputFormat, typer.Option("--format", help="table, json or csv")
    ] = OutputFormat.table,
) -> None:
    """The latest deploy-gate decisions and overrides, newest first (the Reliability page's
    table): who asked, from where, what was decided and why."""
    app: App = ctx.obj
    rows = recent(app, services=set(service) if service else None, limit=limit)
    if fmt is OutputFormat.json:
        print(to_json({"decisions": rows}))
        return
    show(decisions_report(rows), fmt, empty="no gate decision recorded yet")
