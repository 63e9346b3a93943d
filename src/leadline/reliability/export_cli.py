"""``leadline slo export prometheus-rules|grafana|openslo``: SLOs as code, out (docs/reliability.md
"Exports"). ``leadline slo export`` alone is ``openslo`` (what it always was)."""

from __future__ import annotations

import json
import re
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from leadline.context import App
from leadline.ingest.files import dump_yaml
from leadline.output import console, err_console
from leadline.reliability.export_grafana import dashboard
from leadline.reliability.export_openslo import slo_documents
from leadline.reliability.export_prometheus import (
    RuleExport,
    export_rules,
    prometheus_rule,
    rule_file,
)

export_app = typer.Typer(
    help="SLOs as code: Prometheus rules, Grafana dashboards, OpenSLO documents.",
    invoke_without_command=True,
)
Slos = Annotated[
    list[str] | None,
    typer.Option("--slo", metavar="<name>", help="Only this SLO (repeat for several)."),
]
OutFile = Annotated[Path | None, typer.Option(help="File to write; default: standard output.")]


class RuleFormat(StrEnum):
    rules = "rules"
    crd = "crd"


def _write(text: str, out: Path | None) -> None:
    if out is None:
        print(text, end="")
        return
    out.write_text(text, encoding="utf-8")
    console.print(f"wrote {out}")


def _report(export: RuleExport) -> None:
    """Unknown names exit 2; skipped SLOs and notes go to standard error."""
    if export.unknown:
        err_console.print(f"[red]unknown SLO: {', '.join(export.unknown)}[/red]")
        raise typer.Exit(2)
    for skipped in export.skipped:
        err_console.print(f"skipped {skipped.slo}: {skipped.reason}")
    for note in export.notes:
        err_console.print(f"note: {note}")


@export_app.callback()
def export_default(ctx: typer.Context, *, out: OutFile = None) -> None:
    """SLO specifications as OpenSLO v1 documents (without a sub-command)."""
    if ctx.invoked_subcommand is None:
        openslo_command(ctx, out=out)


@export_app.command("openslo")
def openslo_command(ctx: typer.Context, *, slo: Slos = None, out: OutFile = None) -> None:
    """OpenSLO v1 documents: Service, SLO, and the SLI, DataSource and alert documents."""
    app: App = ctx.obj
    with app.store.session() as session:
        documents = slo_documents(session, slo)
    if slo and not documents:
        err_console.print(f"[red]unknown SLO: {', '.join(slo)}[/red]")
        raise typer.Exit(2)
    _write(dump_yaml(documents) if documents else "", out)


@export_app.command("prometheus-rules")
def rules_command(
    ctx: typer.Context,
    *,
    slo: Slos = None,
    out: OutFile = None,
    fmt: Annotated[
        RuleFormat, typer.Option("--format", help="rules (a rule file) or crd (PrometheusRule)")
    ] = RuleFormat.rules,
) -> None:
    """Recording rules per burn-rate window and multiwindow burn-rate alerts (Sloth's names)."""
    app: App = ctx.obj
    export = export_rules(app, slo)
    _report(export)
    document = rule_file(export) if fmt is RuleFormat.rules else prometheus_rule(export)
    _write(dump_yaml([document]), out)


@export_app.command("grafana")
def grafana_command(
    ctx: typer.Context,
    *,
    slo: Slos = None,
    out: Annotated[Path, typer.Option(help="Directory for the dashboards.")] = Path("dashboards"),
) -> None:
    """A Grafana dashboard JSON per SLO (budget left, burn rates, SLI) on the exported rules."""
    app: App = ctx.obj
    export = export_rules(app, slo)
    _report(export)
    out.mkdir(parents=True, exist_ok=True)
    at_risk = app.settings.reliability.at_risk_remaining
    for item, rules in export.exported:
        path = out / f"{re.sub(r'[^A-Za-z0-9_.-]+', '_', item.name)}.json"
        path.write_text(json.dumps(dashboard(item, rules, at_risk), indent=2) + "\n", "utf-8")
        console.print(f"wrote {path}")
