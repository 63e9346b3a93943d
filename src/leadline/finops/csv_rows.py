"""The store-bound FinOps CSV sources' shared parse: declared columns read by the ingest
machinery, then per-row checks across columns and one row per key (a repeated key is rejected,
naming the row it repeats)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Hashable
from decimal import Decimal
from typing import Any

from leadline.ingest.problems import Parsed, Problem, Severity
from leadline.ingest.registry import Context, Unit
from leadline.ingest.tabular import ROW_COLUMN, CsvFormat, read_csv

Check = Callable[[str, dict[str, Any]], list[Problem]]


def _text(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def row_problem(
    file: str, row: dict[str, Any], field: str, reason: str, severity: Severity = "error"
) -> Problem:
    """A problem naming file, CSV row (header = 1), field and value, with the raw record."""
    record = {k: _text(v) for k, v in row.items() if k != ROW_COLUMN}
    return Problem(
        file, reason, row.get(ROW_COLUMN), field, _text(row.get(field)), severity, record
    )


def parse_rows(
    unit: Unit,
    ctx: Context,
    fmt: CsvFormat,
    *,
    check: Check,
    key: Callable[[dict[str, Any]], Hashable],
    key_field: str,
    key_text: str,
) -> Parsed:
    """Rows that pass ``check`` (errors reject a row; warnings keep it), once per ``key``."""
    (input_file,) = unit.files
    result = read_csv(
        input_file.path, fmt, naive_timezone=ctx.settings.naive_timezone, progress=ctx.progress
    )
    records, problems = [], list(result.problems)
    seen: dict[Hashable, int] = {}
    for row in result.table.to_pylist():
        found = check(input_file.name, row)
        if not any(p.severity == "error" for p in found):
            k = key(row)
            if k in seen:
                found.append(
                    row_problem(
                        input_file.name,
                        row,
                        key_field,
                        f"repeats row {seen[k]} (one row per {key_text})",
                    )
                )
            else:
                seen[k] = row[ROW_COLUMN]
                records.append(row)
        problems += found
    return Parsed(rows_read=result.rows_read, records=records, problems=problems)
