"""The generic CSV sources (deployments-csv, changes-csv, incidents-csv) end to end: templates,
validation with row and field, cross-column rules, unknown services, idempotency and
corrections."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from leadline.context import App
from leadline.delivery.report import dora
from leadline.ingest.registry import get_source
from leadline.lake.engines import Lake
from leadline.periods import Window
from tests.delivery.support_metrics import (
    CHANGES_HEADER,
    DEPLOYMENTS_HEADER,
    INCIDENTS_HEADER,
    ingest,
    load_catalog,
    problems,
    t,
    write_csv,
)

EXAMPLES = {
    "deployments-csv": "dep-1,api,production,success,2026-03-03T12:00:00Z,abc,,",
    "changes-csv": "abc,api,abc,2026-03-03T09:30:00+01:00,,dep-1",
    "incidents-csv": "inc-1,api,SEV2,2026-03-03T13:00:00Z,2026-03-03T14:00:00Z,,Checkout down",
}


def facts(app: App, table: str) -> list[dict[str, Any]]:
    """Committed rows of a delivery table, sorted by their first column."""
    lake = Lake(app.settings, app.store)
    rows = lake.execute(lake.table(table)).to_pylist()
    return sorted(rows, key=lambda r: str(next(iter(r.values()))))


@pytest.mark.parametrize("source", sorted(EXAMPLES))
def test_templates_ingest_cleanly(app: App, tmp_path: Path, source: str) -> None:
    """Each source's template ingests cleanly as it is (no rows), and with one example row
    under its header (one row accepted, no problem, exit code 0)."""
    load_catalog(app, tmp_path)
    (template,) = get_source(source).templates()
    blank = tmp_path / "blank" / template.file_name
    blank.parent.mkdir()
    blank.write_text(template.text, encoding="utf-8")
    report = ingest(app, source, blank)
    assert report.exit_code == 0, [p.describe() for p in problems(report)]
    filled = tmp_path / "filled" / template.file_name
    filled.parent.mkdir()
    filled.write_text(template.text + EXAMPLES[source] + "\n", encoding="utf-8")
    report = ingest(app, source, filled)
    assert report.exit_code == 0, [p.describe() for p in problems(report)]
    assert report.totals()["rows_accepted"] == 1


def test_bad_values_are_rejected_with_row_and_field(app: App, tmp_path: Path) -> None:
    """An unknown status, an unreadable time, a missing required value and an unknown change
    type are each rejected with their row (header = 1) and field; the good rows land and the
    ingest exits non-zero."""
    load_catalog(app, tmp_path)
    path = write_csv(
        tmp_path / "deployments.csv",
        DEPLOYMENTS_HEADER,
        [
            "d1,api,production,success,2026-03-03T12:00:00Z,a,",  # row 2: good
            "d2,api,production,done,2026-03-03T13:00:00Z,b,",  # row 3: status
            "d3,api,production,success,yesterday,c,",  # row 4: finished_at
            ",api,production,success,2026-03-03T15:00:00Z,d,",  # row 5: deployment_id
            "d5,api,production,success,2026-03-03T16:00:00Z,e,oops",  # row 6: change_type
            "d6,api,staging,failure,2026-03-03T17:00:00Z,f,hotfix",  # row 7: good
        ],
    )
    report = ingest(app, "deployments-csv", path)
    assert report.exit_code == 1
    located = {(p.row, p.field) for p in problems(report) if p.severity == "error"}
    assert located == {(3, "status"), (4, "finished_at"), (5, "deployment_id"), (6, "change_type")}
    assert [r["deployment_id"] for r in facts(app, "deployments")] == ["d1", "d6"]


@pytest.mark.parametrize(
    ("source", "header", "line", "field"),
    [
        (
            "incidents-csv",
            INCIDENTS_HEADER,
            "i1,api,SEV1,2026-03-03T12:00:00Z,2026-03-03T11:59:59Z,",
            "resolved_at",
        ),
        (
            "changes-csv",
            CHANGES_HEADER,
            "c1,api,,2026-03-03T12:00:00Z,2026-03-03T11:00:00Z,",
            "merged_at",
        ),
    ],
)
def test_times_out_of_order_are_rejected(
    app: App, tmp_path: Path, source: str, header: str, line: str, *, field: str
) -> None:
    """An incident resolved before it started, or a change merged before its first commit,
    is rejected (row 3, the later field); the good row (row 2) lands. Equal times are fine."""
    load_catalog(app, tmp_path)
    good = (
        "i0,api,SEV1,2026-03-03T12:00:00Z,2026-03-03T12:00:00Z,"
        if source == "incidents-csv"
        else "c0,api,,2026-03-03T12:00:00Z,2026-03-03T12:00:00Z,"
    )
    report = ingest(app, source, write_csv(tmp_path / "f.csv", header, [good, line]))
    assert report.exit_code == 1
    assert [(p.row, p.field, p.severity) for p in problems(report)] == [(3, field, "error")]
    table = "incidents" if source == "incidents-csv" else "changes"
    assert len(facts(app, table)) == 1


def test_unknown_service_is_kept_with_a_warning(app: App, tmp_path: Path) -> None:
    """A deployment of a service missing from the catalog lands (it counts in the metrics
    under its own name) and the ingest warns once for the service; the batch landed, so the
    exit status is 0 (1 with ``--strict``)."""
    load_catalog(app, tmp_path)
    path = write_csv(
        tmp_path / "d.csv",
        DEPLOYMENTS_HEADER,
        [
            "d1,api,production,success,2026-03-03T12:00:00Z,a,",
            "d2,mystery,production,success,2026-03-03T13:00:00Z,b,",
            "d3,mystery,production,success,2026-03-04T13:00:00Z,c,",
        ],
    )
    report = ingest(app, "deployments-csv", path)
    assert (report.outcome, report.exit_code) == ("warnings", 0)
    assert [(p.severity, p.field, p.value) for p in problems(report)] == [
        ("warning", "service", "mystery")
    ]
    assert report.totals()["rows_accepted"] == 3
    assert {r["service"] for r in facts(app, "deployments")} == {"api", "mystery"}
    groups = dora(app, by="service", window=Window.parse("2026-03-02", "2026-03-16"))["groups"]
    assert {g["key"]: g["deployments"] for g in groups}["mystery"] == 2


def test_reingest_is_unchanged(app: App, tmp_path: Path) -> None:
    """Ingesting the same file again changes nothing: status unchanged, same facts."""
    load_catalog(app, tmp_path)
    path = write_csv(
        tmp_path / "i.csv",
        INCIDENTS_HEADER,
        ["i1,api,SEV1,2026-03-03T12:00:00Z,2026-03-03T13:00:00+01:00,"],
    )
    first = ingest(app, "incidents-csv", path)
    assert first.exit_code == 0
    before = facts(app, "incidents")
    again = ingest(app, "incidents-csv", path)
    assert [r.status for r in again.results] == ["unchanged"]
    assert facts(app, "incidents") == before
    # 13:00+01:00 is 12:00Z: resolved at once.
    assert before[0]["resolved_at"] == t("2026-03-03T12:00:00Z")


def test_a_corrected_file_updates_the_deployment_status(app: App, tmp_path: Path) -> None:
    """A deployment first reported failed, then (in a corrected file) successful: one row, now
    successful, and it counts in the metrics; the other row is untouched."""
    load_catalog(app, tmp_path)
    lines = [
        "d1,api,production,failure,2026-03-03T12:00:00Z,a,",
        "d2,api,production,success,2026-03-04T12:00:00Z,b,",
    ]
    ingest(app, "deployments-csv", write_csv(tmp_path / "v1" / "d.csv", DEPLOYMENTS_HEADER, lines))
    window = Window.parse("2026-03-02", "2026-03-16")
    assert dora(app, by="service", window=window)["groups"][0]["deployments"] == 1
    lines[0] = lines[0].replace("failure", "success")
    report = ingest(
        app, "deployments-csv", write_csv(tmp_path / "v2" / "d.csv", DEPLOYMENTS_HEADER, lines)
    )
    assert report.exit_code == 0
    rows = facts(app, "deployments")
    assert [(r["deployment_id"], r["status"]) for r in rows] == [
        ("d1", "success"),
        ("d2", "success"),
    ]
    assert dora(app, by="service", window=window)["groups"][0]["deployments"] == 2
