"""``leadline risk compliance | attest | controls``: policy compliance coverage and evidence."""

from __future__ import annotations

from typing import Annotated

import typer
from sqlalchemy import select

from leadline.audit import actor_name
from leadline.context import App
from leadline.output import OutputFormat, console, emit, err_console, show, to_json
from leadline.risk.ai import ai_report
from leadline.risk.cli import AsOption, FormatOption, parse_day, risk_app, today
from leadline.risk.cli_assess import as_of
from leadline.risk.compliance import GROUPINGS, compliance_report
from leadline.risk.controls import add_attestation
from leadline.risk.models import Control
from leadline.risk.tables import compliance_coverage_report, missing_evidence_report


@risk_app.command("compliance")
def compliance_command(
    ctx: typer.Context,
    *,
    by: Annotated[str, typer.Option(help=f"One of {', '.join(GROUPINGS[:3])}.")] = "business-unit",
    at: Annotated[str | None, typer.Option(help="Date or quarter (default today).")] = None,
    missing: Annotated[bool, typer.Option("--missing", help="List what is missing.")] = False,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Policy compliance coverage: in-scope (control x service) pairs with passing evidence."""
    if by not in GROUPINGS[:3]:
        err_console.print(f"[red]--by must be one of {', '.join(GROUPINGS[:3])}[/red]")
        raise typer.Exit(2)
    app: App = ctx.obj
    day = as_of(at)
    with app.store.session() as session:
        report = compliance_report(session, day, by)
    if fmt is OutputFormat.json:
        print(to_json(report))
        return
    if missing:
        show(missing_evidence_report(report), fmt, empty="no missing evidence")
        return
    show(compliance_coverage_report(report), fmt, empty="nothing in scope")


@risk_app.command("attest")
def attest_command(
    ctx: typer.Context,
    control: Annotated[str, typer.Argument(help="Control id.")],
    service: Annotated[str, typer.Argument(help="Catalog service.")],
    *,
    result: Annotated[str, typer.Option(help="pass or fail.")] = "pass",
    on: Annotated[str | None, typer.Option("--on", help="Default today.")] = None,
    expires: Annotated[str | None, typer.Option(help="Last valid day.")] = None,
    evidence: Annotated[str | None, typer.Option(help="Link to the evidence.")] = None,
    notes: Annotated[str | None, typer.Option()] = None,
    acting: AsOption = None,
) -> None:
    """Record that a control passes (or fails) for a service; audited with --as."""
    if result not in ("pass", "fail"):
        err_console.print("[red]--result must be pass or fail[/red]")
        raise typer.Exit(2)
    app: App = ctx.obj
    actor = actor_name(acting)
    values = {
        "control": control,
        "service": service,
        "result": result,
        "attested_on": today(on),
        "expires_on": parse_day(expires, "--expires"),
        "attested_by": actor,
        "evidence": evidence,
        "notes": notes,
    }
    with app.store.session() as session:
        if session.scalar(select(Control.id).where(Control.key == control)) is None:
            err_console.print(f"[red]control: no control {control!r}[/red]")
            raise typer.Exit(1)
        try:
            row = add_attestation(
                session, values, app.settings.risk.attestation_valid_days, actor=actor, via="cli"
            )
        except ValueError as error:
            session.rollback()
            err_console.print(f"[red]expires: {error}[/red]")
            raise typer.Exit(1) from None
        expires_on = row.expires_on
    console.print(f"{control} {result} for {service}, valid until {expires_on}")


@risk_app.command("controls")
def controls_command(ctx: typer.Context, *, fmt: FormatOption = OutputFormat.table) -> None:
    """The controls, their CSF/COBIT mapping, scope and evidence rule."""
    app: App = ctx.obj
    with app.store.session() as session:
        rows = [
            {
                "control": c.key,
                "name": c.name,
                "owner": c.owner,
                "csf": c.csf,
                "cobit": c.cobit,
                "scope_kind": c.scope_kind,
                "scope": c.scope,
                "evidence_rule": c.evidence_rule,
                "active": c.active,
            }
            for c in session.scalars(select(Control).order_by(Control.key))
        ]
    emit(rows, fmt, key="controls", title="Controls")


@risk_app.command("ai")
def ai_command(
    ctx: typer.Context,
    *,
    at: Annotated[str | None, typer.Option(help="Date or quarter (default today).")] = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """The AI/ML systems register by NIST AI RMF function, with overdue evaluations."""
    app: App = ctx.obj
    day = as_of(at)
    with app.store.session() as session:
        report = ai_report(session, app.settings, day)
    if fmt is OutputFormat.json:
        print(to_json(report))
        return
    columns = ("system_id", "name", "owner", "risk_tier", "approval_state", "monitoring_status")
    rows = [
        {
            **{c: r[c] for c in columns},
            **r["rmf"],
            "next_evaluation_on": r["next_evaluation_on"],
            "overdue": r["evaluation_overdue"],
        }
        for r in report["systems"]
    ]
    emit(rows, fmt, key="systems", title=f"AI systems on {day}")
    if fmt is OutputFormat.table:
        console.print(f"overdue evaluations: {', '.join(report['overdue_evaluations']) or 'none'}")
