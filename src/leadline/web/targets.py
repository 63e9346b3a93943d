"""RAG colour on a page's tiles: a tile showing a registered metric takes the status of the
scorecard KPI defined on that metric (its target and tolerance), for the tile's kind of scope.
Applied by the page route (web is above the scorecard), so pillar pages need not know it."""

from __future__ import annotations

from leadline.catalog.grouping import Scope
from leadline.context import App
from leadline.scorecard import rag
from leadline.scorecard.definitions import KpiDefinition, load_definitions
from leadline.webkit.viewdata import Page


def _definitions(app: App) -> dict[str, KpiDefinition]:
    with app.store.session() as session:
        return {d.metric: d for d in load_definitions(session) if not d.params}


def apply(app: App, page: Page) -> Page:
    """Set each metric tile's status (green, amber, red; grey without a value) where a KPI
    with a target covers its metric and scope kind; other tiles stay without colour."""
    definitions = _definitions(app)
    for tile in page.kpis:
        found = definitions.get(tile.metric or "")
        if found is None or found.target is None or tile.scope is None:
            continue
        if Scope.parse(tile.scope).kind not in found.scopes:
            continue
        tile.status = rag.status(tile.raw, found.target, found.direction, found.tolerance)
        tile.target = found.target
    return page
