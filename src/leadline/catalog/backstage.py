"""Backstage descriptor files (catalog-info.yaml) to catalog records.

Kinds: Group (organisation, business unit or team by ``spec.type``), User, Component (service),
System, Domain, Resource, API, and Location (whose relative targets are followed at read time).
What leadline adds rides in ``leadline.io/*`` annotations. Each entity's original document is kept
in ``extra["backstage"]`` so that exporting gives it back.
"""

from __future__ import annotations

import re
from typing import Any

from leadline.catalog.incident_window import ANNOTATION as INCIDENT_WINDOW_ANNOTATION
from leadline.catalog.incident_window import parse_incident_window
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
    ValueStream,
)
from leadline.catalog.records import GROUP_MODELS, Record, Ref
from leadline.catalog.schemas import ANNOTATION_PREFIX, NAME_PATTERN, EntityRef, TeamType
from leadline.catalog.services import (
    PATHS_ANNOTATION,
    REPOSITORY_ANNOTATIONS,
    PathsError,
    parse_paths,
)
from leadline.config import CatalogSettings
from leadline.ingest.files import YamlDocument
from leadline.ingest.problems import Problem
from leadline.store.base import Base

KNOWN_KINDS = ("Group", "User", "Component", "System", "Domain", "Resource", "API", "Location")
LEVEL_MODELS: dict[str, type[Base]] = {
    "organisation": Organisation,
    "business_unit": BusinessUnit,
    "team": Team,
}
ANNOTATIONS = {
    "team_type": ANNOTATION_PREFIX + "team-type",
    "cognitive_load": ANNOTATION_PREFIX + "cognitive-load",
    "value_stream": ANNOTATION_PREFIX + "value-stream",
    "tier": ANNOTATION_PREFIX + "tier",
    "role": ANNOTATION_PREFIX + "role",
    "skills": ANNOTATION_PREFIX + "skills",
    "incident_window_hours": INCIDENT_WINDOW_ANNOTATION,
}


class EntityError(ValueError):
    def __init__(self, field: str | None, reason: str, value: Any = None) -> None:
        super().__init__(reason)
        self.field, self.reason, self.value = field, reason, value


def parse_document(
    doc: YamlDocument, catalog: CatalogSettings
) -> tuple[list[Record], list[Problem]]:
    """Records for one descriptor document; problems name the file, document and field."""
    entity = doc.content
    try:
        kind, name, metadata, spec = _envelope(entity)
        if kind == "Location":
            return [], []
        if kind not in KNOWN_KINDS:
            return [], [
                Problem(
                    doc.file,
                    f"unknown kind {kind!r} skipped (leadline imports {', '.join(KNOWN_KINDS)})",
                    doc.index,
                    "kind",
                    kind,
                    "warning",
                    entity,
                )
            ]
        record, problems = _BUILDERS[kind](doc, name, metadata, spec, catalog)
    except EntityError as error:
        # Only a mapping is kept as the rejected record: anything else may be a file that is not
        # a descriptor at all, whose content has no business in the store.
        kept = entity if isinstance(entity, dict) else None
        return [], [
            Problem(doc.file, error.reason, doc.index, error.field, error.value, "error", kept)
        ]
    try:
        record.values.setdefault("title", _text(metadata, "title", "metadata.title"))
        record.values.setdefault(
            "description", _text(metadata, "description", "metadata.description")
        )
    except EntityError as error:
        return [], [
            Problem(doc.file, error.reason, doc.index, error.field, error.value, "error", entity)
        ]
    record.values["extra"] = {"backstage": entity}
    return [record], problems


def _envelope(entity: Any) -> tuple[str, str, dict[str, Any], dict[str, Any]]:
    if not isinstance(entity, dict):
        raise EntityError(None, f"a descriptor must be a mapping, not {type(entity).__name__}")
    api_version = entity.get("apiVersion")
    if not isinstance(api_version, str) or not api_version.startswith("backstage.io/"):
        raise EntityError("apiVersion", "apiVersion must be backstage.io/<version>", api_version)
    kind = entity.get("kind")
    if not isinstance(kind, str) or not kind:
        raise EntityError("kind", "kind is missing", kind)
    metadata = entity.get("metadata")
    if not isinstance(metadata, dict):
        raise EntityError("metadata", "metadata must be a mapping", metadata)
    name = metadata.get("name")
    if not isinstance(name, str) or not re.match(NAME_PATTERN, name):
        raise EntityError(
            "metadata.name",
            "metadata.name must be 1-63 letters, digits or "
            "[-_.], starting and ending with a letter or digit",
            name,
        )
    spec = entity.get("spec", {})
    if spec is None:
        spec = {}
    if not isinstance(spec, dict):
        raise EntityError("spec", "spec must be a mapping", spec)
    for key in ("annotations", "labels"):
        if not isinstance(metadata.get(key, {}), dict):
            raise EntityError(f"metadata.{key}", f"metadata.{key} must be a mapping")
    return kind, name, metadata, spec


def _ref(spec: dict[str, Any], key: str, default_kind: str) -> EntityRef | None:
    value = spec.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise EntityError(f"spec.{key}", "must be an entity reference string", value)
    try:
        return EntityRef.parse(value, default_kind)
    except ValueError as error:
        raise EntityError(f"spec.{key}", str(error), value) from None


def _ref_list(spec: dict[str, Any], key: str, default_kind: str) -> list[EntityRef]:
    values = spec.get(key) or []
    if not isinstance(values, list):
        raise EntityError(f"spec.{key}", "must be a list of entity references", values)
    try:
        return [EntityRef.parse(str(v), default_kind) for v in values]
    except ValueError as error:
        raise EntityError(f"spec.{key}", str(error), values) from None


def _text(mapping: dict[str, Any], key: str, field: str) -> str | None:
    """A text field: absent, null or a string (YAML numbers and booleans are written as text)."""
    value = mapping.get(key)
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    raise EntityError(field, "must be a text value", value)


def _profile(spec: dict[str, Any]) -> dict[str, Any]:
    profile = spec.get("profile")
    if profile is None:
        return {}
    if not isinstance(profile, dict):
        raise EntityError("spec.profile", "spec.profile must be a mapping", profile)
    return profile


def _title(metadata: dict[str, Any], profile: dict[str, Any]) -> str | None:
    return _text(metadata, "title", "metadata.title") or _text(
        profile, "displayName", "spec.profile.displayName"
    )


def _owner_ref(field: str, ref: EntityRef) -> Ref:
    targets = (Person,) if ref.kind == "user" else GROUP_MODELS
    return Ref(field, targets, ref.name)


def _annotation(metadata: dict[str, Any], key: str) -> str | None:
    value = (metadata.get("annotations") or {}).get(ANNOTATIONS[key])
    return None if value in (None, "") else str(value)


def _record(
    doc: YamlDocument, model: type[Base], name: str, values: dict[str, Any], refs: list[Ref]
) -> Record:
    return Record(model, name, values, doc.file, doc.index, "", refs, doc.content)


def _group(
    doc: YamlDocument,
    name: str,
    metadata: dict[str, Any],
    spec: dict[str, Any],
    catalog: CatalogSettings,
) -> tuple[Record, list[Problem]]:
    problems = []
    group_type = spec.get("type")
    if not isinstance(group_type, str) or not group_type:
        raise EntityError("spec.type", "a Group needs spec.type (e.g. team, business-unit)")
    level = catalog.group_types.get(group_type.lower())
    if level is None:
        level = "team"
        problems.append(
            Problem(
                doc.file,
                f"unknown group type {group_type!r} imported as a "
                "team; map it in [catalog.group_types]",
                doc.index,
                "spec.type",
                group_type,
                "warning",
            )
        )
    profile = _profile(spec)
    values: dict[str, Any] = {"title": _title(metadata, profile)}
    parent = _ref(spec, "parent", "group")
    refs = [Ref("spec.parent", GROUP_MODELS, parent.name)] if parent else []
    if level == "team":
        email = _text(profile, "email", "spec.profile.email")
        values.update(parent=parent.name if parent else None, email=email)
        team_type = _annotation(metadata, "team_type")
        if team_type is not None:
            if team_type not in {t.value for t in TeamType}:
                raise EntityError(
                    f"metadata.annotations.{ANNOTATIONS['team_type']}",
                    "must be one of " + ", ".join(t.value for t in TeamType),
                    team_type,
                )
            values["team_type"] = team_type
        load = _annotation(metadata, "cognitive_load")
        if load is not None:
            values["cognitive_load"] = _load_score(load)
        stream = _annotation(metadata, "value_stream")
        if stream is not None:
            values["value_stream"] = stream
            refs.append(
                Ref(f"metadata.annotations.{ANNOTATIONS['value_stream']}", (ValueStream,), stream)
            )
    return _record(doc, LEVEL_MODELS[level], name, values, refs), problems


def _load_score(text: str) -> float:
    field = f"metadata.annotations.{ANNOTATIONS['cognitive_load']}"
    try:
        value = float(text)
    except ValueError:
        raise EntityError(field, "must be a number from 0 to 10", text) from None
    if not 0 <= value <= 10:
        raise EntityError(field, "must be a number from 0 to 10", text)
    return value


def _window_hours(text: str) -> float:
    field = f"metadata.annotations.{INCIDENT_WINDOW_ANNOTATION}"
    try:
        return parse_incident_window(text)
    except ValueError as error:
        raise EntityError(field, str(error), text) from None


def _user(
    doc: YamlDocument,
    name: str,
    metadata: dict[str, Any],
    spec: dict[str, Any],
    _catalog: CatalogSettings,
) -> tuple[Record, list[Problem]]:
    profile = _profile(spec)
    member_of = _ref_list(spec, "memberOf", "group")
    values: dict[str, Any] = {
        "title": _title(metadata, profile),
        "email": _text(profile, "email", "spec.profile.email"),
        "member_of": [r.compact("group") for r in member_of],
    }
    role = _annotation(metadata, "role")
    if role is not None:
        values["role"] = role
    skills = _annotation(metadata, "skills")
    if skills is not None:
        values["skills"] = [s.strip() for s in skills.split(",") if s.strip()]
    refs = [Ref(f"spec.memberOf[{i}]", GROUP_MODELS, r.name) for i, r in enumerate(member_of)]
    return _record(doc, Person, name, values, refs), []


def _owned(spec: dict[str, Any]) -> tuple[dict[str, Any], list[Ref]]:
    owner = _ref(spec, "owner", "group")
    if owner is None:
        return {"owner": None}, []
    return {"owner": owner.compact("group")}, [_owner_ref("spec.owner", owner)]


def _in_system(spec: dict[str, Any]) -> tuple[dict[str, Any], list[Ref]]:
    system = _ref(spec, "system", "system")
    if system is None:
        return {"system": None}, []
    return {"system": system.name}, [Ref("spec.system", (System,), system.name)]


def _component(
    doc: YamlDocument,
    name: str,
    metadata: dict[str, Any],
    spec: dict[str, Any],
    _catalog: CatalogSettings,
) -> tuple[Record, list[Problem]]:
    values, refs = _owned(spec)
    system_values, system_refs = _in_system(spec)
    values.update(
        system_values,
        component_type=_text(spec, "type", "spec.type"),
        lifecycle=_text(spec, "lifecycle", "spec.lifecycle"),
    )
    refs += system_refs
    for key in ("value_stream", "tier"):
        annotation = _annotation(metadata, key)
        if annotation is not None:
            values[key] = annotation
    window = _annotation(metadata, "incident_window_hours")
    if window is not None:  # checked here; read from the stored document (delivery)
        _window_hours(window)
    if "value_stream" in values:
        refs.append(
            Ref(
                f"metadata.annotations.{ANNOTATIONS['value_stream']}",
                (ValueStream,),
                values["value_stream"],
            )
        )
    problems = _paths_problems(doc, metadata)
    for key, default_kind, targets in (("subcomponentOf", "component", (Service,)),):
        sub = _ref(spec, key, default_kind)
        if sub is not None:
            refs.append(Ref(f"spec.{key}", targets, sub.name))
    for key in ("providesApis", "consumesApis"):
        refs += [
            Ref(f"spec.{key}[{i}]", (Api,), r.name)
            for i, r in enumerate(_ref_list(spec, key, "api"))
        ]
    for i, dep in enumerate(_ref_list(spec, "dependsOn", "component")):
        target = {"resource": (Resource,), "component": (Service,)}.get(dep.kind, (Service,))
        refs.append(Ref(f"spec.dependsOn[{i}]", target, dep.name))
    return _record(doc, Service, name, values, refs), problems


def _paths_problems(doc: YamlDocument, metadata: dict[str, Any]) -> list[Problem]:
    """Check ``leadline.io/paths`` (monorepos): bad patterns reject the component; patterns
    without a repository annotation to apply them to are a warning (they map nothing)."""
    annotations = metadata.get("annotations") or {}
    if PATHS_ANNOTATION not in annotations:
        return []
    field = f"metadata.annotations.{PATHS_ANNOTATION}"
    try:
        parse_paths(annotations[PATHS_ANNOTATION])
    except PathsError as error:
        raise EntityError(field, f"{field} {error}", annotations[PATHS_ANNOTATION]) from None
    if any(annotations.get(key) for key in REPOSITORY_ANNOTATIONS):
        return []
    reason = (
        f"{field} maps paths of no repository: add {' or '.join(REPOSITORY_ANNOTATIONS)} "
        "naming the repository they belong to"
    )
    return [Problem(doc.file, reason, doc.index, field, None, "warning")]


def _system(
    doc: YamlDocument,
    name: str,
    metadata: dict[str, Any],
    spec: dict[str, Any],
    _catalog: CatalogSettings,
) -> tuple[Record, list[Problem]]:
    values, refs = _owned(spec)
    domain = _ref(spec, "domain", "domain")
    values["domain"] = domain.name if domain else None
    if domain:
        refs.append(Ref("spec.domain", (Domain,), domain.name))
    return _record(doc, System, name, values, refs), []


def _domain(
    doc: YamlDocument,
    name: str,
    metadata: dict[str, Any],
    spec: dict[str, Any],
    _catalog: CatalogSettings,
) -> tuple[Record, list[Problem]]:
    values, refs = _owned(spec)
    parent = _ref(spec, "subdomainOf", "domain")
    values["parent"] = parent.name if parent else None
    if parent:
        refs.append(Ref("spec.subdomainOf", (Domain,), parent.name))
    return _record(doc, Domain, name, values, refs), []


def _resource(
    doc: YamlDocument,
    name: str,
    metadata: dict[str, Any],
    spec: dict[str, Any],
    _catalog: CatalogSettings,
) -> tuple[Record, list[Problem]]:
    values, refs = _owned(spec)
    system_values, system_refs = _in_system(spec)
    values.update(system_values, resource_type=_text(spec, "type", "spec.type"))
    return _record(doc, Resource, name, values, refs + system_refs), []


def _api(
    doc: YamlDocument,
    name: str,
    metadata: dict[str, Any],
    spec: dict[str, Any],
    _catalog: CatalogSettings,
) -> tuple[Record, list[Problem]]:
    values, refs = _owned(spec)
    system_values, system_refs = _in_system(spec)
    values.update(
        system_values,
        api_type=_text(spec, "type", "spec.type"),
        lifecycle=_text(spec, "lifecycle", "spec.lifecycle"),
    )
    return _record(doc, Api, name, values, refs + system_refs), []


_BUILDERS = {
    "Group": _group,
    "User": _user,
    "Component": _component,
    "System": _system,
    "Domain": _domain,
    "Resource": _resource,
    "API": _api,
}


def location_targets(entity: Any) -> list[tuple[str, Any]]:
    """(field path, target) for each target a Location descriptor points to (``spec.target``
    and ``spec.targets``); a target that is not a string is returned as is, for the caller to
    report."""
    if not isinstance(entity, dict) or entity.get("kind") != "Location":
        return []
    spec = entity.get("spec")
    if not isinstance(spec, dict):
        return []  # parse_document reports it
    out: list[tuple[str, Any]] = []
    if spec.get("target") is not None:
        out.append(("spec.target", spec["target"]))
    targets = spec.get("targets")
    if isinstance(targets, list):
        out += [(f"spec.targets[{index}]", target) for index, target in enumerate(targets)]
    elif targets is not None:
        out.append(("spec.targets", targets))
    return out
