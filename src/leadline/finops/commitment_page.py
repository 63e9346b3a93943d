"""The FinOps page's commitment section: tiles for commitment coverage, utilisation and unused
cost (the registry's ``finops.commitment_*``) and ``leadline finops commitments``'s two
reports (by team, by commitment), so the page's "Download CSV" is the command's CSV."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial, wraps

from leadline.context import App
from leadline.finops.commitment_report import (
    commitments_report,
    commitments_table,
    coverage_table,
)
from leadline.periods import Period
from leadline.webkit import tiles
from leadline.webkit.cache import cached
from leadline.webkit.filters import Filters, Scope
from leadline.webkit.viewdata import Page, Table, last_month

View = Callable[[App, Filters, Scope], Page]
KEYS = (
    "finops.commitment_coverage",
    "finops.commitment_utilisation",
    "finops.commitment_unused_cost",
)


def with_commitments(view: View) -> View:
    """``view`` (the showback page) followed by the commitment section."""

    @wraps(view)
    def page(app: App, filters: Filters, scope: Scope) -> Page:
        found = view(app, filters, scope)
        add_commitments(app, found, filters, scope)
        return found

    return page


def add_commitments(app: App, page: Page, filters: Filters, scope: Scope) -> None:
    month = filters.month or last_month()
    ev, chosen = tiles.evaluation(app), tiles.scope_of(filters)
    window = Period.parse(month, ("month",)).window
    page.kpis += [tiles.metric_tile(ev, key, chosen, window) for key in KEYS]
    try:
        data = cached(app, "commitments", partial(commitments_report, app, month), month, "")
    except ValueError as error:
        page.notes.append(str(error))
        return
    teams = set(ev.grouping.teams)
    groups = [g for g in data["groups"] if g["key"] not in teams or scope.team_ok(g["key"])]
    page.tables.append(Table("commitment_coverage", coverage_table({**data, "groups": groups})))
    if data["commitments"]:
        page.tables.append(Table("commitments", commitments_table(data)))
