"""Event files (webhook deliveries and API exports) to delivery facts, one parser per vendor.

A file holds deliveries: a JSON array, one JSON object, or NDJSON (one per line); each is either
an envelope ``{"headers": {...}, "body": ...}`` (``body`` may be the raw JSON text) or a bare
payload, whose event type the parser infers from its shape. Every delivery is stored verbatim in
the ``raw_event`` table (once per delivery id: repeats are acknowledged and ignored), then its
parser turns it into facts in the common shape of ``delivery.schemas``, which are merged into the
lake. Unknown event types are stored and counted, not fatal; a delivery missing a required field
is rejected with its delivery id and field; a bad delivery never blocks the others.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, ClassVar

import pyarrow as pa
from sqlalchemy import JSON, insert, select
from sqlalchemy.orm import Session

from leadline.catalog.services import ServiceResolver, Subject
from leadline.config import DeliverySettings
from leadline.delivery.monorepo import assign_changes
from leadline.delivery.pr_tables import PR_TABLES
from leadline.delivery.reverts import SOURCE as REVERT_SOURCE
from leadline.delivery.reverts import relink
from leadline.delivery.schemas import CHANGES, DEPLOYMENTS, INCIDENTS
from leadline.ingest.files import decode_utf8
from leadline.ingest.models import RawEvent
from leadline.ingest.problems import InputError, Parsed, Problem
from leadline.ingest.registry import (
    CliOption,
    Context,
    InputFile,
    LandContext,
    Source,
    Template,
    Unit,
)
from leadline.ingest.values import Column, control_character_reason, length_reason, max_chars
from leadline.lake.tables import FactTable
from leadline.store.base import utcnow

SUBJECT = "_subject"  # key every fact row carries until its service is resolved
TABLES: dict[str, FactTable] = {
    "deployments": DEPLOYMENTS,
    "changes": CHANGES,
    "incidents": INCIDENTS,
    **PR_TABLES,  # pull requests, their reviews and files (delivery.pr_tables)
}


class UnknownEvent(Exception):
    """The parser does not know this event type: stored raw and counted."""


class FieldMissing(Exception):
    """A payload lacks a field the event needs: the delivery is rejected, naming the field."""

    def __init__(self, field_name: str, reason: str = "is missing", value: Any = None) -> None:
        super().__init__(f"{field_name} {reason}")
        self.field, self.reason, self.value = field_name, reason, value


@dataclass(frozen=True)
class Delivery:
    file: str
    position: int  # NDJSON line number, or 1-based index in a JSON array
    headers: dict[str, str]  # lower-cased names
    payload: Any


@dataclass
class Facts:
    """Rows for the delivery tables (``TABLES``); each row has a ``_subject`` (whose
    service)."""

    deployments: list[dict[str, Any]] = field(default_factory=list)
    changes: list[dict[str, Any]] = field(default_factory=list)
    incidents: list[dict[str, Any]] = field(default_factory=list)
    pull_requests: list[dict[str, Any]] = field(default_factory=list)
    pull_request_reviews: list[dict[str, Any]] = field(default_factory=list)
    pull_request_files: list[dict[str, Any]] = field(default_factory=list)

    def rows(self) -> Iterator[tuple[str, dict[str, Any]]]:
        for name in TABLES:
            for row in getattr(self, name):
                yield name, row

    def __bool__(self) -> bool:
        return any(getattr(self, name) for name in TABLES)


@dataclass
class ParseContext:
    settings: DeliverySettings
    received_at: dt.datetime


class EventParser(ABC):
    """One vendor's payloads to facts. Subclasses stay pure: no I/O, no store."""

    source: ClassVar[str]
    event_header: ClassVar[str]
    delivery_header: ClassVar[str]

    def event_type(self, delivery: Delivery) -> str | None:
        return delivery.headers.get(self.event_header) or self.infer(delivery.payload)

    def delivery_id(self, delivery: Delivery) -> str:
        """The idempotency key: the sender's id, or a digest of the payload when it gives none."""
        given = delivery.headers.get(self.delivery_header)
        if given:
            return delivery_key(given)
        canonical = json.dumps(delivery.payload, sort_keys=True, separators=(",", ":"))
        return "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()

    @abstractmethod
    def infer(self, payload: Any) -> str | None:
        """The event type a bare payload's shape shows, or None."""

    @abstractmethod
    def normalise(self, event_type: str, payload: Any, ctx: ParseContext) -> Facts | None:
        """Facts of one delivery; None for a known event that carries nothing measured.
        Raise UnknownEvent or FieldMissing."""


# raw_event.delivery_id's length; ids longer than it are kept as a digest of the whole id
MAX_DELIVERY_ID = 128


def delivery_key(given: str) -> str:
    """The stored key of a sender's delivery id: the id itself when it fits the column, else a
    digest of the whole id. Cutting it (as the receiver once did) made two deliveries whose ids
    share 128 characters one duplicate, and the second was dropped (issue 16)."""
    if len(given) <= MAX_DELIVERY_ID:
        return given
    return "id-sha256:" + hashlib.sha256(given.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass
class ParsedDelivery:
    delivery: Delivery
    delivery_id: str
    event_type: str | None
    status: str  # normalised | ignored | unknown | rejected
    facts: Facts = field(default_factory=Facts)
    reason: str | None = None
    field: str | None = None  # the payload field a rejection is about
    value: Any = None  # the value it refused, when one was there (absent fields have none)


def read_deliveries(name: str, data: bytes) -> Iterator[Delivery | Problem]:
    """Deliveries of a JSON or NDJSON file; a broken NDJSON line is a Problem, not the end."""
    text = decode_utf8(name, data)
    if not text.strip():
        raise InputError(Problem(name, "the file is empty"))
    try:
        whole = json.loads(text)
    except json.JSONDecodeError:
        whole = None
        lines = text.splitlines()
        if len([line for line in lines if line.strip()]) <= 1:  # one broken document
            try:
                json.loads(text)
            except json.JSONDecodeError as error:
                raise InputError(
                    Problem(
                        name,
                        f"is not valid JSON: {error.msg} at line "
                        f"{error.lineno}, column {error.colno}",
                    )
                ) from None
    if whole is not None:
        items = whole if isinstance(whole, list) else [whole]
        for index, item in enumerate(items, start=1):
            yield _delivery(name, index, item)
        return
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as error:
            yield Problem(
                name,
                f"line is not valid JSON: {error.msg} at column {error.colno}",
                number,
                None,
                line[:200],
            )
            continue
        yield _delivery(name, number, item)


def _delivery(name: str, position: int, item: Any) -> Delivery | Problem:
    if (
        isinstance(item, dict)
        and isinstance(item.get("headers"), dict)
        and ("body" in item or "payload" in item)
    ):
        body = item.get("body", item.get("payload"))
        if isinstance(body, str):
            try:
                body = json.loads(body)
            except json.JSONDecodeError as error:
                return Problem(name, f"body is not valid JSON: {error.msg}", position, "body")
        headers = {str(k).lower(): str(v) for k, v in item["headers"].items()}
        return Delivery(name, position, headers, body)
    return Delivery(name, position, {}, item)


def parse_deliveries(parser: EventParser, unit: Unit, settings: DeliverySettings) -> Parsed:
    """Normalise every delivery of the unit (pure: no store yet)."""
    ctx = ParseContext(settings, utcnow())
    parsed: list[ParsedDelivery] = []
    problems: list[Problem] = []
    seen: set[str] = set()
    unreadable = 0  # NDJSON lines that are not JSON
    for input_file in unit.files:
        try:
            items = list(read_deliveries(input_file.name, input_file.data))
        except InputError as error:
            problems.append(error.problem)
            continue
        for item in items:
            if isinstance(item, Problem):
                problems.append(item)
                unreadable += 1
                continue
            result = _normalise_one(parser, item, ctx)
            if result.delivery_id in seen:
                continue  # the same delivery twice in one batch
            seen.add(result.delivery_id)
            parsed.append(result)
            if result.status == "rejected":
                problems.append(_rejection(result))
    return Parsed(rows_read=len(parsed) + unreadable, records=parsed, problems=problems)


def _normalise_one(parser: EventParser, delivery: Delivery, ctx: ParseContext) -> ParsedDelivery:
    delivery_id = parser.delivery_id(delivery)
    if not isinstance(delivery.payload, dict):  # a file holding 42 is no delivery (issue 16)
        kind = "an array" if isinstance(delivery.payload, list) else type(delivery.payload).__name__
        reason = f"a delivery must be a JSON object, not {kind}"
        return ParsedDelivery(delivery, delivery_id, None, "rejected", reason=reason)
    bad_id = control_character_reason(delivery.headers.get(parser.delivery_header) or "")
    if bad_id is not None:
        return ParsedDelivery(
            delivery, delivery_id, None, "rejected", reason=f"delivery id {bad_id}", field="id"
        )
    event_type = parser.event_type(delivery)
    if event_type is None:
        return ParsedDelivery(
            delivery,
            delivery_id,
            None,
            "unknown",
            reason="no event header and the payload's shape is not known",
        )
    try:
        facts = parser.normalise(event_type, delivery.payload, ctx)
    except UnknownEvent as error:
        return ParsedDelivery(delivery, delivery_id, event_type, "unknown", reason=str(error))
    except FieldMissing as error:
        reason = f"{error.field} {error.reason}"
        return ParsedDelivery(
            delivery,
            delivery_id,
            event_type,
            "rejected",
            reason=reason,
            field=error.field,
            value=error.value,
        )
    except (TypeError, ValueError, KeyError, AttributeError) as error:  # malformed shapes
        return ParsedDelivery(
            delivery, delivery_id, event_type, "rejected", reason=f"malformed payload: {error}"
        )
    if not facts:
        return ParsedDelivery(delivery, delivery_id, event_type, "ignored")
    refused = refused_value(facts)
    if refused is not None:
        field_name, reason = refused
        return ParsedDelivery(
            delivery,
            delivery_id,
            event_type,
            "rejected",
            reason=f"{field_name} {reason}",
            field=field_name,
        )
    return ParsedDelivery(delivery, delivery_id, event_type, "normalised", facts)


def refused_value(facts: Facts) -> tuple[str, str] | None:
    """The first fact value the CSV path would refuse, as (field, reason): control characters
    (a NUL in an id looks like another id), an id (``*_id``, and the service a subject names)
    longer than ``ingest.max_id_chars``, text longer than ``ingest.max_text_chars`` (issue 16).
    The rules are the CSV columns' own (ingest.values)."""
    for _table, row in facts.rows():
        subject = row.get(SUBJECT)
        named = [("service", subject.name)] if isinstance(subject, Subject) else []
        for key, value in [*named, *row.items()]:
            if not isinstance(value, str):
                continue
            reason = control_character_reason(value)
            column = Column("service_id" if key == "service" else key)
            limit = max_chars(column)
            if reason is None and limit is not None and len(value) > limit:
                reason = length_reason(column)
            if reason is not None:
                return key, reason
    return None


def _rejection(result: ParsedDelivery) -> Problem:
    reason = result.reason or "rejected"
    return Problem(
        result.delivery.file,
        f"delivery {result.delivery_id} ({result.event_type}): {reason}",
        result.delivery.position,
        result.field,
        result.value,
        "error",
        result.delivery.payload,
        result.delivery_id,
    )


def land_deliveries(source: str, parsed: Parsed, ctx: LandContext) -> list[Problem]:
    """Store new deliveries raw, resolve services and merge their facts into the lake."""
    assert ctx.session is not None and ctx.batch is not None and ctx.lake is not None
    records: list[ParsedDelivery] = parsed.records
    known = _known_delivery_ids(ctx.session, source, [r.delivery_id for r in records])
    fresh = [r for r in records if r.delivery_id not in known]
    # A delivery received before was judged then; sending it again changes nothing.
    parsed.problems[:] = [p for p in parsed.problems if p.item not in known]
    _store_raw(ctx.session, source, fresh, ctx.batch.id)
    resolver = ServiceResolver.load(ctx.session, ctx.options.get("service"))
    # --force dropped the earlier batch's facts: land every delivery's facts again.
    landing = records if ctx.force else fresh
    problems = land_facts([r.facts for r in landing if r.status == "normalised"], resolver, ctx)
    counts = Counter(r.status for r in fresh)
    ctx.batch.message = (
        f"{len(records)} deliveries: {counts['normalised']} normalised, {counts['ignored']} "
        f"ignored, {counts['unknown']} unknown event types (stored raw), {counts['rejected']} "
        f"rejected, {len(known)} already received"
    )
    return problems


def land_facts(
    all_facts: list[Facts], resolver: ServiceResolver, ctx: LandContext
) -> list[Problem]:
    """Resolve each row's service, merge the tables, and warn once per unknown service."""
    assert ctx.lake is not None and ctx.batch is not None
    tables: dict[str, list[dict[str, Any]]] = {name: [] for name in TABLES}
    unknown: Counter[str] = Counter()
    changes: list[dict[str, Any]] = []
    for facts in all_facts:
        for name, row in facts.rows():
            subject: Subject | None = row.pop(SUBJECT, None)  # None: the source set the service
            if name == "changes" and subject is not None:  # a monorepo's change: by its paths
                changes.append({**row, SUBJECT: subject})
                continue
            if subject is not None:
                row["service"] = resolver.resolve(subject)
            tables[name].append(row)
    tables["changes"] += assign_changes(changes, resolver, ctx.lake)
    for service in (row.get("service") for rows in tables.values() for row in rows):
        if service is not None and not resolver.known(service):
            unknown[service] += 1
    reverts = [r for r in tables["incidents"] if r["source"] == REVERT_SOURCE]
    tables["incidents"] = [r for r in tables["incidents"] if r["source"] != REVERT_SOURCE]
    for name, rows in tables.items():
        if rows:
            ctx.lake.merge(TABLES[name], pa.Table.from_pylist(rows, schema=TABLES[name].schema))
    if ctx.settings.delivery.reverts.enabled:  # after deployments and changes: see reverts.py
        recheck = bool(tables["deployments"] or tables["changes"])  # what could settle one
        _land_reverts(reverts, resolver, ctx, recheck)
    return [
        Problem(
            ctx.batch.file_name,
            f"service {service!r} is not in the catalog ({count} rows "
            "kept); add it, or map the repository or PagerDuty service with an annotation "
            "(see docs/delivery.md)",
            None,
            "service",
            service,
            "warning",
            None,
            f"service:{service}",
        )
        for service, count in sorted(unknown.items())
    ]


def _land_reverts(
    rows: list[dict[str, Any]], resolver: ServiceResolver, ctx: LandContext, recheck: bool
) -> None:
    """Revert incidents of this batch and (``recheck``) earlier ones still open or unlinked,
    linked to the reverted change's deployment and resolved by the revert's (delivery.reverts)."""
    assert ctx.lake is not None
    settings = ctx.settings.delivery
    linked, removed = relink(rows, ctx.lake, resolver, settings, recheck=recheck)
    if linked:
        ctx.lake.merge(INCIDENTS, pa.Table.from_pylist(linked, schema=INCIDENTS.schema))
    if removed:
        keys = pa.table({"incident_id": pa.array(removed, pa.string())})
        ctx.lake.delete_matching(INCIDENTS, ("incident_id",), keys)


def _known_delivery_ids(session: Session, source: str, ids: list[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        query = select(RawEvent.delivery_id).where(
            RawEvent.source == source, RawEvent.delivery_id.in_(chunk)
        )
        found.update(session.scalars(query))
    return found


def _store_raw(session: Session, source: str, records: list[ParsedDelivery], batch_id: int) -> None:
    now = utcnow()
    rows = [
        {
            "source": source,
            "delivery_id": r.delivery_id,
            "event_type": r.event_type,
            "received_at": now,
            "headers": r.delivery.headers,
            # a body of JSON null is kept as JSON null (None would be SQL NULL: issue 16 fuzz)
            "payload": JSON.NULL if r.delivery.payload is None else r.delivery.payload,
            "status": r.status,
            "reason": r.reason,
            "batch_id": batch_id,
        }
        for r in records
    ]
    for start in range(0, len(rows), 1000):
        session.execute(insert(RawEvent), rows[start : start + 1000])


class EventFileSource(Source):
    """A source of event files for one parser (GitHub, GitLab, PagerDuty...)."""

    parser: ClassVar[EventParser]
    writes_lake = True
    cli_options = (
        CliOption(
            "service",
            "Attribute every event to this catalog service "
            "(default: resolved from the repository or vendor service).",
        ),
    )
    example_file: ClassVar[str] = "events.ndjson"
    # the template's one delivery (default: an envelope of headers and the vendor's body)
    template_event: ClassVar[dict[str, Any] | None] = None

    def templates(self) -> list[Template]:
        event = self.template_event or {
            "headers": {
                self.parser.event_header: "<event type>",
                self.parser.delivery_header: "<delivery id>",
            },
            "body": {"...": "the payload exactly as the vendor sent it"},
        }
        return [Template(f"{self.name}-{self.example_file}", json.dumps(event) + "\n")]

    def expand(self, input_file: InputFile) -> InputFile:
        """A vendor's REST or GraphQL list export as one delivery per item (default: as is)."""
        return input_file

    def parse(self, unit: Unit, ctx: Context) -> Parsed:
        expanded = Unit([self.expand(f) for f in unit.files])
        return parse_deliveries(self.parser, expanded, ctx.settings.delivery)

    def land(self, parsed: Parsed, ctx: LandContext) -> list[Problem]:
        return land_deliveries(self.parser.source, parsed, ctx)


def expand_pages(
    input_file: InputFile, items_of: Callable[[Any], list[Any] | None], wrap: str
) -> InputFile:
    """A vendor's list export (one page or a JSON array of pages; ``items_of`` gives a page's
    items, None when it is not such a page) as a JSON array of ``{wrap: item}`` payloads, one
    delivery per item in file order; any other file, or unreadable JSON (left for the generic
    reader to report), as it is."""
    try:
        whole = json.loads(decode_utf8(input_file.name, input_file.data))
    except (InputError, json.JSONDecodeError):
        return input_file
    pages = whole if isinstance(whole, list) else [whole]
    found = [items_of(page) for page in pages]
    if not pages or any(items is None for items in found):
        return input_file
    payloads = [{wrap: item} for items in found for item in items or []]
    return InputFile(input_file.path, json.dumps(payloads).encode())
