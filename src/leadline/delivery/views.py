"""The Delivery page: DORA four keys per team, weekly deployments and lead time, narrowed by
the shared filters (registered by ``delivery/plugin.py``)."""

from __future__ import annotations

from typing import Any

from leadline.catalog.grouping import Scope as MetricScope
from leadline.context import App
from leadline.delivery.report import dora
from leadline.delivery.tables import dora_report
from leadline.periods import Window
from leadline.semantic import registry
from leadline.semantic.evaluation import Evaluation
from leadline.webkit import charts, tiles
from leadline.webkit.cache import cached
from leadline.webkit.filters import Filters, Scope, rows_where
from leadline.webkit.viewdata import Page, Table, Tile

CHART_TEAMS = 10


def filter_window(filters: Filters) -> Window:
    """The DORA window the filters' since and until choose."""
    return Window.parse(
        filters.since.isoformat() if filters.since else None,
        filters.until.isoformat() if filters.until else None,
    )


def delivery_rows(app: App, filters: Filters, scope: Scope, period: str | None) -> Any:
    window = filter_window(filters)
    data = cached(
        app,
        "dora",
        lambda: dora(app, by="team", period=period, window=window),  # type: ignore[arg-type]
        "team",
        period,
        window.since,
        window.until,
    )
    return data, rows_where(data["groups"], "key", scope.teams)


def dora_table(data: dict[str, Any], groups: list[dict[str, Any]]) -> Table:
    """The groups (narrowed by the filters) of ``leadline dora --by team``'s report, totals
    only: its CSV is the command's CSV for the same window."""
    return Table("dora", dora_report({**data, "groups": groups}, series=False))


def _with_counts(tile: Tile, ev: Evaluation, scope: MetricScope, window: Window) -> None:
    """The change failure rate's tile says what it divides: its numerator and denominator,
    from the registry (the same computation as the rate), for the tile's scope and window."""
    kind = scope.kind if scope.kind in registry.get("dora.failed_deployments").scopes else None
    if kind is None or tile.raw is None:
        return
    failed = ev.values("dora.failed_deployments", kind, [window])[0].get(scope.name)
    deployed = ev.values("dora.deployments", kind, [window])[0].get(scope.name)
    if failed is None or deployed is None:
        return
    counts = f"{failed:,.0f} failed of {deployed:,.0f} deployments"
    tile.window = f"{tile.window} · {counts}" if tile.window else counts


def delivery(app: App, filters: Filters, scope: Scope) -> Page:
    page = Page("Delivery")
    data, groups = delivery_rows(app, filters, scope, "week")
    ev, chosen, window = tiles.evaluation(app), tiles.scope_of(filters), filter_window(filters)
    page.kpis = [
        tiles.metric_tile(ev, key, chosen, window)
        for key in (
            "dora.deployment_frequency",
            "dora.lead_time_p50",
            "dora.change_failure_rate",
            "dora.time_to_restore_p50",
        )
    ]
    _with_counts(page.kpis[2], ev, chosen, window)
    page.notes.append(
        f"Window {window.label()} (weekly buckets). A week the window or today cuts short is "
        "partial: a hollow triangle off the line, which joins complete weeks only."
    )
    if data["groups"]:  # which DORA report the levels come from (docs/metrics.md, Benchmarks)
        first = data["groups"][0]
        page.notes.append(
            f"Performance levels: {first['levels_benchmark']} clusters (benchmark "
            f"{first['benchmark']}; leadline dora --benchmark 2023|2024|2025)."
        )
    charted = sorted(groups, key=lambda g: -g["deployments"])[:CHART_TEAMS]
    if len(charted) < len(groups):
        page.notes.append(
            f"The charts show the {CHART_TEAMS} teams with the most deployments; the table has "
            f"all {len(groups)} (filter by business unit or value stream to compare others)."
        )
    series = [
        {
            "team": g["key"],
            "week": b["bucket"],
            "deployments": b["deployments"],
            "lead_time_p50_h": b["lead_time_hours"]["p50"],
            "bucket": "partial" if b.get("partial") else "complete",
            "days": b.get("days"),
        }
        for g in charted
        for b in g.get("series", [])
    ]
    page.charts.append(
        (
            "Deployments per week",
            charts.lines(
                series,
                "week",
                "deployments",
                "team",
                title="Deployments per week",
                y_title="deployments",
            ),
        )
    )
    page.charts.append(
        (
            "Lead time",
            charts.lines(
                [s for s in series if s["lead_time_p50_h"] is not None],
                "week",
                "lead_time_p50_h",
                "team",
                title="Lead time for changes, median (hours)",
                y_title="hours",
            ),
        )
    )
    page.tables.append(dora_table(data, groups))
    return page
