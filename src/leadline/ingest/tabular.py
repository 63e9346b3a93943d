"""CSV inputs: declared columns, streamed reading, vectorised validation, precise rejects.

A format declares its columns (type, required, allowed values, documentation). Files are read by
pyarrow in blocks, every value arrives as text and is checked column by column; a row with any
bad value is rejected whole, with a Problem naming file, row (the line number when no quoted
value spans lines; the header is row 1), field, value and reason, and its raw record. Columns the
format does not declare are kept as a JSON object in ``extra``. Leading ``#`` lines are comments.
"""

from __future__ import annotations

import codecs
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from leadline.ingest.csv_checks import validate_block
from leadline.ingest.csv_format import EXTRA_COLUMN, ROW_COLUMN, CsvFormat
from leadline.ingest.problems import InputError, Parsed, Problem
from leadline.ingest.values import Column, ColumnType
from leadline.ingest.wide_rows import WideReader, is_straddling, malformed_records

__all__ = [
    "EXTRA_COLUMN",
    "ROW_COLUMN",
    "Column",
    "ColumnType",
    "CsvFormat",
    "CsvResult",
    "read_checked",
    "read_csv",
    "read_screened",
    "validate_block",
]
BLOCK_SIZE = 4 << 20
PROBE_BLOCK = 64 << 10  # bytes read to find a CSV's header names (``_BlockReader._header``)
_BOM = codecs.BOM_UTF8


@dataclass
class CsvResult:
    """Valid rows (typed, with ``extra`` and ``_row``), the problems, and rows read."""

    table: pa.Table
    problems: list[Problem] = field(default_factory=list)
    rows_read: int = 0


def _comment_lines(path: Path) -> tuple[int, int]:
    """(number of leading ``#`` lines, byte offset where the header starts)."""
    count = offset = 0
    with path.open("rb") as handle:
        for raw in handle:
            line = raw.removeprefix(_BOM) if count == 0 else raw
            if not line.lstrip().startswith(b"#"):
                break
            count += 1
            offset += len(raw)
    return count, offset


def _skip_silently(_row: Any) -> str:
    return "skip"


def read_csv(
    path: Path,
    fmt: CsvFormat,
    *,
    naive_timezone: str = "UTC",
    progress: Callable[[int], None] = lambda _n: None,
) -> CsvResult:
    """Read and validate a whole CSV file block by block (memory bounded by the block size)."""
    name = str(path)
    batches: list[pa.Table] = []
    result = CsvResult(fmt.schema.empty_table())
    reader = _BlockReader(path, fmt)
    for block in reader.blocks():
        result.rows_read += block.num_rows
        table, problems = validate_block(name, fmt, block, naive_timezone)
        batches.append(table)
        result.problems += problems
        progress(reader.consumed_bytes())
    result.problems += reader.problems
    result.rows_read += len(reader.problems)
    if batches:
        result.table = pa.concat_tables(batches)
    return result


RowCheck = Callable[[str, dict[str, Any]], "Problem | Iterable[Problem] | None"]


def read_checked(
    path: Path,
    fmt: CsvFormat,
    check: RowCheck,
    *,
    naive_timezone: str = "UTC",
    progress: Callable[[int], None] = lambda _n: None,
) -> Parsed:
    """A CSV's valid rows that also pass ``check``, a rule across columns (given the file name
    and the row): its errors reject the row, its warnings keep it."""
    result = read_csv(path, fmt, naive_timezone=naive_timezone, progress=progress)
    records, problems = [], list(result.problems)
    for row in result.table.to_pylist():
        if _passes(check, str(path), row, problems):
            records.append(row)
    return Parsed(rows_read=result.rows_read, records=records, problems=problems)


def read_screened(
    path: Path,
    fmt: CsvFormat,
    check: RowCheck,
    screen: Callable[[pa.Table], pa.Array],
    *,
    naive_timezone: str = "UTC",
    progress: Callable[[int], None] = lambda _n: None,
) -> Parsed:
    """``read_checked`` for files too large to become Python rows: ``screen``, a vectorised
    test, marks the rows ``check`` could object to (true or null); only those are checked one by
    one, the others pass unseen. ``records`` is the Arrow table of the rows kept, and the
    problems are the ones ``read_checked`` would report, in the same order."""
    result = read_csv(path, fmt, naive_timezone=naive_timezone, progress=progress)
    table, problems = result.table, list(result.problems)
    flagged = pc.fill_null(screen(table), True).to_numpy(zero_copy_only=False)
    suspects = np.flatnonzero(flagged)
    rejected = [
        int(index)
        for index, row in zip(suspects, table.take(suspects).to_pylist(), strict=True)
        if not _passes(check, str(path), row, problems)
    ]
    if rejected:
        keep = np.ones(table.num_rows, dtype=bool)
        keep[rejected] = False
        table = table.filter(pa.array(keep))
    return Parsed(rows_read=result.rows_read, records=table, problems=problems)


def _passes(check: RowCheck, file: str, row: dict[str, Any], problems: list[Problem]) -> bool:
    """Add what ``check`` finds in ``row`` to ``problems``; False if the row is rejected."""
    found = check(file, row)
    found = [] if found is None else [found] if isinstance(found, Problem) else list(found)
    problems += found
    return not any(p.severity == "error" for p in found)


class _BlockReader:
    """Streams a CSV as all-text blocks with each row's original row number attached."""

    def __init__(self, path: Path, fmt: CsvFormat, block_size: int | None = None) -> None:
        self.path, self.fmt = path, fmt
        self.block_size = block_size or BLOCK_SIZE  # bytes of CSV per block
        self.name = str(path)
        self.problems: list[Problem] = []
        self._bad_rows: list[int] = []  # record numbers (header = 1) pyarrow skipped
        self._malformed: list[int] | None = None
        self._skip, self._offset = _comment_lines(path)
        self._next_row = 2  # the header is row 1 of the records
        self._consumed = 0

    def consumed_bytes(self) -> int:
        done, self._consumed = self._consumed, 0
        return done

    def _on_invalid(self, row: Any) -> str:
        """pyarrow's streaming reader does not number malformed rows; the first one triggers
        one standard-library scan that finds them all, in the order pyarrow reports them."""
        if self._malformed is None:
            self._malformed = malformed_records(self.path, self._offset)
        seen = len(self._bad_rows)
        record = self._malformed[seen] if seen < len(self._malformed) else None
        self._bad_rows.append(record if record is not None else -1)
        number = record + self._skip if record is not None else None
        self.problems.append(
            Problem(
                self.name,
                f"expected {row.expected_columns} values, found {row.actual_columns}",
                number,
                None,
                row.text,
                "error",
                {"text": row.text},
            )
        )
        return "skip"

    def blocks(self) -> Iterator[pa.Table]:
        if self.path.stat().st_size == 0:
            raise InputError(Problem(self.name, "the file is empty"))
        read_options = pacsv.ReadOptions(block_size=self.block_size)
        try:
            header = self._header(read_options)
        except pa.ArrowInvalid as error:
            if not is_straddling(error):
                raise InputError(self._problem(error)) from None
            self._check_header(self._wide().header())
            yield from self._wide_blocks()
            return
        except UnicodeDecodeError:  # pyarrow decodes the header's names itself (issue 16 fuzz)
            raise InputError(self._problem(pa.ArrowInvalid("invalid UTF8"))) from None
        self._check_header(header)
        convert = pacsv.ConvertOptions(
            column_types=dict.fromkeys(header, pa.string()),
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        )
        parse = pacsv.ParseOptions(newlines_in_values=True, invalid_row_handler=self._on_invalid)
        handle = self._open()
        position = self._offset
        try:
            try:
                reader = pacsv.open_csv(
                    handle, read_options=read_options, parse_options=parse, convert_options=convert
                )
            except pa.ArrowInvalid as error:
                if not is_straddling(error):
                    raise InputError(self._problem(error)) from None
                yield from self._wide_blocks()
                return
            while True:
                try:
                    batch = reader.read_next_batch()
                except StopIteration:
                    break
                except pa.ArrowInvalid as error:
                    if not is_straddling(error):
                        raise InputError(self._problem(error)) from None
                    yield from self._wide_blocks()
                    return
                table = pa.Table.from_batches([batch])
                rows = self._row_numbers(table.num_rows)
                yield table.append_column(ROW_COLUMN, pa.array(rows, pa.int64()))
                now = handle.tell()
                self._consumed += now - position
                position = now
        finally:
            handle.close()

    def _header(self, read_options: pacsv.ReadOptions) -> list[str]:
        """The header's names, read first from a small block: pyarrow infers every column's
        type over its whole first block, which cost as much as reading ten 8 MiB blocks of a
        FOCUS export (issue 19 item 7). Whatever that small read cannot decide (an error, a
        record longer than it) is read again with the full block, which decides as before."""
        probe = pacsv.ParseOptions(newlines_in_values=True, invalid_row_handler=_skip_silently)
        if self.block_size > PROBE_BLOCK:
            small = pacsv.ReadOptions(block_size=PROBE_BLOCK)
            try:
                return list(
                    pacsv.open_csv(
                        self._open(), read_options=small, parse_options=probe
                    ).schema.names
                )
            except (pa.ArrowInvalid, UnicodeDecodeError):
                pass
        return list(
            pacsv.open_csv(
                self._open(), read_options=read_options, parse_options=probe
            ).schema.names
        )

    def _wide(self) -> WideReader:
        """The standard-library reader for the records pyarrow has not delivered yet."""
        rejected = frozenset(r for r in self._bad_rows if r > 0)
        return WideReader(
            self.path, self._offset, self._skip, self.block_size, self._next_row, rejected
        )

    def _wide_blocks(self) -> Iterator[pa.Table]:
        """A record longer than pyarrow's block: the rest of the file through ``WideReader``,
        which rejects the over-long records by row and field and yields the others."""
        wide = self._wide()
        for table, rows in wide.blocks():
            yield table.append_column(ROW_COLUMN, pa.array(rows, pa.int64()))
        self.problems += wide.problems

    def _problem(self, error: pa.ArrowInvalid) -> Problem:
        """Why pyarrow could not read the file; for bad UTF-8, the line and column of the byte."""
        reason = _arrow_reason(error)
        # a file of a few bytes that are not text reads to pyarrow as having no columns
        if reason.startswith("is not valid UTF-8") or "Empty CSV file" in reason:
            found = _first_bad_utf8(self.path)
            if found is not None:
                byte, line, column = found
                return Problem(
                    self.name,
                    f"is not valid UTF-8: byte 0x{byte:02x} at line {line}, column {column}; "
                    "save the file as UTF-8",
                    row=line,
                )
        return Problem(self.name, reason)

    def _open(self) -> Any:
        """The file, positioned after the leading comment lines."""
        handle = pa.OSFile(str(self.path))
        handle.seek(self._offset)
        return handle

    def _check_header(self, header: list[str]) -> None:
        missing = [c.name for c in self.fmt.columns if c.required and c.name not in header]
        if missing:
            raise InputError(
                Problem(
                    self.name,
                    f"the header lacks required column(s) {', '.join(missing)}; "
                    f"expected {', '.join(c.name for c in self.fmt.columns)}",
                    self._skip + 1,
                    missing[0],
                )
            )
        duplicates = sorted({h for h in header if header.count(h) > 1})
        if duplicates:
            raise InputError(
                Problem(
                    self.name,
                    f"duplicate column(s) {', '.join(duplicates)}",
                    self._skip + 1,
                    duplicates[0],
                )
            )

    def _row_numbers(self, count: int) -> np.ndarray:
        """Row numbers of the next ``count`` valid records, skipping rows pyarrow rejected."""
        bad = np.array(sorted(set(self._bad_rows)), dtype=np.int64)
        numbers = np.empty(0, dtype=np.int64)
        span = count
        while len(numbers) < count:
            candidates = np.arange(self._next_row, self._next_row + span, dtype=np.int64)
            numbers = np.setdiff1d(candidates, bad, assume_unique=True)
            span += count - len(numbers)
        numbers = numbers[:count]
        if count:
            self._next_row = int(numbers[-1]) + 1
        return numbers + self._skip


def _first_bad_utf8(path: Path) -> tuple[int, int, int] | None:
    """(byte, line, column) of the first byte that is not UTF-8. A newline byte never occurs
    inside a multi-byte UTF-8 sequence, so checking line by line is exact."""
    with path.open("rb") as handle:
        for line, raw in enumerate(handle, start=1):
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError as error:
                return raw[error.start], line, error.start + 1
    return None


def _arrow_reason(error: Exception) -> str:
    text = str(error)
    if "UTF8" in text or "utf8" in text.lower():
        return "is not valid UTF-8; save the file as UTF-8"
    return f"cannot be parsed as CSV: {text}"
