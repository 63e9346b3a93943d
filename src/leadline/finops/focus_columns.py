"""Checking a FOCUS block's columns once per distinct value (``finops.ingest``).

A bill repeats most of its columns' values: a currency, an account, a few services, regions,
units and SKUs, a few hundred tag sets and charge hours over millions of lines. Every check of
``validate_block`` depends on the value alone (its shape, its conversion, its length), so a
column with few distinct values in a block is checked on those values only and its typed
values are taken back per line; the other columns (costs, resource ids) are checked line by
line as before. A low-cardinality column any of whose distinct values draws a problem or a
kept text (``verbatim``) is checked line by line too, so every problem is found exactly as
``validate_block`` finds it, with its line and the line's whole raw record.
"""

from __future__ import annotations

import dataclasses
import json
import threading
from collections.abc import Collection

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from leadline.ingest.csv_checks import VERBATIM_COLUMN, validate_block
from leadline.ingest.csv_format import EXTRA_COLUMN, ROW_COLUMN, CsvFormat
from leadline.ingest.problems import Problem
from leadline.ingest.values import string_layout

# A column is checked per distinct value when a block has at most this share of its lines as
# distinct values (the sample below says whether to count them at all).
DISTINCT_SHARE = 8
SAMPLE = 1024
MIN_ROWS = 4096  # smaller blocks are checked line by line: too little to save


class KnownValues:
    """Per file: the texts of repetitive columns found clean in earlier blocks, with their
    typed values, so a later block whose values are all known skips their checks (the typed
    value of a text depends on the text alone). Shared by the checking threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._columns: dict[str, tuple[pa.Array, pa.Array]] = {}

    def typed(self, column: str, text: pa.Array) -> pa.Array | None:
        """``text``'s typed values when every one is known clean, else None."""
        known = self._columns.get(column)
        if known is None:
            return None
        if len(text) and not text.null_count and _all_equal(text):
            first = text[0]
            at = pc.index(known[0], first).as_py()  # one value (the usual case): no lookups
            if at < 0:
                return None
            value = known[1][at]
            if value.type == text.type and value.equals(first):  # typed text = the text
                return text
            return pa.repeat(value, len(text))
        indices = pc.index_in(text, value_set=known[0])
        if indices.null_count:
            return None
        return known[1].take(indices)

    def add(self, column: str, texts: pa.Array, typed: pa.Array) -> None:
        with self._lock:
            known = self._columns.get(column)
            if known is not None:
                new = pc.invert(pc.is_in(texts, value_set=known[0]))
                texts = pa.concat_arrays([known[0], texts.filter(new)])
                typed = pa.concat_arrays([known[1], typed.filter(new)])
            if len(texts) <= MAX_KNOWN:
                self._columns[column] = (texts, typed)


MAX_KNOWN = 65_536  # distinct texts remembered per column


def _all_equal(text: pa.Array) -> bool:
    """Whether every value of ``text`` (no nulls) equals its first: by the bytes of a plain
    string array (equal lengths, and the values' bytes the first's repeated), a third of the
    time of Arrow's string comparison; else by that comparison."""
    layout = string_layout(text)
    if layout is None:
        return bool(pc.all(pc.equal(text, text[0])).as_py())
    offsets, data = layout
    start, width = int(offsets[0]), int(offsets[1] - offsets[0])
    if not (np.diff(offsets) == width).all():
        return False
    first = data[start : start + width].tobytes()
    return data[start : int(offsets[-1])].tobytes() == first * len(text)


def validate_focus_block(
    name: str,
    fmt: CsvFormat,
    block: pa.Table,
    naive_timezone: str,
    lenient: Collection[str],
    *,
    known: KnownValues | None = None,
) -> tuple[pa.Table, list[Problem]]:
    """``validate_block(..., lenient=lenient, keep_digits=True)``, with the same result, the
    repetitive columns checked once per distinct value (and once per file with ``known``)."""
    if block.num_rows < MIN_ROWS:
        return validate_block(name, fmt, block, naive_timezone, lenient=lenient, keep_digits=True)
    known = known or KnownValues()
    declared = {c.name for c in fmt.columns}
    clean: dict[str, pa.Array] = {}  # typed values per line
    for column in block.column_names:
        if column in declared:
            typed = known.typed(column, block.column(column).combine_chunks())
            if typed is not None:
                clean[column] = typed
    encoded = _repetitive(block, declared - set(clean))
    while encoded:
        checked, dropped = _check_distinct(name, fmt, encoded, naive_timezone, lenient)
        if not dropped:
            for column, values in encoded.items():
                typed = checked.column(column).combine_chunks()[: len(values.dictionary)]
                known.add(column, values.dictionary, typed)
                clean[column] = typed.take(values.indices)
            break
        encoded = {k: v for k, v in encoded.items() if k not in dropped}
    if not clean:
        return validate_block(name, fmt, block, naive_timezone, lenient=lenient, keep_digits=True)
    rest = _only(fmt, [c.name for c in fmt.columns if c.name not in clean])
    out, problems = validate_block(
        name,
        rest,
        block.drop_columns(list(clean)),
        naive_timezone,
        lenient=lenient,
        keep_digits=True,
    )
    positions = _positions(block, out)
    columns = {}
    for column in fmt.columns:
        if column.name in clean:
            values = clean[column.name]
            columns[column.name] = values if positions is None else values.take(positions)
        else:
            columns[column.name] = out.column(column.name)
    whole = pa.table({**columns, **{c: out.column(c) for c in _TRAILING if c in out.column_names}})
    schema = pa.schema(
        [f.with_nullable(True) if f.name in lenient else f for f in fmt.schema]
    ).append(pa.field(VERBATIM_COLUMN, pa.string()))
    if problems:
        problems = _with_whole_records(block, problems)
    return whole.cast(schema), problems


_TRAILING = (EXTRA_COLUMN, ROW_COLUMN, VERBATIM_COLUMN)


def _only(fmt: CsvFormat, names: Collection[str]) -> CsvFormat:
    """``fmt`` with only the columns ``names``."""
    return CsvFormat(fmt.name, fmt.description, tuple(c for c in fmt.columns if c.name in names))


def _repetitive(block: pa.Table, declared: Collection[str]) -> dict[str, pa.DictionaryArray]:
    """The declared columns with few distinct values in ``block``, dictionary-encoded."""
    limit = block.num_rows // DISTINCT_SHARE
    found: dict[str, pa.DictionaryArray] = {}
    for column in block.column_names:
        if column not in declared:
            continue
        text = block.column(column)
        if pc.count_distinct(text.slice(0, SAMPLE)).as_py() > SAMPLE * 3 // 4:  # mostly unique
            continue
        encoded = pc.dictionary_encode(text.combine_chunks())
        if len(encoded.dictionary) <= limit:
            found[column] = encoded
    return found


def _check_distinct(
    name: str,
    fmt: CsvFormat,
    encoded: dict[str, pa.DictionaryArray],
    naive_timezone: str,
    lenient: Collection[str],
) -> tuple[pa.Table, set[str]]:
    """The distinct values checked as one table (each column padded with its first value to
    the longest), and the columns some value of which drew a problem or a kept text."""
    longest = max(len(e.dictionary) for e in encoded.values())
    columns = {column: _padded(e.dictionary, longest) for column, e in encoded.items()}
    rows = pa.array(np.arange(longest, dtype=np.int64))
    table = pa.table({**columns, ROW_COLUMN: rows})
    typed, problems = validate_block(
        name, _only(fmt, encoded), table, naive_timezone, lenient=lenient, keep_digits=True
    )
    dropped = {p.field for p in problems if p.field is not None}
    if problems and not dropped:  # a problem of no column: leave the block to validate_block
        dropped = set(encoded)
    kept = (
        typed.column(VERBATIM_COLUMN).drop_null() if VERBATIM_COLUMN in typed.column_names else []
    )
    for text in kept:
        dropped |= set(json.loads(text.as_py()))
    if typed.num_rows != longest:  # a line was rejected: its column is among the dropped
        dropped |= {p.field for p in problems if p.severity == "error" and p.field}
    return typed, {str(d) for d in dropped}


def _padded(values: pa.Array, length: int) -> pa.Array:
    if len(values) == length:
        return values
    return pa.concat_arrays(
        [values, pa.array([values[0].as_py()] * (length - len(values)), values.type)]
    )


def _positions(block: pa.Table, out: pa.Table) -> pa.Array | None:
    """Where ``out``'s lines are in ``block`` (None: every line, in order)."""
    if out.num_rows == block.num_rows:
        return None
    lines = block.column(ROW_COLUMN).to_numpy()
    kept = out.column(ROW_COLUMN).to_numpy()
    return pa.array(np.searchsorted(lines, kept))


def _with_whole_records(block: pa.Table, problems: list[Problem]) -> list[Problem]:
    """The problems with the line's whole raw record (they were found on fewer columns)."""
    lines = block.column(ROW_COLUMN).to_numpy()
    found = [i for i, p in enumerate(problems) if p.row is not None and p.record is not None]
    if not found:
        return problems
    at = np.searchsorted(lines, np.array([problems[i].row for i in found], dtype=np.int64))
    records = block.drop_columns([ROW_COLUMN]).take(pa.array(at)).to_pylist()
    out = list(problems)
    for i, record in zip(found, records, strict=True):
        out[i] = dataclasses.replace(problems[i], record=record)
    return out


__all__ = ["EXTRA_COLUMN", "validate_focus_block"]
