"""The FOCUS ingest's shortcuts give the answers of the plain checks (issue 19 item 7): columns
checked once per distinct value (``focus_columns``), Tags parsed once per distinct text, and
the ``null`` literal scan; every problem keeps its line, field and the line's whole record."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from leadline.context import App
from leadline.finops import focus_checks, focus_columns
from leadline.finops.focus import COLUMNS, LENIENT, focus_format
from leadline.finops.focus_checks import KnownTags, line_warnings, tags_of
from leadline.finops.focus_columns import MIN_ROWS, KnownValues, validate_focus_block
from leadline.finops.ingest import _canonical, _may_hold_null_literal
from leadline.ingest.csv_checks import VERBATIM_COLUMN, validate_block
from leadline.ingest.problems import Problem
from leadline.ingest.tabular import ROW_COLUMN
from tests.finops.support_finops import focus_row, ingest_focus, write_focus

ROWS = MIN_ROWS + 1000
HEADER = [c.focus for c in COLUMNS if c.mandatory]


def _value(column: str, i: int) -> str:
    """Line ``i``'s text of ``column``: costs unique per line, the rest repetitive."""
    fixed = {
        "BillingCurrency": "USD",
        "BillingAccountId": "payer-1",
        "BillingPeriodStart": "2026-03-01T00:00:00Z",
        "BillingPeriodEnd": "2026-04-01T00:00:00Z",
        "ChargePeriodStart": f"2026-03-{1 + i % 28:02d}T00:00:00Z",
        "ChargePeriodEnd": f"2026-03-{1 + i % 28:02d}T01:00:00Z",
        "ChargeCategory": "Usage",
        "PricingCategory": "Standard",
        "PricingQuantity": str(1 + i % 5),
        "ListUnitPrice": "0.096",
        "ServiceCategory": "Compute",
        "ServiceName": ("EC2", "S3", "RDS")[i % 3],
        "ProviderName": "AWS",
        "PublisherName": "AWS",
        "InvoiceIssuerName": "AWS",
        "ResourceId": f"i-{i}",
        "Tags": f'{{"team": "t{i % 7}"}}',
    }
    if column in ("BilledCost", "EffectiveCost", "ListCost", "ContractedCost"):
        return f"{i}.{i % 1000:012d}"
    return fixed.get(column, "")


def _block(changes: dict[tuple[int, str], str]) -> pa.Table:
    columns = {
        name: [changes.get((i, name), _value(name, i)) for i in range(ROWS)] for name in HEADER
    }
    table = pa.table({**columns, ROW_COLUMN: pa.array(range(2, ROWS + 2), pa.int64())})
    return _canonical(table, None)


def _both(block: pa.Table) -> tuple[tuple[pa.Table, list], tuple[pa.Table, list]]:
    fmt = focus_format(HEADER)
    plain = validate_block("f.csv", fmt, block, "UTC", lenient=LENIENT, keep_digits=True)
    return plain, validate_focus_block("f.csv", fmt, block, "UTC", LENIENT)


def test_a_clean_block_types_the_same() -> None:
    (plain, none), (fast, also_none) = _both(_block({}))
    assert none == also_none == []
    assert fast.schema == plain.schema and fast.equals(plain)
    assert fast.column("ServiceName")[4].as_py() == "S3"  # line 4: i = 4, 4 % 3 = 1


def test_problems_in_repetitive_columns_are_found_line_by_line() -> None:
    changes = {
        (10, "ChargeCategory"): "Usge",  # a warning: lands without the value
        (20, "BillingCurrency"): "",  # an error: money without a unit, the line rejected
        (30, "ListUnitPrice"): "0.1234567890123456",  # more places than 12: rounded, kept
        (40, "ServiceName"): "EC\x002",  # a control character: a warning
        (50, "ContractedCost"): "",  # a unique column: a warning
    }
    (plain, expected), (fast, found) = _both(_block(changes))
    assert fast.schema == plain.schema and fast.equals(plain)
    assert found == expected
    assert [(p.row, p.field, p.severity) for p in found] == [
        (52, "ContractedCost", "warning"),  # in the format's column order, as validate_block
        (22, "BillingCurrency", "error"),
        (12, "ChargeCategory", "warning"),
        (42, "ServiceName", "warning"),
    ]
    assert fast.num_rows == ROWS - 1 and 22 not in fast.column(ROW_COLUMN).to_pylist()
    assert found[0].record["ResourceId"] == "i-50" and len(found[0].record) == len(HEADER)
    kept = fast.filter(pa.compute.equal(fast.column(ROW_COLUMN), 32))
    assert kept.column(VERBATIM_COLUMN)[0].as_py() == '{"ListUnitPrice": "0.1234567890123456"}'
    assert str(kept.column("ListUnitPrice")[0].as_py()) == "0.123456789012"


def test_values_known_from_earlier_blocks_still_draw_their_problems() -> None:
    """A file's second block reuses the first's clean values; a new bad value in a column
    known clean is still found, on its line, and a new good one typed."""
    fmt, known = focus_format(HEADER), KnownValues()
    first = _block({})
    validate_focus_block("f.csv", fmt, first, "UTC", LENIENT, known=known)
    second = _block({(7, "ServiceName"): "EC\x002", (8, "ServiceName"): "Lambda"})
    plain = validate_block("f.csv", fmt, second, "UTC", lenient=LENIENT, keep_digits=True)
    fast, found = validate_focus_block("f.csv", fmt, second, "UTC", LENIENT, known=known)
    assert fast.equals(plain[0]) and found == plain[1]
    assert [(p.row, p.field) for p in found] == [(9, "ServiceName")]  # line 9: i = 7
    assert fast.column("ServiceName")[8].as_py() == "Lambda"
    again, none = validate_focus_block("f.csv", fmt, first, "UTC", LENIENT, known=known)
    assert none == [] and again.equals(validate_focus_block("f.csv", fmt, first, "UTC", LENIENT)[0])


def test_tags_are_parsed_once_per_distinct_text_with_the_same_answers() -> None:
    text = pa.array(['{"a": "1"}', None, "[1]", '{"a": "1"}', "{bad", '{"b": "2"}', "[1]"])
    tags, invalid, not_object = tags_of(duckdb.connect(), text)
    assert tags.to_pylist() == [[("a", "1")], None, None, [("a", "1")], None, [("b", "2")], None]
    assert invalid.to_pylist() == [False, False, False, False, True, False, False]
    assert not_object.to_pylist() == [False, False, True, False, False, False, True]


def test_known_tags_give_the_same_answers_block_after_block(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``KnownTags``: a later block's texts already parsed are taken from the file's earlier
    answers (DuckDB is not asked), new ones parsed; every answer as without it."""
    con, known = duckdb.connect(), KnownTags()
    first = pa.array(['{"a": "1"}', None, "[1]", "{bad"])
    later = pa.array(["{bad", '{"c": "3"}', '{"a": "1"}', "[1]", None])  # one new text
    again = pa.array(['{"c": "3"}', "[1]", '{"a": "1"}'])  # all known: no query
    for text in (first, later):
        assert tags_of(con, text, known) == tags_of(con, text)
    asked: list[int] = []
    real = focus_checks._parsed_tags

    def counted(con: duckdb.DuckDBPyConnection, texts: pa.Array) -> focus_checks.Parsed:
        asked.append(len(texts))
        return real(con, texts)

    monkeypatch.setattr(focus_checks, "_parsed_tags", counted)
    tags, invalid, not_object = tags_of(con, again, known)
    assert asked == []
    assert tags.to_pylist() == [[("c", "3")], None, [("a", "1")]]
    assert invalid.to_pylist() == [False, False, False]
    assert not_object.to_pylist() == [False, True, False]


@pytest.mark.parametrize(
    ("values", "same"),
    [
        (["ab", "ab", "ab"], True),
        (["", ""], True),
        (["ab", "ba"], False),
        (["ab", "a", "bab"], False),  # the same bytes in all, split otherwise
        (["aa", "a", "a"], False),
        (["é", "é"], True),
    ],
)
def test_one_value_columns_are_found_by_their_bytes(values: list[str], same: bool) -> None:
    assert focus_columns._all_equal(pa.array(values)) is same
    assert focus_columns._all_equal(pa.array(["x", *values]).slice(1)) is same
    assert focus_columns._all_equal(pa.array(values, pa.large_string())) is same


def test_null_literals_are_found_by_their_bytes() -> None:
    assert _may_hold_null_literal(pa.chunked_array([["USD", "null"]]))
    assert _may_hold_null_literal(pa.chunked_array([["a"], ["NULL"]]))
    assert not _may_hold_null_literal(pa.chunked_array([["SKU1", "nul", "nulls", ""]]))
    block = _canonical(pa.table({"ChargeClass": ["Null", "x"], ROW_COLUMN: [2, 3]}), None)
    assert block.column("ChargeClass").to_pylist() == ["", "x"]


def test_cost_line_files_are_lean(app: App, tmp_path: Path) -> None:
    """``FactTable.lean_parquet``: text min/max statistics and dictionaries of unique numbers
    cost a third of the write; the periods and money keep their statistics, text and tags
    their dictionaries."""
    report = ingest_focus(app, write_focus(tmp_path / "bill.csv", [focus_row()]))
    assert report.totals()["rows_accepted"] == 1
    (path,) = (app.settings.lake_path / "cost_lines").rglob("*.parquet")
    group = pq.ParquetFile(path).metadata.row_group(0)
    columns = {group.column(i).path_in_schema: group.column(i) for i in range(group.num_columns)}
    assert columns["billing_period_start"].statistics is not None
    assert columns["billed_cost"].statistics is not None
    assert columns["service_name"].statistics is None
    assert "RLE_DICTIONARY" in columns["service_name"].encodings
    assert "RLE_DICTIONARY" in columns["tags.key_value.key"].encodings
    assert "RLE_DICTIONARY" not in columns["billed_cost"].encodings


def test_line_warnings_go_to_their_lines() -> None:
    table = pa.table({ROW_COLUMN: pa.array([2, 3, 5, 9], pa.int64())})
    found = [
        Problem("f", "r1", 3, "A", severity="warning"),
        Problem("f", "r2", 3, "B", severity="warning"),
        Problem("f", "rejected line", 4, "C", severity="warning"),
        Problem("f", "an error", 9, "D"),
        Problem("f", "past the block", 10, "E", severity="warning"),
        Problem("f", "w", 9, "F", severity="warning"),
    ]
    assert line_warnings(table, found).to_pylist() == [None, "A: r1; B: r2", None, "F: w"]
