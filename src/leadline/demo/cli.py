"""``leadline demo``: a ready organisation to explore."""

from __future__ import annotations

import datetime as dt
import shutil
import sys
from collections import Counter
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from leadline.catalog import queries
from leadline.context import App
from leadline.delivery.cli import print_table
from leadline.delivery.report import dora
from leadline.demo.run import build_demo
from leadline.finops.report import FinOpsError, showback
from leadline.ingest.cli import deferred_progress
from leadline.output import console
from leadline.periods import Period, Window
from leadline.present.formats import money
from leadline.reliability.report import status as slo_status
from leadline.risk.summary import risk_summary
from leadline.scorecard.core import headline as scorecard_headline
from leadline.web.demo import web_line


class Size(StrEnum):
    small = "small"
    large = "large"


def demo(
    ctx: typer.Context,
    seed: Annotated[int, typer.Option(help="Same seed, same organisation.")] = 1,
    size: Annotated[Size, typer.Option(help="small (14 teams) or large (140 teams).")] = Size.small,
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="Date the demo is built around (YYYY-MM-DD); default today."),
    ] = None,
) -> None:
    """Generate a synthetic organisation as source files and ingest them through the real
    ingest paths."""
    app: App = ctx.obj
    anchor = dt.date.fromisoformat(as_of) if as_of else None
    with deferred_progress() as progress:
        result = build_demo(app, seed=seed, size=size.value, as_of=anchor, progress=progress)
    table = Table(
        title=f"demo organisation ({size.value}, seed {seed}): what was ingested",
        title_justify="left",
    )
    for column in (
        "source",
        "files",
        "landed",
        "unchanged",
        "read",
        "accepted",
        "rejected",
        "warnings",
    ):
        table.add_column(column, justify="left" if column == "source" else "right")
    for report in result.reports:
        statuses = Counter(r.status for r in report.results)
        totals = report.totals()
        table.add_row(
            report.source,
            str(len(report.results)),
            str(statuses["landed"]),
            str(statuses["unchanged"]),
            str(totals["rows_read"]),
            str(totals["rows_accepted"]),
            str(totals["rows_rejected"]),
            str(totals["rows_warned"]),
        )
    console.print(table)
    with app.store.session() as session:
        counts = queries.summary(session)
        teams = queries.teams(session)
    by_type: dict[str, int] = {}
    for team in teams:
        by_type[team["type"] or "unclassified"] = by_type.get(team["type"] or "unclassified", 0) + 1
    console.print(
        f"catalog: {counts['business_units']} business units, {counts['value_streams']} value "
        f"streams, {counts['teams']} teams ("
        + ", ".join(f"{n} {t}" for t, n in sorted(by_type.items()))
        + f"), {counts['services']} services, {counts['people']} people, "
        f"{counts['interactions']} interactions"
    )
    # ``leadline dora``'s default window (the 90 days to the end of the demo's day), so the
    # table printed here is the one that command prints.
    window = Window.parse(None, None, today=result.as_of)
    print_table(dora(app, by="team", window=window))
    _slo_summary(app, dt.datetime.combine(result.as_of, dt.time()))
    with app.store.session() as session:
        line = risk_summary(session, app.settings, result.as_of)
    if line:
        console.print(line)
    _finops_summary(app, result.as_of)
    console.print(scorecard_headline(app, as_of=result.as_of))
    console.print(f"source files: {result.files.root}")
    console.print(f"built in {result.seconds:.1f} s into {app.settings.resolved_home}")
    me = _command_name()
    console.print(web_line(app, me))
    console.print(
        f"next: {me} dora --by service --period week | {me} catalog check | "
        f"{me} rejects | {me} batches"
    )
    failed = [r for rep in result.reports for r in rep.results if r.status == "failed"]
    raise typer.Exit(1 if failed else 0)


def _command_name() -> str:
    """How the user ran leadline, so suggested commands work as typed (e.g. .venv/bin/leadline)."""
    invoked = Path(sys.argv[0])
    if invoked.name != "leadline" or shutil.which("leadline") == str(invoked.resolve()):
        return "leadline"
    try:
        return str(invoked.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(invoked)


def _slo_summary(app: App, at: dt.datetime) -> None:
    """One line on SLO health, the way an SRE lead would ask for it first."""
    slos = slo_status(app, at=at)["slos"]
    if not slos:
        return
    states = Counter(s["policy_state"] for s in slos)
    alerts = Counter(s["alert"] for s in slos if s["alert"])
    firing = ", ".join(f"{n} {severity}" for severity, n in sorted(alerts.items())) or "none"
    console.print(
        f"SLOs: {len(slos)} ({states['healthy']} healthy, {states['at_risk']} at risk, "
        f"{states['exhausted']} exhausted); burn-rate alerts firing: {firing}"
    )


def _finops_summary(app: App, as_of: dt.date) -> None:
    """Last complete month's cost, its unallocated part and the allocation coverage."""
    month = Period.current("month", as_of).previous().label
    try:
        data = showback(app, month)
    except FinOpsError:
        return
    if data["lines"] == 0:
        return
    unallocated = money(data["groups"][-1]["cost"], data["currency"])
    coverage = data["allocation_coverage"] or 0.0
    console.print(
        f"FinOps {month}: {money(data['total'], data['currency'])} (effective), "
        f"{unallocated} unallocated, allocation coverage {coverage * 100:.1f} %"
    )
