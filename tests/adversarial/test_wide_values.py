"""Issue 16 item 6: one 8 MB field failed the whole CSV with pyarrow's "straddling object
straddles two block boundaries". The records pyarrow cannot hold are read by the standard
library instead: the over-long one is rejected naming its row and field, the others land."""

from __future__ import annotations

from pathlib import Path

import pytest

from leadline.context import App
from leadline.ingest.problems import InputError
from leadline.ingest.runner import run_ingest
from leadline.ingest.tabular import BLOCK_SIZE, read_csv
from leadline.risk.ingest import RISKS_CSV

HEADER = "risk_id,title,owner,category,likelihood,impact,treatment,identified_on,status\n"


def _risk(key: str, title: str = "Ransomware") -> str:
    return f"{key},{title},alice,security,4,5,mitigate,2026-01-10,open\n"


def test_an_eight_megabyte_field_rejects_only_its_row(app: App, tmp_path: Path) -> None:
    path = tmp_path / "risks.csv"
    huge = '"' + "x" * (8 << 20) + '"'
    path.write_text(HEADER + _risk("R-001") + _risk("R-002", huge) + _risk("R-003"))
    report = run_ingest("risks-csv", [path], settings=app.settings, store=app.store)
    (result,) = report.results
    assert (result.rows_accepted, result.rows_rejected) == (2, 1)
    (problem,) = result.problems
    assert (problem.row, problem.field) == (3, "title")
    assert problem.reason.startswith(f"is longer than {BLOCK_SIZE:,} characters")
    assert problem.value is not None and len(problem.value) < 300


def test_rows_after_many_blocks_keep_their_numbers(tmp_path: Path) -> None:
    """The wide value comes after pyarrow has delivered blocks and skipped a malformed row:
    nothing is read twice, nothing lost, every row keeps its line number (comment = line 1)."""
    path = tmp_path / "risks.csv"
    good = [_risk(f"R-{i:06d}") for i in range(60_000)]  # > one 4 MB block
    huge = _risk("R-BIG", '"' + "y" * (5 << 20) + '"')
    tail = [_risk(f"T-{i}") for i in range(3)]
    path.write_text("# risks\n" + HEADER + "".join(good) + "bad,row\n" + huge + "".join(tail))
    result = read_csv(path, RISKS_CSV)
    ids = result.table.column("risk_id").to_pylist()
    rows = result.table.column("_row").to_pylist()
    assert len(ids) == len(set(ids)) == 60_003
    assert ids[-1] == "T-2" and rows[-1] == 60_000 + 2 + 1 + 1 + 3
    assert rows[:2] == [3, 4]
    assert [(p.row, p.field) for p in result.problems] == [(60_003, None), (60_004, "title")]
    assert result.rows_read == 60_005


def test_a_long_field_does_not_break_numbering_of_malformed_rows(tmp_path: Path) -> None:
    """The malformed-row scan used the csv module's default 128 KB field limit, so a 200 KB
    value anywhere made a malformed row fail the whole file."""
    path = tmp_path / "risks.csv"
    long_title = "z" * 200_000
    path.write_text(HEADER + _risk("R-1", long_title) + "bad,row\n" + _risk("R-2"))
    result = read_csv(path, RISKS_CSV)
    assert result.table.column("risk_id").to_pylist() == ["R-2"]
    assert sorted((p.row, p.field) for p in result.problems) == [(2, "title"), (3, None)]


def test_a_file_of_one_byte_that_is_not_text_says_so(tmp_path: Path) -> None:
    """pyarrow calls it "Empty CSV file or block"; the person reading it needs the byte."""
    path = tmp_path / "risks.csv"
    path.write_bytes(b"\xfc")
    with pytest.raises(InputError) as refused:
        read_csv(path, RISKS_CSV)
    assert "is not valid UTF-8: byte 0xfc at line 1, column 1" in str(refused.value)
