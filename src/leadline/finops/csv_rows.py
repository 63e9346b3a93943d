"""The store-bound FinOps CSV sources' shared parse: declared columns read by the ingest
machinery, then per-row checks across columns and one row per key (ingest.repeats: an exact
repeat lands once with a warning, a key repeated with other values rejects its rows)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Hashable
from decimal import Decimal
from typing import Any

from leadline.ingest.problems import Parsed, Problem, Severity
from leadline.ingest.registry import Context, Unit
from leadline.ingest.repeats import screen_rows
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
    key_columns: tuple[str, ...] = (),
) -> Parsed:
    """Rows that pass ``check`` (errors reject a row; warnings keep it), once per ``key`` (of
    ``key_columns``, default ``key_field``; ``key_text`` describes it)."""
    (input_file,) = unit.files
    result = read_csv(
        input_file.path, fmt, naive_timezone=ctx.settings.naive_timezone, progress=ctx.progress
    )
    records, problems = [], list(result.problems)
    for row in result.table.to_pylist():
        found = check(input_file.name, row)
        if not any(p.severity == "error" for p in found):
            records.append(row)
        problems += found
    # one row per key: an exact repeat lands once, a conflicting one rejects the key's rows
    records, repeated = screen_rows(
        input_file.name, records, key, key_columns or (key_field,), key_field
    )
    return Parsed(rows_read=result.rows_read, records=records, problems=problems + repeated)
