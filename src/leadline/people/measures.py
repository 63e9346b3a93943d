"""The people pillar's registered metrics: developer-experience scores (SPACE dimensions and
psychological safety), ``devex.<dimension>``, and paved-road adoption
(``people.paved_road_adoption``: the share of in-scope services passing every golden-path
check of ``people.paved_road``, judged at the window's end cut at the as-of instant).

A window's score is the survey of the calendar quarter holding the window's last instant (cut
at the as-of instant): surveys are quarterly, so a quarter window reads its own survey and a
rolling window the latest one inside it. A team's score is suppressed (absent) below the
anonymity threshold of respondents.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from leadline.catalog.grouping import GROUP_BY, ORGANISATION, Scope, ScopeKind
from leadline.periods import Period, Window
from leadline.present.model import Column, Report
from leadline.semantic.evaluation import Evaluation
from leadline.semantic.registry import Metric, Values

SOURCE = "Forsgren et al., The SPACE of Developer Productivity (ACM Queue, 2021); Edmondson (1999)"


def survey_quarter(ev: Evaluation, window: Window) -> str:
    last = min(window.until, ev.now) - dt.timedelta(microseconds=1)
    return Period.of("quarter", last).label


def _report(ev: Evaluation, quarter: str) -> dict[str, Any]:
    from leadline.people.report import devex

    found: dict[str, Any] = ev.cached(
        ("devex", quarter), lambda: devex(ev.app, quarter=quarter, engine=ev.engine)
    )
    return found


def _mean(dimension: str) -> Callable[..., list[Values]]:
    def evaluate(
        ev: Evaluation, kind: ScopeKind, windows: Sequence[Window], params: Mapping[str, str]
    ) -> list[Values]:
        out: list[Values] = []
        for window in windows:
            report = _report(ev, survey_quarter(ev, window))
            rows = report["organisation"] if kind == ORGANISATION else report["teams"]
            values: dict[str, float | None] = {}
            for row in rows:
                if row["dimension"] == dimension and row["mean"] is not None:
                    key = ORGANISATION if kind == ORGANISATION else row["team"]
                    values[key] = float(row["mean"])
            out.append(values)
        return out

    return evaluate


def explain(ev: Evaluation, scope: Scope, window: Window, params: Mapping[str, str]) -> Report:
    """The survey's rows for the scope: respondents, answers, mean, favourable share."""
    quarter = survey_quarter(ev, window)
    report = _report(ev, quarter)
    rows = report["organisation"] if scope.kind == ORGANISATION else report["teams"]
    wanted = [r for r in rows if scope.kind == ORGANISATION or r["team"] == scope.name]
    columns = [
        Column("quarter", "Survey"),
        Column("dimension", "Dimension", "label"),
        Column("respondents", "Respondents", "count"),
        Column("answers", "Answers", "count"),
        Column("mean", "Mean (1-5)", "score"),
        Column("favourable", "Favourable", "ratio"),
        Column("suppressed", "Suppressed", "bool"),
    ]
    return Report("devex", f"Developer experience of {scope}, {quarter}", columns, wanted)


def _paved_road_at(ev: Evaluation, window: Window) -> tuple[dt.datetime, list[dict[str, Any]]]:
    from leadline.people.paved_road import checks_at

    at = min(window.until, ev.now)
    return at, checks_at(ev, at)


def paved_road_adoption(
    ev: Evaluation, kind: ScopeKind, windows: Sequence[Window], params: Mapping[str, str]
) -> list[Values]:
    """100 x passing services / in-scope services of each scope that has any."""
    out: list[Values] = []
    for window in windows:
        _, rows = _paved_road_at(ev, window)
        services: dict[str, int] = {}
        passing: dict[str, int] = {}
        for row in rows:
            key = ev.grouping.service_key(row["service"], kind)
            services[key] = services.get(key, 0) + 1
            passing[key] = passing.get(key, 0) + bool(row["passes"])
        out.append({k: 100.0 * passing[k] / n for k, n in services.items()})
    return out


def explain_paved_road(
    ev: Evaluation, scope: Scope, window: Window, params: Mapping[str, str]
) -> Report:
    """The scope's in-scope services with the result of every check."""
    from leadline.people.paved_road import CHECKS

    at, rows = _paved_road_at(ev, window)
    wanted = [r for r in rows if ev.grouping.service_key(r["service"], scope.kind) == scope.name]
    columns = [
        Column("service", "Service", "name"),
        Column("team", "Team", "name"),
        *(Column(check, check.replace("_", " ").capitalize(), "bool") for check in CHECKS),
        Column("passes", "On the paved road", "bool"),
    ]
    title = f"Paved road of {scope} at {at:%Y-%m-%d %H:%M}"
    return Report("paved-road", title, columns, wanted)


PAVED_ROAD = Metric(
    key="people.paved_road_adoption",
    title="Paved-road adoption",
    unit="percent",
    direction="higher",
    scopes=GROUP_BY,
    default_window="quarter",
    anchor="paved-road-adoption",
    pillar="people",
    description="Share of in-scope services (lifecycle production or unset) passing every "
    "golden-path check: an owner, an SLO, a production deployment in the last 90 days, the "
    "standard platform.",
    evaluate=paved_road_adoption,
    explain=explain_paved_road,
    point_in_time=True,
    source="Team Topologies (Skelton and Pais, 2019): platform as x-as-a-service",
)


def _metric(dimension: str) -> Metric:
    words = dimension.replace("_", " ")
    return Metric(
        key=f"devex.{dimension}",
        title=f"Developer experience: {words}",
        unit="score",
        unit_label="of 5",
        direction="higher",
        scopes=("team", "organisation"),
        default_window="quarter",
        anchor="developer-experience",
        pillar="people",
        description=f"Mean {words} answer (1-5) of the quarter's survey; none under the "
        "anonymity threshold.",
        evaluate=_mean(dimension),
        explain=explain,
        source=SOURCE,
    )


def _metrics() -> tuple[Metric, ...]:
    from leadline.people.schemas import DIMENSIONS

    return (*(_metric(d) for d in DIMENSIONS), PAVED_ROAD)


METRICS = _metrics()
