"""Paved-road adoption: the share of services that meet the golden-path checks leadline can
evaluate from its own data.

A service (lifecycle ``production`` or unset) passes when it:

- **has an owner**: its catalog owner resolves to a team;
- **has an SLO**: at least one SLO specification names it;
- **deploys via CI**: at least one successful production deployment in the last 90 days
  reached the lake from a CI/CD source (webhooks, APIs or the deployments CSV a pipeline
  writes);
- **is on the standard platform**: its owning team is a platform team, or consumes a platform
  team x-as-a-service (Team Topologies) in an interaction open on the day of the report.

Adoption = passing services / services, per group and overall.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select

from leadline.catalog.grouping import GroupBy, Grouping
from leadline.catalog.models import Service, Team, TeamInteraction
from leadline.context import App
from leadline.lake.engines import Lake
from leadline.reliability.models import Slo

CHECKS = ("has_owner", "has_slo", "deploys_via_ci", "on_standard_platform")
CI_DAYS = 90
IN_SCOPE_LIFECYCLES = (None, "production")


def deploying_services(app: App, since: dt.datetime, until: dt.datetime) -> set[str]:
    """Services with a successful production deployment in ``[since, until)`` (Ibis)."""
    lake = Lake(app.settings, app.store)
    if not lake.partitions("deployments"):
        return set()
    d = lake.table("deployments")
    environments = [e.lower() for e in app.settings.delivery.production_environments]
    recent = d.filter(
        d.environment.lower().isin(environments),
        d.status == "success",
        d.finished_at >= since,
        d.finished_at < until,
    )
    rows = lake.execute(recent.select("service").distinct()).to_pylist()
    return {r["service"] for r in rows}


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


def service_checks(app: App, *, as_of: dt.datetime) -> list[dict[str, Any]]:
    """Each in-scope service with the result of every check."""
    deploying = deploying_services(app, as_of - dt.timedelta(days=CI_DAYS), as_of)
    on_platform = _platform_consumers(app, as_of.date())
    with app.store.session() as session:
        teams = set(session.scalars(select(Team.name)))
        with_slo = set(session.scalars(select(Slo.service)))
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


def adoption(app: App, *, by: GroupBy = "team", as_of: dt.datetime | None = None) -> dict[str, Any]:
    """The ``leadline paved-road --format json`` document."""
    as_of = as_of or dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
    rows = service_checks(app, as_of=as_of)
    grouping = Grouping.of(app)
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
