"""The audit log: one row per write to an entity people edit (a risk, an OKR check-in, a plan
item, a user), with the acting user, the time, and the entity before and after.

Writers call :func:`record` in the same session (so the same transaction) as the change itself,
so a change is never committed without its audit row, nor an audit row without its change. The
CLI's actor is ``--as NAME`` or the operating-system user; the web app's is the logged-in user or
the API token's owner.
"""

from __future__ import annotations

import datetime as dt
import decimal
import enum
import getpass
import os
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import Index, Integer, String, Text, inspect, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from leadline.store.base import Base, JSONType, UTCDateTime

ACTIONS = ("create", "update", "delete", "import", "login", "grant", "revoke")


class AuditEntry(Base):
    """One audited write. ``before``/``after`` are JSON snapshots (null on create/delete)."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_entity", "entity_type", "entity_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    actor: Mapped[str] = mapped_column(String(256), index=True)
    via: Mapped[str] = mapped_column(String(16))  # cli | web | api | ingest
    action: Mapped[str] = mapped_column(String(16))
    entity_type: Mapped[str] = mapped_column(String(64))
    entity_id: Mapped[str] = mapped_column(String(256))
    before: Mapped[Any] = mapped_column(JSONType, nullable=True)
    after: Mapped[Any] = mapped_column(JSONType, nullable=True)
    changed: Mapped[list[str]] = mapped_column(JSONType, default=list)
    note: Mapped[str | None] = mapped_column(Text)


def actor_name(explicit: str | None = None) -> str:
    """The CLI's acting user: ``--as`` when given, else ``LEADLINE_ACTOR``, else the OS user."""
    if explicit and explicit.strip():
        return explicit.strip()
    from_env = os.environ.get("LEADLINE_ACTOR", "").strip()
    if from_env:
        return from_env
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (containers)
        return f"uid:{os.getuid()}" if hasattr(os, "getuid") else "unknown"


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(v) for v in value]
    return value


def snapshot(entity: Any, exclude: Iterable[str] = ()) -> dict[str, Any]:
    """The mapped column values of an ORM object as JSON-ready data (for ``before``/``after``)."""
    skipped = set(exclude)
    mapper = inspect(type(entity))
    return {
        column.key: _jsonable(getattr(entity, column.key))
        for column in mapper.column_attrs
        if column.key not in skipped
    }


def diff(before: Mapping[str, Any] | None, after: Mapping[str, Any] | None) -> list[str]:
    """The keys whose values differ between two snapshots (sorted)."""
    old, new = before or {}, after or {}
    return sorted(k for k in set(old) | set(new) if old.get(k) != new.get(k))


def record(
    session: Session,
    *,
    actor: str,
    action: str,
    entity_type: str,
    entity_id: object,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
    via: str = "cli",
    note: str | None = None,
    at: dt.datetime | None = None,
) -> AuditEntry | None:
    """Add an audit row to ``session`` (committed with the change). An update that changes
    nothing writes no row and returns None."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}; expected one of {', '.join(ACTIONS)}")
    if not actor:
        raise ValueError("an audited write needs an actor")
    before_json = _jsonable(dict(before)) if before is not None else None
    after_json = _jsonable(dict(after)) if after is not None else None
    changed = diff(before_json, after_json)
    if action == "update" and not changed:
        return None
    entry = AuditEntry(
        at=at or dt.datetime.now(dt.UTC),
        actor=actor,
        via=via,
        action=action,
        entity_type=entity_type,
        entity_id=str(entity_id),
        before=before_json,
        after=after_json,
        changed=changed,
        note=note,
    )
    session.add(entry)
    return entry


def entry_row(entry: AuditEntry) -> dict[str, Any]:
    """One entry as plain data: what ``leadline audit --format json`` and the API return."""
    return {
        "id": entry.id,
        "at": entry.at,
        "actor": entry.actor,
        "via": entry.via,
        "action": entry.action,
        "entity_type": entry.entity_type,
        "entity_id": entry.entity_id,
        "changed": entry.changed,
        "before": entry.before,
        "after": entry.after,
        "note": entry.note,
    }


def history(
    session: Session,
    *,
    entity_type: str | None = None,
    entity_id: object | None = None,
    actor: str | None = None,
    limit: int = 100,
) -> list[AuditEntry]:
    """Newest first, filtered by entity and/or actor."""
    query = select(AuditEntry)
    if entity_type is not None:
        query = query.where(AuditEntry.entity_type == entity_type)
    if entity_id is not None:
        query = query.where(AuditEntry.entity_id == str(entity_id))
    if actor is not None:
        query = query.where(AuditEntry.actor == actor)
    query = query.order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit)
    return list(session.scalars(query))
