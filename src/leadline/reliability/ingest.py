"""``sli-csv``: SLI samples from any monitoring system (DESIGN.md §4).

Validated like every CSV (ingest.tabular); a row whose total is below its good count, or with a
negative count, is rejected naming row and field; samples of SLOs the store does not know are
kept, with one warning per SLO.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pyarrow as pa
from sqlalchemy import select

from leadline.ingest.problems import Parsed, Problem
from leadline.ingest.registry import Context, LandContext, Source, Template, Unit, register
from leadline.ingest.tabular import read_checked
from leadline.reliability.models import Slo
from leadline.reliability.schemas import SLI_CSV, SLI_SAMPLES
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


@register
class SliCsv(Source):
    name = "sli-csv"
    summary = "SLI samples as CSV: slo, timestamp (interval start), good, total, step_seconds"
    writes_lake = True
    load_bytes = False

    def templates(self) -> list[Template]:
        return [Template("sli.csv", SLI_CSV.template())]

    def parse(self, unit: Unit, ctx: Context) -> Parsed:
        (input_file,) = unit.files
        return read_checked(
            input_file.path,
            SLI_CSV,
            check,
            naive_timezone=ctx.settings.naive_timezone,
            progress=ctx.progress,
        )

    def land(self, parsed: Parsed, ctx: LandContext) -> list[Problem]:
        assert ctx.session is not None and ctx.lake is not None and ctx.batch is not None
        observed = utcnow()
        rows = [
            {
                "slo": r["slo"],
                "timestamp": r["timestamp"],
                "step_seconds": r["step_seconds"] or DEFAULT_STEP,
                "good": r["good"],
                "total": r["total"],
                "source": "csv",
                "updated_at": observed,
            }
            for r in parsed.records
        ]
        if rows:
            ctx.lake.merge(SLI_SAMPLES, pa.Table.from_pylist(rows, schema=SLI_SAMPLES.schema))
        known = set(ctx.session.scalars(select(Slo.name)))
        unknown = Counter(r["slo"] for r in rows if r["slo"] not in known)
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
            for slo, count in sorted(unknown.items())
        ]
