"""The row checks of a FOCUS block where FOCUS relates columns (``finops.ingest``): an ISO 4217
BillingCurrency (else the line is rejected: its money has no unit), periods that end after they
start and Tags that are a JSON object (else a warning against the line, which lands), and the
per-line ``warnings`` text."""

from __future__ import annotations

import json
import threading
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from leadline.finops.currencies import ISO_4217
from leadline.finops.focus import JSON_COLUMNS, TAG_COLUMNS
from leadline.finops.schemas import TAGS
from leadline.ingest.csv_checks import VERBATIM_COLUMN
from leadline.ingest.problems import Problem, Severity
from leadline.ingest.tabular import ROW_COLUMN


def _row_problems(
    name: str,
    table: pa.Table,
    bad: pa.Array,
    column: str,
    reason: str,
    *,
    severity: Severity = "error",
) -> list[Problem]:
    if not pc.any(bad).as_py():
        return []
    rows = table.filter(bad)
    return [
        Problem(
            name,
            reason,
            r[ROW_COLUMN],
            column,
            _plain(r.get(column)),
            severity,
            {k: _plain(v) for k, v in r.items() if k not in (ROW_COLUMN, VERBATIM_COLUMN)},
        )
        for r in rows.to_pylist()
    ]


def _plain(value: Any) -> Any:
    return (
        value.isoformat()
        if hasattr(value, "isoformat")
        else (
            str(value) if value is not None and not isinstance(value, str | int | float) else value
        )
    )


Parsed = tuple[pa.Array, pa.Array, pa.Array]  # tag maps, not JSON, JSON but not an object


class KnownTags:
    """Per file: the tag texts parsed in earlier blocks, per column, so a block whose distinct
    texts are all known takes their answers instead of asking DuckDB again (half of a block's
    tag checks; the answer depends on the text alone). Shared by the checking threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._columns: dict[str, tuple[pa.Array, Parsed]] = {}

    def parsed(self, con: duckdb.DuckDBPyConnection, column: str, texts: pa.Array) -> Parsed:
        """``_parsed_tags(con, texts)`` (distinct, non-null texts), known answers reused."""
        known = self._columns.get(column)
        if known is not None:
            at = pc.index_in(texts, value_set=known[0])
            if not at.null_count:
                tags, invalid, not_object = known[1]
                return tags.take(at), invalid.take(at), not_object.take(at)
        found = _parsed_tags(con, texts)
        with self._lock:
            known = self._columns.get(column)
            if known is not None:
                new = pc.invert(pc.is_in(texts, value_set=known[0]))
                texts = pa.concat_arrays([known[0], texts.filter(new)])
                merged = tuple(
                    pa.concat_arrays([old, now.filter(new)])
                    for old, now in zip(known[1], found, strict=True)
                )
                answers: Parsed = (merged[0], merged[1], merged[2])
            else:
                answers = found
            if len(texts) <= MAX_KNOWN_TAGS:
                self._columns[column] = (texts, answers)
        return found


MAX_KNOWN_TAGS = 65_536  # distinct tag texts remembered per column


def tags_of(
    con: duckdb.DuckDBPyConnection,
    text: pa.Array,
    known: KnownTags | None = None,
    column: str = "Tags",
) -> Parsed:
    """Tags as a map, a mask of values that are not JSON, and of JSON that is not an object.

    Each distinct text is parsed once: a bill repeats a few hundred tag sets over millions of
    lines, so parsing the distinct values and taking them back per line costs a fraction of
    parsing every line (the answers are the same, line by line); with ``known``, once per
    file."""
    encoded = pc.dictionary_encode(text)
    indices = encoded.indices
    if known is None:
        tags, invalid, not_object = _parsed_tags(con, encoded.dictionary)
    else:
        tags, invalid, not_object = known.parsed(con, column, encoded.dictionary)
    return (
        tags.take(indices),
        pc.fill_null(invalid.take(indices), False),
        pc.fill_null(not_object.take(indices), False),
    )


def _parsed_tags(
    con: duckdb.DuckDBPyConnection, text: pa.Array
) -> tuple[pa.Array, pa.Array, pa.Array]:
    """``tags_of`` for each value of ``text`` (distinct, non-null texts)."""
    con.register("tags_text", pa.table({"t": text}))
    # each JSON function parses the text again: valid JSON whose first non-blank character is
    # "{" is an object, so the text is parsed twice (valid? then to a map), not four times
    out = con.sql(
        "SELECT t IS NOT NULL AND NOT ok AS invalid, ok AND NOT object AS not_object, "
        "CASE WHEN ok AND object THEN CAST(t::JSON AS MAP(VARCHAR, VARCHAR)) END AS tags "
        "FROM (SELECT t, coalesce(json_valid(t), false) AS ok, "
        "coalesce(ltrim(t, ' \t\n\r') LIKE '{%', false) AS object FROM tags_text)"
    ).to_arrow_table()
    con.unregister("tags_text")
    invalid = out.column("invalid").combine_chunks()
    not_object = out.column("not_object").combine_chunks()
    return out.column("tags").combine_chunks().cast(TAGS), invalid, not_object


def check_rows(
    name: str,
    table: pa.Table,
    con: duckdb.DuckDBPyConnection,
    known: KnownTags | None = None,
) -> tuple[pa.Table, list[Problem], dict[str, pa.Array]]:
    """Cross-column rules; returns the rows that land, the problems and the rows' tag maps
    (per lake column: ``tags``, ``allocated_tags``).

    A BillingCurrency that is not ISO 4217 rejects the line (its money's unit is unknown); a
    period that ends before it starts, Tags or AllocatedTags that are not a JSON object and
    ContractApplied or AllocatedMethodDetails that are not JSON are warnings (the tags then
    null, their text kept in ``verbatim``; the JSON columns keep their text)."""
    problems: list[Problem] = []
    currency = table.column("BillingCurrency")
    unknown = pc.invert(pc.is_in(currency, value_set=pa.array(sorted(ISO_4217))))
    problems += _row_problems(
        name, table, unknown, "BillingCurrency", "must be an ISO 4217 currency code (e.g. USD)"
    )
    for start, end in (
        ("BillingPeriodStart", "BillingPeriodEnd"),
        ("ChargePeriodStart", "ChargePeriodEnd"),
    ):
        wrong = pc.fill_null(pc.less(table.column(end), table.column(start)), False)
        problems += _row_problems(name, table, wrong, end, f"is before {start}", severity="warning")
    maps: dict[str, pa.Array] = {}
    for column, lake in TAG_COLUMNS.items():
        text = table.column(column).combine_chunks()
        if text.null_count == len(text):  # absent or empty: nothing to read
            maps[lake] = pa.nulls(len(text), TAGS)
            continue
        maps[lake], invalid, not_object = tags_of(con, text, known, column)
        for mask, reason in (
            (invalid, "must be valid JSON"),
            (not_object, "must be a JSON object"),
        ):
            problems += _row_problems(name, table, mask, column, reason, severity="warning")
        bad_tags = pc.or_(invalid, not_object)
        if pc.any(bad_tags).as_py():
            table = _keep_text(table, bad_tags, column, text)
    for column in JSON_COLUMNS:
        text = table.column(column).combine_chunks()
        if text.null_count < len(text):
            invalid = _not_json(con, text)
            problems += _row_problems(
                name, table, invalid, column, "must be valid JSON", severity="warning"
            )
    if not pc.any(unknown).as_py():  # the usual block: nothing to drop, nothing to copy
        return table, problems, maps
    ok = pc.invert(unknown)
    return table.filter(ok), problems, {k: v.filter(ok) for k, v in maps.items()}


def _not_json(con: duckdb.DuckDBPyConnection, text: pa.Array) -> pa.Array:
    con.register("json_text", pa.table({"t": text}))
    out = con.sql("SELECT t IS NOT NULL AND NOT json_valid(t) AS bad FROM json_text")
    bad = out.to_arrow_table().column("bad").combine_chunks()
    con.unregister("json_text")
    return bad


def _keep_text(table: pa.Table, mask: pa.Array, column: str, text: pa.Array) -> pa.Table:
    """``column``'s text added to ``verbatim`` for the rows of ``mask``."""
    kept = table.column(VERBATIM_COLUMN).to_pylist()
    for index in np.flatnonzero(mask.to_numpy(zero_copy_only=False)):
        i = int(index)
        values = json.loads(kept[i]) if kept[i] else {}
        values[column] = text[i].as_py()
        kept[i] = json.dumps(values, ensure_ascii=False, sort_keys=True)
    position = table.column_names.index(VERBATIM_COLUMN)
    return table.set_column(position, VERBATIM_COLUMN, pa.array(kept, pa.string()))


def line_warnings(table: pa.Table, problems: list[Problem]) -> pa.Array:
    """Per row, the warnings recorded against it (``Column: reason; ...``), else null."""
    by_row: dict[int, list[str]] = {}
    for p in problems:
        if p.severity == "warning" and p.row is not None:
            by_row.setdefault(p.row, []).append(f"{p.field}: {p.reason}")
    if not by_row:
        return pa.nulls(table.num_rows, pa.string())
    # the lines are in file order: find the warned ones, not a Python object per line
    rows = table.column(ROW_COLUMN).to_numpy()
    warned = np.array(sorted(by_row), dtype=np.int64)
    at = np.searchsorted(rows, warned)
    found = at < len(rows)
    found[found] = rows[at[found]] == warned[found]
    texts = np.full(len(rows), None, dtype=object)
    texts[at[found]] = ["; ".join(by_row[int(r)]) for r in warned[found]]
    return pa.array(texts, pa.string())
