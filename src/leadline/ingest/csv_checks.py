"""Checking one all-text block of CSV rows against its format, column by column, in Arrow.

A row with any bad value is rejected whole, with a Problem naming file, row, field, value and
reason, and its raw record; columns the format does not declare are kept as JSON in ``extra``.

Sources that must not lose rows (FOCUS bills) name ``lenient`` columns, whose bad values are
warnings instead (the value null, the row kept), and ask to ``keep_digits``: a decimal with
more places than the column's scale lands rounded half-to-even to the scale. Either way the
file's text of every value the typed column does not hold exactly is kept, as a JSON object
per row, in ``VERBATIM_COLUMN``.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from decimal import ROUND_HALF_EVEN, Context, Decimal, InvalidOperation, localcontext
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
    max_chars,
    range_reason,
    shape_reason,
    string_layout,
    too_long_mask,
    typed,
    valid_mask,
)

__all__ = ["VERBATIM_COLUMN", "validate_block"]

VERBATIM_COLUMN = "_verbatim"


def validate_block(
    name: str,
    fmt: CsvFormat,
    block: pa.Table,
    naive_timezone: str,
    *,
    lenient: Collection[str] = (),
    keep_digits: bool = False,
) -> tuple[pa.Table, list[Problem]]:
    """Typed valid rows of one all-text block, and a Problem per bad value (a warning for the
    ``lenient`` columns). With ``lenient`` or ``keep_digits`` the result also has
    ``VERBATIM_COLUMN``: per row, a JSON object of the texts its typed values do not hold."""
    ok = pa.array(np.ones(block.num_rows, dtype=bool))
    columns: dict[str, pa.Array] = {}
    problems: list[Problem] = []
    verbatim: dict[int, dict[str, str]] = {}
    rows = block.column(ROW_COLUMN).combine_chunks()
    present = set(block.column_names)  # a new list per call: once, not once per column
    for column in fmt.columns:
        if column.name not in present:
            columns[column.name] = pa.nulls(block.num_rows, column.arrow_type)
            continue
        text = _trimmed(block.column(column.name).combine_chunks())
        length = pc.utf8_length(text)
        blank = pc.equal(length, 0)
        missing = blank if column.required else _none(len(text))
        columns[column.name], malformed, unconvertible = _converted(
            column, text, blank, naive_timezone, keep_digits=keep_digits, verbatim=verbatim
        )
        limit = max_chars(column)
        longest = pc.max(length).as_py() if limit is not None else None
        too_long = too_long_mask(column, text) if longest is not None and longest > limit else None
        if too_long is not None and pc.any(too_long).as_py():
            # a long value is rejected as too long, not also as malformed
            malformed = pc.and_(malformed, pc.invert(too_long))
        else:
            too_long = _none(len(text))
        warn = column.name in lenient
        if warn and pc.any(too_long).as_py():  # the value is kept, as text, in VERBATIM_COLUMN
            columns[column.name] = pc.if_else(
                too_long, pa.scalar(None, column.arrow_type), columns[column.name]
            )
        for mask, reason in (
            (too_long, length_reason(column)),
            (missing, "is required"),
            (malformed, shape_reason(column)),
            (unconvertible, range_reason(column)),
        ):
            if not pc.any(mask).as_py():
                continue
            if not warn:
                ok = pc.and_(ok, pc.invert(mask))
            for index in np.flatnonzero(mask.to_numpy(zero_copy_only=False)):
                i = int(index)
                value = text[i].as_py()
                if warn and value:
                    verbatim.setdefault(i, {})[column.name] = value
                problems.append(
                    Problem(
                        name,
                        f"{reason} (the line landed without this value)" if warn else reason,
                        rows[i].as_py(),
                        column.name,
                        _shown(value),
                        "warning" if warn else "error",
                        _raw_record(block, i),
                    )
                )
    out = pa.table({**columns, EXTRA_COLUMN: _extra_json(fmt, block), ROW_COLUMN: rows})
    schema = fmt.schema
    if lenient or keep_digits:
        out = out.append_column(VERBATIM_COLUMN, _verbatim_json(verbatim, block.num_rows))
        schema = pa.schema(
            [f.with_nullable(True) if f.name in lenient else f for f in schema]
        ).append(pa.field(VERBATIM_COLUMN, pa.string()))
    if ok.null_count == 0 and pc.all(ok).as_py():  # no row rejected: no copy of every column
        return out.cast(schema), problems
    return out.filter(ok).cast(schema), problems


# Enough significant digits for any decimal the lake types (38) and then some, so rounding a
# value to the column's scale never loses digits to the default context's 28.
_WIDE = Context(prec=80)


def _converted(
    column: Column,
    text: pa.Array,
    blank: pa.Array,
    naive_timezone: str,
    *,
    keep_digits: bool,
    verbatim: dict[int, dict[str, str]],
) -> tuple[pa.Array, pa.Array, pa.Array]:
    """A column's typed values, and the masks of malformed and unconvertible values."""
    if column.type == "string" and not column.choices:
        # plain text: malformed only when it holds a control character (one byte scan)
        malformed = pc.and_(pc.invert(blank), pc.invert(valid_mask(column, text)))
        values = pc.if_else(pc.or_(blank, malformed), _NULL_TEXT, text)
        return values, malformed, _none(len(text))
    # with keep_digits, decimals with more places than the scale (or an exponent) are set
    # aside and rounded one by one; the others still convert in one cast
    digits = _more_places(column, text) if keep_digits else None
    castable = text if digits is None else pc.if_else(digits, _NULL_TEXT, text)
    converted = _numbers_at_once(column, pc.if_else(blank, _NULL_TEXT, castable))
    if converted is not None:  # every number converted: none is malformed
        values, malformed, unconvertible = converted, _none(len(text)), _none(len(text))
    else:
        malformed = pc.and_(pc.invert(blank), pc.invert(valid_mask(column, text)))
        usable = pc.if_else(pc.or_(blank, malformed), _NULL_TEXT, castable)
        values, unconvertible = convert(column, usable, naive_timezone)
    if digits is not None:
        digits = pc.and_(digits, pc.invert(malformed))
        values, too_large = _rounded(column, text, values, digits, verbatim)
        unconvertible = pc.or_(unconvertible, too_large)
    return values, malformed, unconvertible


# Bytes that may begin or end a value with whitespace to trim: ASCII whitespace, and any byte
# of a multi-byte character (Unicode spaces such as U+00A0 are multi-byte in UTF-8).
_EDGE_BYTES = np.zeros(256, dtype=bool)
# 0x1C-0x1F (file, group, record and unit separators) are whitespace to Arrow's trim as well.
_EDGE_BYTES[[0x09, 0x0A, 0x0B, 0x0C, 0x0D, *range(0x1C, 0x21), *range(0x80, 0x100)]] = True


def _trimmed(text: pa.Array) -> pa.Array:
    """Values without surrounding whitespace; the copy is skipped when no value's first or
    last byte can be whitespace (the common case)."""
    layout = string_layout(text)
    if layout is None or text.null_count or len(text) == 0:
        return pc.utf8_trim_whitespace(text)
    offsets, data = layout
    starts, ends = offsets[:-1], offsets[1:]
    filled = starts < ends
    if not filled.any():
        return text
    edges = np.concatenate([data[starts[filled]], data[ends[filled] - 1]])
    return pc.utf8_trim_whitespace(text) if _EDGE_BYTES[edges].any() else text


def _more_places(column: Column, text: pa.Array) -> pa.Array | None:
    """For a decimal column, the mask of values with more decimal places than its scale or
    with an exponent (None when there are none, the common case). Found on the bytes: the
    characters after each value's "." up to its end, and any "e" or "E"."""
    if column.type != "decimal":
        return None
    layout = string_layout(text)
    if layout is None:
        pattern = rf"\.\d{{{column.decimal_scale + 1},}}|[eE]"
        mask = pc.fill_null(pc.match_substring_regex(text, pattern), False)
        return mask if pc.any(mask).as_py() else None
    offsets, whole = layout
    if offsets[-1] == offsets[0]:
        return None
    data = whole[offsets[0] : offsets[-1]]
    ends = offsets[1:] - offsets[0]
    dots = np.flatnonzero(data == ord("."))
    owner = np.searchsorted(ends, dots, side="right")  # the value each "." belongs to
    long = owner[ends[owner] - dots - 1 > column.decimal_scale]
    exponents = np.flatnonzero((data == ord("e")) | (data == ord("E")))
    marked = np.concatenate([long, np.searchsorted(ends, exponents, side="right")])
    if len(marked) == 0:
        return None
    mask = np.zeros(len(text), dtype=bool)
    mask[marked] = True
    return pa.array(mask)


def _rounded(
    column: Column,
    text: pa.Array,
    values: pa.Array,
    digits: pa.Array,
    verbatim: dict[int, dict[str, str]],
) -> tuple[pa.Array, pa.Array]:
    """``values`` with the ``digits`` rows' texts rounded half-to-even to the scale (their
    text kept in ``verbatim`` when the rounding changed them), and the mask of those that do
    not fit at all (too many digits before the point)."""
    quantum = Decimal(1).scaleb(-column.decimal_scale)
    limit = Decimal(10) ** (38 - column.decimal_scale)
    good = np.zeros(len(text), dtype=bool)
    still = np.zeros(len(text), dtype=bool)
    rounded: list[Decimal] = []
    for index in np.flatnonzero(digits.to_numpy(zero_copy_only=False)):
        i = int(index)
        value = text[i].as_py()
        try:
            with localcontext(_WIDE):
                exact = Decimal(value)
                number = exact.quantize(quantum, rounding=ROUND_HALF_EVEN)
        except (InvalidOperation, TypeError):
            still[i] = True
            continue
        if abs(number) >= limit:
            still[i] = True
            continue
        good[i] = True
        rounded.append(number)
        if number != exact:
            verbatim.setdefault(i, {})[column.name] = value
    if rounded:
        replacements = pa.array(rounded, column.arrow_type)
        values = pc.replace_with_mask(values, pa.array(good), replacements)
    return values, pa.array(still)


def _verbatim_json(verbatim: dict[int, dict[str, str]], rows: int) -> pa.Array:
    if not verbatim:
        return pa.nulls(rows, pa.string())
    texts: list[str | None] = [None] * rows
    for i, values in verbatim.items():
        texts[i] = json.dumps(values, ensure_ascii=False, sort_keys=True)
    return pa.array(texts, pa.string())


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
