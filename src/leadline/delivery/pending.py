"""Webhook deliveries are stored raw with status ``pending`` before they are acknowledged; this
module turns pending deliveries into facts, later and in batches (the web app's background
worker and ``leadline ingest --pending``).

A run takes the write lock, parses each pending delivery with its vendor's parser, merges the
facts into the lake, and marks each delivery with its outcome, all in one transaction: a crash
leaves the deliveries pending, to be picked up by the next run, never half-normalised.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from leadline.catalog.services import ServiceResolver
from leadline.config import Settings
from leadline.delivery.events import (
    Delivery,
    EventParser,
    ParseContext,
    ParsedDelivery,
    _normalise_one,
    land_facts,
)
from leadline.delivery.github import GitHubParser
from leadline.delivery.gitlab import GitLabParser
from leadline.delivery.jira import JiraParser
from leadline.delivery.linear import LinearParser
from leadline.delivery.opsgenie import OpsgenieParser
from leadline.delivery.pagerduty import PagerDutyParser
from leadline.delivery.tickets import land_tickets, tickets_of
from leadline.ingest.limits import using_limits
from leadline.ingest.models import Batch, RawEvent, Reject
from leadline.ingest.registry import LandContext
from leadline.locks import write_lock
from leadline.store import Store
from leadline.store.base import utcnow

PENDING = "pending"
BATCH_SOURCE = "webhooks"
PARSERS: dict[str, EventParser] = {
    parser.source: parser
    for parser in (
        GitHubParser(),
        GitLabParser(),
        PagerDutyParser(),
        JiraParser(),
        LinearParser(),
        OpsgenieParser(),
    )
}


def count_pending(session: Session) -> int:
    return session.scalar(select(func.count()).where(RawEvent.status == PENDING)) or 0


def normalise_pending(settings: Settings, store: Store, limit: int = 2000) -> dict[str, Any]:
    """Normalise up to ``limit`` pending deliveries (oldest first) in one batch; returns
    ``{"batch_id", "deliveries", "statuses": {status: n}, "warnings", "remaining"}``."""
    from leadline.lake.writer import LakeWriter, sweep_orphans

    lake: LakeWriter | None = None
    try:
        with write_lock(settings.resolved_home), store.session() as session:
            events = list(
                session.scalars(
                    select(RawEvent)
                    .where(RawEvent.status == PENDING)
                    .order_by(RawEvent.id)
                    .limit(limit)
                )
            )
            if not events:
                return {"batch_id": None, "deliveries": 0, "statuses": {}, "remaining": 0}
            batch = _batch(events)
            session.add(batch)
            session.flush()
            sweep_orphans(settings.lake_path, session)
            lake = LakeWriter(settings.lake_path, session, batch.id)
            ctx = LandContext(settings, {}, session=session, batch=batch, lake=lake)
            with using_limits(settings.ingest):  # this home's limits, as for a file ingest
                results = _parse(events, settings)
            resolver = ServiceResolver.load(session)
            facts = [r.facts for r in results.values() if r.status == "normalised"]
            tickets = tickets_of(facts)  # before land_facts takes the rows' subjects
            warnings = land_facts(facts, resolver, ctx)
            land_tickets(tickets, resolver, lake)
            statuses = _mark(session, events, results, batch)
            batch.rows_warned = len(warnings)
            session.add_all(
                Reject(
                    batch_id=batch.id,
                    file_name=w.file,
                    field=w.field,
                    value=None if w.value is None else str(w.value),
                    reason=w.reason,
                    severity=w.severity,
                )
                for w in warnings
            )
            lake.publish()
            remaining = count_pending(session)
            batch_id = batch.id
    except BaseException:
        if lake is not None:
            lake.discard()
        raise
    if lake is not None:
        lake.cleanup()
    return {
        "batch_id": batch_id,
        "deliveries": len(events),
        "statuses": dict(sorted(statuses.items())),
        "warnings": len(warnings),
        "remaining": remaining,
    }


def _batch(events: list[RawEvent]) -> Batch:
    ids = "\n".join(f"{e.source}\0{e.delivery_id}" for e in events)
    content_hash = hashlib.sha256(ids.encode()).hexdigest()
    now = utcnow()
    return Batch(
        source=BATCH_SOURCE,
        file_name=f"{len(events)} webhook deliveries",
        content_hash=content_hash,
        idempotency_key=hashlib.sha256(f"{BATCH_SOURCE}\0{content_hash}".encode()).hexdigest(),
        options={},
        status="landed",
        rows_read=len(events),
        started_at=now,
        finished_at=now,
    )


def _parse(events: list[RawEvent], settings: Settings) -> dict[int, ParsedDelivery]:
    ctx = ParseContext(settings.delivery, utcnow())
    results: dict[int, ParsedDelivery] = {}
    for event in events:
        parser = PARSERS.get(event.source)
        delivery = Delivery(
            f"webhook:{event.source}", event.id, dict(event.headers or {}), event.payload
        )
        if parser is None:
            results[event.id] = ParsedDelivery(
                delivery, event.delivery_id, event.event_type, "unknown", reason="no parser"
            )
            continue
        results[event.id] = _normalise_one(parser, delivery, ctx)
    return results


def _mark(
    session: Session, events: list[RawEvent], results: dict[int, ParsedDelivery], batch: Batch
) -> Counter[str]:
    statuses: Counter[str] = Counter()
    for event in events:
        result = results[event.id]
        event.status, event.reason, event.batch_id = result.status, result.reason, batch.id
        event.event_type = event.event_type or result.event_type
        statuses[result.status] += 1
        if result.status == "rejected":
            session.add(
                Reject(
                    batch_id=batch.id,
                    file_name=result.delivery.file,
                    row=None,
                    field=result.field,
                    reason=f"delivery {event.delivery_id}: {result.reason}",
                    severity="error",
                    record=event.payload,
                )
            )
    batch.rows_rejected = statuses["rejected"]
    batch.rows_accepted = len(events) - statuses["rejected"]
    batch.finished_at = utcnow()
    batch.message = ", ".join(f"{n} {s}" for s, n in sorted(statuses.items()))
    return statuses
