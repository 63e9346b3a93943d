"""Paved-road adoption: the share of services that meet the golden-path checks leadline can
evaluate from its own data.

A service (lifecycle ``production`` or unset) passes when it:

- **has an owner**: its catalog owner resolves to a team;
- **has an SLO**: at least one SLO specification names it (``reliability.slos`` by service,
  read through the metric registry);
- **deploys via CI**: at least one successful production deployment in the last 90 days
  reached the lake from a CI/CD source (webhooks, APIs or the deployments CSV a pipeline
  writes);
- **is on the standard platform**: its owning team is a platform team, or consumes a platform
  team x-as-a-service (Team Topologies) in an interaction open on the day of the report.

Adoption = passing services / services, per group and overall (the registry's
``people.paved_road_adoption``, in percent).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import ibis
from sqlalchemy import select

from leadline.catalog.grouping import GroupBy
from leadline.catalog.models import Service, Team, TeamInteraction
from leadline.context import App
from leadline.lake.engines import Lake
from leadline.periods import Window
from leadline.semantic.evaluation import Evaluation

CHECKS = ("has_owner", "has_slo", "deploys_via_ci", "on_standard_platform")
CI_DAYS = 90
IN_SCOPE_LIFECYCLES = (None, "production")


def deployers(
    deployments: ibis.Table,
    production_environments: Sequence[str],
    since: dt.datetime,
    until: dt.datetime,
) -> ibis.Table:
    """The services (column ``service``) with a successful production deployment in
    ``[since, until)``, as an Ibis expression (DuckDB and Spark agree)."""
    d = deployments
    environments = [e.lower() for e in production_environments]
    recent = d.filter(
        d.environment.lower().isin(environments),
        d.status == "success",
        d.finished_at >= since,
        d.finished_at < until,
    )
    return recent.select("service").distinct()


def deploying_services(
    app: App, since: dt.datetime, until: dt.datetime, engine: str | None = None
) -> set[str]:
    """Services with a successful production deployment in ``[since, until)``."""
    lake = Lake(app.settings, app.store, engine)
    if not lake.partitions("deployments"):
        return set()
    environments = app.settings.delivery.production_environments
    found = deployers(lake.table("deployments"), environments, since, until)
    return {r["service"] for r in lake.execute(found).to_pylist()}


def _platform_consumers(app: App, on: dt.date) -> set[str]:
    with app.store.session() as session:
        teams = {t.name: t.team_type for t in session.scalars(select(Team))}
        platform = {name for name, kind in teams.items() if kind == "platform"}
        consumers = {
            i.team
            for i in session.scalars(select(TeamInteraction))
            if i.mode == "x-as-a-service"
            and i.other_team in platform
            and i.started_on <= on
            and (i.ended_on is None or i.ended_on > on)
        }
    return platform | consumers


def service_checks(
    app: App, *, as_of: dt.datetime, engine: str | None = None
) -> list[dict[str, Any]]:
    """Each in-scope service with the result of every check."""
    return checks_at(Evaluation(app, engine, now=as_of), as_of)


def checks_at(ev: Evaluation, as_of: dt.datetime) -> list[dict[str, Any]]:
    """``service_checks`` at ``as_of`` in an evaluation (its cache and engine)."""
    app = ev.app
    since = as_of - dt.timedelta(days=CI_DAYS)

    def compute() -> list[dict[str, Any]]:
        deploying = deploying_services(app, since, as_of, ev.engine)
        slos = ev.values("reliability.slos", "service", [Window(since, as_of)])[0]
        return _checks(app, as_of, deploying, {s for s, n in slos.items() if n})

    found: list[dict[str, Any]] = ev.cached(("paved-road-checks", as_of), compute)
    return found


def _checks(
    app: App, as_of: dt.datetime, deploying: set[str], with_slo: set[str]
) -> list[dict[str, Any]]:
    on_platform = _platform_consumers(app, as_of.date())
    with app.store.session() as session:
        teams = set(session.scalars(select(Team.name)))
        services = [
            s
            for s in session.scalars(select(Service).order_by(Service.name))
            if s.lifecycle in IN_SCOPE_LIFECYCLES
        ]
        rows = []
        for s in services:
            checks = {
                "has_owner": s.owner_team in teams,
                "has_slo": s.name in with_slo,
                "deploys_via_ci": s.name in deploying,
                "on_standard_platform": s.owner_team in on_platform,
            }
            rows.append(
                {"service": s.name, "team": s.owner_team, **checks, "passes": all(checks.values())}
            )
    return rows


def _summary(key: str, rows: list[dict[str, Any]]) -> dict[str, Any]:
    passing = sum(r["passes"] for r in rows)
    return {
        "key": key,
        "services": len(rows),
        "passing": passing,
        "adoption": passing / len(rows) if rows else None,
        **{check: sum(r[check] for r in rows) / len(rows) if rows else None for check in CHECKS},
    }


def adoption(
    app: App,
    *,
    by: GroupBy = "team",
    as_of: dt.datetime | None = None,
    engine: str | None = None,
) -> dict[str, Any]:
    """The ``leadline paved-road --format json`` document."""
    as_of = as_of or dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
    ev = Evaluation(app, engine, now=as_of)
    rows = checks_at(ev, as_of)
    grouping = ev.grouping
    grouped: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        grouped.setdefault(grouping.service_key(row["service"], by), []).append(row)
    return {
        "as_of": as_of.replace(tzinfo=dt.UTC),
        "by": by,
        "checks": list(CHECKS),
        "total": _summary("(all)", rows),
        "groups": [_summary(k, v) for k, v in sorted(grouped.items())],
        "services": rows,
    }
