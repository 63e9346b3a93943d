"""``leadline catalog check``: the catalog hygiene a platform or engineering leader reviews.

Findings: services without an owning team, teams owning too many services or carrying too much
cognitive load (Team Topologies), teams without a type, collaboration interactions that have
run longer than they should, and references to entities the catalog does not hold.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from leadline.catalog.models import (
    Api,
    BusinessUnit,
    Domain,
    Organisation,
    Person,
    Resource,
    Service,
    System,
    Team,
    TeamInteraction,
    ValueStream,
)
from leadline.catalog.schemas import EntityRef, InteractionMode
from leadline.config import CatalogSettings


@dataclass(frozen=True)
class Finding:
    check: str
    kind: str
    entity: str
    field: str | None
    message: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def run_checks(session: Session, limits: CatalogSettings, today: dt.date) -> list[Finding]:
    findings = _ownership(session, limits) + _teams(session, limits)
    findings += _collaborations(session, limits, today) + dangling_references(session)
    return findings


def _ownership(session: Session, limits: CatalogSettings) -> list[Finding]:
    out = []
    for service in session.scalars(select(Service).order_by(Service.name)):
        if service.owner_team is None:
            detail = (
                f"its owner {service.owner!r} is not a team in the catalog"
                if service.owner
                else "no owner is set"
            )
            out.append(
                Finding(
                    "service-without-owner",
                    "service",
                    service.name,
                    "owner",
                    f"service {service.name} has no owning team: {detail}",
                )
            )
    counts = Counter(s for s in session.scalars(select(Service.owner_team)) if s)
    for team, count in sorted(counts.items()):
        if count > limits.max_services_per_team:
            out.append(
                Finding(
                    "team-owns-too-many-services",
                    "team",
                    team,
                    None,
                    f"team {team} owns {count} services (limit {limits.max_services_per_team})",
                )
            )
    return out


def _teams(session: Session, limits: CatalogSettings) -> list[Finding]:
    out = []
    for team in session.scalars(select(Team).order_by(Team.name)):
        if team.team_type is None:
            out.append(
                Finding(
                    "team-without-type",
                    "team",
                    team.name,
                    "type",
                    f"team {team.name} has no Team Topologies type",
                )
            )
        if team.cognitive_load is not None and team.cognitive_load > limits.max_cognitive_load:
            out.append(
                Finding(
                    "team-cognitive-load",
                    "team",
                    team.name,
                    "cognitive_load",
                    f"team {team.name} reports cognitive load "
                    f"{team.cognitive_load:g}/10 (limit {limits.max_cognitive_load:g})",
                )
            )
    return out


def _collaborations(session: Session, limits: CatalogSettings, today: dt.date) -> list[Finding]:
    out = []
    query = select(TeamInteraction).where(
        TeamInteraction.mode == InteractionMode.COLLABORATION.value
    )
    for item in session.scalars(query.order_by(TeamInteraction.team)):
        end = item.ended_on or today
        days = (end - item.started_on).days
        if days > limits.max_collaboration_days:
            state = "has lasted" if item.ended_on is None else "lasted"
            out.append(
                Finding(
                    "long-collaboration",
                    "interaction",
                    f"{item.team}<->{item.other_team}",
                    "started_on",
                    f"collaboration between {item.team} and {item.other_team} "
                    f"{state} {days} days since {item.started_on.isoformat()} "
                    f"(limit {limits.max_collaboration_days}); move it to "
                    "x-as-a-service or facilitating",
                )
            )
    return out


def dangling_references(session: Session) -> list[Finding]:
    """References by name that point to nothing in the catalog."""
    names: dict[str, set[str]] = {
        "organisation": set(session.scalars(select(Organisation.name))),
        "business unit": set(session.scalars(select(BusinessUnit.name))),
        "value stream": set(session.scalars(select(ValueStream.name))),
        "team": set(session.scalars(select(Team.name))),
        "person": set(session.scalars(select(Person.name))),
        "system": set(session.scalars(select(System.name))),
        "domain": set(session.scalars(select(Domain.name))),
    }
    groups = names["organisation"] | names["business unit"] | names["team"]
    out: list[Finding] = []

    def check(kind: str, entity: str, field: str, value: str | None, target: str) -> None:
        if not value:
            return
        known = groups if target == "group" else names[target]
        if value not in known:
            out.append(
                Finding(
                    "dangling-reference",
                    kind,
                    entity,
                    field,
                    f"{kind} {entity}: {field} refers to unknown {target} {value!r}",
                )
            )

    def check_owner(kind: str, entity: str, owner: str | None) -> None:
        if not owner:
            return
        try:
            ref = EntityRef.parse(owner, "group")
        except ValueError:
            out.append(
                Finding(
                    "dangling-reference",
                    kind,
                    entity,
                    "owner",
                    f"{kind} {entity}: owner {owner!r} is not an entity reference",
                )
            )
            return
        check(kind, entity, "owner", ref.name, "person" if ref.kind == "user" else "group")

    for unit in session.scalars(select(BusinessUnit)):
        check("business unit", unit.name, "organisation", unit.organisation, "organisation")
    for stream in session.scalars(select(ValueStream)):
        check("value stream", stream.name, "business_unit", stream.business_unit, "business unit")
    for team in session.scalars(select(Team)):
        check("team", team.name, "business_unit", team.business_unit, "business unit")
        check("team", team.name, "value_stream", team.value_stream, "value stream")
        check("team", team.name, "parent", team.parent, "group")
    for service in session.scalars(select(Service)):
        check_owner("service", service.name, service.owner)
        check("service", service.name, "system", service.system, "system")
        check("service", service.name, "value_stream", service.value_stream, "value stream")
    for system in session.scalars(select(System)):
        check_owner("system", system.name, system.owner)
        check("system", system.name, "domain", system.domain, "domain")
    for domain in session.scalars(select(Domain)):
        check_owner("domain", domain.name, domain.owner)
        check("domain", domain.name, "parent", domain.parent, "domain")
    owned: list[Resource | Api] = [
        *session.scalars(select(Resource)),
        *session.scalars(select(Api)),
    ]
    for item in owned:
        kind = "resource" if isinstance(item, Resource) else "API"
        check_owner(kind, item.name, item.owner)
        check(kind, item.name, "system", item.system, "system")
    for person in session.scalars(select(Person)):
        check("person", person.name, "team", person.team, "team")
        for ref in person.member_of or []:
            check("person", person.name, "member_of", EntityRef.parse(ref, "group").name, "group")
    for interaction in session.scalars(select(TeamInteraction)):
        label = f"{interaction.team}<->{interaction.other_team}"
        check("interaction", label, "team", interaction.team, "team")
        check("interaction", label, "with", interaction.other_team, "team")
    return sorted(out, key=lambda f: (f.kind, f.entity, f.field or ""))
