"""``sli-csv``: SLI samples from any monitoring system (DESIGN.md §4).

Validated like every CSV (ingest.tabular); a row whose total is below its good count, or with a
negative count, is rejected naming row and field; samples of SLOs the store does not know are
kept, with one warning per SLO. Files hold millions of samples, so rows stay in Arrow: only the
rows a vectorised screen flags are checked one by one.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import select

from leadline.ingest.problems import Parsed, Problem
from leadline.ingest.registry import Context, LandContext, Source, Template, Unit, register
from leadline.ingest.tabular import ROW_COLUMN, read_screened
from leadline.reliability.models import Slo
from leadline.reliability.schemas import SLI_CSV, SLI_SAMPLES, TS
from leadline.store.base import utcnow

DEFAULT_STEP = 60


def check(file: str, row: dict[str, Any]) -> Problem | None:
    """Counts must be non-negative and good cannot exceed total."""
    record = {k: v for k, v in row.items() if k != "_row"}
    for name in ("good", "total"):
        if row[name] < 0:
            return Problem(
                file, "must not be negative", row["_row"], name, row[name], "error", record
            )
    if row["total"] < row["good"]:
        return Problem(
            file,
            f"total is below good ({row['good']:g}): rejected",
            row["_row"],
            "total",
            row["total"],
            "error",
            record,
        )
    step = row.get("step_seconds")
    if step is not None and step <= 0:
        return Problem(file, "must be positive", row["_row"], "step_seconds", step, "error", record)
    return None


def suspect(table: pa.Table) -> pa.Array:
    """The rows ``check`` could reject (it passes every other row): a negative count, total
    below good, or a step that is not positive."""
    good, total, step = (table.column(c) for c in ("good", "total", "step_seconds"))
    negative = pc.or_(pc.less(good, 0), pc.less(total, 0))
    inverted = pc.or_(negative, pc.less(total, good))
    return pc.or_(inverted, pc.fill_null(pc.less_equal(step, 0), False)).combine_chunks()


@register
class SliCsv(Source):
    name = "sli-csv"
    summary = "SLI samples as CSV: slo, timestamp (interval start), good, total, step_seconds"
    writes_lake = True
    natural_key = ("slo", "timestamp")
    load_bytes = False

    def templates(self) -> list[Template]:
        return [Template("sli.csv", SLI_CSV.template())]

    def parse(self, unit: Unit, ctx: Context) -> Parsed:
        (input_file,) = unit.files
        parsed = read_screened(
            input_file.path,
            SLI_CSV,
            check,
            suspect,
            naive_timezone=ctx.settings.naive_timezone,
            progress=ctx.progress,
        )
        # the row number stays until the runner has screened repeated keys; extra goes
        parsed.records = parsed.records.select([*(c.name for c in SLI_CSV.columns), ROW_COLUMN])
        return parsed

    def land(self, parsed: Parsed, ctx: LandContext) -> list[Problem]:
        assert ctx.session is not None and ctx.lake is not None and ctx.batch is not None
        table: pa.Table = parsed.records
        if table.num_rows:
            ctx.lake.merge(SLI_SAMPLES, samples(table, utcnow()))
        known = set(ctx.session.scalars(select(Slo.name)))
        counts = table.column("slo").value_counts().to_pylist()
        unknown = sorted((c["values"], c["counts"]) for c in counts if c["values"] not in known)
        return [
            Problem(
                ctx.batch.file_name,
                f"SLO {slo!r} has no specification ({count} "
                "samples kept); import its OpenSLO or Sloth spec",
                None,
                "slo",
                slo,
                "warning",
                None,
                f"slo:{slo}",
            )
            for slo, count in unknown
        ]


def samples(rows: pa.Table, observed: Any) -> pa.Table:
    """The lake's sli_samples rows of the file's valid rows, observed at ``observed``."""
    count = rows.num_rows
    step = pc.fill_null(rows.column("step_seconds"), DEFAULT_STEP)
    return pa.table(
        {
            "slo": rows.column("slo"),
            "timestamp": rows.column("timestamp"),
            "step_seconds": pc.cast(step, pa.int32()),
            "good": rows.column("good"),
            "total": rows.column("total"),
            "source": pa.repeat(pa.scalar("csv"), count),
            "updated_at": pa.repeat(pa.scalar(observed, TS), count),
        },
        schema=SLI_SAMPLES.schema,
    )
