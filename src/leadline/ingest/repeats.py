"""Rows of one batch that repeat a natural key. The first row of a key lands; a later row
identical to it is a warning ("landed once"), a later row with other values is rejected; both
name the two rows (and a reject the columns that differ).

Merging them silently (the lake's merge resolves observations by its version rules) once turned
three rows of deployment ``D1`` (production success, production failure, staging success) into
"3 accepted" and one staging deployment (issue 16). Keeping the first row is the rule the store
sources (risks, budgets...) and the catalog already followed.

Large inputs stay in Arrow: one hash pass finds the repeated keys; only their rows are compared
one by one (each of them yields a problem anyway).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from leadline.ingest.problems import Parsed, Problem
from leadline.ingest.tabular import ROW_COLUMN

_INDEX = "__repeats_index"
Row = dict[str, Any]


def screen_parsed(parsed: Parsed, file: str, key: Sequence[str]) -> None:
    """Screen ``parsed.records`` (an Arrow table or a list of row dicts, each with ``_row``) for
    repeats of ``key``: drop what must not land and add the problems, in place."""
    if not key or parsed.records is None:
        return
    records = parsed.records
    if isinstance(records, pa.Table):
        parsed.records, problems = screen_table(file, records, key)
    elif isinstance(records, list):
        parsed.records, problems = screen_rows(file, records, lambda row: _key_of(row, key), key)
    else:
        raise TypeError(f"records of a keyed source must be rows, not {type(records).__name__}")
    parsed.problems += problems


def screen_table(file: str, table: pa.Table, key: Sequence[str]) -> tuple[pa.Table, list[Problem]]:
    """``table`` without the rows that must not land, and the problems of repeated keys."""
    if table.num_rows < 2 or _distinct(table, key):
        return table, []
    codes = _key_codes(table, key)
    repeated = np.bincount(codes)[codes] > 1
    if not repeated.any():
        return table, []
    positions = np.flatnonzero(repeated)
    rows = table.take(pa.array(positions)).to_pylist()
    for position, row in zip(positions, rows, strict=True):
        row[_INDEX] = int(position)
    _kept, drop, problems = _judge(file, rows, lambda row: _key_of(row, key), key)
    if not drop:
        return table, problems
    keep = np.ones(table.num_rows, dtype=bool)
    keep[[row[_INDEX] for row in drop]] = False
    return table.filter(pa.array(keep)), problems


def _key_codes(table: pa.Table, key: Sequence[str]) -> np.ndarray:
    """One dense integer per row, equal for rows of equal keys: each key column dictionary-
    encoded (a hash pass; nulls are a value), several combined and renumbered."""
    combined: np.ndarray | None = None
    for name in key:
        column = table.column(name)
        values = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
        encoded = pc.dictionary_encode(values, null_encoding="encode")
        codes = np.asarray(encoded.indices.to_numpy(zero_copy_only=False), dtype=np.int64)
        if combined is None:
            combined = codes
        else:
            combined = combined * (int(codes.max()) + 1) + codes
            combined = np.unique(combined, return_inverse=True)[1].reshape(-1)
    assert combined is not None
    return combined


def screen_rows(
    file: str,
    rows: list[Row],
    key_of: Callable[[Row], Hashable],
    key: Sequence[str],
    field: str | None = None,
) -> tuple[list[Row], list[Problem]]:
    """The rows that land (in order) and the problems, for small sources whose rows are Python
    dicts. ``key_of`` may normalise the key (a case-insensitive name; None: the row has no key
    and is never a repeat); ``key`` names its columns in the messages; ``field`` is the column
    the problems name (default the key's first)."""
    kept, _drop, problems = _judge(file, rows, key_of, key, field)
    return kept, problems


def _judge(
    file: str,
    rows: list[Row],
    key_of: Callable[[Row], Hashable],
    key: Sequence[str],
    field: str | None = None,
) -> tuple[list[Row], list[Row], list[Problem]]:
    """(rows kept, rows dropped, problems), the rows given in file order."""
    groups: dict[Hashable, list[Row]] = {}
    for row in rows:
        found = key_of(row)
        if found is not None:
            groups.setdefault(found, []).append(row)
    dropped: set[int] = set()
    problems: list[Problem] = []
    for group in groups.values():
        first = group[0]
        for row in group[1:]:
            dropped.add(id(row))
            problems.append(_repeat(file, first, row, key, field or key[0]))
    problems.sort(key=lambda p: p.row if p.row is not None else -1)
    kept = [row for row in rows if id(row) not in dropped]
    return kept, [row for row in rows if id(row) in dropped], problems


def _values(row: Row) -> dict[str, Any]:
    return {k: v for k, v in row.items() if k not in (ROW_COLUMN, _INDEX)}


def _differing(first: Row, row: Row) -> list[str]:
    """The columns whose values differ between two rows of one key (empty: an exact repeat)."""
    one, other = _values(first), _values(row)
    names = list(one) + [n for n in other if n not in one]
    return [n for n in names if one.get(n) != other.get(n)]


def _key_text(row: Row, key: Sequence[str]) -> str:
    values = [_shown(row.get(k)) for k in key]
    if len(key) == 1:
        return f"{key[0]} {values[0]}"
    return f"({', '.join(key)}) ({', '.join(values)})"


def _shown(value: Any) -> str:
    if value is None:
        return "(empty)"
    return repr(value) if isinstance(value, str) else str(_plain(value))


def _repeat(file: str, first: Row, row: Row, key: Sequence[str], field: str) -> Problem:
    """A later row of a key: a warning when it repeats the first exactly, else a reject; both
    name the two rows."""
    number = first.get(ROW_COLUMN)
    differing = _differing(first, row)
    if not differing:
        reason = f"repeats row {number} exactly ({_key_text(row, key)}); landed once"
        return _problem(file, row, field, reason, "warning")
    reason = (
        f"{_key_text(row, key)} is also in row {number}, with different "
        f"{', '.join(differing)}: rejected (row {number} landed; a file may give each key once)"
    )
    return _problem(file, row, field, reason, "error")


def _problem(file: str, row: Row, field: str, reason: str, severity: Any) -> Problem:
    record = {k: _plain(v) for k, v in _values(row).items()}
    return Problem(
        file, reason, row.get(ROW_COLUMN), field, _plain(row.get(field)), severity, record
    )


def _plain(value: Any) -> Any:
    """Dates and instants as ISO text (as every other problem keeps them)."""
    isoformat = getattr(value, "isoformat", None)
    return isoformat() if callable(isoformat) else value


def _key_of(row: Row, key: Sequence[str]) -> Hashable:
    return tuple(_hashable(row.get(k)) for k in key)


def _hashable(value: Any) -> Hashable:
    if isinstance(value, list):
        return tuple(_hashable(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((k, _hashable(v)) for k, v in value.items()))
    return value  # type: ignore[no-any-return]


def _distinct(table: pa.Table, key: Sequence[str]) -> bool:
    """Whether no two rows share a key, the common case, in one hash pass: a single column's
    distinct values (nulls count as one value), or a group-by over several."""
    if len(key) == 1:
        return bool(len(pc.unique(table.column(key[0]))) == table.num_rows)
    grouped = table.select(list(key)).group_by(list(key), use_threads=False).aggregate([])
    return bool(grouped.num_rows == table.num_rows)
