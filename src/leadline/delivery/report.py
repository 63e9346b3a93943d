"""``leadline dora``: the four keys per group over a window, with an optional series.

The JSON keys are the contract of DESIGN.md §4; extra keys are added, never renamed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Literal

import ibis
import pyarrow as pa
from sqlalchemy import select

from leadline.catalog.models import Service, Team, ValueStream
from leadline.context import App
from leadline.delivery import levels
from leadline.delivery.metrics import LeadFrom, Period, four_keys
from leadline.lake.engines import Lake

GroupBy = Literal["service", "team", "value-stream", "business-unit", "organisation"]
NO_GROUP = "(none)"
TOTAL = "total"  # the grain of the whole window, beside the bucketed series
DEFAULT_DAYS = 90


@dataclass(frozen=True)
class Window:
    since: dt.datetime  # naive UTC
    until: dt.datetime

    @classmethod
    def parse(cls, since: str | None, until: str | None, today: dt.date | None = None) -> Window:
        """Dates or ISO timestamps; default: the 90 days up to the end of today (UTC)."""
        today = today or dt.datetime.now(dt.UTC).date()
        end = (
            _instant(until)
            if until
            else dt.datetime.combine(today, dt.time()) + dt.timedelta(days=1)
        )
        start = _instant(since) if since else end - dt.timedelta(days=DEFAULT_DAYS)
        if start >= end:
            raise ValueError(
                f"--since ({start.isoformat()}) must be before --until ({end.isoformat()})"
            )
        return cls(start, end)

    @property
    def days(self) -> float:
        return (self.until - self.since).total_seconds() / 86400


def _instant(text: str) -> dt.datetime:
    value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC).replace(tzinfo=None)
    return value


def _next_month(day: dt.datetime) -> dt.datetime:
    return (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def buckets(window: Window, period: Period) -> list[tuple[dt.datetime, float]]:
    """(start, days inside the window) of every week (from Monday), calendar month or
    calendar quarter."""
    out = []
    start = dt.datetime.combine(window.since.date(), dt.time())
    if period == "week":
        start -= dt.timedelta(days=start.weekday())
    else:
        start = start.replace(day=1)
        if period == "quarter":
            start = start.replace(month=start.month - (start.month - 1) % 3)
    while start < window.until:
        if period == "week":
            end = start + dt.timedelta(days=7)
        elif period == "month":
            end = _next_month(start)
        else:
            end = _next_month(_next_month(_next_month(start)))
        inside = min(end, window.until) - max(start, window.since)
        out.append((start, inside.total_seconds() / 86400))
        start = end
    return out


def service_groups(app: App, by: GroupBy) -> list[tuple[str, str]]:
    """(service, group key) for every catalog service (only the columns needed are read:
    every report calls this, and whole catalog rows cost more than the query they key)."""
    with app.store.session() as session:
        teams = {
            name: (stream, unit)
            for name, stream, unit in session.execute(
                select(Team.name, Team.value_stream, Team.business_unit)
            )
        }
        units = session.execute(select(ValueStream.name, ValueStream.business_unit))
        stream_units: dict[str, str | None] = {row[0]: row[1] for row in units}
        services = session.execute(
            select(Service.name, Service.owner_team, Service.value_stream).order_by(Service.name)
        )
        pairs = []
        for name, owner, own_stream in services:
            team = teams.get(owner or "")
            stream_name = own_stream or (team[0] if team else None)
            if by == "service":
                key: str | None = name
            elif by == "organisation":  # one group for the whole catalog (the scorecard's)
                key = "organisation"
            elif by == "team":
                key = owner
            elif by == "value-stream":
                key = stream_name
            else:
                key = (team[1] if team else None) or stream_units.get(stream_name or "")
            pairs.append((name, key or NO_GROUP))
    return pairs


def dora(
    app: App,
    *,
    by: GroupBy = "team",
    period: Period | None = None,
    window: Window | None = None,
    engine: str | None = None,
    lead_time_from: LeadFrom = "commit",
) -> dict[str, Any]:
    """The ``leadline dora --format json`` document."""
    window = window or Window.parse(None, None)
    grains: dict[str, Period | None] = {TOTAL: None, **({period: period} if period else {})}
    found, used = _four_keys_rows(app, by, window, grains, engine=engine, lead_from=lead_time_from)
    series = _series(found[period]) if period else {}
    return {
        "since": iso(window.since),
        "until": iso(window.until),
        "by": by,
        "period": period,
        "engine": used,
        "lead_time_from": lead_time_from,
        "groups": [
            {**_shape(row), **({"series": series.get(row["key"], [])} if period else {})}
            for row in sorted(found[TOTAL], key=lambda r: r["key"])
        ],
    }


def dora_series(
    app: App,
    *,
    by: GroupBy,
    periods: tuple[Period, ...],
    window: Window,
    engine: str | None = None,
    lead_time_from: LeadFrom = "commit",
) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """``period -> group key -> buckets`` (each bucket shaped as in ``dora``'s series) for
    several bucket sizes over one window, from one query: the scorecard takes its quarters
    and the QBR its months from the same pass over the facts."""
    grains: dict[str, Period | None] = {p: p for p in periods}
    found, _ = _four_keys_rows(app, by, window, grains, engine=engine, lead_from=lead_time_from)
    return {p: _series(found[p]) for p in periods}


def _series(rows: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for row in sorted(rows, key=lambda r: r["bucket"]):
        out.setdefault(row["key"], []).append(_shape(row, bucket=True))
    return out


def _four_keys_rows(
    app: App,
    by: GroupBy,
    window: Window,
    grains: dict[str, Period | None],
    *,
    engine: str | None,
    lead_from: LeadFrom,
) -> tuple[dict[str, list[dict[str, Any]]], str]:
    """``four_keys`` rows per grain (a label -> bucket period, None for the whole window),
    all grains in one query: their expressions share the facts' preparation (the costly
    part), which the engine computes once (DuckDB materialises the shared subqueries)."""
    lake = Lake(app.settings, app.store, engine)
    tables = {
        name: lake.table(name, _months_up_to(lake, name, window.until))
        for name in ("deployments", "changes", "incidents")
    }
    groups = service_groups(app, by)
    services = ibis.memtable(
        pa.table(
            {"service": [s for s, _ in groups], "key": [k for _, k in groups]},
            schema=pa.schema([("service", pa.string()), ("key", pa.string())]),
        )
    )
    exprs = []
    for label, bucket_period in grains.items():
        grid = buckets(window, bucket_period) if bucket_period else [(window.since, window.days)]
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
            lead_time_from=lead_from,
            unmapped_key=None if by == "service" else NO_GROUP,
        )
        exprs.append(expr.mutate(grain=ibis.literal(label, "string")))
    query = exprs[0] if len(exprs) == 1 else ibis.union(*exprs, distinct=False)
    out: dict[str, list[dict[str, Any]]] = {label: [] for label in grains}
    for row in lake.execute(query).to_pylist():
        out[row.pop("grain")].append(row)
    return out, lake.engine


def _shape(row: dict[str, Any], bucket: bool = False) -> dict[str, Any]:
    key_levels = levels.key_levels(
        row["deployments"],
        row["deployment_frequency_per_day"],
        row["lead_time_p50_hours"],
        row["change_failure_rate"],
        row["time_to_restore_p50_hours"],
    )
    shaped: dict[str, Any] = (
        {"bucket": iso(row["bucket"]), "days": row["days"]} if bucket else {"key": row["key"]}
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
            "levels": key_levels,
            "performance_level": levels.overall_level(key_levels),
        }
    )
    return shaped


def iso(value: dt.datetime) -> str:
    """A naive UTC instant as the documents write it (``2026-10-01T00:00:00Z``)."""
    return value.replace(tzinfo=dt.UTC).isoformat().replace("+00:00", "Z")


def _months_up_to(lake: Lake, name: str, until: dt.datetime) -> list[str]:
    """Partitions that can matter: nothing after ``until`` does, everything before may
    (attribution looks back to the first deployment after each change)."""
    last = (until - dt.timedelta(microseconds=1)).strftime("%Y-%m")
    return [month for month in lake.partitions(name) if month <= last]
