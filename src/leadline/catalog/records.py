"""Landing catalog records in the store: upsert by name, then check references.

Each record carries only the fields its source provides, so a Backstage import and a native
overlay can describe the same team without erasing each other's fields.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import String, select
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
from leadline.ingest.problems import Problem
from leadline.store.base import Base, utcnow

GROUP_MODELS: tuple[type[Base], ...] = (Organisation, BusinessUnit, Team)
KIND_NAMES: dict[type[Base], str] = {
    Organisation: "organisation",
    BusinessUnit: "business unit",
    ValueStream: "value stream",
    Team: "team",
    Person: "person",
    Domain: "domain",
    System: "system",
    Service: "service",
    Resource: "resource",
    Api: "API",
    TeamInteraction: "interaction",
}


@dataclass(frozen=True)
class Ref:
    """A reference the record makes: ``field`` (as the user wrote it) must name one of
    ``targets``."""

    field: str
    targets: tuple[type[Base], ...]
    name: str


@dataclass
class Record:
    model: type[Base]
    key: Any  # the entity name, or (team, other_team, mode, started_on) for interactions
    values: dict[str, Any]
    file: str
    row: int
    where: str = ""  # prefix for field paths, e.g. "teams[3]."
    refs: list[Ref] = field(default_factory=list)
    raw: Any = None

    def problem(
        self, reason: str, field_name: str | None = None, value: Any = None, severity: str = "error"
    ) -> Problem:
        path = f"{self.where}{field_name}" if field_name else (self.where.rstrip(".") or None)
        return Problem(
            self.file,
            reason,
            self.row,
            path,
            value,
            severity,  # type: ignore[arg-type]
            self.raw,
            self.where.rstrip(".") or None,
        )


def drop_duplicates(records: list[Record]) -> tuple[list[Record], list[Problem]]:
    """Keep the first definition of each entity in a batch; a later one that differs is an
    error, one that repeats it exactly a warning (it lands once), as for CSV rows
    (ingest.repeats)."""
    seen: dict[tuple[type[Base], Any], Record] = {}
    kept, problems = [], []
    for record in records:
        first = seen.get((record.model, record.key))
        if first is None:
            seen[(record.model, record.key)] = record
            kept.append(record)
            continue
        kind = KIND_NAMES.get(record.model, record.model.__name__)
        same = record.values == first.values and record.refs == first.refs
        verdict = "repeats it exactly and landed once" if same else "this definition was rejected"
        problems.append(
            record.problem(
                f"duplicate {kind} {record.key!r}: already defined in {first.file} "
                f"(document {first.row}); {verdict}",
                "name" if isinstance(record.key, str) else None,
                record.key if isinstance(record.key, str) else None,
                "warning" if same else "error",
            )
        )
    return kept, problems


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(_has_nul(v) for v in value)
    return False


def _without_nul(value: Any) -> Any:
    if isinstance(value, str):
        return value.replace("\x00", "\ufffd")
    if isinstance(value, dict):
        return {_without_nul(k): _without_nul(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_without_nul(v) for v in value]
    return value


def _unstorable(record: Record) -> tuple[str, str, Any] | None:
    """(field, reason, value) of the first value the store cannot hold, if any."""
    columns = record.model.__table__.columns
    for name, value in record.values.items():
        if _has_nul(value):
            return name, f"{name} contains a NUL character, which the store cannot hold", None
        column_type = columns[name].type if name in columns else None
        if isinstance(value, str) and isinstance(column_type, String):
            length = column_type.length
            if length is not None and len(value) > length:
                return name, f"{name} is longer than {length} characters", value
    return None


def drop_unstorable(records: list[Record]) -> tuple[list[Record], list[Problem]]:
    """Reject records the store would refuse (text longer than its column, NUL characters),
    so that SQLite (which stores them) and PostgreSQL (which would fail the whole batch)
    behave alike, and one bad entity never stops the others."""
    kept, problems = [], []
    for record in records:
        found = _unstorable(record)
        if found is None:
            kept.append(record)
            continue
        name, reason, value = found
        problems.append(record.problem(reason, name, value))
    return kept, problems


def storable_problems(problems: list[Problem]) -> list[Problem]:
    """Problems whose value and raw record the rejects table can hold (no NUL characters)."""
    return [
        replace(p, value=_without_nul(p.value), record=_without_nul(p.record))
        if _has_nul(p.value) or _has_nul(p.record)
        else p
        for p in problems
    ]


def upsert(session: Session, records: list[Record], batch_id: int) -> None:
    now = utcnow()
    by_model: dict[type[Base], list[Record]] = {}
    for record in records:
        by_model.setdefault(record.model, []).append(record)
    for model, group in by_model.items():
        if model is TeamInteraction:
            _upsert_interactions(session, group, batch_id)
            continue
        existing = {o.name: o for o in session.scalars(select(model))}  # type: ignore[attr-defined]
        for record in group:
            obj = existing.get(record.key)
            if obj is None:
                obj = model(name=record.key)
                session.add(obj)
                existing[record.key] = obj
            for name, value in record.values.items():
                setattr(obj, name, _merged_extra(obj, value) if name == "extra" else value)
            obj.batch_id = batch_id  # type: ignore[attr-defined]
            obj.updated_at = now  # type: ignore[attr-defined]
    session.flush()


def _merged_extra(obj: Any, value: dict[str, Any]) -> dict[str, Any]:
    """Backstage's document and the native catalog's fields live side by side in ``extra``:
    each import replaces its own key only."""
    return {**(getattr(obj, "extra", None) or {}), **value}


def _upsert_interactions(session: Session, records: list[Record], batch_id: int) -> None:
    existing = {
        (i.team, i.other_team, i.mode, i.started_on): i
        for i in session.scalars(select(TeamInteraction))
    }
    for record in records:
        obj = existing.get(record.key)
        if obj is None:
            team, other, mode, started = record.key
            obj = TeamInteraction(team=team, other_team=other, mode=mode, started_on=started)
            session.add(obj)
            existing[record.key] = obj
        for name, value in record.values.items():
            setattr(obj, name, value)
        obj.batch_id = batch_id


def names_by_model(session: Session, models: tuple[type[Base], ...]) -> dict[type[Base], set[str]]:
    return {m: set(session.scalars(select(m.name))) for m in models}  # type: ignore[attr-defined]


def check_references(session: Session, records: list[Record]) -> list[Problem]:
    """Warn about references to entities the catalog does not hold (the record still lands)."""
    models = {t for r in records for ref in r.refs for t in ref.targets}
    known = names_by_model(session, tuple(models))
    problems = []
    for record in records:
        for ref in record.refs:
            if any(ref.name in known[t] for t in ref.targets):
                continue
            kinds = " or ".join(KIND_NAMES.get(t, t.__name__) for t in ref.targets)
            problems.append(
                record.problem(
                    f"refers to unknown {kinds} {ref.name!r}; kept, and listed by "
                    "`leadline catalog check` until it is defined",
                    ref.field,
                    ref.name,
                    severity="warning",
                )
            )
    return problems
