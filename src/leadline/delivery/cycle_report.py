"""``leadline dora cycle-time``: pull-request cycle time broken down per group over a window, with
an optional series, as one JSON document (the CLI, ``/api/v1/dora/cycle-time``, the registry's
``delivery.*`` cycle metrics and the cycle-time page all read it), and its table.

A window is judged with every fact known at the as-of instant (default now), as the DORA
report is: a pull request merged in the window counts, and its deployment once it happened
before the as-of instant.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import ibis
import pyarrow as pa

from leadline.catalog.grouping import GroupBy, Grouping, unplaced_key
from leadline.context import App
from leadline.delivery.cycle_time import PHASES, cycle_time, pull_request_phases
from leadline.delivery.metrics import counted_deployments
from leadline.delivery.tables import grouped_columns, grouped_rows
from leadline.lake.engines import Lake
from leadline.periods import Bucket, Grain, Window, buckets, instant, iso, naive_utc, utc_now
from leadline.present.model import Column, Report, humanise

# LinearB's published "elite" thresholds (team averages over their community study), shown as
# a reference, never as a level leadline computes: docs/metrics.md cites the page.
REFERENCE_SOURCE = (
    "LinearB Engineering Metrics Community Benchmarks, elite tier "
    "(https://linearb.helpdocs.io/article/d2v8kqzxzd-metrics-community-benchmarks)"
)
REFERENCE = {"cycle": 48.0, "pickup": 7.0, "review": 6.0, "size": 225.0}
FIGURES = (*PHASES, "cycle")
TITLES = {
    "coding": "Coding",
    "pickup": "Pickup",
    "review": "Review",
    "deploy": "Deploy",
    "cycle": "Cycle",
}
COUNTS = ("pull_requests", "unreviewed", "undeployed", "without_first_commit", "size_unfiltered")
TOTAL = "total"


def cycle_document(
    app: App,
    *,
    by: GroupBy = "team",
    period: Grain | None = None,
    window: Window | None = None,
    engine: str | None = None,
    as_of: dt.datetime | None = None,
) -> dict[str, Any]:
    """The ``leadline dora cycle-time --format json`` document: per group, the count of pull
    requests merged in ``window`` (default: the 90 days to the end of today), p50 and p90 of
    each phase, the cycle and the size, what is unknown, and with ``period`` a series."""
    window = window or Window.parse(None, None)
    at = naive_utc(as_of) if as_of is not None else utc_now()
    rows, used = _rows(app, by, window, period, engine=engine, as_of=at)
    series: dict[str, list[dict[str, Any]]] = {}
    if period:
        by_start = {b.start: b for b in buckets(window, period, at)}
        for row in sorted(rows[period], key=lambda r: r["bucket"]):
            series.setdefault(row["key"], []).append(_shape(row, by_start[row["bucket"]]))
    return {
        "since": iso(window.since),
        "until": iso(window.until),
        "as_of": iso(at),
        "by": by,
        "period": period,
        "engine": used,
        "generated_paths": list(app.settings.delivery.generated_paths),
        "reference": {
            "source": REFERENCE_SOURCE,
            "elite_below": {
                "cycle_hours": REFERENCE["cycle"],
                "pickup_hours": REFERENCE["pickup"],
                "review_hours": REFERENCE["review"],
                "size_lines": REFERENCE["size"],
            },
        },
        "groups": [
            {**_shape(row), **({"series": series.get(row["key"], [])} if period else {})}
            for row in sorted(rows[TOTAL], key=lambda r: r["key"])
        ],
    }


def phases_of(app: App, engine: str | None, as_of: dt.datetime) -> tuple[Lake, ibis.Table]:
    """The lake and every pull request's phases (``pull_request_phases``) with the facts
    known at ``as_of``: the one expression the report and the metrics' explanation read."""
    lake = Lake(app.settings, app.store, engine)
    last = (as_of - dt.timedelta(microseconds=1)).strftime("%Y-%m")
    names = ("pull_requests", "pull_request_reviews", "pull_request_files", "changes")
    tables = {
        n: lake.table(n, [m for m in lake.partitions(n) if m <= last])
        for n in (*names, "deployments")
    }
    observed = ibis.literal(as_of, "timestamp(6)")
    deployments = tables["deployments"]
    # Releases ship changes, as for the DORA lead time (the first production environment to
    # receive a change decides; a promotion's explicit id stands for its release).
    shipped, aliases = counted_deployments(
        deployments.filter(deployments.finished_at < observed),
        app.settings.delivery.production_environments,
    )
    phases = pull_request_phases(
        tables["pull_requests"],
        tables["pull_request_reviews"],
        tables["pull_request_files"],
        tables["changes"],
        shipped,
        until=observed,
        generated_paths=app.settings.delivery.generated_paths,
        aliases=aliases,
    )
    return lake, phases


def _rows(
    app: App,
    by: GroupBy,
    window: Window,
    period: Grain | None,
    *,
    engine: str | None,
    as_of: dt.datetime,
) -> tuple[dict[str, list[dict[str, Any]]], str]:
    """``cycle_time`` rows for the whole window and, with ``period``, per bucket (one query)."""
    lake, phases = phases_of(app, engine, as_of)
    pairs = Grouping.of(app).service_pairs(by)
    services = ibis.memtable(
        pa.table(
            {"service": [s for s, _ in pairs], "key": [k for _, k in pairs]},
            schema=pa.schema([("service", pa.string()), ("key", pa.string())]),
        )
    )
    grains: dict[str, Grain | None] = {TOTAL: None, **({period: period} if period else {})}
    exprs = []
    for label, grain in grains.items():
        starts = [b.start for b in buckets(window, grain)] if grain else [window.since]
        grid = ibis.memtable(
            pa.table(
                {"bucket": starts, "days": [0.0] * len(starts)},
                schema=pa.schema([("bucket", pa.timestamp("us")), ("days", pa.float64())]),
            )
        )
        expr = cycle_time(
            phases,
            services,
            grid,
            since=ibis.literal(window.since, "timestamp(6)"),
            until=ibis.literal(window.until, "timestamp(6)"),
            period=grain,
            unmapped_key=unplaced_key(by),
        )
        exprs.append(expr.mutate(grain=ibis.literal(label, "string")))
    query = exprs[0] if len(exprs) == 1 else ibis.union(*exprs, distinct=False)
    out: dict[str, list[dict[str, Any]]] = {label: [] for label in grains}
    for row in lake.execute(query).to_pylist():
        out[row.pop("grain")].append(row)
    return out, lake.engine


def _shape(row: dict[str, Any], bucket: Bucket | None = None) -> dict[str, Any]:
    shaped: dict[str, Any] = (
        {"bucket": iso(row["bucket"]), "label": bucket.label, "partial": bucket.partial}
        if bucket
        else {"key": row["key"]}
    )
    shaped.update({name: row[name] for name in COUNTS})
    for name in FIGURES:
        shaped[f"{name}_hours"] = {
            "p50": row[f"{name}_p50_hours"],
            "p90": row[f"{name}_p90_hours"],
        }
    shaped["size_lines"] = {"p50": row["size_p50"], "p90": row["size_p90"]}
    return shaped


def _flat(item: dict[str, Any]) -> dict[str, Any]:
    row = {name: item.get(name) for name in COUNTS}
    for name in (*(f"{f}_hours" for f in FIGURES), "size_lines"):
        for p in ("p50", "p90"):
            row[f"{name}_{p}"] = (item.get(name) or {}).get(p)
    return row


def cycle_columns() -> list[Column]:
    """The table's figures: counts, each phase's p50 and p90, the cycle and the size."""
    columns = [Column("pull_requests", "Pull requests", "count")]
    for name in FIGURES:
        for p in ("p50", "p90"):
            columns.append(Column(f"{name}_hours_{p}", f"{TITLES[name]} {p}", "hours"))
    columns += [
        Column("size_lines_p50", "Size p50", "number", digits=0, unit="lines"),
        Column("size_lines_p90", "Size p90", "number", digits=0, unit="lines"),
        Column("unreviewed", "Merged without review", "count"),
        Column("undeployed", "Not yet deployed", "count"),
        Column("without_first_commit", "First commit unknown", "count", shown=False),
        Column("size_unfiltered", "Size with generated files", "count", shown=False),
    ]
    return columns


def cycle_report(document: dict[str, Any], *, series: bool = True) -> Report:
    """One row per group (bucket ``total``) and, with a series, per group and bucket.

    CSV columns: key, bucket, [label,] pull_requests, coding/pickup/review/deploy/cycle
    _hours_p50 and _p90, size_lines_p50, size_lines_p90, unreviewed, undeployed,
    without_first_commit, size_unfiltered[, partial]. Durations in hours, sizes in lines."""
    by = str(document.get("by") or "group")
    with_series = series and document.get("period") is not None
    rows = grouped_rows(document, _flat, with_series=with_series)
    columns = grouped_columns(by, cycle_columns(), with_series=with_series)
    return Report(
        "cycle-time",
        f"Pull-request cycle time by {humanise(by).lower()}",
        columns,
        rows,
        window=Window(instant(document["since"]), instant(document["until"])).label(),
        notes=notes(document),
    )


def notes(document: dict[str, Any]) -> list[str]:
    """What the figures mean and what they leave out, in words."""
    groups = document["groups"]
    total = {name: sum(g.get(name) or 0 for g in groups) for name in COUNTS}
    elite = document["reference"]["elite_below"]
    out = [
        "Pull requests merged into the default branch in the window, by merge. Phases: coding "
        "(first commit to opened), pickup (to the first review by someone else), review (to "
        "the merge), deploy (to the first production deployment containing it). Medians of "
        "phases do not add up to the median cycle.",
        f"Reference, not a leadline level: LinearB's elite tier is a cycle under "
        f"{elite['cycle_hours']:g} h, pickup under {elite['pickup_hours']:g} h, review under "
        f"{elite['review_hours']:g} h and pull requests under {elite['size_lines']:g} changed "
        f"lines (team averages; {REFERENCE_SOURCE}).",
    ]
    if total["unreviewed"]:
        out.append(f"{total['unreviewed']} merged without a review (no pickup or review time).")
    if total["undeployed"]:
        out.append(f"{total['undeployed']} not in production yet (no deploy or cycle time).")
    if total["without_first_commit"]:
        out.append(
            f"{total['without_first_commit']} without a known first commit: coding time "
            "unknown, their cycle starts at the opening (attach pulls/{n}/commits to REST "
            "exports, see docs/delivery.md)."
        )
    if total["size_unfiltered"]:
        out.append(
            f"{total['size_unfiltered']} sized from their totals, generated files included "
            "(no per-file counts)."
        )
    return out
