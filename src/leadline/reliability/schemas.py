"""SLI samples in the lake, and the ``sli.csv`` format of DESIGN.md §4.

A sample counts the good and total events of one SLO in the interval that starts at its
``timestamp`` and lasts ``step_seconds``. A window ``[T−d, T)`` holds the samples with
``T−d ≤ timestamp < T``. Samples are merged by (slo, timestamp): a later pull of the same interval
replaces the earlier one.
"""

from __future__ import annotations

import pyarrow as pa

from leadline.ingest.tabular import Column, CsvFormat
from leadline.lake.tables import FactTable, register_table

TS = pa.timestamp("us", tz="UTC")

SLI_SAMPLES = register_table(
    FactTable(
        "sli_samples",
        pa.schema(
            [
                pa.field("slo", pa.string(), nullable=False),
                pa.field("timestamp", TS, nullable=False),
                pa.field("step_seconds", pa.int32(), nullable=False),
                pa.field("good", pa.float64(), nullable=False),
                pa.field("total", pa.float64(), nullable=False),
                pa.field("source", pa.string(), nullable=False),
                pa.field("updated_at", TS, nullable=False),
            ]
        ),
        time_column="timestamp",
        key=("slo", "timestamp"),
        version="updated_at",
        provenance=("source",),
        description="Good and total events per SLO and interval.",
    )
)

SLI_CSV = CsvFormat(
    "sli",
    "SLI samples, one per SLO and interval (leadline ingest sli-csv FILE).",
    (
        Column("slo", description="SLO name, as in its specification"),
        Column(
            "timestamp",
            "timestamp",
            description="Start of the interval (ISO-8601)",
            example="2026-03-01T12:00:00Z",
        ),
        Column("good", "float", description="Good events in the interval (>= 0)"),
        Column("total", "float", description="All events in the interval (>= good)"),
        Column(
            "step_seconds",
            "int",
            required=False,
            description="Length of the interval in seconds; default 60",
        ),
    ),
)
