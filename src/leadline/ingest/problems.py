"""What an ingest found wrong, in a form that names the file, row and field."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

# ``notice``: nothing wrong, said for the record (a row of an earlier batch this one superseded).
Severity = Literal["error", "warning", "notice"]
MAX_VALUE_CHARS = 500


@dataclass(frozen=True)
class Problem:
    """A rejected row (``error``), a row that landed with something to fix (``warning``), or a
    note for the record (``notice``: an earlier batch's row this batch superseded).

    ``row`` is the CSV line number (header = 1) or the 1-based YAML document index; ``field``
    is a column name or a dotted path into a document.
    """

    file: str
    reason: str
    row: int | None = None
    field: str | None = None
    value: Any = None
    severity: Severity = "error"
    record: Any = None
    # Which input record this is about, when a row (document) holds several records.
    item: str | None = None

    @property
    def value_text(self) -> str | None:
        if self.value is None:
            return None
        text = self.value if isinstance(self.value, str) else repr(self.value)
        return text if len(text) <= MAX_VALUE_CHARS else text[:MAX_VALUE_CHARS] + "…"

    def location(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", row {self.row}"
        if self.field:
            where += f", field {self.field!r}"
        return where

    def describe(self) -> str:
        text = f"{self.location()}: {self.reason}"
        if self.value is not None:
            text += f" (got {self.value_text})"
        return text


class InputError(Exception):
    """A whole input cannot be read (missing, a directory, not UTF-8, not YAML...)."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.describe())
        self.problem = problem


@dataclass
class Parsed:
    """What a source made of one input: records to land and the problems found."""

    rows_read: int = 0
    records: Any = None
    problems: list[Problem] = field(default_factory=list)

    @property
    def rejected_rows(self) -> int:
        return len({(p.file, p.row, p.item) for p in self.problems if p.severity == "error"})

    @property
    def warned_rows(self) -> int:
        return len({(p.file, p.row, p.item) for p in self.problems if p.severity == "warning"})
