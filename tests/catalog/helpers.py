"""Helpers shared by the catalog tests: ingest, read whole tables, write small YAML files."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

from sqlalchemy import select

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
from leadline.context import App
from leadline.ingest.problems import Problem
from leadline.ingest.runner import IngestReport, run_ingest
from leadline.store.base import Base

CATALOG_MODELS: tuple[type[Base], ...] = (
    Organisation,
    BusinessUnit,
    ValueStream,
    Team,
    TeamInteraction,
    Domain,
    System,
    Service,
    Resource,
    Api,
    Person,
)
BOOKKEEPING = frozenset({"id", "batch_id", "updated_at"})
BACKSTAGE_FILES = (
    "playback-domain.yaml",
    "playback-order-component.yaml",
    "podcast-api-component.yaml",
    "podcast-system.yaml",
    "team-b-group.yaml",
    "team-c-group.yaml",
)


def write(path: Path, text: str) -> Path:
    """Write dedented ``text`` to ``path`` (creating folders) and return the path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def ingest(app: App, source: str, *paths: Path) -> IngestReport:
    return run_ingest(source, list(paths), settings=app.settings, store=app.store)


def problems(report: IngestReport) -> list[Problem]:
    return [p for r in report.results for p in r.problems]


def located(report: IngestReport) -> set[tuple[str, int | None, str | None, str]]:
    """(file base name, document, field, severity) of every problem."""
    return {(Path(p.file).name, p.row, p.field, p.severity) for p in problems(report)}


def rows(
    app: App, model: type[Base], *, keep: frozenset[str] = frozenset()
) -> list[dict[str, Any]]:
    """Every row of ``model`` as a dict without bookkeeping columns, in a stable order."""
    columns = [c for c in model.__table__.columns if c.name not in BOOKKEEPING - keep]
    with app.store.session() as session:
        out = [
            {c.name: getattr(obj, c.key) for c in columns} for obj in session.scalars(select(model))
        ]
    return sorted(out, key=lambda r: repr(sorted(r.items(), key=lambda kv: kv[0])))


def snapshot(app: App, *, keep: frozenset[str] = frozenset()) -> dict[str, list[dict[str, Any]]]:
    """Every catalog table (bookkeeping columns dropped unless kept)."""
    return {m.__tablename__: rows(app, m, keep=keep) for m in CATALOG_MODELS}


def by_name(app: App, model: type[Base]) -> dict[str, dict[str, Any]]:
    return {r["name"]: r for r in rows(app, model)}


def reference_files(reference: Path) -> list[Path]:
    return [reference / "backstage" / name for name in BACKSTAGE_FILES]
