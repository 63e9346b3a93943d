"""Derived catalog fields, recomputed after every catalog ingest so that import order never
matters: a team's business unit (from its Backstage parent chain), a business unit's
organisation, a person's primary team and a service's owning team."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from leadline.catalog.models import BusinessUnit, Organisation, Person, Service, Team
from leadline.catalog.schemas import EntityRef


def _backstage_parent(extra: dict[str, Any] | None) -> str | None:
    spec = ((extra or {}).get("backstage") or {}).get("spec") or {}
    parent = spec.get("parent")
    if not isinstance(parent, str):
        return None
    try:
        return EntityRef.parse(parent, "group").name
    except ValueError:
        return None


def resolve_catalog(session: Session) -> None:
    orgs = list(session.scalars(select(Organisation)))
    units = list(session.scalars(select(BusinessUnit)))
    teams = list(session.scalars(select(Team)))
    level = {o.name: "organisation" for o in orgs}
    level |= {u.name: "business_unit" for u in units}
    level |= {t.name: "team" for t in teams}
    parent: dict[str, str | None] = {o.name: _backstage_parent(o.extra) for o in orgs}
    parent |= {u.name: _backstage_parent(u.extra) for u in units}
    parent |= {t.name: t.parent for t in teams}

    def ancestor(name: str, wanted: str) -> str | None:
        seen = {name}
        current = parent.get(name)
        while current is not None and current not in seen:
            if level.get(current) == wanted:
                return current
            seen.add(current)
            current = parent.get(current)
        return None

    explicit_unit = {t.name: t.business_unit for t in teams if t.parent is None}

    def unit_of(name: str) -> str | None:
        """Nearest business-unit ancestor, or the unit set on a parentless ancestor team."""
        seen = {name}
        current = parent.get(name)
        while current is not None and current not in seen:
            if level.get(current) == "business_unit":
                return current
            if current in explicit_unit:
                return explicit_unit[current]
            seen.add(current)
            current = parent.get(current)
        return None

    # A team placed by a Backstage parent takes its unit from that chain (so a moved team
    # never keeps a stale unit); a team without one keeps the unit set for it explicitly.
    for team in teams:
        if team.parent is not None:
            team.business_unit = unit_of(team.name)
    for business_unit in units:
        org = ancestor(business_unit.name, "organisation")
        if org is not None:
            business_unit.organisation = org

    team_names = {t.name for t in teams}
    people = list(session.scalars(select(Person)))
    for person in people:
        groups = [EntityRef.parse(ref, "group") for ref in person.member_of or []]
        first_team = next((g.name for g in groups if g.name in team_names), None)
        if first_team is not None:
            person.team = first_team
    person_team = {p.name: p.team for p in people}
    for service in session.scalars(select(Service)):
        service.owner_team = _owning_team(service.owner, team_names, person_team)
    session.flush()


def _owning_team(
    owner: str | None, team_names: set[str], person_team: dict[str, str | None]
) -> str | None:
    if not owner:
        return None
    try:
        ref = EntityRef.parse(owner, "group")
    except ValueError:
        return None
    if ref.kind == "user":
        return person_team.get(ref.name)
    if ref.kind == "group" and ref.name in team_names:
        return ref.name
    return None
