"""``leadline catalog ...``: teams, services, value streams, interactions, check, export."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from leadline.catalog import queries
from leadline.catalog.checks import run_checks
from leadline.catalog.export import to_backstage, to_native
from leadline.catalog.tables import interactions_report, services_report, teams_report
from leadline.context import App
from leadline.ingest.files import dump_yaml
from leadline.output import OutputFormat, console, emit, err_console, show
from leadline.present.model import Report

catalog_app = typer.Typer(
    help="The organisation: teams, services, value streams.", no_args_is_help=True
)
FormatOption = Annotated[OutputFormat, typer.Option("--format", help="table, json or csv")]


def _emit(
    rows: list[dict[str, Any]],
    fmt: OutputFormat,
    key: str,
    report: Callable[[list[dict[str, Any]]], Report],
) -> None:
    """``{key: rows, "count"}`` as JSON, else the pillar's report of the rows (the one the
    Catalog page shows) as a table or CSV."""
    if fmt is OutputFormat.json:
        emit(rows, fmt, key=key)
    else:
        show(report(rows), fmt, empty=f"no {key}")


@catalog_app.command()
def teams(ctx: typer.Context, fmt: FormatOption = OutputFormat.table) -> None:
    """Teams with their Team Topologies type, cognitive load and what they own."""
    app: App = ctx.obj
    with app.store.session() as session:
        _emit(queries.teams(session), fmt, "teams", teams_report)


@catalog_app.command()
def services(ctx: typer.Context, fmt: FormatOption = OutputFormat.table) -> None:
    """Services (Backstage components) with owner team, value stream, tier and lifecycle."""
    app: App = ctx.obj
    with app.store.session() as session:
        _emit(queries.services(session), fmt, "services", services_report)


@catalog_app.command("value-streams")
def value_streams(ctx: typer.Context, fmt: FormatOption = OutputFormat.table) -> None:
    """Value streams with their business unit and how many teams and services serve them."""
    app: App = ctx.obj
    with app.store.session() as session:
        emit(queries.value_streams(session), fmt, key="value_streams", title="value streams")


@catalog_app.command("business-units")
def business_units(ctx: typer.Context, fmt: FormatOption = OutputFormat.table) -> None:
    """Business units and their organisation."""
    app: App = ctx.obj
    with app.store.session() as session:
        emit(queries.business_units(session), fmt, key="business_units", title="business units")


@catalog_app.command()
def interactions(ctx: typer.Context, fmt: FormatOption = OutputFormat.table) -> None:
    """Team interactions (collaboration, x-as-a-service, facilitating) with their dates."""
    app: App = ctx.obj
    with app.store.session() as session:
        _emit(queries.interactions(session), fmt, "interactions", interactions_report)


@catalog_app.command()
def check(
    ctx: typer.Context,
    at: Annotated[str | None, typer.Option(help="Judge ages as of this date (YYYY-MM-DD).")] = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Report catalog problems; exits 1 when there are findings."""
    app: App = ctx.obj
    try:  # a bad date is one line (issue 16: a traceback); any year only ages the findings
        today = dt.date.fromisoformat(at) if at else dt.datetime.now(dt.UTC).date()
    except ValueError:
        err_console.print(f"[red]--at: {at!r} is not a date (YYYY-MM-DD)[/red]")
        raise typer.Exit(2) from None
    with app.store.session() as session:
        findings = run_checks(session, app.settings.catalog, today)
    emit(
        [f.as_dict() for f in findings],
        fmt,
        key="findings",
        title="catalog check",
        extra={"at": today.isoformat()},
    )
    if fmt is OutputFormat.table and not findings:
        console.print("[green]catalog check passed[/green]")
    raise typer.Exit(1 if findings else 0)


class ExportFormat(StrEnum):
    backstage = "backstage"
    native = "native"


@catalog_app.command()
def export(
    ctx: typer.Context,
    fmt: Annotated[ExportFormat, typer.Option("--format")] = ExportFormat.backstage,
    out: Annotated[
        Path | None, typer.Option(help="File to write; default: standard output.")
    ] = None,
) -> None:
    """Export the catalog as Backstage descriptors or as native catalog YAML."""
    app: App = ctx.obj
    with app.store.session() as session:
        docs = to_backstage(session) if fmt is ExportFormat.backstage else [to_native(session)]
    text = dump_yaml(docs)
    if out is None:
        print(text, end="")
    else:
        out.write_text(text, encoding="utf-8")
        console.print(f"wrote {len(docs)} documents to {out}")
