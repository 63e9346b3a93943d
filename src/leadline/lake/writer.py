"""Atomic writes to the lake: files are written aside, renamed into their month partition, and
become visible only when the store transaction listing them commits.

If the process dies anywhere before that commit the new files are unlisted, hence invisible, and
``sweep_orphans`` removes them later; files a commit supersedes are deleted after it.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from sqlalchemy import select
from sqlalchemy.orm import Session

from leadline.lake.models import LakeFile
from leadline.lake.tables import BATCH_COLUMN, FactTable, get_table
from leadline.store.base import utcnow

log = logging.getLogger(__name__)
STAGING_DIR = "_staging"


def month_of(values: pa.Array | pa.ChunkedArray) -> pa.Array:
    """'YYYY-MM' of UTC timestamps."""
    return pc.strftime(values, format="%Y-%m")


def _month_numbers(values: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """year * 100 + month of UTC timestamps, as integers (much cheaper than formatting)."""
    keys = pc.add(pc.multiply(pc.year(values), 100), pc.month(values))
    return np.asarray(keys.to_numpy(zero_copy_only=False), dtype=np.int64)


def conform(table: FactTable, data: pa.Table, batch_id: int | None) -> pa.Table:
    """Order and cast ``data`` to the table's schema, filling absent optional columns with null."""
    columns = []
    present = set(data.column_names)  # built anew by each call: once, not once per column
    for field in table.schema:
        if field.name in present:
            columns.append(data.column(field.name).cast(field.type))
        elif field.nullable:
            columns.append(pa.nulls(data.num_rows, field.type))
        else:
            raise ValueError(f"{table.name}: required column {field.name!r} is missing")
    if BATCH_COLUMN in present and batch_id is None:
        columns.append(data.column(BATCH_COLUMN).cast(pa.int64()))
    else:
        columns.append(_constant(batch_id, data.num_rows))
    out = pa.Table.from_arrays(columns, schema=table.stored_schema)
    if out.column(table.time_column).null_count:
        raise ValueError(f"{table.name}: {table.time_column} is null in some rows")
    return out


def _constant(batch_id: int | None, rows: int) -> pa.Array:
    """The ``_batch_id`` column, built without a Python list of millions of items."""
    if batch_id is None:
        return pa.nulls(rows, pa.int64())
    return pa.array(np.full(rows, batch_id, dtype=np.int64))


class LakeWriter:
    """Writes one batch's files; ``publish`` before the store commit, ``cleanup`` after it."""

    def __init__(self, root: Path, session: Session, batch_id: int | None) -> None:
        self.root = root
        self.session = session
        self.batch_id = batch_id
        self._staging = root / STAGING_DIR / f"{batch_id}-{uuid.uuid4().hex[:12]}"
        self._pending: dict[Path, Path] = {}  # final path -> staged path, in write order
        self._published: list[Path] = []
        self._superseded: list[Path] = []
        # Stored rows of earlier batches a merge changed: (table, their key columns and
        # _batch_id), so the batch can say what it superseded (ingest.supersede).
        self.superseded_rows: list[tuple[FactTable, pa.Table]] = []

    # --- operations -------------------------------------------------------------------------

    def append(self, table: FactTable, data: pa.Table) -> int:
        """Add rows to the partitions of their months."""
        data = conform(table, data, self.batch_id)
        for month, part in self._split_by_month(table, data):
            self._stage(table, month, part)
        return int(data.num_rows)

    def replace_partitions(
        self, table: FactTable, data: pa.Table, partitions: Iterable[str] | None = None
    ) -> int:
        """Make ``data`` the whole content of its months (and of ``partitions``, emptied)."""
        data = conform(table, data, self.batch_id)
        by_month = dict(self._split_by_month(table, data))
        if isinstance(partitions, str):  # one month, not its characters
            partitions = [partitions]
        empty = table.stored_schema.empty_table()
        for month in sorted(set(by_month) | set(partitions or ())):
            self._rewrite(table, month, by_month.get(month, empty))
        return int(data.num_rows)

    def merge(self, table: FactTable, data: pa.Table) -> int:
        """Upsert by the table's key: the stored and incoming observations of each key are
        resolved into one row by the table's version and rules (see FactTable), even when the
        key moves to another month.

        Only key columns are read to find clashes; months without one just get a new file,
        so merging new events costs their size, not the table's; new distinct keys need no
        resolving. When the key holds the time column a key cannot change month, so each month
        merges on its own: memory follows the largest month, not the batch.
        """
        if not table.key:
            raise ValueError(f"{table.name} has no key; use append")
        data = conform(table, data, self.batch_id)
        if table.time_column in table.key:
            for month, part in self._split_by_month(table, data):
                self._merge(table, part, {month})
        else:
            self._merge(table, data, None)
        return int(data.num_rows)

    def _merge(self, table: FactTable, data: pa.Table, months: set[str] | None) -> None:
        """Merge conformed rows whose stored namesakes can only be in ``months`` (None: any)."""
        kept, resolved = self._resolve(table, data, months)
        new_by_month = dict(self._split_by_month(table, resolved))
        for month in sorted(set(new_by_month) - set(kept)):
            self._stage(table, month, new_by_month[month])
        for month in sorted(kept):
            parts = [kept[month], *([new_by_month[month]] if month in new_by_month else [])]
            self._rewrite(table, month, pa.concat_tables(parts))

    def _resolve(
        self, table: FactTable, data: pa.Table, months: set[str] | None
    ) -> tuple[dict[str, pa.Table], pa.Table]:
        """The stored rows each clashing month keeps, and one resolved row per incoming key."""
        listed = [f for f in self._listed(table.name) if months is None or f.partition in months]
        if not listed and _distinct(data, table.key):  # nothing to clash with, nor to resolve
            return {}, _in_version_order(table, data)
        incoming = pc.unique(_key_strings(data, table.key))
        clashing = self._months_where(
            table,
            list(table.key),
            lambda part: pc.is_in(_key_strings(part, table.key), value_set=incoming),
            months,
        )
        kept: dict[str, pa.Table] = {}
        earlier: list[pa.Table] = []
        for month in sorted(clashing):
            stored = self._read_partition(table, month)
            hit = pc.is_in(_key_strings(stored, table.key), value_set=incoming)
            kept[month] = stored.filter(pc.invert(hit))
            earlier.append(stored.filter(hit))
        if earlier or len(incoming) < data.num_rows:
            resolved = resolve_observations(table, pa.concat_tables([*earlier, data]))
            if earlier:
                self._note_superseded(table, pa.concat_tables(earlier), resolved)
            return kept, resolved
        return kept, _in_version_order(table, data)  # new, distinct keys: nothing to resolve

    def _note_superseded(self, table: FactTable, before: pa.Table, after: pa.Table) -> None:
        """Remember the stored rows of earlier batches whose values the merge changed; a key
        sent again with the same values supersedes nothing (provenance columns, the version
        and ``_batch_id`` aside)."""
        if self.batch_id is not None:  # rows this batch landed in an earlier chunk are its own
            own = pc.fill_null(pc.equal(before.column(BATCH_COLUMN), self.batch_id), False)
            before = before.filter(pc.invert(own))
        compared = tuple(
            c
            for c in table.schema.names
            if c not in table.key and c != table.version and c not in table.provenance
        )
        if before.num_rows == 0 or not compared:
            return
        where = pc.index_in(
            _key_strings(before, table.key), value_set=_key_strings(after, table.key)
        )
        now = after.take(where)
        changed = np.zeros(before.num_rows, dtype=bool)
        for name in compared:  # column by column, no text: equal, or null in both
            old, new = before.column(name), now.column(name)
            same = pc.or_kleene(pc.equal(old, new), pc.and_(pc.is_null(old), pc.is_null(new)))
            changed |= ~np.asarray(pc.fill_null(same, False).to_numpy(zero_copy_only=False))
        if changed.any():
            rows = before.filter(pa.array(changed)).select([*table.key, BATCH_COLUMN])
            self.superseded_rows.append((table, rows))

    def delete_matching(self, table: FactTable, columns: tuple[str, ...], keys: pa.Table) -> int:
        """Remove the rows earlier batches landed whose ``columns`` equal a row of ``keys`` (a
        restated bill replaces the earlier one). Rows this writer's batch landed are kept, so a
        batch can land in chunks. Returns the number of rows removed."""
        if keys.num_rows == 0:
            return 0
        wanted = pc.unique(_key_strings(keys, columns))
        own = pa.scalar(self.batch_id, pa.int64())

        def earlier_match(part: pa.Table) -> pa.Array:
            hit = pc.is_in(_key_strings(part, columns), value_set=wanted)
            mine = pc.fill_null(pc.equal(part.column(BATCH_COLUMN), own), False)
            return pc.and_(hit, pc.invert(mine))

        removed = 0
        for month in sorted(self._months_where(table, [*columns, BATCH_COLUMN], earlier_match)):
            stored = self._read_partition(table, month)
            drop = pc.fill_null(earlier_match(stored), False)
            removed += int(pc.sum(drop).as_py() or 0)
            self._rewrite(table, month, stored.filter(pc.invert(drop)))
        return removed

    def drop_batch(self, batch_id: int) -> None:
        """Remove every row an earlier batch landed (used by ``ingest --force``)."""
        target = pa.scalar(batch_id, pa.int64())
        for table_name in self._tables_of_batch(batch_id):
            table = get_table(table_name)
            months = self._months_where(
                table, [BATCH_COLUMN], lambda part: pc.equal(part.column(BATCH_COLUMN), target)
            )
            for month in sorted(months):
                stored = self._read_partition(table, month)
                keep = pc.fill_null(pc.not_equal(stored.column(BATCH_COLUMN), target), True)
                self._rewrite(table, month, stored.filter(keep))

    def read_table(self, table: FactTable, columns: list[str] | None = None) -> pa.Table:
        """Every row of ``table`` as this writer's transaction sees it (its own earlier
        operations included), optionally only some columns."""
        parts = []
        for listed in self._listed(table.name):
            path = self._pending.get(self.root / listed.path, self.root / listed.path)
            parts.append(conform(table, pq.read_table(path), None))
        rows = pa.concat_tables(parts) if parts else table.stored_schema.empty_table()
        return rows.select(columns) if columns else rows

    # --- commit protocol ----------------------------------------------------------------------

    def publish(self) -> None:
        """Rename staged files into their partitions; still invisible until the store commits."""
        self.session.flush()
        for final, staged in self._pending.items():
            final.parent.mkdir(parents=True, exist_ok=True)
            staged.replace(final)
            self._published.append(final)
        self._pending.clear()

    def discard(self) -> None:
        """Undo after a failed commit: remove what this writer wrote."""
        for path in self._published:
            path.unlink(missing_ok=True)
        shutil.rmtree(self._staging, ignore_errors=True)

    def cleanup(self) -> None:
        """After the commit: remove the staging directory, and stamp superseded files with the
        time they stopped being listed. They are not deleted here: a query that listed them a
        moment ago may still be reading them; ``sweep_orphans`` deletes them after its grace
        period (it runs before every lake write and on ``leadline lake vacuum``)."""
        for path in self._superseded:
            with contextlib.suppress(FileNotFoundError):
                os.utime(path)
        shutil.rmtree(self._staging, ignore_errors=True)

    # --- helpers ------------------------------------------------------------------------------

    def _split_by_month(self, table: FactTable, data: pa.Table) -> Iterator[tuple[str, pa.Table]]:
        """Each UTC month's rows, in month order, keeping the rows' order. Input already in
        month order (the usual export) is sliced without copying; otherwise each month is
        filtered out when its turn comes, so only one month is copied at a time."""
        if data.num_rows == 0:
            return
        keys = _month_numbers(data.column(table.time_column))
        if np.any(np.diff(keys) < 0):
            for key in np.unique(keys):
                yield _month_name(key), data.filter(pa.array(keys == key))
            return
        starts = np.flatnonzero(np.diff(keys, prepend=keys[0] - 1))
        ends = [*starts[1:], len(keys)]
        for start, end in zip(starts, ends, strict=True):
            yield _month_name(keys[start]), data.slice(int(start), int(end - start))

    def _stage(self, table: FactTable, month: str, data: pa.Table) -> None:
        name = f"b{self.batch_id or 0}-{uuid.uuid4().hex[:16]}.parquet"
        relative = Path(table.name) / f"month={month}" / name
        staged = self._staging / name
        staged.parent.mkdir(parents=True, exist_ok=True)
        lean = _lean_options(data.schema) if table.lean_parquet else {}
        pq.write_table(data, staged, compression="zstd", **lean)
        self._pending[self.root / relative] = staged
        self.session.add(
            LakeFile(
                table_name=table.name,
                partition=month,
                path=relative.as_posix(),
                rows=data.num_rows,
                bytes=staged.stat().st_size,
                batch_id=self.batch_id,
                created_at=utcnow(),
            )
        )

    def _listed(self, table_name: str, month: str | None = None) -> list[LakeFile]:
        query = select(LakeFile).where(LakeFile.table_name == table_name)
        if month is not None:
            query = query.where(LakeFile.partition == month)
        return list(self.session.scalars(query.order_by(LakeFile.id)))

    def _unlist(self, table_name: str, month: str) -> None:
        for row in self._listed(table_name, month):
            final = self.root / row.path
            staged = self._pending.pop(final, None)
            if staged is not None:  # written earlier by this writer: never published
                staged.unlink(missing_ok=True)
            else:
                self._superseded.append(final)
            self.session.delete(row)
        self.session.flush()

    def _read_partition(self, table: FactTable, month: str) -> pa.Table:
        # A file this writer staged earlier (e.g. by drop_batch before a merge) is still aside.
        finals = [self.root / f.path for f in self._listed(table.name, month)]
        paths = [self._pending.get(final, final) for final in finals]
        if not paths:
            return table.stored_schema.empty_table()
        return pa.concat_tables([conform(table, pq.read_table(p), None) for p in paths])

    def _months_where(
        self,
        table: FactTable,
        columns: list[str],
        matches: Callable[[pa.Table], pa.Array],
        among: set[str] | None = None,
    ) -> set[str]:
        """Months (``among`` these, if given) holding at least one row for which ``matches``
        (given only ``columns``) is true; reads just those columns."""
        months: set[str] = set()
        for listed in self._listed(table.name):
            if listed.partition in months or (among is not None and listed.partition not in among):
                continue
            path = self._pending.get(self.root / listed.path, self.root / listed.path)
            part = pq.read_table(path, columns=columns)
            if pc.any(pc.fill_null(matches(part), False)).as_py():
                months.add(listed.partition)
        return months

    def _rewrite(self, table: FactTable, month: str, rows: pa.Table) -> None:
        """Replace a month's files with one file of ``rows`` (none if empty)."""
        self._unlist(table.name, month)
        if rows.num_rows:
            self._stage(table, month, rows)

    def _tables_of_batch(self, batch_id: int) -> list[str]:
        query = select(LakeFile.table_name).where(LakeFile.batch_id == batch_id).distinct()
        names = set(self.session.scalars(query))
        # Merged partitions are rewritten under the newer batch but keep older rows' _batch_id.
        names |= set(self.session.scalars(select(LakeFile.table_name).distinct()))
        return sorted(n for n in names if _is_registered(n))


def _is_registered(name: str) -> bool:
    try:
        get_table(name)
    except KeyError:
        return False
    return True


def _month_name(key: int) -> str:
    """'YYYY-MM' of a year * 100 + month number."""
    return f"{key // 100:04d}-{key % 100:02d}"


def _distinct(data: pa.Table, key: tuple[str, ...]) -> bool:
    """Whether no two rows share a key: one sort of each key column's value numbers, lighter
    than a string per row."""
    if data.num_rows < 2:
        return True
    numbers = []
    for name in key:
        values = data.column(name)
        found = pc.index_in(values, value_set=pc.unique(values), skip_nulls=False)
        numbers.append(np.asarray(found.to_numpy(zero_copy_only=False), dtype=np.int64))
    order = np.lexsort(numbers[::-1])
    repeated = np.ones(data.num_rows - 1, dtype=bool)
    for column in numbers:
        ranked = column[order]
        repeated &= ranked[1:] == ranked[:-1]
    return not repeated.any()


def _in_version_order(table: FactTable, rows: pa.Table) -> pa.Table:
    """What ``resolve_observations`` makes of rows with distinct keys: the same rows, ordered
    by version (missing first) and then by position."""
    if table.version is None:
        return rows
    order = pc.sort_indices(rows, sort_keys=[(table.version, "ascending", "at_start")])
    if np.array_equal(order.to_numpy(), np.arange(rows.num_rows)):
        return rows
    return rows.take(order)


def _key_strings(data: pa.Table, key: tuple[str, ...]) -> pa.Array:
    """One comparable string per row for a (possibly composite) key. Instants are written as
    their integer count of microseconds (every lake timestamp is µs UTC): formatting them as
    text is some forty times slower."""
    parts = [pc.cast(_countable(data.column(k)), pa.string()).fill_null("\0null") for k in key]
    if len(parts) == 1:
        return parts[0].combine_chunks() if isinstance(parts[0], pa.ChunkedArray) else parts[0]
    joined = pc.binary_join_element_wise(*parts, "\x1f")
    return joined.combine_chunks() if isinstance(joined, pa.ChunkedArray) else joined


def _countable(values: pa.ChunkedArray) -> pa.ChunkedArray:
    if pa.types.is_timestamp(values.type):
        return pc.cast(pc.cast(values, pa.timestamp("us", "UTC")), pa.int64())
    return values


def _last_per_key(data: pa.Table, key: tuple[str, ...]) -> pa.Table:
    keys = _key_strings(data, key)
    indexed = pa.table({"k": keys, "i": pa.array(range(data.num_rows), pa.int64())})
    last = indexed.group_by("k").aggregate([("i", "max")]).column("i_max")
    return data.take(last.take(pc.sort_indices(last)))


_AGGREGATES: dict[str, tuple[str, pc.FunctionOptions | None]] = {
    "latest": ("last", pc.ScalarAggregateOptions(skip_nulls=False)),
    "min": ("min", pc.ScalarAggregateOptions(skip_nulls=True)),
    "max": ("max", pc.ScalarAggregateOptions(skip_nulls=True)),
}


def resolve_observations(table: FactTable, rows: pa.Table) -> pa.Table:
    """One row per key from observations given oldest first: ordered by the table's version
    (missing versions count as oldest), then by position; each column by its rule."""
    others = [c for c in rows.column_names if c not in table.key]
    if table.version is None and all(table.rule(c) == "latest" for c in others):
        return _last_per_key(rows, table.key)
    order = pa.array(np.arange(rows.num_rows, dtype=np.int64))
    ranked = rows.append_column("__position", order)
    if table.version is not None:
        order = pc.sort_indices(
            ranked,
            sort_keys=[(table.version, "ascending", "at_start"), ("__position", "ascending")],
        )
        ranked = ranked.take(order)
    aggregations = [
        (c, *_AGGREGATES["latest" if c == BATCH_COLUMN else table.rule(c)]) for c in others
    ]
    grouped = ranked.group_by(list(table.key), use_threads=False).aggregate(
        [(column, function, options) for column, function, options in aggregations]
    )
    names = {f"{c}_{function}": c for c, function, _ in aggregations}
    grouped = grouped.rename_columns([names.get(n, n) for n in grouped.column_names])
    return grouped.select(rows.column_names).cast(rows.schema)


def sweep_orphans(root: Path, session: Session, older_than_seconds: float = 3600.0) -> int:
    """Delete Parquet files no commit lists (left by a crash), if older than the grace period.

    The grace period keeps files of a write in flight, and files a reader may still be reading.
    """
    listed = set(session.scalars(select(LakeFile.path)))
    cutoff = time.time() - older_than_seconds
    removed = 0
    if not root.exists():
        return 0
    # Judge staging directories by their age before sweeping files out of them, which
    # would refresh their modification time and keep them for another grace period.
    staging_root = root / STAGING_DIR
    stale_staging = [
        d
        for d in (staging_root.iterdir() if staging_root.exists() else [])
        if d.is_dir() and d.stat().st_mtime <= cutoff
    ]
    for path in root.rglob("*.parquet"):
        relative = path.relative_to(root).as_posix()
        if relative in listed or path.stat().st_mtime > cutoff:
            continue
        path.unlink(missing_ok=True)
        removed += 1
    for staging in stale_staging:
        shutil.rmtree(staging, ignore_errors=True)
    log.info("swept %d orphaned lake files", removed)
    return removed


def _lean_options(schema: pa.Schema) -> dict[str, list[str]]:
    """``FactTable.lean_parquet``: statistics for the non-text columns, dictionary pages for
    the text ones (a map's by its leaves' paths, as Parquet names them)."""
    text: list[str] = []
    for f in schema:
        if pa.types.is_string(f.type) or pa.types.is_large_string(f.type):
            text.append(f.name)
        elif pa.types.is_map(f.type):
            text += [f"{f.name}.key_value.key", f"{f.name}.key_value.value"]
    named = [f.name for f in schema if f.name not in text and not pa.types.is_map(f.type)]
    return {"write_statistics": named, "use_dictionary": text}
