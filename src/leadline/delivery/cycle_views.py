"""The cycle-time page (``/delivery/cycle-time``): each team's median coding, pickup, review and
deploy time as stacked bars, the registry's tiles and ``leadline dora cycle-time``'s table for
the same window, narrowed by the shared filters (registered by ``delivery/plugin.py``)."""

from __future__ import annotations

from typing import Any

from leadline.context import App
from leadline.delivery.cycle_report import TITLES, cycle_document, cycle_report
from leadline.delivery.cycle_time import PHASES
from leadline.delivery.views import filter_window
from leadline.webkit import charts, tiles
from leadline.webkit.cache import cached
from leadline.webkit.filters import Filters, Scope, rows_where
from leadline.webkit.viewdata import Page, Table

CHART_TEAMS = 15
TILES = (
    "delivery.cycle_time_p50",
    "delivery.pickup_time_p50",
    "delivery.review_time_p50",
    "delivery.pr_size_p50",
)


def phase_rows(groups: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per team and phase with a known median (the chart's data)."""
    return [
        {"team": g["key"], "phase": TITLES[p], "hours": g[f"{p}_hours"]["p50"]}
        for g in groups
        for p in PHASES
        if g[f"{p}_hours"]["p50"] is not None
    ]


def cycle_page(app: App, filters: Filters, scope: Scope) -> Page:
    page = Page("Cycle time")
    window = filter_window(filters)
    # the same cache entry as /api/v1/dora/cycle-time?by=team for this window
    data = cached(
        app,
        "cycle-time",
        lambda: cycle_document(app, by="team", window=window),
        "team",
        None,
        window.since,
        window.until,
        None,
    )
    groups = rows_where(data["groups"], "key", scope.teams)
    ev, chosen = tiles.evaluation(app), tiles.scope_of(filters)
    page.kpis = [tiles.metric_tile(ev, key, chosen, window) for key in TILES]
    charted = sorted(groups, key=lambda g: -g["pull_requests"])[:CHART_TEAMS]
    if len(charted) < len(groups):
        page.notes.append(
            f"The chart shows the {CHART_TEAMS} teams with the most merged pull requests; the "
            f"table has all {len(groups)}."
        )
    page.charts.append(
        (
            "Cycle time by phase",
            charts.stacked(
                phase_rows(charted),
                "team",
                "hours",
                "phase",
                "Median hours per phase of merged pull requests",
                parts=[TITLES[p] for p in PHASES],
                value_title="hours (median of each phase)",
            ),
        )
    )
    report = cycle_report({**data, "groups": groups}, series=False)
    page.notes.extend(report.notes)
    page.tables.append(Table("cycle-time", report))
    return page
