"""The Catalog page: teams (Team Topologies types), services and the interaction graph,
narrowed by the shared filters (registered by ``catalog/plugin.py``)."""

from __future__ import annotations

from typing import Any

from leadline.catalog import queries
from leadline.catalog.tables import interactions_report, services_report, teams_report
from leadline.context import App
from leadline.webkit import charts
from leadline.webkit.filters import Filters, Scope, rows_where
from leadline.webkit.viewdata import Page, Table, count_tile


def catalog(app: App, filters: Filters, scope: Scope) -> Page:
    page = Page("Catalog", period="none")
    with app.store.session() as session:
        teams = rows_where(queries.teams(session), "name", scope.teams)
        services = rows_where(queries.services(session), "name", scope.services)
        interactions = [
            i
            for i in queries.interactions(session)
            if scope.team_ok(i["team"]) or scope.team_ok(i["with"])
        ]
    kinds: dict[str, int] = {}
    for t in teams:
        kinds[t["type"] or "unclassified"] = kinds.get(t["type"] or "unclassified", 0) + 1
    page.kpis = [count_tile("Teams", len(teams)), count_tile("Services", len(services))]
    page.kpis += [count_tile(k.replace("-", " ").capitalize(), n) for k, n in sorted(kinds.items())]
    graph = [{"team": i["team"], "with": i["with"], "mode": i["mode"]} for i in interactions]
    spec = charts.heatmap(
        [{**g, "n": 1} for g in graph],
        "with",
        "team",
        "n",
        "Team interactions (row works with column)",
    )
    page.charts.append(("Interaction graph", _colour_by_mode(spec)))
    # the reports of ``leadline catalog teams|services|interactions`` (narrowed by the filters)
    page.tables = [
        Table("teams", teams_report(teams)),
        Table("services", services_report(services)),
        Table("interactions", interactions_report(interactions)),
    ]
    return page


def _colour_by_mode(spec: dict[str, Any]) -> dict[str, Any]:
    """The interaction matrix coloured by interaction mode rather than a count."""
    layer = spec["layer"][0]
    layer["encoding"]["color"] = {"field": "mode", "type": "nominal", "title": "mode"}
    layer["encoding"]["tooltip"] = [
        {"field": "team", "type": "nominal"},
        {"field": "with", "type": "nominal"},
        {"field": "mode", "type": "nominal"},
    ]
    spec["layer"] = [layer]
    return spec
