"""Helpers of the event-file tests (GitLab, PagerDuty): fixtures, envelopes, files in the
three layouts (one JSON object, a JSON array, NDJSON), ingest runs and facts read back."""

from __future__ import annotations

import copy
import datetime as dt
import functools
import json
import textwrap
from pathlib import Path
from typing import Any

from sqlalchemy import select

from leadline.config import DeliverySettings
from leadline.context import App
from leadline.delivery.events import SUBJECT, EventParser, Facts, ParseContext
from leadline.ingest.models import Batch, RawEvent
from leadline.ingest.runner import IngestReport, run_ingest
from leadline.lake.engines import Lake

HERE = Path(__file__).resolve().parent
UTC = dt.UTC


def utc(*parts: int) -> dt.datetime:
    """A UTC-aware datetime: utc(2026, 3, 2, 12, 5)."""
    return dt.datetime(*parts, tzinfo=UTC)  # type: ignore[arg-type,misc]


@functools.cache
def _fixture_text(vendor: str, name: str) -> str:
    return (HERE / f"fixtures_{vendor}" / name).read_text(encoding="utf-8")


def fixture(vendor: str, name: str) -> Any:
    """A fresh copy of a fixture payload (tests may change it)."""
    return copy.deepcopy(json.loads(_fixture_text(vendor, name)))


def fixture_path(vendor: str, name: str) -> Path:
    return HERE / f"fixtures_{vendor}" / name


def envelope(body: Any, raw_body: bool = False, **headers: str) -> dict[str, Any]:
    """A delivery as a webhook receiver would save it; header names use '-' for '_'."""
    names = {k.replace("_", "-"): v for k, v in headers.items()}
    return {"headers": names, "body": json.dumps(body) if raw_body else body}


def write_json(path: Path, document: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=1), encoding="utf-8")
    return path


def write_ndjson(path: Path, items: list[Any]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(item) + "\n" for item in items), encoding="utf-8")
    return path


def normalise(parser: EventParser, event_type: str, payload: Any, **settings: Any) -> Facts | None:
    ctx = ParseContext(DeliverySettings(**settings), dt.datetime.now(UTC))
    return parser.normalise(event_type, payload, ctx)


def ingest(app: App, source: str, *paths: Path, **options: Any) -> IngestReport:
    return run_ingest(source, list(paths), settings=app.settings, store=app.store, options=options)


def facts(app: App, table: str) -> list[dict[str, Any]]:
    """The committed rows of a delivery table, by key, without ``_batch_id``; timestamps come
    back naive UTC from the engine and are made UTC-aware here."""
    lake = Lake(app.settings, app.store)
    data = lake.execute(lake.table(table)).to_pylist()
    rows = []
    for row in data:
        row.pop("_batch_id", None)
        rows.append(
            {
                k: v.replace(tzinfo=UTC) if isinstance(v, dt.datetime) and v.tzinfo is None else v
                for k, v in row.items()
            }
        )
    key = {"changes": "change_id", "pull_requests": "pr_id"}.get(table, table[:-1] + "_id")
    return sorted(rows, key=lambda r: str(r[key]))


def raw_events(app: App, source: str) -> list[RawEvent]:
    with app.store.session() as session:
        query = select(RawEvent).where(RawEvent.source == source).order_by(RawEvent.id)
        return list(session.scalars(query))


def batch(app: App, batch_id: int | None) -> Batch:
    with app.store.session() as session:
        found = session.get(Batch, batch_id)
        assert found is not None
        return found


def without_subject(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in row.items() if k != SUBJECT} for row in rows]


CATALOG = """
apiVersion: backstage.io/v1alpha1
kind: Group
metadata:
  name: payments
spec:
  type: team
  children: []
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: checkout
  annotations:
    gitlab.com/project-slug: acme/shop/checkout-api
    pagerduty.com/service-id: PSV7K2Q
spec:
  type: service
  lifecycle: production
  owner: payments
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: search
spec:
  type: service
  lifecycle: production
  owner: payments
"""


def ingest_catalog(app: App, directory: Path) -> None:
    """A tiny Backstage catalog: ``checkout`` annotated with the GitLab project and the
    PagerDuty service of the fixtures, ``search`` named like nothing in them."""
    path = directory / "catalog-info.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(CATALOG).lstrip(), encoding="utf-8")
    report = ingest(app, "backstage", path)
    assert report.exit_code == 0, [p.describe() for r in report.results for p in r.problems]
