"""Fact tables: a pyarrow schema, the UTC timestamp that partitions it by month, and its key."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import ModuleType
from typing import Literal

import pyarrow as pa

from leadline import plugins

BATCH_COLUMN = "_batch_id"


MergeRule = Literal["latest", "min", "max"]


@dataclass(frozen=True)
class FactTable:
    """A lake table. Every row also carries ``_batch_id``, the batch that landed it.

    When rows are merged by ``key``, the observations of one key are ordered by ``version``
    (then by arrival) and each column is resolved by its rule in ``rules`` (default
    ``latest``): ``latest`` takes the newest observation's value (null included), ``min`` and
    ``max`` the extreme non-null value of all observations; ``max`` is also the way to keep a
    value that should be constant per key but is missing from some observations. Each rule is
    associative and commutative over (version, value), so the result does not depend on the
    order deliveries arrive in, how they are batched, or how often they repeat. (A "newest
    non-null" rule is not: a stored row forgets which version its value came from.)

    ``provenance`` names columns about the observation rather than the record (which tool sent
    it, the file row in ``extra``): a merge that changes only them (and the version) does not
    supersede the stored row.
    """

    name: str
    schema: pa.Schema
    time_column: str
    key: tuple[str, ...] = ()
    description: str = ""
    version: str | None = None
    rules: Mapping[str, MergeRule] = field(default_factory=dict)
    provenance: tuple[str, ...] = ()
    # Lean Parquet for wide tables of mostly unique values (FOCUS cost lines): min/max
    # statistics only for non-text columns and dictionary pages only for text ones, which
    # saves about a third of the write; readers lose only row-group skipping on text, never
    # an answer
    lean_parquet: bool = False

    def __post_init__(self) -> None:
        if self.time_column not in self.schema.names:
            raise ValueError(f"{self.name}: time column {self.time_column!r} not in schema")
        time_type = self.schema.field(self.time_column).type
        if not (pa.types.is_timestamp(time_type) and time_type.tz == "UTC"):
            raise ValueError(f"{self.name}: {self.time_column} must be timestamp with tz=UTC")
        missing = [
            k for k in (*self.key, *self.rules, *self.provenance) if k not in self.schema.names
        ]
        if self.version is not None and self.version not in self.schema.names:
            missing.append(self.version)
        if missing:
            raise ValueError(f"{self.name}: columns {missing} not in schema")

    def __hash__(self) -> int:
        return hash((self.name, self.schema, self.time_column, self.key))

    def rule(self, column: str) -> MergeRule:
        return self.rules.get(column, "latest")

    @property
    def stored_schema(self) -> pa.Schema:
        return self.schema.append(pa.field(BATCH_COLUMN, pa.int64()))


_TABLES: dict[str, FactTable] = {}


def register_table(table: FactTable) -> FactTable:
    existing = _TABLES.get(table.name)
    if existing is not None and existing != table:
        raise ValueError(f"fact table {table.name!r} is registered twice with different schemas")
    _TABLES[table.name] = table
    return table


def fact_tables() -> dict[str, FactTable]:
    """The tables every plugin registers (``leadline_fact_tables``: the modules declaring
    them, or FactTable objects), by name."""
    for answer in plugins.collected(plugins.manager().hook.leadline_fact_tables()):
        item = plugins.imported(answer)
        if isinstance(item, FactTable):
            register_table(item)
        elif not isinstance(item, ModuleType):
            raise TypeError(f"leadline_fact_tables gave {item!r}: not a module or a FactTable")
    return dict(sorted(_TABLES.items()))


def get_table(name: str) -> FactTable:
    tables = fact_tables()
    if name not in tables:
        raise KeyError(f"unknown fact table {name!r}; known: {', '.join(tables) or 'none'}")
    return tables[name]
