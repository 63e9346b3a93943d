"""Column declarations and the vectorised checks and conversions of text values.

Every value arrives as text. A value is *malformed* when it does not have the declared shape
(pattern, allowed values, JSON), and *unconvertible* when it has the shape but not a meaning
(2026-02-30, an integer beyond 64 bits, more decimal places than the column keeps); each gets its
own reason. Whole columns convert at once; only a failing column is bisected to find the values.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from leadline.ingest.limits import current_limits
from leadline.ingest.nesting import too_deep

ColumnType = Literal["string", "int", "float", "decimal", "timestamp", "date", "bool", "json"]
_PATTERNS = {
    "int": r"^\s*[+-]?\d+\s*$",
    # no inf or nan: one non-finite count made every report that sums it fail (issue 16)
    "float": r"^\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*$",
    "decimal": r"^\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*$",
    "date": r"^\d{4}-\d{2}-\d{2}$",
    "timestamp": r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?)?"
    r"(Z|[+-]\d{2}:?\d{2})?$",
}
_OFFSET = r"(Z|[+-]\d{2}:?\d{2})$"
# C0 controls but tab and line breaks, and DEL: a NUL in an id is accepted by every store
# and shown by no terminal, so two ids that look alike differ (issue 16). Shared by all sources.
CONTROL_CHARACTERS = "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]"
_TRUE = ("true", "t", "yes", "y", "1")
_FALSE = ("false", "f", "no", "n", "0")


@dataclass(frozen=True)
class Column:
    """One declared column: its type, whether it is required, allowed values, documentation."""

    name: str
    type: ColumnType = "string"
    required: bool = True
    description: str = ""
    choices: tuple[str, ...] = ()
    example: str = ""
    decimal_scale: int = 6

    @property
    def arrow_type(self) -> pa.DataType:
        return {
            "string": pa.string(),
            "int": pa.int64(),
            "float": pa.float64(),
            "decimal": pa.decimal128(38, self.decimal_scale),
            "timestamp": pa.timestamp("us", tz="UTC"),
            "date": pa.date32(),
            "bool": pa.bool_(),
            "json": pa.string(),
        }[self.type]


def valid_mask(column: Column, text: pa.Array) -> pa.Array:
    if column.choices:
        return pc.is_in(
            pc.utf8_lower(text), value_set=pa.array([c.lower() for c in column.choices])
        )
    if column.type in _PATTERNS:
        return pc.match_substring_regex(text, _PATTERNS[column.type], ignore_case=True)
    if column.type == "bool":
        return pc.is_in(pc.utf8_lower(text), value_set=pa.array(_TRUE + _FALSE))
    if column.type == "json":
        return pa.array([_is_json(v) for v in text.to_pylist()], pa.bool_())
    if not _may_hold_control(text):  # the common case: one byte scan, no regex
        return pa.array(np.ones(len(text), dtype=bool))
    return pc.invert(pc.match_substring_regex(text, CONTROL_CHARACTERS))


# The bytes of CONTROL_CHARACTERS. In UTF-8 a byte below 0x80 is always a whole character, so
# a column whose bytes include none of these holds no control character.
_CONTROL_BYTES = np.zeros(256, dtype=bool)
_CONTROL_BYTES[[*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F]] = True


def _may_hold_control(text: pa.Array) -> bool:
    """Whether a string array's bytes include a control character's (``_CONTROL_BYTES``); True
    when its layout is not the plain one (then the caller checks value by value)."""
    data = string_bytes(text)
    if data is None:
        return True
    if len(data) == 0:
        return False
    if data.min() >= 0x20:  # one reduction, no copy: then only DEL can be there
        return bool((data == 0x7F).any())
    return bool(_CONTROL_BYTES[data].any())


def _may_start_with_plus(text: pa.Array) -> bool:
    """Whether some value may begin with "+" (checked on first bytes, not by a regex)."""
    layout = string_layout(text)
    if layout is None or len(text) == 0:
        return True
    offsets, data = layout
    starts, ends = offsets[:-1], offsets[1:]
    return bool((data[starts[starts < ends]] == ord("+")).any())


_OFFSET_WIDTHS: dict[pa.DataType, type[np.signedinteger[Any]]] = {
    pa.string(): np.int32,
    pa.large_string(): np.int64,
}


def string_layout(text: pa.Array) -> tuple[np.ndarray, np.ndarray] | None:
    """(offsets, data) of a plain string array, without a copy: value ``i`` is the UTF-8 bytes
    ``data[offsets[i]:offsets[i + 1]]`` (nulls are empty); None for any other layout (chunked,
    dictionary, not text), where callers check value by value. The byte scans that spare the
    ingest a regex or a copy per value all read their columns through it."""
    width = _OFFSET_WIDTHS.get(text.type)
    if width is None:
        return None
    if len(text) == 0:
        return np.zeros(1, dtype=width), np.zeros(0, dtype=np.uint8)
    offsets_buffer, data_buffer = text.buffers()[1], text.buffers()[2]
    offsets = np.frombuffer(offsets_buffer, dtype=width)[text.offset : text.offset + len(text) + 1]
    if data_buffer is None:  # every value empty or null
        return offsets, np.zeros(0, dtype=np.uint8)
    return offsets, np.frombuffer(data_buffer, dtype=np.uint8)


def string_bytes(text: pa.Array) -> np.ndarray | None:
    """The UTF-8 bytes of a string array's values, or None when it is not a plain string array
    (a chunked or dictionary one)."""
    layout = string_layout(text)
    if layout is None:
        return None
    offsets, data = layout
    return data[offsets[0] : offsets[-1]]


def is_id_column(column: Column) -> bool:
    """Ids are named ``id`` or end in ``_id``; they get the shorter length limit."""
    return column.name == "id" or column.name.endswith("_id")


def max_chars(column: Column) -> int | None:
    """The longest value ``column`` takes, in characters, or None (numbers, dates, choices)."""
    if column.type not in ("string", "json") or column.choices:
        return None
    limits = current_limits()
    return limits.max_id_chars if is_id_column(column) else limits.max_text_chars


def too_long_mask(column: Column, text: pa.Array) -> pa.Array | None:
    """Values longer than the column's limit (issue 16: a 1 MB owner was accepted), or None."""
    limit = max_chars(column)
    if limit is None:
        return None
    return pc.fill_null(pc.greater(pc.utf8_length(text), limit), False)


def length_reason(column: Column) -> str:
    return f"is longer than {max_chars(column)} characters"


def control_character_reason(value: str) -> str | None:
    """Why ``value`` (an id or a name from any source) is refused, or None: it holds a control
    character. Sources that read JSON or YAML call this for their ids; CSV columns get it from
    ``valid_mask``."""
    found = re.search(CONTROL_CHARACTERS, value)
    if found is None:
        return None
    return f"must not contain control characters (found U+{ord(found.group()):04X})"


# A value can look right and still not convert: 2026-02-30, an int beyond 64 bits, a decimal
# with more places than the column keeps. ArrowInvalid is a ValueError.
CONVERSION_ERRORS = (ValueError, ArithmeticError)


def convert(column: Column, text: pa.Array, naive_timezone: str) -> tuple[pa.Array, pa.Array]:
    """Typed values, and a mask of the values that match the pattern but cannot be converted
    (those become null). The whole column converts at once unless something fails."""
    try:
        values = typed(column, text, naive_timezone)
    except CONVERSION_ERRORS:
        mask = np.zeros(len(text), dtype=bool)
        mask[_failing(column, text, naive_timezone)] = True
        bad = pa.array(mask)
        usable = pc.if_else(bad, pa.scalar(None, pa.string()), text)
        return typed(column, usable, naive_timezone), bad
    if column.type == "float":  # 1e309 has the shape of a number but overflows to inf
        overflow = pc.fill_null(pc.invert(pc.is_finite(values)), False)
        if pc.any(overflow).as_py():
            return pc.if_else(overflow, pa.scalar(None, pa.float64()), values), overflow
    return values, pa.array(np.zeros(len(text), dtype=bool))


def _failing(column: Column, text: pa.Array, naive_timezone: str, base: int = 0) -> list[int]:
    """Positions of the values that cannot be converted, found by bisection."""
    try:
        typed(column, text, naive_timezone)
    except CONVERSION_ERRORS:
        if len(text) == 1:
            return [base]
        mid = len(text) // 2
        return _failing(column, text.slice(0, mid), naive_timezone, base) + _failing(
            column, text.slice(mid), naive_timezone, base + mid
        )
    return []


def _is_json(value: str) -> bool:
    """Valid JSON within the nesting limit: deeper text would make json.loads recurse past the
    stack and fail the whole file instead of this one row."""
    if value == "":
        return True
    if too_deep(value, current_limits().max_nesting_depth):
        return False
    try:
        json.loads(value)
    except ValueError:
        return False
    return True


def typed(column: Column, text: pa.Array, naive_timezone: str) -> pa.Array:
    if column.choices:
        positions = pc.index_in(
            pc.utf8_lower(text), value_set=pa.array([c.lower() for c in column.choices])
        )
        return pc.take(pa.array(column.choices, pa.string()), positions)

    if column.type == "timestamp":
        return timestamps(_normal_timestamps(text), naive_timezone)
    if column.type == "bool":
        truth = pc.is_in(pc.utf8_lower(text), value_set=pa.array(_TRUE))
        return pc.if_else(pc.is_null(text), pa.scalar(None, pa.bool_()), truth)
    if column.type == "decimal":
        # pyarrow's cast wraps, silently, a whole number with more digits than the type keeps
        # before the point (12345678901234567890123456789 became 95513692080783205441970921.45…)
        whole = rf"^\s*[+-]?0*[1-9]\d{{{38 - column.decimal_scale},}}"
        # the pattern needs more characters than the digits it counts: most columns are
        # shorter than that, and the length is far cheaper to find than the regex
        longest = pc.max(pc.utf8_length(text)).as_py() or 0
        if (
            longest > 38 - column.decimal_scale
            and pc.any(pc.match_substring_regex(text, whole)).as_py()
        ):
            raise ValueError("more digits before the point than the column keeps")
    if column.type in ("int", "float", "decimal"):  # pyarrow does not parse a leading "+"
        if _may_start_with_plus(text):
            text = pc.replace_substring_regex(text, r"^\+", "")
        return pc.cast(text, column.arrow_type)
    if column.type == "date":
        return pc.cast(text, column.arrow_type)
    return text


def _normal_timestamps(text: pa.Array) -> pa.Array:
    """Upper-case ``t`` and ``z`` (the pattern ignores case) and keep at most microseconds."""
    upper = pc.utf8_upper(text)
    return pc.replace_substring_regex(upper, r"(\.\d{6})\d+", r"\1")


def timestamps(text: pa.Array, naive_timezone: str) -> pa.Array:
    """Offsets are honoured; values without one are read in ``naive_timezone``; a bare date is
    midnight. A local time repeated when clocks go back takes the first (earlier) offset; one
    skipped when clocks go forward takes the offset before the change (as Python's
    ``fold=0``), so 02:30 in a 02:00 -> 03:00 gap is 03:30 of the new offset."""
    has_offset = pc.fill_null(pc.match_substring_regex(text, _OFFSET), False)
    normal = pc.replace_substring_regex(text, r"^(\d{4}-\d{2}-\d{2}) ", r"\1T")
    aware = pc.cast(pc.if_else(has_offset, normal, None), pa.timestamp("us", tz="UTC"))
    naive = pc.cast(pc.if_else(has_offset, None, normal), pa.timestamp("us"))
    # "earliest" maps a skipped time to the last instant before the gap; the offset in force
    # at that instant is the one before the change, and naive - offset is then exact for every
    # value (for the others it gives back the same instant).
    first = pc.assume_timezone(naive, naive_timezone, ambiguous="earliest", nonexistent="earliest")
    offset = pc.subtract(pc.local_timestamp(first), pc.cast(first, pa.timestamp("us")))
    local = pc.cast(pc.subtract(naive, offset), pa.timestamp("us"))
    utc = pc.assume_timezone(local, "UTC")
    return pc.if_else(has_offset, aware, pc.cast(utc, pa.timestamp("us", tz="UTC")))


def expected(column: Column) -> str:
    if column.choices:
        return "one of " + ", ".join(column.choices)
    return {
        "int": "a whole number",
        "float": "a number",
        "decimal": "a decimal number",
        "date": "a date (YYYY-MM-DD)",
        "timestamp": "an ISO-8601 timestamp (e.g. 2026-03-01T12:00:00Z)",
        "bool": "true or false",
        "json": "valid JSON",
    }.get(column.type, "text without control characters")


def shape_reason(column: Column) -> str:
    return f"must be {expected(column)}"


def range_reason(column: Column) -> str:
    """Why a value of the right shape could not be converted."""
    if column.type == "int":
        return "must be a whole number between -9223372036854775808 and 9223372036854775807"
    if column.type == "decimal":
        digits = 38 - column.decimal_scale
        return (
            f"must be a decimal number with at most {column.decimal_scale} decimal places "
            f"and {digits} digits before the point"
        )
    if column.type == "float":
        return "must be a finite number (not inf, nan or beyond about 1.8e308)"
    if column.type == "date":
        return "must be a real calendar date (YYYY-MM-DD)"
    if column.type == "timestamp":
        return "must be a real date and time (e.g. 2026-03-01T12:00:00Z)"
    return shape_reason(column)
