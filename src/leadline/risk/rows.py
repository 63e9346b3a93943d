"""Helpers the risk pillar's CSV sources share: row problems, lists in cells, catalog look-ups."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, ClassVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from leadline.catalog.grouping import Grouping, Place
from leadline.catalog.models import BusinessUnit
from leadline.ingest.problems import Parsed, Problem, Severity
from leadline.ingest.registry import Context, Source, Template, Unit
from leadline.ingest.repeats import screen_rows
from leadline.ingest.tabular import ROW_COLUMN, CsvFormat, read_csv

LIST_SEPARATOR = ";"


def split_list(value: Any) -> list[str]:
    """``a; b;c`` -> ["a", "b", "c"] (empty items dropped, order kept, duplicates removed)."""
    if value in (None, ""):
        return []
    out: list[str] = []
    for raw in str(value).split(LIST_SEPARATOR):
        item = raw.strip()
        if item and item not in out:
            out.append(item)
    return out


def row_problem(
    file: str,
    row: dict[str, Any],
    field: str,
    reason: str,
    *,
    severity: Severity = "error",
    value: Any = None,
) -> Problem:
    """A problem naming the file, the CSV row (header = 1), the field and its value."""
    raw = row.get(field) if value is None else value
    text = raw.isoformat() if isinstance(raw, dt.date) else raw
    record = {
        k: (v.isoformat() if isinstance(v, dt.date) else v)
        for k, v in row.items()
        if k != ROW_COLUMN
    }
    return Problem(file, reason, row.get(ROW_COLUMN), field, text, severity, record)


class RowCsvSource(Source):
    """A CSV format whose rows are checked across columns, then landed in the store."""

    format: ClassVar[CsvFormat]

    def templates(self) -> list[Template]:
        return [Template(f"{self.format.name}.csv", self.format.template())]

    def parse(self, unit: Unit, ctx: Context) -> Parsed:
        (input_file,) = unit.files
        result = read_csv(input_file.path, self.format, naive_timezone=ctx.settings.naive_timezone)
        records, problems = [], list(result.problems)
        for row in result.table.to_pylist():
            found = self.check(input_file.name, row, ctx)
            if not any(p.severity == "error" for p in found):
                records.append(row)
            problems += found
        # one row per key: an exact repeat lands once, a conflicting one rejects the key's rows
        records, repeated = screen_rows(
            input_file.name,
            records,
            self.row_key,
            self.key_columns or (self.key_field,),
            self.key_field,
        )
        return Parsed(rows_read=result.rows_read, records=records, problems=problems + repeated)

    key_field: ClassVar[str] = ""
    key_description: ClassVar[str] = ""
    # the columns of ``row_key``, as named in messages (default: ``key_field``)
    key_columns: ClassVar[tuple[str, ...]] = ()

    def row_key(self, row: dict[str, Any]) -> Any:
        return None

    def check(self, file: str, row: dict[str, Any], ctx: Context) -> list[Problem]:
        return []


@dataclass
class CatalogNames:
    """The catalog's services, teams and business units by name, with the one organisational
    grouping (``catalog.grouping``) that places every service and team."""

    grouping: Grouping
    business_units: set[str]

    @classmethod
    def load(cls, session: Session) -> CatalogNames:
        return cls(Grouping.load(session), set(session.scalars(select(BusinessUnit.name))))

    @property
    def services(self) -> dict[str, Place]:
        return self.grouping.services

    @property
    def teams(self) -> dict[str, Place]:
        return self.grouping.teams

    def unknown(self, kind: str, names: Iterable[str]) -> list[str]:
        known: Any = {
            "service": self.services,
            "team": self.teams,
            "business-unit": self.business_units,
        }[kind]
        return [n for n in names if n not in known]


def unknown_warnings(
    file: str, row: dict[str, Any], field: str, kind: str, names: list[str]
) -> list[Problem]:
    if not names:
        return []
    return [
        row_problem(
            file,
            row,
            field,
            f"{kind} {', '.join(repr(n) for n in names)} not in the catalog (row kept)",
            severity="warning",
        )
    ]
