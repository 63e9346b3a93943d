"""XLA attainment (experience level agreements) as Ibis expressions, its report and CLI.

Definitions (docs/metrics.md, "Service levels"):

- An answer belongs to the month it was given (UTC) and to the XLA in force for its service
  then; answers of services no XLA covers are reported with ``agreement`` null.
- **CSAT** = mean of the 1-5 answers (also given: the share of 4s and 5s, "satisfied").
- **NPS** (Reichheld, 2003) = 100 × (promoters − detractors) ÷ answers, on the 0-10 "how likely
  are you to recommend" scale: promoters answer 9-10, detractors 0-6, passives 7-8; from −100
  (all detractors) to 100 (all promoters).
- **CES** (customer effort score) = mean of the 1-7 effort answers; lower is better.
- Verdict per target: CSAT and NPS ``met`` when at least the target, CES when at most;
  ``no_data`` without answers, ``insufficient_data`` with fewer than the XLA's
  ``min_responses``, ``no_target`` when the XLA sets none. The XLA's ``status``: breached if any
  target is breached, else met if any is met, else the first of insufficient_data, no_data,
  no_target.
"""

from __future__ import annotations

from typing import Annotated, Any

import ibis
import pyarrow as pa
import typer

from leadline.catalog.grouping import NO_GROUP
from leadline.context import App
from leadline.lake.engines import Lake
from leadline.output import OutputFormat, show, to_json
from leadline.periods import PeriodAsOf, iso
from leadline.reliability.agreement_models import XLA
from leadline.reliability.agreement_tables import xla_status_report
from leadline.reliability.service_level_report import (
    NONE,
    By,
    GroupBy,
    coverage,
    keyed,
    memtable,
    rollup,
    services_table,
    verdict,
)
from leadline.reliability.sla_report import (
    AsOfOption,
    EngineOption,
    MonthOption,
    parse_month,
)

XLA_TARGETS_SCHEMA = pa.schema(
    [
        ("service", pa.string()),
        ("month", pa.timestamp("us")),
        ("agreement", pa.string()),
        ("min_responses", pa.int64()),
        ("csat_target", pa.float64()),
        ("nps_target", pa.float64()),
        ("ces_target", pa.float64()),
    ]
)
GROUP = ["key", "month", "agreement"]
KINDS = ("csat", "nps", "ces")


def _count(condition: ibis.Value) -> ibis.Value:
    return condition.cast("int64").sum()


def experience_scores(
    responses: ibis.Table,
    services: ibis.Table,
    xla_targets: ibis.Table,
    *,
    unmapped: str | None = None,
) -> ibis.Table:
    """Per group key, month given and XLA ("" if none): answers of each kind, CSAT mean and
    satisfied share, NPS with its promoters, passives and detractors, CES mean; each XLA target
    and its verdict, and the overall ``status``. Every covered group appears, with no_data if
    nobody answered."""
    r = responses.mutate(month=responses.responded_at.truncate("M").cast("timestamp(6)"))
    c = xla_targets.select(
        c_service=xla_targets.service, c_month=xla_targets.month, agreement=xla_targets.agreement
    )
    r = r.left_join(c, (r.service == c.c_service) & (r.month == c.c_month))
    r = keyed(r.mutate(agreement=r.agreement.fill_null(NONE)), services, unmapped)
    csat, nps, ces = (r.kind == "csat", r.kind == "nps", r.kind == "ces")
    score = r.score.cast("float64")
    stats = r.group_by(GROUP).aggregate(
        csat_responses=_count(csat),
        csat_mean=score.mean(where=csat),
        csat_satisfied=_count(csat & (r.score >= 4)),
        nps_responses=_count(nps),
        promoters=_count(nps & (r.score >= 9)),
        detractors=_count(nps & (r.score <= 6)),
        ces_responses=_count(ces),
        ces_mean=score.mean(where=ces),
    )
    targets = (
        keyed(xla_targets, services, unmapped)
        .group_by(GROUP)
        .aggregate(
            min_responses=ibis._.min_responses.max(),
            csat_target=ibis._.csat_target.max(),
            nps_target=ibis._.nps_target.max(),
            ces_target=ibis._.ces_target.max(),
        )
    )
    grid = targets.select(*GROUP).union(stats.select(*GROUP)).distinct()
    out = grid.left_join(stats, GROUP).drop("key_right", "month_right", "agreement_right")
    out = out.left_join(targets, GROUP).drop("key_right", "month_right", "agreement_right")
    counts = [
        "csat_responses",
        "csat_satisfied",
        "nps_responses",
        "promoters",
        "detractors",
        "ces_responses",
    ]
    out = out.mutate(**{n: out[n].fill_null(0) for n in counts})
    share = out.csat_satisfied.cast("float64") / out.csat_responses.cast("float64")
    net = (out.promoters - out.detractors).cast("float64") * 100.0
    out = out.mutate(
        csat_satisfied_share=ibis.ifelse(out.csat_responses > 0, share, ibis.null("float64")),
        passives=out.nps_responses - out.promoters - out.detractors,
        nps=ibis.ifelse(
            out.nps_responses > 0, net / out.nps_responses.cast("float64"), ibis.null("float64")
        ),
    )
    minimum = out.min_responses.fill_null(1)
    out = out.mutate(
        csat_status=verdict(out.csat_mean, out.csat_target, out.csat_responses, True, minimum),
        nps_status=verdict(out.nps, out.nps_target, out.nps_responses, True, minimum),
        ces_status=verdict(out.ces_mean, out.ces_target, out.ces_responses, False, minimum),
    )
    return out.mutate(status=rollup(out.csat_status, out.nps_status, out.ces_status))


# --- report -------------------------------------------------------------------------------


def xla_inputs(covered: list[tuple[str, Any]], month: PeriodAsOf) -> ibis.Table:
    rows = [
        {
            "service": service,
            "month": month.start,
            "agreement": agreement.name,
            "min_responses": agreement.targets.get("min_responses", 1),
            **{f"{k}_target": agreement.targets.get(k) for k in KINDS},
        }
        for service, agreement in covered
    ]
    return memtable(rows, XLA_TARGETS_SCHEMA)


def xla_status(
    app: App, *, month: PeriodAsOf, by: GroupBy = "service", engine: str | None = None
) -> dict[str, Any]:
    """The ``leadline xla status --format json`` document."""
    lake = Lake(app.settings, app.store, engine)
    members, covered = coverage(app, XLA, month)
    responses = lake.table("experience_responses", [month.label])
    responses = responses.filter(responses.responded_at < ibis.literal(month.as_of, "timestamp(6)"))
    expr = experience_scores(
        responses,
        services_table(members, by),
        xla_inputs(covered, month),
        unmapped=None if by == "service" else NO_GROUP,
    )
    rows = sorted(lake.execute(expr).to_pylist(), key=lambda r: (r["key"], r["agreement"]))
    return {
        "month": month.label,
        "by": by,
        "as_of": iso(month.as_of),
        "month_complete": month.complete,
        "engine": lake.engine,
        "groups": [_shape(row) for row in rows],
    }


def _shape(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "key": row["key"],
        "agreement": row["agreement"] or None,
        "status": row["status"],
        "min_responses": row["min_responses"],
        "csat": {
            "responses": row["csat_responses"],
            "mean": row["csat_mean"],
            "satisfied_share": row["csat_satisfied_share"],
            "target": row["csat_target"],
            "status": row["csat_status"],
        },
        "nps": {
            "responses": row["nps_responses"],
            "promoters": row["promoters"],
            "passives": row["passives"],
            "detractors": row["detractors"],
            "score": row["nps"],
            "target": row["nps_target"],
            "status": row["nps_status"],
        },
        "ces": {
            "responses": row["ces_responses"],
            "mean": row["ces_mean"],
            "target": row["ces_target"],
            "status": row["ces_status"],
        },
    }


# --- CLI ----------------------------------------------------------------------------------

xla_app = typer.Typer(
    help="Experience level agreements: CSAT, NPS and CES per month.", no_args_is_help=True
)


@xla_app.callback()
def _group() -> None:
    """Experience level agreements: CSAT, NPS and CES targets, attainment."""


@xla_app.command("status")
def status_command(
    ctx: typer.Context,
    *,
    month: MonthOption = None,
    by: Annotated[By, typer.Option(help="Group by.")] = By.service,
    fmt: Annotated[OutputFormat, typer.Option("--format")] = OutputFormat.table,
    as_of: AsOfOption = None,
    engine: EngineOption = None,
) -> None:
    """XLA attainment for a month: CSAT, NPS and CES against the XLA's targets."""
    report = xla_status(ctx.obj, month=parse_month(month, as_of), by=by.value, engine=engine)
    if fmt is OutputFormat.json:
        print(to_json(report))
    else:  # the table and CSV of the report the Reliability page shows
        show(xla_status_report(report), fmt, empty="no agreements or answers")
