"""XLAs: experience.csv through the real ingest path, hand-computed CSAT, NPS and CES, verdicts,
NPS edge cases, bad input, idempotency and the CLI."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import ibis
import pyarrow as pa
import pytest
from typer.testing import CliRunner

from leadline.context import App
from leadline.lake.engines import duckdb_backend
from leadline.periods import PeriodAsOf
from leadline.reliability.xla import XLA_TARGETS_SCHEMA, experience_scores, xla_app, xla_status
from tests.delivery.support_metrics import ingest, load_catalog, problems, write_csv, write_text

AS_OF = dt.datetime(2026, 4, 10)
HEADER = "response_id,service,responded_at,kind,score,respondent"
ANSWERS = [
    "r1,api,2026-03-01T10:00:00Z,csat,5,ann",
    "r2,api,2026-03-02T10:00:00Z,csat,4,",
    "r3,api,2026-03-03T10:00:00Z,CSAT,4,",  # csat mean 13/3 = 4.333 >= 4.2: met
    "r4,api,2026-03-04T10:00:00Z,nps,10,",
    "r5,api,2026-03-05T10:00:00Z,nps,9,",
    "r6,api,2026-03-06T10:00:00Z,nps,7,",
    "r7,api,2026-03-07T10:00:00Z,nps,3,",  # NPS 100 * (2 - 1) / 4 = 25 < 30: breached
    "r8,api,2026-03-08T10:00:00Z,ces,3,",
    "r9,api,2026-03-31T23:59:59Z,ces,3,",  # CES mean 3 <= 3: met (boundary)
    "r10,api,2026-04-01T00:00:00Z,csat,1,",  # April
    "r11,web,2026-03-09T10:00:00Z,csat,4,",  # web: 1 answer < min_responses 3
    "r12,search,2026-03-09T10:00:00Z,nps,0,",  # no XLA
]
AGREEMENTS = """
apiVersion: leadline.io/v1
kind: ExperienceLevelAgreement
metadata: {name: api-experience}
spec: {service: api, min_responses: 2, csat: 4.2, nps: 30, ces: 3}
---
apiVersion: leadline.io/v1
kind: ExperienceLevelAgreement
metadata: {name: payments-experience}
spec: {team: payments, min_responses: 3, csat: 4.0, nps: 0}
"""


@pytest.fixture
def xla_ready(app: App, tmp_path: Path) -> App:
    land_xla(app, tmp_path)
    return app


def land_xla(app: App, tmp_path: Path) -> None:
    load_catalog(app, tmp_path)
    for source, path in (
        ("service-levels", write_text(tmp_path / "xla.yaml", AGREEMENTS)),
        ("experience-csv", write_csv(tmp_path / "experience.csv", HEADER, ANSWERS)),
    ):
        report = ingest(app, source, path)
        assert report.exit_code == 0, [p.describe() for p in problems(report)]


def group(report: dict[str, Any], key: str) -> dict[str, Any]:
    (found,) = [g for g in report["groups"] if g["key"] == key]
    return found


def test_hand_computed(xla_ready: App) -> None:
    report = xla_status(xla_ready, month=PeriodAsOf.parse("2026-03", AS_OF))
    api = group(report, "api")
    assert (api["agreement"], api["status"], api["min_responses"]) == (
        "api-experience",
        "breached",
        2,
    )
    assert api["csat"] == {
        "responses": 3,
        "mean": pytest.approx(13 / 3),
        "satisfied_share": 1.0,
        "target": 4.2,
        "status": "met",
    }
    assert api["nps"] == {
        "responses": 4,
        "promoters": 2,
        "passives": 1,
        "detractors": 1,
        "score": 25.0,
        "target": 30.0,
        "status": "breached",
    }
    assert api["ces"] == {"responses": 2, "mean": 3.0, "target": 3.0, "status": "met"}
    web = group(report, "web")
    assert (web["agreement"], web["csat"]["status"], web["nps"]["status"]) == (
        "payments-experience",
        "insufficient_data",
        "no_data",
    )
    assert web["ces"]["status"] == "no_target" and web["status"] == "insufficient_data"
    search = group(report, "search")
    assert (search["agreement"], search["nps"]["score"], search["status"]) == (
        None,
        -100.0,
        "no_target",
    )
    by_team = xla_status(xla_ready, month=PeriodAsOf.parse("2026-03", AS_OF), by="team")
    assert {(g["key"], g["agreement"]) for g in by_team["groups"]} == {
        ("payments", "api-experience"),
        ("payments", "payments-experience"),
        ("browse", None),
    }


def scores(rows: list[tuple[str, int]]) -> dict[str, Any]:
    """experience_scores on DuckDB over answers of one service (targets: NPS >= 0)."""
    when = dt.datetime(2026, 3, 2)
    responses = ibis.memtable(
        pa.table(
            {
                "response_id": [f"r{i}" for i in range(len(rows))],
                "service": ["s"] * len(rows),
                "responded_at": [when] * len(rows),
                "kind": [k for k, _ in rows],
                "score": pa.array([v for _, v in rows], pa.int64()),
            }
        )
    )
    services = ibis.memtable(pa.table({"service": ["s"], "key": ["s"]}))
    targets = ibis.memtable(
        pa.Table.from_pylist(
            [
                {
                    "service": "s",
                    "month": dt.datetime(2026, 3, 1),
                    "agreement": "a",
                    "min_responses": 1,
                    "csat_target": None,
                    "nps_target": 0.0,
                    "ces_target": None,
                }
            ],
            schema=XLA_TARGETS_SCHEMA,
        )
    )
    (row,) = (
        duckdb_backend().to_pyarrow(experience_scores(responses, services, targets)).to_pylist()
    )
    return row


@pytest.mark.parametrize(
    ("answers", "nps", "status"),
    [
        ([9, 10, 10], 100.0, "met"),
        ([0, 6, 3], -100.0, "breached"),
        ([7, 8], 0.0, "met"),  # passives only: 0, exactly at the target
        ([9, 6], 0.0, "met"),
    ],
)
def test_nps_edges(answers: list[int], nps: float, status: str) -> None:
    row = scores([("nps", a) for a in answers])
    assert (row["nps"], row["nps_status"]) == (nps, status)


def test_no_answers_is_no_data() -> None:
    row = scores([("csat", 3)])
    assert (row["nps"], row["nps_responses"], row["nps_status"], row["status"]) == (
        None,
        0,
        "no_data",
        "no_data",
    )


def test_scores_out_of_range_are_rejected(app: App, tmp_path: Path) -> None:
    load_catalog(app, tmp_path)
    path = write_csv(
        tmp_path / "bad.csv",
        HEADER,
        [
            "b1,api,2026-03-01T00:00:00Z,csat,6,",  # row 2
            "b2,api,2026-03-01T00:00:00Z,nps,11,",  # row 3
            "b3,api,2026-03-01T00:00:00Z,ces,0,",  # row 4
            "b4,api,2026-03-01T00:00:00Z,nps,0,",  # row 5: good
            "b5,api,2026-03-01T00:00:00Z,csat,4.5,",  # row 6: not whole
            "b6,api,2026-03-01T00:00:00Z,stars,4,",  # row 7: unknown kind
            "b7,nowhere,2026-03-01T00:00:00Z,csat,4,",  # row 8: kept, warned
        ],
    )
    report = ingest(app, "experience-csv", path)
    assert report.exit_code == 1
    found = {(p.row, p.field) for p in problems(report) if p.severity == "error"}
    assert found == {(2, "score"), (3, "score"), (4, "score"), (6, "score"), (7, "kind")}
    reasons = {p.row: p.reason for p in problems(report)}
    assert reasons[3] == "must be between 0 and 10 for nps"
    (warning,) = [p for p in problems(report) if p.severity == "warning"]
    assert (warning.field, warning.value) == ("service", "nowhere")
    assert report.totals()["rows_accepted"] == 2


def test_reingest_changes_nothing(xla_ready: App, tmp_path: Path) -> None:
    before = xla_status(xla_ready, month=PeriodAsOf.parse("2026-03", AS_OF))
    again = ingest(xla_ready, "experience-csv", tmp_path / "experience.csv")
    assert again.results[0].status == "unchanged"
    # the same answers in another file: merged by response_id, not duplicated
    copy = write_csv(tmp_path / "copy.csv", HEADER, ANSWERS)
    assert ingest(xla_ready, "experience-csv", copy).exit_code == 0
    after = xla_status(xla_ready, month=PeriodAsOf.parse("2026-03", AS_OF))
    assert before["groups"] == after["groups"]


def test_cli(xla_ready: App) -> None:
    args = ["status", "--month", "2026-03", "--as-of", "2026-04-10T00:00:00Z"]
    result = CliRunner().invoke(xla_app, [*args, "--format", "json"], obj=xla_ready)
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert set(report) >= {"month", "by", "as_of", "month_complete", "engine", "groups"}
    assert set(group(report, "api")) == {
        "key",
        "agreement",
        "status",
        "min_responses",
        "csat",
        "nps",
        "ces",
    }
    csv_out = CliRunner().invoke(xla_app, [*args, "--format", "csv"], obj=xla_ready).output
    assert csv_out.splitlines()[0].startswith("key,agreement,status,csat_responses,csat_mean")
    table = CliRunner().invoke(xla_app, args, obj=xla_ready)
    assert table.exit_code == 0 and "XLA attainment by service, 2026-03" in table.output
