"""Read-side catalog queries shared by the CLI and (later) the web app and API."""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from leadline.catalog.models import (
    BusinessUnit,
    Organisation,
    Person,
    Service,
    Team,
    TeamInteraction,
    ValueStream,
)


def teams(session: Session) -> list[dict[str, Any]]:
    services = Counter(s for s in session.scalars(select(Service.owner_team)) if s)
    people = Counter(p for p in session.scalars(select(Person.team)) if p)
    return [
        {
            "name": t.name,
            "title": t.title,
            "type": t.team_type,
            "cognitive_load": t.cognitive_load,
            "business_unit": t.business_unit,
            "value_stream": t.value_stream,
            "services": services[t.name],
            "people": people[t.name],
        }
        for t in session.scalars(select(Team).order_by(Team.name))
    ]


def services(session: Session) -> list[dict[str, Any]]:
    return [
        {
            "name": s.name,
            "title": s.title,
            "owner_team": s.owner_team,
            "owner": s.owner,
            "value_stream": s.value_stream,
            "system": s.system,
            "tier": s.tier,
            "lifecycle": s.lifecycle,
            "type": s.component_type,
        }
        for s in session.scalars(select(Service).order_by(Service.name))
    ]


def value_streams(session: Session) -> list[dict[str, Any]]:
    team_count = Counter(t for t in session.scalars(select(Team.value_stream)) if t)
    service_count = Counter(s for s in session.scalars(select(Service.value_stream)) if s)
    return [
        {
            "name": v.name,
            "title": v.title,
            "business_unit": v.business_unit,
            "description": v.description,
            "teams": team_count[v.name],
            "services": service_count[v.name],
        }
        for v in session.scalars(select(ValueStream).order_by(ValueStream.name))
    ]


def business_units(session: Session) -> list[dict[str, Any]]:
    team_count = Counter(t for t in session.scalars(select(Team.business_unit)) if t)
    return [
        {
            "name": b.name,
            "title": b.title,
            "organisation": b.organisation,
            "teams": team_count[b.name],
        }
        for b in session.scalars(select(BusinessUnit).order_by(BusinessUnit.name))
    ]


def interactions(session: Session) -> list[dict[str, Any]]:
    query = select(TeamInteraction).order_by(
        TeamInteraction.team, TeamInteraction.other_team, TeamInteraction.started_on
    )
    return [
        {
            "team": i.team,
            "with": i.other_team,
            "mode": i.mode,
            "started_on": i.started_on.isoformat(),
            "ended_on": i.ended_on.isoformat() if i.ended_on else None,
            "purpose": i.purpose,
        }
        for i in session.scalars(query)
    ]


def summary(session: Session) -> dict[str, int]:
    """How many of each entity the catalog holds."""
    from sqlalchemy import func

    from leadline.catalog.models import Api, Domain, Resource, System

    models = {
        "organisations": Organisation,
        "business_units": BusinessUnit,
        "value_streams": ValueStream,
        "teams": Team,
        "services": Service,
        "people": Person,
        "interactions": TeamInteraction,
        "systems": System,
        "domains": Domain,
        "resources": Resource,
        "apis": Api,
    }
    return {
        key: int(session.scalar(select(func.count()).select_from(model)) or 0)
        for key, model in models.items()
    }
