"""Helpers of the GitHub tests: reference payloads (read in place), delivery files, ingest,
and the committed facts read back through the lake."""

from __future__ import annotations

import datetime as dt
import json
import textwrap
from pathlib import Path
from typing import Any

from sqlalchemy import select

from leadline.context import App
from leadline.delivery.events import SUBJECT
from leadline.ingest.models import Batch, RawEvent, Reject
from leadline.ingest.runner import IngestReport, run_ingest
from leadline.lake.engines import Lake
from leadline.lake.tables import BATCH_COLUMN

FIXTURES = Path(__file__).parent
REFERENCE_GITHUB = Path(__file__).resolve().parents[4] / "shared" / "reference" / "github"
HELLO = "Codertocat/Hello-World"
UTC = dt.UTC
KEYS = {"deployments": "deployment_id", "changes": "change_id", "incidents": "incident_id"}


def utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).astimezone(UTC)


def payload(name: str) -> dict[str, Any]:
    """A reference body by file name (``push.with-new-branch``), parsed fresh each time."""
    data: dict[str, Any] = json.loads((REFERENCE_GITHUB / f"{name}.payload.json").read_text())
    return data


def envelope(event: str, delivery: str, body: Any) -> dict[str, Any]:
    """A delivery as the webhook receiver logs it: headers (GitHub's spelling) and body."""
    return {"headers": {"X-GitHub-Event": event, "X-GitHub-Delivery": delivery}, "body": body}


def write_ndjson(path: Path, items: list[Any]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(i) + "\n" for i in items), encoding="utf-8")
    return path


def write_json(path: Path, value: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(value, indent=1), encoding="utf-8")
    return path


def ingest(app: App, source: str, *paths: Path, **options: Any) -> IngestReport:
    return run_ingest(source, list(paths), settings=app.settings, store=app.store, options=options)


def facts(app: App, table: str) -> list[dict[str, Any]]:
    """Committed rows of a delivery table, by key, with UTC-aware times."""
    rows = Lake(app.settings, app.store).table(table).to_pyarrow().to_pylist()
    for row in rows:
        row.pop(BATCH_COLUMN, None)
        for name, value in row.items():
            if isinstance(value, dt.datetime) and value.tzinfo is None:
                row[name] = value.replace(tzinfo=UTC)
    return sorted(rows, key=lambda r: str(r[KEYS[table]]))


def without_subject(row: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in row.items() if k != SUBJECT}


def raw_events(app: App, source: str = "github") -> list[RawEvent]:
    with app.store.session() as session:
        query = select(RawEvent).where(RawEvent.source == source).order_by(RawEvent.id)
        return list(session.scalars(query))


def batches(app: App) -> list[Batch]:
    with app.store.session() as session:
        return list(session.scalars(select(Batch).order_by(Batch.id)))


def rejects(app: App) -> list[Reject]:
    with app.store.session() as session:
        return list(session.scalars(select(Reject).order_by(Reject.id)))


def catalog(app: App, folder: Path, name: str = "greeter", slug: str = HELLO) -> None:
    """A one-component Backstage catalog naming the repository by annotation."""
    path = folder / "catalog.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        textwrap.dedent(
            f"""\
            apiVersion: backstage.io/v1alpha1
            kind: Group
            metadata:
              name: team-a
            spec:
              type: team
              children: []
            ---
            apiVersion: backstage.io/v1alpha1
            kind: Component
            metadata:
              name: {name}
              annotations:
                github.com/project-slug: {slug}
            spec:
              type: service
              lifecycle: production
              owner: team-a
            """
        ),
        encoding="utf-8",
    )
    report = ingest(app, "backstage", path)
    assert report.exit_code == 0, report
