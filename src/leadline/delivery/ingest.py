"""Generic CSV sources (DESIGN.md §4): deployments, changes and incidents from any tool.

Rows are validated column by column (see ingest.tabular) and kept in Arrow; a key repeated
within the file is judged by the runner (ingest.repeats: an exact repeat lands once, a conflict
is rejected); then rows are merged into the lake by key. The file's rows are observed at ingest
time, so re-sending a corrected file updates what changed (and the batch says what it
superseded).
"""

from __future__ import annotations

import json
from typing import Any, ClassVar

import pyarrow as pa
import pyarrow.compute as pc

from leadline.catalog.services import ServiceResolver, Subject
from leadline.delivery.events import SUBJECT, Facts, land_facts
from leadline.delivery.schemas import CHANGES_CSV, DEPLOYMENTS_CSV, INCIDENTS_CSV
from leadline.ingest.problems import Parsed, Problem
from leadline.ingest.registry import Context, LandContext, Source, Template, Unit, register
from leadline.ingest.tabular import EXTRA_COLUMN, CsvFormat, read_screened
from leadline.store.base import utcnow


class _CsvSource(Source):
    """One CSV format, landing in one fact table through ``land_facts``."""

    format: ClassVar[CsvFormat]
    table: ClassVar[str]
    writes_lake = True
    load_bytes = False

    def templates(self) -> list[Template]:
        return [Template(f"{self.format.name}.csv", self.format.template())]

    # the two times ``check`` orders (first, then), screened in Arrow before any row is checked
    ordered: ClassVar[tuple[str, str]]

    def parse(self, unit: Unit, ctx: Context) -> Parsed:
        (input_file,) = unit.files
        return read_screened(
            input_file.path,
            self.format,
            self.check,
            self.suspect,
            naive_timezone=ctx.settings.naive_timezone,
            progress=ctx.progress,
        )

    def suspect(self, table: pa.Table) -> pa.Array:
        """Rows ``check`` could reject: ``then`` before ``first`` (nulls pass)."""
        first, then = self.ordered
        return pc.fill_null(pc.less(table.column(then), table.column(first)), False)

    def check(self, file: str, row: dict[str, Any]) -> Problem | None:
        """A rule across columns; None when the row is consistent."""
        return _ordered(file, row, *self.ordered)

    def land(self, parsed: Parsed, ctx: LandContext) -> list[Problem]:
        observed = utcnow()
        records: pa.Table = parsed.records
        rows = [self.fact(row, observed) for row in records.to_pylist()]
        facts = Facts(**{self.table: rows})
        resolver = ServiceResolver.load(ctx.session)  # type: ignore[arg-type]
        return land_facts([facts], resolver, ctx)

    def fact(self, row: dict[str, Any], observed: Any) -> dict[str, Any]:
        raise NotImplementedError


def _extra(row: dict[str, Any]) -> str | None:
    extra = json.loads(row[EXTRA_COLUMN]) if row.get(EXTRA_COLUMN) else {}
    extra["row"] = row["_row"]
    return json.dumps(extra, sort_keys=True)


def _ordered(file: str, row: dict[str, Any], first: str, then: str) -> Problem | None:
    """Reject a row whose ``then`` time comes before its ``first`` time."""
    if row[first] is None or row[then] is None or row[then] >= row[first]:
        return None
    record = {k: v for k, v in row.items() if k != "_row"}
    return Problem(
        file,
        f"is before {first} ({row[first].isoformat()})",
        row["_row"],
        then,
        row[then].isoformat(),
        "error",
        record,
    )


def _subject(row: dict[str, Any]) -> Subject:
    return Subject("", row["service"], row["service"])


@register
class DeploymentsCsv(_CsvSource):
    name = "deployments-csv"
    summary = "Deployments as CSV: deployment_id, service, environment, status, finished_at, ..."
    format = DEPLOYMENTS_CSV
    table = "deployments"
    ordered = ("started_at", "finished_at")
    natural_key = ("deployment_id",)

    def fact(self, row: dict[str, Any], observed: Any) -> dict[str, Any]:
        return {
            "deployment_id": row["deployment_id"],
            "environment": row["environment"],
            "status": row["status"],
            "created_at": row["started_at"],
            "finished_at": row["finished_at"],
            "commit_sha": row["commit_sha"] or None,
            "change_type": row["change_type"],
            "source": "csv",
            "updated_at": observed,
            "extra": _extra(row),
            SUBJECT: _subject(row),
        }


@register
class ChangesCsv(_CsvSource):
    name = "changes-csv"
    summary = "Changes as CSV: change_id, service, commit_sha, committed_at, deployment_id, ..."
    format = CHANGES_CSV
    table = "changes"
    ordered = ("committed_at", "merged_at")
    natural_key = ("service", "change_id")

    def fact(self, row: dict[str, Any], observed: Any) -> dict[str, Any]:
        return {
            "change_id": row["change_id"],
            "commit_sha": row["commit_sha"] or None,
            "committed_at": row["committed_at"],
            "merged_at": row["merged_at"],
            "deployment_id": row["deployment_id"] or None,
            "source": "csv",
            "updated_at": observed,
            "extra": _extra(row),
            SUBJECT: _subject(row),
        }


@register
class IncidentsCsv(_CsvSource):
    name = "incidents-csv"
    summary = "Incidents as CSV: incident_id, service, severity, started_at, resolved_at, ..."
    format = INCIDENTS_CSV
    table = "incidents"
    ordered = ("started_at", "resolved_at")
    natural_key = ("incident_id",)

    def fact(self, row: dict[str, Any], observed: Any) -> dict[str, Any]:
        return {
            "incident_id": row["incident_id"],
            "severity": row["severity"] or None,
            "started_at": row["started_at"],
            "resolved_at": row["resolved_at"],
            "deployment_id": row["deployment_id"] or None,
            "title": row["title"] or None,
            "source": "csv",
            "updated_at": observed,
            "extra": _extra(row),
            SUBJECT: _subject(row),
        }
