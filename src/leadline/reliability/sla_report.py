"""``leadline sla status``: the SLA attainment report (JSON, CSV, table) over ``sla.py``'s
metric, with the agreements in force read from the store.

JSON keys (a contract: add, never rename): ``month``, ``by``, ``as_of``, ``month_complete``,
``engine``, ``groups`` (per group key and agreement: ``key``, ``agreement``, ``status``,
``availability`` {``objective``, ``availability``, ``good``, ``total``, ``status``},
``tickets`` {``tickets``, ``open``, ``cancelled``, ``response``, ``resolution``} and
``priorities`` [{``priority``, ``tickets``, ``open``, ``cancelled``, ``attainment_target``,
``response``, ``resolution``}], where each response/resolution is {``target_hours``, ``met``,
``breached``, ``pending``, ``within_target``, ``p50_hours``, ``p90_hours``, ``status``}).
"""

from __future__ import annotations

from typing import Annotated, Any

import ibis
import typer

from leadline.catalog.grouping import NO_GROUP
from leadline.context import App
from leadline.lake.engines import Lake
from leadline.output import OutputFormat, err_console, show, to_json
from leadline.periods import PeriodAsOf, PeriodError, instant, iso
from leadline.reliability.agreement_models import SLA
from leadline.reliability.agreement_tables import sla_status_report
from leadline.reliability.metrics import finite_samples
from leadline.reliability.service_level_report import (
    By,
    GroupBy,
    coverage,
    memtable,
    services_table,
)
from leadline.reliability.sla import (
    AVAILABILITY_SCHEMA,
    COVERAGE_SCHEMA,
    TARGETS_SCHEMA,
    sla_attainment,
)

# --- report -------------------------------------------------------------------------------


def sla_inputs(covered: list[tuple[str, Any]], month: PeriodAsOf) -> dict[str, ibis.Table]:
    """The agreements in force, as the three small tables ``sla_attainment`` joins."""
    cov, targets, avail = [], [], []
    for service, agreement in covered:
        cov.append({"service": service, "month": month.start, "agreement": agreement.name})
        for priority, limit in (agreement.targets.get("tickets") or {}).items():
            targets.append(
                {"service": service, "month": month.start, "priority": priority, **limit}
            )
        wanted = agreement.targets.get("availability")
        if wanted:
            slo = wanted["slo"].replace("{service}", service)
            avail.append(
                {
                    "service": service,
                    "month": month.start,
                    "agreement": agreement.name,
                    "slo": slo,
                    "objective": wanted["objective"],
                }
            )
    return {
        "coverage": memtable(cov, COVERAGE_SCHEMA),
        "targets": memtable(targets, TARGETS_SCHEMA),
        "availability_targets": memtable(avail, AVAILABILITY_SCHEMA),
    }


def sla_status(
    app: App, *, month: PeriodAsOf, by: GroupBy = "service", engine: str | None = None
) -> dict[str, Any]:
    """The ``leadline sla status --format json`` document."""
    lake = Lake(app.settings, app.store, engine)
    members, covered = coverage(app, SLA, month)
    expr = sla_attainment(
        lake.table("tickets", [month.label]),
        finite_samples(lake.table("sli_samples", [month.label])),
        services=services_table(members, by),
        as_of=month.as_of,
        unmapped=None if by == "service" else NO_GROUP,
        **sla_inputs(covered, month),
    )
    rows: list[dict[str, Any]] = lake.execute(expr).to_pylist()
    groups: dict[tuple[str, str], dict[str, Any]] = {}
    for row in sorted(rows, key=lambda r: (r["key"], r["agreement"], r["priority"] or "")):
        slot = (row["key"], row["agreement"])
        if row["priority"] is None:
            groups.setdefault(slot, {"priorities": []}).update(_totals_shape(row))
        else:
            groups.setdefault(slot, {"priorities": []})["priorities"].append(_priority_shape(row))
    return {
        "month": month.label,
        "by": by,
        "as_of": iso(month.as_of),
        "month_complete": month.complete,
        "engine": lake.engine,
        "groups": [groups[k] for k in sorted(groups)],
    }


def _hours(seconds: int | None) -> float | None:
    return None if seconds is None else seconds / 3600


def _side(row: dict[str, Any], side: str, limit: str | None) -> dict[str, Any]:
    shaped = {"target_hours": _hours(row[limit])} if limit else {}
    shaped.update(
        {
            "met": row[f"{side}_met"],
            "breached": row[f"{side}_breached"],
            "pending": row[f"{side}_pending"],
            "within_target": row[f"{side}_within_target"],
            "p50_hours": row[f"{side}_p50_hours"],
            "p90_hours": row[f"{side}_p90_hours"],
            "status": row[f"{side}_status"],
        }
    )
    return shaped


def _counts(row: dict[str, Any]) -> dict[str, Any]:
    return {"tickets": row["tickets"], "open": row["open"], "cancelled": row["cancelled"]}


def _priority_shape(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "priority": row["priority"],
        **_counts(row),
        "attainment_target": row["attainment_target"],
        "response": _side(row, "response", "respond_within_seconds"),
        "resolution": _side(row, "resolution", "resolve_within_seconds"),
    }


def _totals_shape(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "key": row["key"],
        "agreement": row["agreement"] or None,
        "status": row["status"],
        "availability": {
            "objective": row["availability_objective"],
            "availability": row["availability"],
            "good": row["availability_good"],
            "total": row["availability_total"],
            "status": row["availability_status"] or "no_target",
        },
        "tickets": {
            **_counts(row),
            "response": _side(row, "response", None),
            "resolution": _side(row, "resolution", None),
        },
    }


# --- CLI ----------------------------------------------------------------------------------

sla_app = typer.Typer(
    help="ITIL 4 service level agreements: attainment per month.", no_args_is_help=True
)


def parse_month(month: str | None, as_of: str | None) -> PeriodAsOf:
    """The report month judged at the as-of instant, from the options, or exit 2 naming what
    is wrong."""
    try:
        at = instant(as_of) if as_of else None
        try:
            return PeriodAsOf.parse(month, at)
        except PeriodError as error:  # its words: 9999-12 is a month, outside the years
            raise PeriodError(f"--month: {error}") from None
    except PeriodError as error:
        err_console.print(f"[red]error[/red] {error}")
        raise typer.Exit(2) from None


MonthOption = Annotated[
    str | None, typer.Option(help="Calendar month YYYY-MM (UTC); default: this month.")
]
AsOfOption = Annotated[str | None, typer.Option(help="Judge at this instant (ISO); default: now.")]
EngineOption = Annotated[str | None, typer.Option(help="duckdb or spark (default: settings).")]


@sla_app.callback()
def _group() -> None:
    """ITIL 4 service level agreements: ticket and availability targets, attainment."""


@sla_app.command("status")
def status_command(
    ctx: typer.Context,
    *,
    month: MonthOption = None,
    by: Annotated[By, typer.Option(help="Group by.")] = By.service,
    fmt: Annotated[OutputFormat, typer.Option("--format")] = OutputFormat.table,
    as_of: AsOfOption = None,
    engine: EngineOption = None,
) -> None:
    """SLA attainment for a month: tickets within their response and resolution targets per
    priority, availability against its objective, met or breached per agreement."""
    report = sla_status(ctx.obj, month=parse_month(month, as_of), by=by.value, engine=engine)
    if fmt is OutputFormat.json:
        print(to_json(report))
    else:  # the table and CSV of the report the Reliability page shows
        show(sla_status_report(report), fmt, empty="no agreements or tickets")


def write_csv(rows: list[dict[str, Any]]) -> None:
    import sys

    from leadline.present.render import write_csv_row

    if not rows:
        return
    keys = list(rows[0])
    write_csv_row(sys.stdout, keys)
    for row in rows:
        write_csv_row(sys.stdout, [_csv_cell(row.get(k)) for k in keys])


def _csv_cell(value: Any) -> str:
    """Text a spreadsheet would run as a formula is quoted (OWASP CSV injection, issue 16);
    numbers stay numbers, so a negative one is not quoted."""
    from leadline.present.render import escape_formula

    if value is None:
        return ""
    return escape_formula(value) if isinstance(value, str) else str(value)
