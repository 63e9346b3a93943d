"""A real lake source used by the ingest tests: ``test-events`` CSV files into a fact table.

Registration happens on import (``@register`` and ``register_table``), exactly as a pillar's
``ingest.py`` would do it.
"""

from __future__ import annotations

import pyarrow as pa

from leadline.ingest.problems import Parsed, Problem
from leadline.ingest.registry import (
    CliOption,
    Context,
    LandContext,
    Source,
    Template,
    Unit,
    register,
)
from leadline.ingest.tabular import Column, CsvFormat, read_csv
from leadline.lake.tables import FactTable, register_table

SOURCE_NAME = "test-events"
TABLE_NAME = "test_ingest_events"
KINDS = ("deploy", "incident", "change")

EVENTS = CsvFormat(
    "events",
    "Test events: one row per event of a service.",
    (
        Column("event_id", description="Unique id of the event.", example="ev-1"),
        Column("service", description="Service the event belongs to.", example="checkout"),
        Column("occurred_at", "timestamp", description="When it happened."),
        Column("value", "float", description="A measurement."),
        Column("amount", "decimal", required=False, description="Money.", decimal_scale=2),
        Column("kind", choices=KINDS, description="What happened."),
    ),
)

EVENTS_TABLE = register_table(
    FactTable(
        TABLE_NAME,
        pa.schema(
            [
                pa.field("event_id", pa.string(), nullable=False),
                pa.field("service", pa.string(), nullable=False),
                pa.field("occurred_at", pa.timestamp("us", tz="UTC"), nullable=False),
                pa.field("value", pa.float64(), nullable=False),
                pa.field("amount", pa.decimal128(38, 2)),
                pa.field("kind", pa.string(), nullable=False),
                pa.field("extra", pa.string()),
                pa.field("source_row", pa.int64()),
            ]
        ),
        "occurred_at",
        description="Events landed by the ingest tests' sample source.",
    )
)


@register
class EventsSource(Source):
    """``leadline ingest test-events FILE...``; ``--service S`` overrides every row's service."""

    name = SOURCE_NAME
    summary = "Test events CSV (the ingest tests' sample lake source)"
    writes_lake = True
    load_bytes = False
    cli_options = (CliOption("service", "Attribute every row to this service."),)

    def templates(self) -> list[Template]:
        return [Template("test-events.csv", EVENTS.template())]

    def parse(self, unit: Unit, ctx: Context) -> Parsed:
        result = read_csv(
            unit.files[0].path,
            EVENTS,
            naive_timezone=ctx.settings.naive_timezone,
            progress=ctx.progress,
        )
        return Parsed(result.rows_read, result.table, result.problems)

    def land(self, parsed: Parsed, ctx: LandContext) -> list[Problem]:
        assert ctx.lake is not None
        table: pa.Table = parsed.records
        table = table.append_column("source_row", table.column("_row"))
        service = ctx.options.get("service")
        if service is not None:
            index = table.schema.get_field_index("service")
            column = pa.array([service] * table.num_rows, pa.string())
            table = table.set_column(index, "service", column)
        ctx.lake.append(EVENTS_TABLE, table)
        return []
