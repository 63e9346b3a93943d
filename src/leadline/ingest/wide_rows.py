"""CSV records too wide for pyarrow's blocks, read by the standard library instead.

pyarrow's streaming reader cannot read a record longer than its block (4 MB): it fails the
whole file with "straddling object straddles two block boundaries". Such a file is rare, so the
records pyarrow did not deliver are read again by Python's ``csv`` module: a record holding a
value longer than the block is rejected naming its row and field, the rest land as they would
have. A value past ``MAX_VALUE_BYTES`` still fails the file (naming its line): holding it would
cost more memory than any CSV value deserves.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa

from leadline.ingest.problems import InputError, Problem

__all__ = ["MAX_VALUE_BYTES", "WideReader", "is_straddling", "malformed_records"]

MAX_VALUE_BYTES = 64 << 20
ROWS_PER_BLOCK = 20_000


def is_straddling(error: Exception) -> bool:
    """True when pyarrow refused a record for being longer than its block."""
    return "straddl" in str(error)


def malformed_records(path: Path, offset: int) -> list[int]:
    """Record numbers (header = 1, blank lines not counted) whose field count differs from the
    header's: pyarrow's streaming reader does not number the rows it skips. A file the csv module
    cannot finish yields the ones found before that point."""
    reader = WideReader(path, offset, 0, MAX_VALUE_BYTES)
    out: list[int] = []
    width = None
    try:
        for record, fields in reader._records():
            if width is None:
                width = len(fields)
            elif len(fields) != width:
                out.append(record)
    except InputError:
        pass
    return out


@dataclass
class WideReader:
    """Reads ``path`` from byte ``offset`` (the header line) with the csv module.

    Records are numbered as the block reader numbers them (header = 1, blank lines not counted);
    ``shift`` (the leading comment lines) is added to every reported row. Records numbered below
    ``first_record`` or listed in ``already_rejected`` were handled by pyarrow and are skipped.
    """

    path: Path
    offset: int
    shift: int
    value_limit: int
    first_record: int = 2
    already_rejected: frozenset[int] = frozenset()
    problems: list[Problem] = field(default_factory=list)

    def header(self) -> list[str]:
        for _record, fields in self._records():
            return fields
        raise InputError(Problem(str(self.path), "the file has no header row"))

    def blocks(self) -> Iterator[tuple[pa.Table, list[int]]]:
        """All-text tables of the remaining good records, each with its rows' numbers."""
        records = self._records()
        header = next(records, (1, []))[1]
        batch: list[list[str]] = []
        numbers: list[int] = []
        for record, fields in records:
            if record < self.first_record or record in self.already_rejected:
                continue
            if self._refused(record, header, fields):
                continue
            batch.append(fields)
            numbers.append(record + self.shift)
            if len(batch) == ROWS_PER_BLOCK:
                yield _table(header, batch), numbers
                batch, numbers = [], []
        if batch:
            yield _table(header, batch), numbers

    def _refused(self, record: int, header: list[str], fields: list[str]) -> bool:
        """Record a problem for a record with the wrong field count or an over-long value."""
        row = record + self.shift
        if len(fields) != len(header):
            text = ",".join(fields)
            shown = text if len(text) <= 200 else text[:200] + "…"
            self.problems.append(
                Problem(
                    str(self.path),
                    f"expected {len(header)} values, found {len(fields)}",
                    row,
                    None,
                    shown,
                    "error",
                    {"text": shown},
                )
            )
            return True
        for name, value in zip(header, fields, strict=True):
            if len(value) > self.value_limit:
                self.problems.append(
                    Problem(
                        str(self.path),
                        f"is longer than {self.value_limit:,} characters "
                        f"({len(value):,}); the row is rejected",
                        row,
                        name,
                        value[:200] + "…",
                        "error",
                        {"text": f"{name}: {len(value):,} characters"},
                    )
                )
                return True
        return False

    def _records(self) -> Iterator[tuple[int, list[str]]]:
        """(record number, fields) of every non-blank record, the header first."""
        previous = csv.field_size_limit(MAX_VALUE_BYTES)
        try:
            with self.path.open("rb") as raw:
                raw.seek(self.offset)
                encoding = "utf-8-sig" if self.offset == 0 else "utf-8"
                text = io.TextIOWrapper(raw, encoding=encoding, newline="")
                reader = csv.reader(text)
                record = 0
                while True:
                    try:
                        fields = next(reader)
                    except StopIteration:
                        return
                    except (csv.Error, UnicodeDecodeError) as error:
                        raise InputError(
                            Problem(
                                str(self.path),
                                f"cannot be parsed as CSV: {error}",
                                reader.line_num + self.shift,
                            )
                        ) from None
                    if fields:
                        record += 1
                        yield record, fields
        finally:
            csv.field_size_limit(previous)


def _table(header: list[str], rows: list[list[str]]) -> pa.Table:
    columns = list(zip(*rows, strict=True))
    return pa.table(
        {name: pa.array(values, pa.string()) for name, values in zip(header, columns, strict=True)}
    )
