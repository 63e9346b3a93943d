"""Checking one all-text block of CSV rows against its format, column by column, in Arrow.

A row with any bad value is rejected whole, with a Problem naming file, row, field, value and
reason, and its raw record; columns the format does not declare are kept as JSON in ``extra``.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from leadline.ingest.csv_format import EXTRA_COLUMN, ROW_COLUMN, CsvFormat
from leadline.ingest.problems import Problem
from leadline.ingest.values import (
    CONVERSION_ERRORS,
    Column,
    convert,
    length_reason,
    range_reason,
    shape_reason,
    too_long_mask,
    typed,
    valid_mask,
)

__all__ = ["validate_block"]


def validate_block(
    name: str, fmt: CsvFormat, block: pa.Table, naive_timezone: str
) -> tuple[pa.Table, list[Problem]]:
    """Typed valid rows of one all-text block, and a Problem per bad value."""
    ok = pa.array(np.ones(block.num_rows, dtype=bool))
    columns: dict[str, pa.Array] = {}
    problems: list[Problem] = []
    rows = block.column(ROW_COLUMN).combine_chunks()
    for column in fmt.columns:
        if column.name not in block.column_names:
            columns[column.name] = pa.nulls(block.num_rows, column.arrow_type)
            continue
        text = pc.utf8_trim_whitespace(block.column(column.name)).combine_chunks()
        blank = pc.equal(pc.utf8_length(text), 0)
        missing = blank if column.required else _none(len(text))
        converted = _numbers_at_once(column, pc.if_else(blank, _NULL_TEXT, text))
        if converted is not None:  # every number converted: none is malformed
            columns[column.name] = converted
            malformed = unconvertible = _none(len(text))
        else:
            malformed = pc.and_(pc.invert(blank), pc.invert(valid_mask(column, text)))
            usable = pc.if_else(pc.or_(blank, malformed), _NULL_TEXT, text)
            columns[column.name], unconvertible = convert(column, usable, naive_timezone)
        too_long = too_long_mask(column, text)
        if too_long is not None and pc.any(too_long).as_py():
            # a long value is rejected as too long, not also as malformed
            malformed = pc.and_(malformed, pc.invert(too_long))
        else:
            too_long = _none(len(text))
        for mask, reason in (
            (too_long, length_reason(column)),
            (missing, "is required"),
            (malformed, shape_reason(column)),
            (unconvertible, range_reason(column)),
        ):
            if not pc.any(mask).as_py():
                continue
            ok = pc.and_(ok, pc.invert(mask))
            for index in np.flatnonzero(mask.to_numpy(zero_copy_only=False)):
                i = int(index)
                problems.append(
                    Problem(
                        name,
                        reason,
                        rows[i].as_py(),
                        column.name,
                        _shown(text[i].as_py()),
                        "error",
                        _raw_record(block, i),
                    )
                )
    out = pa.table({**columns, EXTRA_COLUMN: _extra_json(fmt, block), ROW_COLUMN: rows})
    return out.filter(ok).cast(fmt.schema), problems


_NULL_TEXT = pa.scalar(None, pa.string())
# pyarrow's decimal cast accepts exactly the shapes the decimal pattern allows (after the
# leading "+" is dropped; not so its int cast, which reads hex), so a decimal column that casts
# whole needs no pattern check: the common, clean case.
_FAST_TYPES = ("decimal",)


def _none(length: int) -> pa.Array:
    return pa.array(np.zeros(length, dtype=bool))


def _numbers_at_once(column: Column, text: pa.Array) -> pa.Array | None:
    """The typed column when it converts whole on a fast path, else None (check each value):
    decimals by pyarrow's cast; timestamps when every value is ``YYYY-MM-DDTHH:MM:SSZ`` (how
    exports write UTC; a subset of the accepted shapes, read the same way)."""
    if column.choices:
        return None
    try:
        if column.type in _FAST_TYPES:
            return typed(column, text, "UTC")
        if column.type == "timestamp":
            # 20 characters that Arrow's strict ISO-8601 cast reads can only be
            # YYYY-MM-DD[T ]HH:MM:SSZ, a real instant in UTC (the cast refuses 2026-02-30)
            if not pc.all(pc.fill_null(pc.equal(pc.utf8_length(text), 20), True)).as_py():
                return None
            return pc.cast(text, pa.timestamp("us", tz="UTC"))
    except CONVERSION_ERRORS:
        return None
    return None


def _shown(value: str | None) -> str | None:
    """A rejected value as kept in the problem: its first 200 characters (a 1 MB value is not
    stored again in every problem)."""
    if value is None or len(value) <= 200:
        return value
    return value[:200] + f"… ({len(value)} characters)"


def _raw_record(block: pa.Table, index: int) -> dict[str, Any]:
    return {k: v for k, v in block.slice(index, 1).to_pylist()[0].items() if k != ROW_COLUMN}


def _extra_json(fmt: CsvFormat, block: pa.Table) -> pa.Array:
    declared = {c.name for c in fmt.columns} | {ROW_COLUMN}
    extra_names = [c for c in block.column_names if c not in declared]
    if not extra_names:
        return pa.nulls(block.num_rows, pa.string())
    values = block.select(extra_names).to_pylist()
    return pa.array(
        [json.dumps(v, ensure_ascii=False, sort_keys=True) for v in values], pa.string()
    )
