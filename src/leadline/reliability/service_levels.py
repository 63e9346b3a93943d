"""Service-level facts: support tickets and experience survey responses, from CSV to the lake.

SLAs judge tickets (``tickets.csv`` -> lake table ``tickets``) and XLAs judge what people said
(``experience.csv`` -> ``experience_responses``); see ``sla.py`` and ``xla.py`` for the metrics
and docs/metrics.md for the definitions.

Tickets are merged by ``ticket_id`` and versioned by ``updated_at`` (the tool's last-modified
time when the export has that column, else the time of ingest), so a later export of the same
ticket (first response or resolution arriving later, a reopen) replaces the earlier one, and an
older export sent late does not undo a newer one. ``first_response_at`` keeps the earliest value
ever reported (a ticket cannot be "un-responded"); every other column takes the newest value.
Survey responses are merged by ``response_id`` (a corrected file replaces earlier values).
Services are resolved against the catalog like every other fact; unknown ones are kept and
reported once per file as warnings.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any, ClassVar

import pyarrow as pa

from leadline.catalog.services import ServiceResolver, Subject
from leadline.ingest.problems import Parsed, Problem
from leadline.ingest.registry import Context, LandContext, Source, Template, Unit, register
from leadline.ingest.tabular import (
    EXTRA_COLUMN,
    ROW_COLUMN,
    Column,
    CsvFormat,
    read_checked,
)
from leadline.lake.tables import FactTable, register_table
from leadline.store.base import utcnow

TS = pa.timestamp("us", tz="UTC")

# Ticket states. A ticket is judged on resolution only once resolved or closed; cancelled
# tickets are counted but never judged (nobody owed them a response).
OPEN_STATES = ("new", "open", "in_progress", "on_hold")
RESOLVED_STATES = ("resolved", "closed")
CANCELLED = "cancelled"
TICKET_STATES = (*OPEN_STATES, *RESOLVED_STATES, CANCELLED)

# Survey scales (inclusive): CSAT 1-5, NPS 0-10 ("how likely are you to recommend"), CES 1-7.
SCALES: dict[str, tuple[int, int]] = {"csat": (1, 5), "nps": (0, 10), "ces": (1, 7)}

TICKETS = register_table(
    FactTable(
        "tickets",
        pa.schema(
            [
                pa.field("ticket_id", pa.string(), nullable=False),
                pa.field("service", pa.string(), nullable=False),
                pa.field("priority", pa.string(), nullable=False),
                pa.field("status", pa.string(), nullable=False),
                pa.field("opened_at", TS, nullable=False),
                pa.field("first_response_at", TS),
                pa.field("resolved_at", TS),  # null while open (a reopen clears it)
                pa.field("source", pa.string(), nullable=False),
                pa.field("updated_at", TS, nullable=False),  # version of this observation
                pa.field("extra", pa.string()),
            ]
        ),
        time_column="opened_at",
        key=("ticket_id",),
        version="updated_at",
        provenance=("source", "extra"),
        rules={"first_response_at": "min", "extra": "max"},
        description="One row per support ticket (request or incident record), latest state.",
    )
)

EXPERIENCE_RESPONSES = register_table(
    FactTable(
        "experience_responses",
        pa.schema(
            [
                pa.field("response_id", pa.string(), nullable=False),
                pa.field("service", pa.string(), nullable=False),
                pa.field("responded_at", TS, nullable=False),
                pa.field("kind", pa.string(), nullable=False),  # csat | nps | ces
                pa.field("score", pa.int64(), nullable=False),
                pa.field("respondent", pa.string()),
                pa.field("source", pa.string(), nullable=False),
                pa.field("updated_at", TS, nullable=False),
                pa.field("extra", pa.string()),
            ]
        ),
        time_column="responded_at",
        key=("response_id",),
        version="updated_at",
        provenance=("source", "extra"),
        description="One row per survey answer (CSAT, NPS or CES) about a service.",
    )
)

TICKETS_CSV = CsvFormat(
    "tickets",
    "Support tickets, one per row (leadline ingest tickets-csv FILE).",
    (
        Column("ticket_id", description="Unique id of the ticket", example="INC0012345"),
        Column("service", description="Catalog service name", example="checkout-api"),
        Column(
            "priority",
            description="Priority as the agreement names it (matched case-insensitively)",
            example="P1",
        ),
        Column("opened_at", "timestamp", description="When the ticket was opened (ISO-8601)"),
        Column(
            "first_response_at",
            "timestamp",
            required=False,
            description="First response to the requester; empty while none",
        ),
        Column(
            "resolved_at",
            "timestamp",
            required=False,
            description="When resolved; required when status is resolved or closed",
        ),
        Column("status", choices=TICKET_STATES, description="Current state"),
        Column(
            "updated_at",
            "timestamp",
            required=False,
            description="Last change in the ticketing tool; orders repeated exports "
            "(default: the time of ingest)",
        ),
    ),
)

EXPERIENCE_CSV = CsvFormat(
    "experience",
    "Experience survey answers, one per row (leadline ingest experience-csv FILE).",
    (
        Column("response_id", description="Unique id of the answer", example="r-881"),
        Column("service", description="Catalog service the answer is about"),
        Column("responded_at", "timestamp", description="When it was given (ISO-8601)"),
        Column(
            "kind",
            choices=tuple(SCALES),
            description="csat (1-5 satisfaction), nps (0-10 likelihood to recommend) or "
            "ces (1-7 effort, lower is easier)",
        ),
        Column("score", "int", description="The score on the kind's scale", example="4"),
        Column("respondent", required=False, description="Who answered (optional)"),
    ),
)


class _ServiceLevelCsv(Source):
    """One CSV format landing in one fact table; rows checked across columns first."""

    format: ClassVar[CsvFormat]
    table: ClassVar[FactTable]
    writes_lake = True
    load_bytes = False

    def templates(self) -> list[Template]:
        return [Template(f"{self.format.name}.csv", self.format.template())]

    def parse(self, unit: Unit, ctx: Context) -> Parsed:
        (input_file,) = unit.files
        return read_checked(
            input_file.path,
            self.format,
            self.check,
            naive_timezone=ctx.settings.naive_timezone,
            progress=ctx.progress,
        )

    def check(self, file: str, row: dict[str, Any]) -> list[Problem]:
        """Rules across columns (may adjust ``row``); errors reject the row, warnings keep it."""
        return []

    def fact(self, row: dict[str, Any], observed: Any) -> dict[str, Any]:
        raise NotImplementedError

    def land(self, parsed: Parsed, ctx: LandContext) -> list[Problem]:
        assert ctx.lake is not None and ctx.batch is not None and ctx.session is not None
        resolver = ServiceResolver.load(ctx.session)
        observed = utcnow()
        unknown: Counter[str] = Counter()
        rows = []
        for record in parsed.records:
            row = self.fact(record, observed)
            name = record["service"]
            row["service"] = resolver.resolve(Subject("", name, name))
            if not resolver.known(row["service"]):
                unknown[row["service"]] += 1
            rows.append(row)
        if rows:
            ctx.lake.merge(self.table, pa.Table.from_pylist(rows, schema=self.table.schema))
        return [
            Problem(
                ctx.batch.file_name,
                f"service {service!r} is not in the catalog ({count} rows kept); add it to "
                "the catalog so its agreements and groups apply",
                None,
                "service",
                service,
                "warning",
                None,
                f"service:{service}",
            )
            for service, count in sorted(unknown.items())
        ]


def _problem(
    file: str, row: dict[str, Any], field: str, reason: str, severity: str = "error"
) -> Problem:
    value = row[field]
    record = {k: v for k, v in row.items() if k != ROW_COLUMN}
    text = value.isoformat() if hasattr(value, "isoformat") else value
    return Problem(file, reason, row[ROW_COLUMN], field, text, severity, record)  # type: ignore[arg-type]


def _extra(row: dict[str, Any]) -> str:
    extra = json.loads(row[EXTRA_COLUMN]) if row.get(EXTRA_COLUMN) else {}
    extra["row"] = row[ROW_COLUMN]
    return json.dumps(extra, sort_keys=True)


@register
class TicketsCsv(_ServiceLevelCsv):
    name = "tickets-csv"
    summary = "Support tickets as CSV: ticket_id, service, priority, opened_at, ... (for SLAs)"
    format = TICKETS_CSV
    table = TICKETS
    # a row is one version of a ticket: rows of one ticket at other updated_at are its history
    natural_key = ("ticket_id", "updated_at")

    def check(self, file: str, row: dict[str, Any]) -> list[Problem]:
        opened = row["opened_at"]
        out = []
        for field in ("first_response_at", "resolved_at"):
            if row[field] is not None and row[field] < opened:
                reason = f"is before opened_at ({opened.isoformat()})"
                out.append(_problem(file, row, field, reason))
        if row["status"] in RESOLVED_STATES and row["resolved_at"] is None:
            out.append(
                _problem(file, row, "resolved_at", f"is required when status is {row['status']}")
            )
        if row["status"] in OPEN_STATES and row["resolved_at"] is not None and not out:
            out.append(
                _problem(
                    file,
                    row,
                    "resolved_at",
                    f"is ignored: status {row['status']} means the ticket is open again",
                    "warning",
                )
            )
            row["resolved_at"] = None
        return out

    def fact(self, row: dict[str, Any], observed: Any) -> dict[str, Any]:
        return {
            "ticket_id": row["ticket_id"],
            "priority": row["priority"],
            "status": row["status"],
            "opened_at": row["opened_at"],
            "first_response_at": row["first_response_at"],
            "resolved_at": row["resolved_at"],
            "source": "csv",
            "updated_at": row["updated_at"] or observed,
            "extra": _extra(row),
        }


@register
class ExperienceCsv(_ServiceLevelCsv):
    name = "experience-csv"
    summary = "Experience survey answers as CSV: response_id, service, kind, score (for XLAs)"
    format = EXPERIENCE_CSV
    table = EXPERIENCE_RESPONSES
    natural_key = ("response_id",)

    def check(self, file: str, row: dict[str, Any]) -> list[Problem]:
        low, high = SCALES[row["kind"]]
        if low <= row["score"] <= high:
            return []
        return [_problem(file, row, "score", f"must be between {low} and {high} for {row['kind']}")]

    def fact(self, row: dict[str, Any], observed: Any) -> dict[str, Any]:
        return {
            "response_id": row["response_id"],
            "responded_at": row["responded_at"],
            "kind": row["kind"],
            "score": row["score"],
            "respondent": row["respondent"] or None,
            "source": "csv",
            "updated_at": observed,
            "extra": _extra(row),
        }
