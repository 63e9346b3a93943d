"""What an ingest reports: per unit (landed, unchanged or failed, with its counts and problems)
and per run, with the exit status scripts rely on (docs/ingest.md, "Exit status")."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from leadline.ingest.problems import Problem

Status = Literal["landed", "unchanged", "failed"]
Outcome = Literal["failed", "rejected", "warnings", "clean"]


@dataclass
class UnitResult:
    file_name: str
    status: Status
    batch_id: int | None = None
    rows_read: int = 0
    rows_accepted: int = 0
    rows_rejected: int = 0
    rows_warned: int = 0
    # rows earlier batches landed that this one changed (the merge rule: the later wins)
    rows_superseded: int = 0
    problems: list[Problem] = field(default_factory=list)
    message: str | None = None

    @property
    def clean(self) -> bool:
        return self.outcome == "clean"

    @property
    def outcome(self) -> Outcome:
        """The worst thing that happened to this unit (an unchanged one: to its batch then)."""
        if self.status == "failed":
            return "failed"
        if self.rows_rejected:
            return "rejected"
        if self.rows_warned or any(p.severity == "warning" for p in self.problems):
            return "warnings"
        return "clean"


# Worst first: the report's outcome is its worst unit's.
OUTCOMES: tuple[Outcome, ...] = ("failed", "rejected", "warnings", "clean")
WHY: dict[Outcome, str] = {
    "failed": "a batch failed and nothing of it was written",
    "rejected": "rows were rejected",
    "warnings": "landed with warnings",
    "clean": "landed",
}


@dataclass
class IngestReport:
    """What one ``leadline ingest`` did. The exit status is the contract scripts rely on
    (docs/ingest.md, "Exit status"): 0 when every batch landed, warnings included (they are
    printed and recorded); 1 when a row was rejected or a batch failed; with ``strict``
    (``--strict``, as dbt's ``--warn-error``) warnings are failures too."""

    source: str
    results: list[UnitResult]
    strict: bool = False

    @property
    def outcome(self) -> Outcome:
        found = {r.outcome for r in self.results}
        return next((o for o in OUTCOMES if o in found), "clean")

    @property
    def exit_code(self) -> int:
        return exit_code_of(self.outcome, self.strict)

    def totals(self) -> dict[str, int]:
        keys = ("rows_read", "rows_accepted", "rows_rejected", "rows_warned", "rows_superseded")
        return {k: sum(getattr(r, k) for r in self.results) for k in keys}

    def summary(self) -> str:
        """One line with every count, whatever happened: read, landed, rejected, warnings."""
        t = self.totals()
        files = len(self.results)
        failed = sum(r.status == "failed" for r in self.results)
        parts = [
            f"{files} {'file' if files == 1 else 'files'}"
            + (f" ({failed} failed)" if failed else ""),
            f"{t['rows_read']:,} {'row' if t['rows_read'] == 1 else 'rows'} read",
            f"{t['rows_accepted']:,} landed",
            f"{t['rows_rejected']:,} rejected",
            f"{t['rows_warned']:,} {'warning' if t['rows_warned'] == 1 else 'warnings'}",
        ]
        why = WHY[self.outcome]
        if self.outcome == "warnings":
            why += " (--strict: a failure)" if self.strict else " (--strict would fail)"
        return f"{'; '.join(parts)}: exit {self.exit_code}, {why}"


def exit_code_of(outcome: Outcome, strict: bool = False) -> int:
    """The exit status of an ingest whose worst unit had ``outcome``."""
    if outcome in ("failed", "rejected"):
        return 1
    return 1 if strict and outcome == "warnings" else 0
