"""The native catalog YAML (``apiVersion: leadline.io/v1``, ``kind: Catalog``) to records."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ValidationError

from leadline.catalog.models import (
    BusinessUnit,
    Organisation,
    Person,
    Service,
    System,
    Team,
    TeamInteraction,
    ValueStream,
)
from leadline.catalog.records import GROUP_MODELS, Record, Ref
from leadline.catalog.schemas import (
    SECTIONS,
    NativeBusinessUnit,
    NativeHeader,
    NativeInteraction,
    NativePerson,
    NativeService,
    NativeTeam,
    NativeValueStream,
)
from leadline.ingest.files import YamlDocument
from leadline.ingest.nulls import null_reason
from leadline.ingest.problems import Problem
from leadline.store.base import Base

MODELS: dict[str, type[Base]] = {
    "organisations": Organisation,
    "business_units": BusinessUnit,
    "value_streams": ValueStream,
    "teams": Team,
    "services": Service,
    "people": Person,
    "interactions": TeamInteraction,
}
# Native field name -> column name, where they differ, per section.
# Native fields kept in ``extra["native"]`` rather than columns (monorepo path mapping).
NATIVE_EXTRA = ("repository", "paths", "incident_window_hours")
COLUMNS = {"teams": {"type": "team_type"}, "services": {"type": "component_type"}}


def parse_document(doc: YamlDocument) -> tuple[list[Record], list[Problem], int]:
    """Records for one native document, the problems found, and the number of items read."""
    content = doc.content
    if not isinstance(content, dict):
        return [], [Problem(doc.file, "a catalog document must be a mapping", doc.index)], 1
    try:
        NativeHeader.model_validate(content)
    except ValidationError as error:  # a refused document is read, as its items would be
        return [], [_problem(doc, "", error, content)], 1
    unknown = sorted(set(content) - set(SECTIONS) - {"apiVersion", "kind"})
    problems = [
        Problem(
            doc.file,
            f"unknown section {key!r} ignored; sections are {', '.join(SECTIONS)}",
            doc.index,
            key,
            None,
            "warning",
        )
        for key in unknown
    ]
    records: list[Record] = []
    read = 0
    for section, model in SECTIONS.items():
        items = content.get(section) or []
        if not isinstance(items, list):
            problems.append(Problem(doc.file, f"{section} must be a list", doc.index, section))
            continue
        for index, item in enumerate(items):
            read += 1
            where = f"{section}[{index}]."
            try:
                parsed = model.model_validate(item)
            except ValidationError as error:
                problems.append(_problem(doc, where, error, item))
                continue
            records.append(_record(doc, section, where, parsed, item))
    return records, problems, read


def _problem(doc: YamlDocument, where: str, error: ValidationError, raw: Any) -> Problem:
    first = error.errors()[0]
    location = ".".join(str(p) for p in first["loc"])
    value = first.get("input") if first["type"] != "missing" else None
    reason = (
        null_reason(first, first["msg"])
        if len(error.errors()) == 1
        else (f"{first['msg']} (and {len(error.errors()) - 1} more problems in this item)")
    )
    return Problem(
        doc.file,
        reason,
        doc.index,
        f"{where}{location}".rstrip(".") or None,
        value,
        "error",
        raw,
        where.rstrip(".") or None,
    )


def _record(doc: YamlDocument, section: str, where: str, item: BaseModel, raw: Any) -> Record:
    given = item.model_dump(exclude_unset=True, by_alias=False)
    model = MODELS[section]
    if isinstance(item, NativeInteraction):
        key = (item.team, item.with_team, item.mode.value, item.started_on)
        values = {"ended_on": item.ended_on, "purpose": item.purpose}
        refs = [Ref("team", (Team,), item.team), Ref("with", (Team,), item.with_team)]
        return Record(model, key, values, doc.file, doc.index, where, refs, raw)
    name = given.pop("name")
    native = {k: given.pop(k) for k in NATIVE_EXTRA if k in given}
    renames = COLUMNS.get(section, {})
    columns: dict[str, Any] = {renames.get(k, k): getattr(v, "value", v) for k, v in given.items()}
    refs = _refs(item)
    if isinstance(item, NativeService) and "owner" in given:
        columns["owner_team"] = item.owner
    if native:  # merged into the stored extra (records.upsert), beside a Backstage document
        columns["extra"] = {"native": native}
    return Record(model, name, columns, doc.file, doc.index, where, refs, raw)


def _refs(item: BaseModel) -> list[Ref]:
    refs: list[Ref] = []
    if isinstance(item, NativeBusinessUnit) and item.organisation:
        refs.append(Ref("organisation", (Organisation,), item.organisation))
    if isinstance(item, NativeValueStream | NativeTeam) and item.business_unit:
        refs.append(Ref("business_unit", (BusinessUnit,), item.business_unit))
    if isinstance(item, NativeTeam | NativeService) and item.value_stream:
        refs.append(Ref("value_stream", (ValueStream,), item.value_stream))
    if isinstance(item, NativeService):
        if item.owner:
            refs.append(Ref("owner", (Team,), item.owner))
        if item.system:
            refs.append(Ref("system", (System,), item.system))
    if isinstance(item, NativePerson) and item.team:
        refs.append(Ref("team", GROUP_MODELS[2:], item.team))
    return refs
