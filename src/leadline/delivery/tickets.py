"""Tickets of issue trackers (Jira, Linear): the ``work_items`` lake table, what the tracker
sources share, and the link from changes to tickets that lets lead time start at ticket start.

A tracker delivery yields a ticket observation (every issue) and, when the issue is an incident
by the tracker's settings, an incident row too. Tickets are merged by (source, ticket id):
``started_at`` keeps the earliest start ever seen, so a ticket moved back to "To Do" and
started again keeps its first start; ``resolved_at`` follows the newest observation (a reopen
clears it).

Links are not stored: a change names the tickets it works on by their keys (``ABC-123``,
``ENG-42``) in its pull request title, branch or commit message, all of which sit in the
change's ``extra``; ``ticket_links`` finds them at query time, so a change ingested before or
after its ticket links alike.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from leadline.catalog.services import ServiceResolver, Subject
from leadline.config import TrackerSettings
from leadline.delivery.events import (
    SUBJECT,
    EventFileSource,
    Facts,
    FieldMissing,
    ParsedDelivery,
    _known_delivery_ids,
    land_deliveries,
    refused_value,
)
from leadline.delivery.schemas import TS
from leadline.ingest.problems import Parsed, Problem
from leadline.ingest.registry import LandContext
from leadline.lake.tables import FactTable, register_table

if TYPE_CHECKING:
    from leadline.lake.writer import LakeWriter

TICKETS = register_table(
    FactTable(
        "work_items",
        pa.schema(
            [
                pa.field("work_item_id", pa.string(), nullable=False),  # ABC-123, ENG-42
                pa.field("source", pa.string(), nullable=False),  # jira | linear
                pa.field("service", pa.string()),  # null when the issue names none
                pa.field("title", pa.string()),
                pa.field("issue_type", pa.string()),
                pa.field("status", pa.string()),
                pa.field("created_at", TS, nullable=False),
                pa.field("started_at", TS),  # first entry into a start status
                pa.field("resolved_at", TS),  # null while open
                pa.field("incident", pa.bool_(), nullable=False),
                pa.field("updated_at", TS, nullable=False),
                pa.field("extra", pa.string()),
            ]
        ),
        time_column="created_at",
        key=("source", "work_item_id"),
        version="updated_at",
        provenance=("extra",),
        rules={"created_at": "min", "started_at": "min", "extra": "max"},
        description="One row per issue-tracker ticket (Jira, Linear), at its latest state.",
    )
)

# Where lead time starts: the change's first commit, its merge, or its tickets' start.
LeadStart = Literal["commit", "merge", "ticket"]

# A ticket key as Jira and Linear write it: a project or team key, a hyphen, a number.
KEY_PATTERN = r"[A-Z][A-Z0-9_]+-[0-9]+"


@dataclass
class TrackerFacts(Facts):
    """Facts of a tracker delivery: incident rows (maybe none) and ticket rows."""

    tickets: list[dict[str, Any]] = field(default_factory=list)

    def __bool__(self) -> bool:
        return super().__bool__() or bool(self.tickets)


def checked(facts: TrackerFacts) -> TrackerFacts:
    """Refuse ticket values the CSV path would refuse (control characters, overlong ids), as
    ``refused_value`` does for the three delivery tables."""
    refused = refused_value(Facts(changes=facts.tickets))
    if refused is not None:
        raise FieldMissing(*refused)
    return facts


def as_list(value: Any) -> list[Any]:
    if value is None or value == "":
        return []
    return value if isinstance(value, list) else [value]


def names(values: Iterable[Any], key: str = "name") -> list[str]:
    """Display names of labels, components, options... given as text or as objects."""
    found = []
    for item in values:
        value = item.get(key) or item.get("value") if isinstance(item, dict) else item
        if value not in (None, ""):
            found.append(str(value))
    return found


def service_subject(values: list[str], settings: TrackerSettings) -> Subject | None:
    """The service the first fitting value names: a value in ``service_map`` first, then the
    first value carrying ``service_prefix`` (stripped; every value when there is no prefix),
    which the catalog resolves by name. None when no value fits."""
    prefix = settings.service_prefix
    stripped = [v[len(prefix) :] if prefix and v.startswith(prefix) else None for v in values]
    if not prefix:
        stripped = list(values)
    lowered = {k.lower(): v for k, v in settings.service_map.items()}
    for raw, value in zip(values, stripped, strict=True):
        for candidate in (raw, value):
            if candidate is not None and candidate.lower() in lowered:
                return Subject("", candidate, lowered[candidate.lower()])
    for value in stripped:
        if value:
            return Subject("", value, value)
    return None


def matches(values: Iterable[str], wanted: list[str]) -> bool:
    """Any value equal to a wanted one, ignoring case."""
    lowered = {w.lower() for w in wanted}
    return any(v.lower() in lowered for v in values)


def epoch_time(value: Any, field_name: str) -> dt.datetime:
    """A UTC time from an epoch number in seconds, milliseconds, microseconds or nanoseconds
    (Opsgenie sends ``createdAt`` in ms and ``updatedAt`` in ns); the unit follows from the
    magnitude, which is unambiguous for times after 1973. Whole numbers are converted exactly
    (nanoseconds truncated to the microsecond), so two deliveries' versions compare right."""
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise FieldMissing(field_name, "is not an epoch time", value)
    scale = 1  # units per second, as a power of 1000
    while value / scale > 1e11:  # beyond year 5138 in seconds: a finer unit
        scale *= 1000
    exact = isinstance(value, int)
    micros = value * 1_000_000 // scale if exact else round(value * 1_000_000 / scale)
    try:
        return EPOCH + dt.timedelta(microseconds=micros)
    except OverflowError:
        raise FieldMissing(field_name, "is not an epoch time", value) from None


EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


class TrackerSource(EventFileSource):
    """An event-file source whose deliveries also carry tickets (Jira, Linear) and whose REST
    or GraphQL exports are expanded into one delivery per item first."""

    def land(self, parsed: Parsed, ctx: LandContext) -> list[Problem]:
        """Land incidents as every event source does, then merge the tickets of the
        deliveries not received before (all of them with ``--force``)."""
        assert ctx.session is not None and ctx.lake is not None
        records: list[ParsedDelivery] = parsed.records
        known = _known_delivery_ids(
            ctx.session, self.parser.source, [r.delivery_id for r in records]
        )
        landing = records if ctx.force else [r for r in records if r.delivery_id not in known]
        rows = tickets_of(r.facts for r in landing if r.status == "normalised")
        problems = land_deliveries(self.parser.source, parsed, ctx)
        resolver = ServiceResolver.load(ctx.session, ctx.options.get("service"))
        land_tickets(rows, resolver, ctx.lake)
        return problems


def tickets_of(all_facts: Iterable[Facts]) -> list[dict[str, Any]]:
    """The ticket rows of the facts that carry any (tracker deliveries)."""
    return [row for f in all_facts if isinstance(f, TrackerFacts) for row in f.tickets]


def land_tickets(rows: list[dict[str, Any]], resolver: ServiceResolver, lake: LakeWriter) -> None:
    """Resolve each ticket's service (null when the issue names none) and merge the rows into
    ``work_items``; used by file ingest and by the webhooks' pending normalisation."""
    if not rows:
        return
    for row in rows:
        subject = row.pop(SUBJECT, None)
        row["service"] = resolver.resolve(subject) if subject is not None else None
    lake.merge(TICKETS, pa.Table.from_pylist(rows, schema=TICKETS.schema))


def ticket_links(changes: ir.Table, tickets: ir.Table) -> ir.Table:
    """(service, change_id, work_item_id, source, ticket_start): every ticket whose key appears in
    a change's ``extra`` (pull request title, branch, commit message), in upper case, as a
    whole word; ``ticket_start`` is the ticket's start (first entry into a start status), else
    its creation. Keys of tickets leadline does not know link nothing."""
    words = changes.select(
        "service",
        "change_id",
        word=changes.extra.upper().re_split(r"[^A-Z0-9_-]+").unnest(),
    )
    found = words.mutate(work_item_id=words.word.re_extract(f"({KEY_PATTERN})", 1))
    found = found.filter(found.work_item_id != "").select("service", "change_id", "work_item_id")
    known = tickets.select(
        "source",
        work_item_id=tickets.work_item_id.upper(),
        ticket_start=ibis.coalesce(tickets.started_at, tickets.created_at),
    )
    return found.join(known, "work_item_id").distinct()


def with_ticket_start(changes: ir.Table, tickets: ir.Table) -> ir.Table:
    """``changes`` with ``committed_at`` replaced by the earliest start of the tickets the
    change names, where it names any: the start of lead time from ticket. Same columns, same
    rows.

    Which deployment ships a change must not depend on the mode: attribution starts from the
    change's merge, else its commit (``metrics.ships_from``). So a linked change's
    ``merged_at`` becomes that instant, and its start is never later than it (a ticket opened
    after the work was ready starts the clock when the change was ready): ``ships_from`` of
    the result is the original one."""
    links = ticket_links(changes, tickets)
    first = links.group_by(["service", "change_id"]).aggregate(
        ticket_start=links.ticket_start.min()
    )
    joined = changes.left_join(first, ["service", "change_id"])
    merged, committed = joined.merged_at, joined.committed_at
    ready = ibis.ifelse(merged.notnull() & (merged > committed), merged, committed)
    linked = joined.ticket_start.notnull()
    start = ibis.ifelse(linked, ibis.least(joined.ticket_start, ready), committed)
    replaced = {"committed_at": start, "merged_at": ibis.ifelse(linked, ready, merged)}
    return joined.select(
        *[replaced[c].name(c) if c in replaced else joined[c] for c in changes.columns]
    )
