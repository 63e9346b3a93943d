"""``leadline devex``: developer-experience scores per team and for the organisation."""

from __future__ import annotations

from typing import Any

from leadline.context import App
from leadline.lake.engines import Lake
from leadline.people.metrics import MIN_RESPONDENTS, organisation_scores, team_scores

COLUMNS = (
    "team",
    "quarter",
    "dimension",
    "respondents",
    "answers",
    "mean",
    "favourable",
    "suppressed",
    "previous_mean",
    "change",
)


class DevexError(ValueError):
    pass


def devex(
    app: App,
    *,
    quarter: str | None = None,
    team: str | None = None,
    min_respondents: int = MIN_RESPONDENTS,
    engine: str | None = None,
) -> dict[str, Any]:
    """The ``leadline devex --format json`` document: ``teams`` and ``organisation`` rows."""
    if min_respondents < MIN_RESPONDENTS:
        raise DevexError(f"the anonymity threshold cannot go below {MIN_RESPONDENTS} respondents")
    lake = Lake(app.settings, app.store, engine)
    responses = lake.table("devex_responses")

    def rows(expr: Any) -> list[dict[str, Any]]:
        found = [{k: r[k] for k in COLUMNS} for r in lake.execute(expr).to_pylist()]
        if quarter is not None:
            found = [r for r in found if r["quarter"] == quarter]
        return sorted(found, key=lambda r: (r["quarter"], r["team"], r["dimension"]))

    teams = rows(team_scores(responses, min_respondents=min_respondents))
    if team is not None:
        teams = [r for r in teams if r["team"] == team]
    return {
        "quarter": quarter,
        "min_respondents": min_respondents,
        "engine": lake.engine,
        "teams": teams,
        "organisation": rows(organisation_scores(responses, min_respondents=min_respondents)),
    }
