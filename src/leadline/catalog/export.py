"""Catalog export: back to Backstage descriptors, or to the native catalog YAML.

A Backstage entity that was imported comes back as it was, with the fields leadline manages
(titles, owners, team types, value streams...) written from the catalog's current values.
"""

from __future__ import annotations

import copy
from collections import defaultdict
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from leadline.catalog.backstage import ANNOTATIONS
from leadline.catalog.incident_window import stored_incident_window
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
from leadline.catalog.services import stored_paths

API_VERSION = "backstage.io/v1alpha1"
OTHER_KINDS: dict[type, str] = {
    Domain: "Domain",
    System: "System",
    Resource: "Resource",
    Api: "API",
}
GROUP_TYPES = {Organisation: "organization", BusinessUnit: "business-unit", Team: "team"}


def _base(entity: Any, kind: str) -> dict[str, Any]:
    doc = copy.deepcopy((entity.extra or {}).get("backstage")) or {
        "apiVersion": API_VERSION,
        "kind": kind,
        "metadata": {},
        "spec": {},
    }
    doc.setdefault("metadata", {})["name"] = entity.name
    doc.setdefault("spec", {})
    if entity.description is not None:
        doc["metadata"]["description"] = entity.description
    return doc


def _set(mapping: dict[str, Any], key: str, value: Any) -> None:
    if value is None:
        mapping.pop(key, None)
    else:
        mapping[key] = value


def _title(doc: dict[str, Any], title: str | None, from_profile: bool = False) -> None:
    """Write the title where the importer will find it again."""
    profile = doc["spec"].get("profile") or {}
    if from_profile and not doc["metadata"].get("title") and profile.get("displayName") == title:
        return  # the importer derives the same title from the profile
    _set(doc["metadata"], "title", title)


def _annotate(doc: dict[str, Any], key: str, value: Any) -> None:
    annotations = doc["metadata"].setdefault("annotations", {})
    _set(annotations, ANNOTATIONS[key], None if value is None else str(value))
    if not annotations:
        doc["metadata"].pop("annotations")


def to_backstage(session: Session) -> list[dict[str, Any]]:
    docs: list[dict[str, Any]] = []
    children: dict[str, list[str]] = defaultdict(list)
    teams = list(session.scalars(select(Team).order_by(Team.name)))
    units = list(session.scalars(select(BusinessUnit).order_by(BusinessUnit.name)))
    for team in teams:
        if team.parent or team.business_unit:
            children[team.parent or team.business_unit or ""].append(team.name)
    for unit in units:
        if unit.organisation:
            children[unit.organisation].append(unit.name)
    groups: list[Any] = list(session.scalars(select(Organisation).order_by(Organisation.name)))
    for group in [*groups, *units, *teams]:
        doc = _base(group, "Group")
        spec = doc["spec"]
        original_type = spec.get("type")
        spec["type"] = original_type or GROUP_TYPES[type(group)]
        _title(doc, group.title, from_profile=True)
        if isinstance(group, Team):
            _set(spec, "parent", group.parent or group.business_unit)
            if group.email is not None:
                spec.setdefault("profile", {})["email"] = group.email
            _annotate(doc, "team_type", group.team_type)
            _annotate(
                doc,
                "cognitive_load",
                None if group.cognitive_load is None else f"{group.cognitive_load:g}",
            )
            _annotate(doc, "value_stream", group.value_stream)
        elif isinstance(group, BusinessUnit) and "parent" not in spec and group.organisation:
            spec["parent"] = group.organisation
        spec.setdefault("children", sorted(children.get(group.name, [])))
        docs.append(doc)
    docs += _people(session) + _components(session) + _others(session)
    return docs


def _people(session: Session) -> list[dict[str, Any]]:
    docs = []
    for person in session.scalars(select(Person).order_by(Person.name)):
        doc = _base(person, "User")
        _title(doc, person.title, from_profile=True)
        if person.email is not None:
            doc["spec"].setdefault("profile", {})["email"] = person.email
        member_of = list(person.member_of or [])
        if person.team and person.team not in member_of:
            member_of.insert(0, person.team)
        doc["spec"]["memberOf"] = member_of
        _annotate(doc, "role", person.role)
        _annotate(doc, "skills", ", ".join(person.skills) if person.skills else None)
        docs.append(doc)
    return docs


def _components(session: Session) -> list[dict[str, Any]]:
    docs = []
    for service in session.scalars(select(Service).order_by(Service.name)):
        doc = _base(service, "Component")
        _set(doc["metadata"], "title", service.title)
        spec = doc["spec"]
        spec["type"] = service.component_type or spec.get("type") or "service"
        spec["lifecycle"] = service.lifecycle or spec.get("lifecycle") or "production"
        spec["owner"] = service.owner or service.owner_team or spec.get("owner") or "unknown"
        _set(spec, "system", service.system)
        _annotate(doc, "value_stream", service.value_stream)
        _annotate(doc, "tier", service.tier)
        hours = stored_incident_window(service.extra)  # a native catalog's field, exported
        if hours is not None and ANNOTATIONS["incident_window_hours"] not in (
            doc["metadata"].get("annotations") or {}
        ):
            _annotate(doc, "incident_window_hours", f"{hours:g}")
        docs.append(doc)
    return docs


def _others(session: Session) -> list[dict[str, Any]]:
    entities: list[Domain | System | Resource | Api] = []
    for model in (Domain, System, Resource, Api):
        entities += session.scalars(select(model).order_by(model.name))
    docs = []
    for entity in entities:
        doc = _base(entity, OTHER_KINDS[type(entity)])
        _set(doc["metadata"], "title", entity.title)
        spec = doc["spec"]
        _set(spec, "owner", entity.owner)
        if isinstance(entity, Domain):
            _set(spec, "subdomainOf", entity.parent)
        elif isinstance(entity, System):
            _set(spec, "domain", entity.domain)
        elif isinstance(entity, Resource):
            _set(spec, "system", entity.system)
            _set(spec, "type", entity.resource_type)
        else:
            _set(spec, "system", entity.system)
            _set(spec, "type", entity.api_type)
            _set(spec, "lifecycle", entity.lifecycle)
        docs.append(doc)
    return docs


def _native_paths(extra: dict[str, Any] | None) -> dict[str, Any]:
    """A monorepo service's repository and paths (from either catalog format), for the native
    export; nothing for a service without paths."""
    repositories, patterns = stored_paths(extra)
    if not patterns or not repositories:
        return {}
    return {"repository": repositories[0], "paths": list(patterns)}


def to_native(session: Session) -> dict[str, Any]:
    """Everything the native format can hold, as one ``kind: Catalog`` document."""

    def item(**fields: Any) -> dict[str, Any]:
        return {k: v for k, v in fields.items() if v not in (None, [], "")}

    return {
        "apiVersion": "leadline.io/v1",
        "kind": "Catalog",
        "organisations": [
            item(name=o.name, title=o.title, description=o.description)
            for o in session.scalars(select(Organisation).order_by(Organisation.name))
        ],
        "business_units": [
            item(name=b.name, title=b.title, description=b.description, organisation=b.organisation)
            for b in session.scalars(select(BusinessUnit).order_by(BusinessUnit.name))
        ],
        "value_streams": [
            item(
                name=v.name, title=v.title, description=v.description, business_unit=v.business_unit
            )
            for v in session.scalars(select(ValueStream).order_by(ValueStream.name))
        ],
        "teams": [
            item(
                name=t.name,
                title=t.title,
                description=t.description,
                type=t.team_type,
                cognitive_load=t.cognitive_load,
                business_unit=t.business_unit,
                value_stream=t.value_stream,
                email=t.email,
            )
            for t in session.scalars(select(Team).order_by(Team.name))
        ],
        "services": [
            item(
                name=s.name,
                title=s.title,
                description=s.description,
                owner=s.owner_team,
                value_stream=s.value_stream,
                system=s.system,
                tier=s.tier,
                lifecycle=s.lifecycle,
                type=s.component_type,
                **_native_paths(s.extra),
            )
            for s in session.scalars(select(Service).order_by(Service.name))
        ],
        "people": [
            item(
                name=p.name, title=p.title, email=p.email, team=p.team, role=p.role, skills=p.skills
            )
            for p in session.scalars(select(Person).order_by(Person.name))
        ],
        "interactions": [
            item(
                team=i.team,
                **{"with": i.other_team},
                mode=i.mode,
                started_on=i.started_on,
                ended_on=i.ended_on,
                purpose=i.purpose,
            )
            for i in session.scalars(
                select(TeamInteraction).order_by(TeamInteraction.team, TeamInteraction.started_on)
            )
        ],
    }
