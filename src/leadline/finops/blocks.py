"""Block-wise reading of cost exports: CSV (plain or gzip) and Parquet, as all-text blocks with
each row's number, so one validation path serves every format and memory stays bounded by the
block size whatever the file size."""

from __future__ import annotations

import csv
import gzip
import json
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from leadline.ingest.problems import InputError, Problem
from leadline.ingest.tabular import ROW_COLUMN, CsvFormat, _BlockReader

PARQUET_BATCH_ROWS = 65_536
_GZIP_MAGIC = b"\x1f\x8b"
_PARQUET_MAGIC = b"PAR1"


def kind_of(path: Path) -> str:
    """``csv``, ``gzip`` or ``parquet``, from the file's first bytes (not its name)."""
    with path.open("rb") as handle:
        head = handle.read(4)
    if head.startswith(_GZIP_MAGIC):
        return "gzip"
    if head == _PARQUET_MAGIC:
        return "parquet"
    if path.suffix.lower() in (".parquet", ".pq"):  # named Parquet, not Parquet: never read as CSV
        raise InputError(Problem(str(path), "is not a valid Parquet file (no PAR1 header)"))
    return "csv"


@contextmanager
def plain_csv(path: Path, kind: str) -> Iterator[Path]:
    """A path to the CSV text: the file itself, or a gzip export decompressed as a stream into
    a temporary file (row numbers and malformed-row scans need a seekable file)."""
    if kind != "gzip":
        yield path
        return
    with tempfile.TemporaryDirectory(prefix="leadline-gz-") as folder:
        target = Path(folder) / (path.stem or "export.csv")
        try:
            with gzip.open(path, "rb") as source, target.open("wb") as sink:
                shutil.copyfileobj(source, sink, 4 << 20)
        except (OSError, EOFError) as error:
            raise InputError(Problem(str(path), f"is not a readable gzip file: {error}")) from None
        yield target


def header_of(path: Path, kind: str) -> list[str]:
    if kind == "parquet":
        try:
            return list(pq.ParquetFile(path).schema_arrow.names)
        except (pa.ArrowInvalid, OSError) as error:
            raise InputError(
                Problem(str(path), f"is not a readable Parquet file: {error}")
            ) from None
    with plain_csv(path, kind) as csv_path:
        return _header_line(csv_path, str(path))


def _header_line(path: Path, name: str) -> list[str]:
    """The first non-comment record (the header), read with the standard CSV reader; a header
    that is not UTF-8 or not CSV is a problem naming the file (issue 16: it was a traceback)."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            for row in csv.reader(handle):
                if row and not row[0].lstrip().startswith("#"):
                    return row
    except UnicodeDecodeError as error:
        reason = f"is not UTF-8 text (byte {error.start + 1} of its header)"
        raise InputError(Problem(name, reason)) from None
    except csv.Error as error:
        raise InputError(Problem(name, f"has no readable CSV header: {error}")) from None
    return []


# Bytes of CSV per block: FOCUS rows are wide (40-60 columns), and each block costs a few
# hundred Arrow calls whatever its size, so blocks twice the default size cut that overhead
# (about 25 % of the checking time measured in benchmarks/focus_ingest.py) for a few more MiB.
CSV_BLOCK = 8 << 20


def csv_blocks(path: Path, fmt: CsvFormat, problems: list[Problem]) -> Iterator[pa.Table]:
    """All-text blocks of a CSV; rows pyarrow could not split are added to ``problems``."""
    reader = _BlockReader(path, fmt, CSV_BLOCK)
    yield from reader.blocks()
    problems += reader.problems


def parquet_blocks(path: Path) -> Iterator[pa.Table]:
    """All-text blocks of a Parquet file; a row's number is its 1-based position."""
    try:
        parquet = pq.ParquetFile(path)
    except (pa.ArrowException, OSError) as error:
        raise InputError(Problem(str(path), f"is not a valid Parquet file: {error}")) from None
    first = 1
    for batch in parquet.iter_batches(batch_size=PARQUET_BATCH_ROWS):
        columns = {name: _as_text(batch.column(name)) for name in batch.schema.names}
        rows = pa.array(range(first, first + batch.num_rows), pa.int64())
        first += batch.num_rows
        yield pa.table({**columns, ROW_COLUMN: rows})


def _as_text(values: pa.Array) -> pa.Array:
    """Text as a CSV would carry it: ISO timestamps, plain decimals, JSON for maps/structs."""
    kind = values.type
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        return pc.fill_null(values.cast(pa.string()), "")
    if pa.types.is_timestamp(kind):
        if kind.tz is None:
            values = pc.assume_timezone(values, "UTC")
        text = pc.strftime(values, format="%Y-%m-%dT%H:%M:%S", timezone="UTC")
        return pc.fill_null(pc.binary_join_element_wise(text, "Z", ""), "")
    if pa.types.is_map(kind) or pa.types.is_struct(kind) or pa.types.is_list(kind):
        return pa.array(
            [
                "" if v is None else json.dumps(dict(v) if pa.types.is_map(kind) else v)
                for v in values.to_pylist()
            ],
            pa.string(),
        )
    return pc.fill_null(values.cast(pa.string()), "")
