"""What every conformance suite shares: where the copied examples live, one ingest per test
into a fresh store, and the problems it reported (errors apart from warnings)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import select

from leadline.context import App
from leadline.ingest.problems import Problem
from leadline.ingest.runner import IngestReport, run_ingest

DATA = Path(__file__).parents[1] / "data" / "conformance"


def ingest(app: App, source: str, *paths: Path, **options: Any) -> IngestReport:
    return run_ingest(source, list(paths), settings=app.settings, store=app.store, options=options)


def problems(report: IngestReport, severity: str | None = None) -> list[Problem]:
    found = [p for r in report.results for p in r.problems]
    return [p for p in found if severity is None or p.severity == severity]


def errors(report: IngestReport) -> list[Problem]:
    return problems(report, "error")


def rows(app: App, model: Any, key: str = "name") -> dict[Any, Any]:
    """Stored ORM rows of ``model`` by ``key``, detached for reading after the session."""
    with app.store.session() as session:
        found = list(session.scalars(select(model)))
        session.expunge_all()
    if key == "kind_name":  # SloDocument: (kind, name)
        return {(row.kind, row.name): row for row in found}
    return {getattr(row, key): row for row in found}
