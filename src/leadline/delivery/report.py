"""``leadline dora``: the four keys per group over a window, with an optional series.

The JSON keys are the contract of DESIGN.md §4; extra keys are added, never renamed. A window
is judged with every fact known at the as-of instant (default: now; docs/metrics.md, "Periods
and windows"), so a period reads the same alone or as a bucket of a longer series.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import ibis
import pyarrow as pa

from leadline.catalog.grouping import NO_GROUP as NO_GROUP  # noqa: PLC0414 (re-exported)
from leadline.catalog.grouping import GroupBy as GroupBy  # noqa: PLC0414 (re-exported)
from leadline.catalog.grouping import Grouping, unplaced_key
from leadline.catalog.incident_window import incident_windows
from leadline.context import App
from leadline.delivery import levels
from leadline.delivery.metrics import IncidentAttribution, four_keys
from leadline.delivery.tickets import LeadStart, with_ticket_start
from leadline.lake.engines import Lake
from leadline.periods import GRAINS, Bucket, Grain, Window, buckets, iso, naive_utc, utc_now

TOTAL = "total"  # the grain of the whole window, beside the bucketed series


def dora(
    app: App,
    *,
    by: GroupBy = "team",
    period: Grain | None = None,
    window: Window | None = None,
    engine: str | None = None,
    lead_time_from: LeadStart = "commit",
    as_of: dt.datetime | None = None,
    incident_attribution: IncidentAttribution | None = None,
) -> dict[str, Any]:
    """The ``leadline dora --format json`` document: the four keys over ``window`` (default:
    the 90 days to the end of today) judged with every fact known at ``as_of`` (default:
    now), and with ``period`` a series whose buckets say whether the window or the as-of
    instant cuts them short (``partial``). ``incident_attribution`` (default: settings)
    picks how incidents find their deployments (``metrics.incident_links``)."""
    window = window or Window.parse(None, None)
    at = naive_utc(as_of) if as_of is not None else utc_now()
    rule = incident_attribution or app.settings.delivery.incident_attribution
    grains: dict[str, tuple[Window, Grain | None]] = {
        TOTAL: (window, None),
        **({period: (window, period)} if period else {}),
    }
    found, used = _four_keys_rows(
        app, by, grains, engine=engine, lead_from=lead_time_from, as_of=at, incidents_by=rule
    )
    series = _series(found[period], buckets(window, period, at)) if period else {}
    return {
        "since": iso(window.since),
        "until": iso(window.until),
        "as_of": iso(at),
        "by": by,
        "period": period,
        "engine": used,
        "lead_time_from": lead_time_from,
        "incident_attribution": rule,
        "release_scope": app.settings.delivery.release_scope,
        "benchmark": levels.label(levels.NEWEST),
        "groups": [
            {**_shape(row), **({"series": series.get(row["key"], [])} if period else {})}
            for row in sorted(found[TOTAL], key=lambda r: r["key"])
        ],
    }


def dora_series(
    app: App,
    *,
    by: GroupBy,
    periods: tuple[Grain, ...],
    window: Window,
    engine: str | None = None,
    lead_time_from: LeadStart = "commit",
    as_of: dt.datetime | None = None,
) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """``period -> group key -> buckets`` (each bucket shaped as in ``dora``'s series) for
    several bucket sizes over one window, from one query, judged at ``as_of`` (default: now):
    the scorecard takes its quarters and the QBR its months from the same pass over the
    facts."""
    at = naive_utc(as_of) if as_of is not None else utc_now()
    grains: dict[str, tuple[Window, Grain | None]] = {p: (window, p) for p in periods}
    found, _ = _four_keys_rows(app, by, grains, engine=engine, lead_from=lead_time_from, as_of=at)
    return {p: _series(found[p], buckets(window, p, at)) for p in periods}


def _series(rows: list[dict[str, Any]], grid: list[Bucket]) -> dict[str, list[dict[str, Any]]]:
    by_start = {b.start: b for b in grid}
    out: dict[str, list[dict[str, Any]]] = {}
    for row in sorted(rows, key=lambda r: r["bucket"]):
        out.setdefault(row["key"], []).append(_shape(row, by_start[row["bucket"]]))
    return out


def dora_windows(
    app: App,
    *,
    by: GroupBy,
    windows: list[Window],
    engine: str | None = None,
    lead_time_from: LeadStart = "commit",
    as_of: dt.datetime | None = None,
) -> list[dict[str, dict[str, Any]]]:
    """For each window, ``group key -> group`` (shaped as ``dora``'s groups), all from one
    query judged at ``as_of`` (default: now): the metric registry asks for a scorecard's
    two quarters, or a QBR's months, together."""
    at = naive_utc(as_of) if as_of is not None else utc_now()
    tiled = _as_buckets(windows)
    if tiled is not None:  # calendar periods (a scorecard's quarters, a QBR's months)
        hull, chosen = tiled
        series: dict[str, tuple[Window, Grain | None]] = {g: (hull, g) for g in set(chosen)}
        found, _ = _four_keys_rows(
            app, by, series, engine=engine, lead_from=lead_time_from, as_of=at
        )
        cut: dict[tuple[str, dt.datetime], dict[str, dict[str, Any]]] = {}
        for grain, rows in found.items():
            for row in rows:
                since = max(row["bucket"], hull.since)
                cut.setdefault((grain, since), {})[row["key"]] = _shape(row)
        return [cut.get((g, w.since), {}) for w, g in zip(windows, chosen, strict=True)]
    grains: dict[str, tuple[Window, Grain | None]] = {
        str(i): (w, None) for i, w in enumerate(windows)
    }
    found, _ = _four_keys_rows(app, by, grains, engine=engine, lead_from=lead_time_from, as_of=at)
    return [{row["key"]: _shape(row) for row in found[str(i)]} for i in range(len(windows))]


def _as_buckets(windows: list[Window]) -> tuple[Window, list[Grain]] | None:
    """A window over all of ``windows`` and, for each of them, a grain one of whose buckets,
    cut to that window, is exactly it: then one series per grain gives them all, as the same
    figures (a window reads the same alone or as a bucket, judged at the same instant)."""
    if len(windows) < 2:
        return None
    hull = Window(min(w.since for w in windows), max(w.until for w in windows))
    cuts = {
        grain: {(max(b.start, hull.since), min(b.end, hull.until)) for b in buckets(hull, grain)}
        for grain in GRAINS
    }
    chosen: list[Grain] = []
    for window in windows:
        grain = next((g for g in GRAINS if (window.since, window.until) in cuts[g]), None)
        if grain is None:
            return None
        chosen.append(grain)
    return hull, chosen


def _four_keys_rows(
    app: App,
    by: GroupBy,
    grains: dict[str, tuple[Window, Grain | None]],
    *,
    engine: str | None,
    lead_from: LeadStart,
    as_of: dt.datetime,
    incidents_by: IncidentAttribution | None = None,
) -> tuple[dict[str, list[dict[str, Any]]], str]:
    """``four_keys`` rows per label (a window and its bucket grain, None for the whole
    window), all in one query, judged with the facts known at ``as_of``: their expressions
    share the facts' preparation (the costly part), which the engine computes once (DuckDB
    materialises the shared subqueries). ``incidents_by``: default the settings'."""
    lake = Lake(app.settings, app.store, engine)
    windows = incident_windows_table(app)
    tables = {
        name: lake.table(name, _months_up_to(lake, name, as_of))
        for name in ("deployments", "changes", "incidents")
    }
    if lead_from == "ticket":  # from the start of the tickets a change names (delivery.tickets)
        items = lake.table("work_items", _months_up_to(lake, "work_items", as_of))
        tables["changes"] = with_ticket_start(tables["changes"], items)
    groups = Grouping.of(app).service_pairs(by)
    services = ibis.memtable(
        pa.table(
            {"service": [s for s, _ in groups], "key": [k for _, k in groups]},
            schema=pa.schema([("service", pa.string()), ("key", pa.string())]),
        )
    )
    exprs = []
    for label, (window, bucket_period) in grains.items():
        grid = (
            [(b.start, b.days) for b in buckets(window, bucket_period)]
            if bucket_period
            else [(window.since, window.days)]
        )
        table = ibis.memtable(
            pa.table(
                {"bucket": [b for b, _ in grid], "days": [d for _, d in grid]},
                schema=pa.schema([("bucket", pa.timestamp("us")), ("days", pa.float64())]),
            )
        )
        expr = four_keys(
            tables["deployments"],
            tables["changes"],
            tables["incidents"],
            services,
            table,
            since=ibis.literal(window.since, "timestamp(6)"),
            until=ibis.literal(window.until, "timestamp(6)"),
            period=bucket_period,
            production_environments=app.settings.delivery.production_environments,
            incident_window_hours=app.settings.delivery.incident_window_hours,
            lead_time_from="commit" if lead_from == "ticket" else lead_from,
            unmapped_key=unplaced_key(by),
            observed_until=ibis.literal(as_of, "timestamp(6)"),
            incident_attribution=incidents_by or app.settings.delivery.incident_attribution,
            incident_windows=windows,
            release_scope=app.settings.delivery.release_scope,
        )
        exprs.append(expr.mutate(grain=ibis.literal(label, "string")))
    query = exprs[0] if len(exprs) == 1 else ibis.union(*exprs, distinct=False)
    out: dict[str, list[dict[str, Any]]] = {label: [] for label in grains}
    for row in lake.execute(query).to_pylist():
        out[row.pop("grain")].append(row)
    return out, lake.engine


def incident_windows_table(app: App) -> ibis.Table | None:
    """The catalog services' own incident windows (``catalog.incident_window``) as the table
    ``four_keys`` reads (``service``, ``incident_window_hours``); None when no service sets one,
    so the query has no join to make."""
    with app.store.session() as session:
        windows = incident_windows(session)
    if not windows:
        return None
    return ibis.memtable(
        pa.table(
            {"service": list(windows), "incident_window_hours": list(windows.values())},
            schema=pa.schema([("service", pa.string()), ("incident_window_hours", pa.float64())]),
        )
    )


def _shape(row: dict[str, Any], bucket: Bucket | None = None) -> dict[str, Any]:
    """A group's totals (``key``) or one bucket of its series (``bucket``, its ``label``,
    ``days`` inside the window and whether it is ``partial``)."""
    shaped: dict[str, Any] = (
        {
            "bucket": iso(row["bucket"]),
            "label": bucket.label,
            "days": row["days"],
            "partial": bucket.partial,
        }
        if bucket
        else {"key": row["key"]}
    )
    shaped.update(
        {
            "deployments": row["deployments"],
            "deployment_frequency_per_day": row["deployment_frequency_per_day"],
            "deployment_frequency_level": levels.deployment_frequency_band(
                row["deployment_frequency_per_day"]
            ),
            "lead_time_hours": {
                "p50": row["lead_time_p50_hours"],
                "p90": row["lead_time_p90_hours"],
            },
            "changes": row["changes"],
            "change_failure_rate": row["change_failure_rate"],
            "failed_deployments": row["failed_deployments"],
            "time_to_restore_hours": {
                "p50": row["time_to_restore_p50_hours"],
                "p90": row["time_to_restore_p90_hours"],
            },
            "incidents": row["incidents"],
            "unresolved_incidents": row["unresolved_incidents"],
            "rework_rate": row["rework_rate"],
            "rework_deployments": row["rework_deployments"],
        }
    )
    # levels, performance_level and the report they come from (the newest benchmark)
    shaped.update(levels.rated(shaped))
    return shaped


def _months_up_to(lake: Lake, name: str, as_of: dt.datetime) -> list[str]:
    """Partitions that can matter: nothing after the as-of instant does (it is not known
    yet), everything before may (attribution looks back to the first deployment after each
    change; a later incident or remediation fails a deployment in the window)."""
    last = (as_of - dt.timedelta(microseconds=1)).strftime("%Y-%m")
    return [month for month in lake.partitions(name) if month <= last]
