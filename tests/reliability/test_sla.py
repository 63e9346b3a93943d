"""SLAs end to end: agreements YAML, tickets.csv and SLI samples through the real ingest paths,
then ``sla status`` against values computed by hand (see each scenario's comments)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
import typer
from sqlalchemy import select
from typer.testing import CliRunner

from leadline.context import App
from leadline.lake.engines import Lake
from leadline.periods import PeriodAsOf
from leadline.reliability.agreement_models import ServiceLevelAgreement
from leadline.reliability.sla_report import sla_app, sla_status
from tests.delivery.support_metrics import ingest, load_catalog, problems, write_csv, write_text

AS_OF = dt.datetime(2026, 4, 10)
TICKETS_HEADER = "ticket_id,service,priority,opened_at,first_response_at,resolved_at,status,team"
TICKETS = [
    # api, P1 (respond 15m, resolve 4h, attainment 75%):
    # both exactly at target: met
    "t1,api,P1,2026-03-02T10:00:00Z,2026-03-02T10:15:00Z,2026-03-02T14:00:00Z,resolved,ops",
    # response 20m breached; 3h met
    "t2,api,P1,2026-03-05T09:00:00Z,2026-03-05T09:20:00Z,2026-03-05T12:00:00Z,closed,ops",
    # counts in March; 6h breached
    "t3,api,p1,2026-03-31T23:00:00Z,2026-03-31T23:10:00Z,2026-04-01T05:00:00Z,resolved,ops",
    "t4,api,P1,2026-03-20T08:00:00Z,,,open,ops",  # open, both targets elapsed at AS_OF: breached
    # api, P2 (respond 1h, resolve 1d, attainment 50%):
    # met, met (24h exactly)
    "t5,api,P2,2026-03-10T08:00:00Z,2026-03-10T08:30:00Z,2026-03-11T08:00:00Z,resolved,ops",
    "t6,api,P2,2026-03-12T08:00:00Z,,,cancelled,ops",  # counted, never judged
    # no target
    "t7,api,P3,2026-03-15T10:00:00Z,2026-03-15T11:00:00Z,2026-03-15T13:00:00Z,resolved,ops",
    "t8,api,P1,2026-02-28T10:00:00Z,2026-02-28T11:00:00Z,,open,ops",  # February
    # web: the team's agreement (P1 respond 30m, resolve 8h, attainment 90%)
    "w1,web,P1,2026-03-20T09:50:00Z,,,new,ops",
    "w2,web,P1,2026-03-03T00:00:00Z,2026-03-03T00:30:00Z,2026-03-03T08:00:00Z,resolved,ops",
    "s1,search,P1,2026-03-04T00:00:00Z,2026-03-04T01:00:00Z,,in_progress,ops",  # no agreement
    "m1,mystery,P2,2026-03-04T00:00:00Z,,,open,ops",  # unknown service: kept, warned
]
SLI_HEADER = "slo,timestamp,good,total"
SLI = [
    "api-availability,2026-03-01T00:00:00Z,999,1000",  # exactly 99.9%: met
    "api-availability,2026-02-28T23:59:00Z,0,1000",  # February: not counted
    "web-availability,2026-03-05T00:00:00Z,980,1000",  # 98% < 99%: breached
]
AGREEMENTS = """
apiVersion: leadline.io/v1
kind: ServiceLevelAgreement
metadata: {name: api-gold, title: API gold}
spec:
  service: api
  valid_from: 2026-01
  availability: {slo: api-availability, objective: 99.9%}
  tickets:
    attainment: 75%
    priorities:
      P1: {respond_within: 15m, resolve_within: 4h}
      P2: {respond_within: 1h, resolve_within: 1d, attainment: 0.5}
---
apiVersion: leadline.io/v1
kind: ServiceLevelAgreement
metadata: {name: api-gold}
spec:
  service: api
  valid_from: 2026-04
  tickets:
    attainment: 99%
    priorities:
      P1: {respond_within: 5m}
---
apiVersion: leadline.io/v1
kind: ServiceLevelAgreement
metadata: {name: payments-standard}
spec:
  team: payments
  availability: {slo: "{service}-availability", objective: 99%}
  tickets:
    attainment: 90%
    priorities:
      P1: {respond_within: 30m, resolve_within: 8h}
"""


def land_sla(app: App, tmp_path: Path) -> None:
    """The catalog of tests.delivery, the agreements, tickets and SLI samples above."""
    load_catalog(app, tmp_path)
    for source, path in (
        ("service-levels", write_text(tmp_path / "sl.yaml", AGREEMENTS)),
        ("tickets-csv", write_csv(tmp_path / "tickets.csv", TICKETS_HEADER, TICKETS)),
        ("sli-csv", write_csv(tmp_path / "sli.csv", SLI_HEADER, SLI)),
    ):
        report = ingest(app, source, path)
        assert report.totals()["rows_rejected"] == 0, [p.describe() for p in problems(report)]


def group(report: dict[str, Any], key: str, agreement: str | None) -> dict[str, Any]:
    (found,) = [g for g in report["groups"] if g["key"] == key and g["agreement"] == agreement]
    return found


def priority(found: dict[str, Any], name: str) -> dict[str, Any]:
    (item,) = [p for p in found["priorities"] if p["priority"] == name]
    return item


@pytest.fixture
def sla_app_ready(app: App, tmp_path: Path) -> App:
    land_sla(app, tmp_path)
    return app


def test_service_report_hand_computed(sla_app_ready: App) -> None:
    report = sla_status(sla_app_ready, month=PeriodAsOf.parse("2026-03", AS_OF))
    assert (report["month"], report["as_of"], report["month_complete"]) == (
        "2026-03",
        "2026-04-10T00:00:00Z",
        True,
    )
    api = group(report, "api", "api-gold")
    p1 = priority(api, "P1")
    assert (p1["tickets"], p1["open"], p1["cancelled"], p1["attainment_target"]) == (4, 1, 0, 0.75)
    assert p1["response"] | {"p90_hours": None} == {
        "target_hours": 0.25,
        "met": 2,
        "breached": 2,
        "pending": 0,
        "within_target": 0.5,
        "p50_hours": 0.25,
        "p90_hours": None,
        "status": "breached",
    }
    # responses 10 min, 15 min, 20 min: p90 = 15 + 0.8 * 5 minutes
    assert p1["response"]["p90_hours"] == pytest.approx(19 / 60)
    assert p1["resolution"] == {
        "target_hours": 4.0,
        "met": 2,
        "breached": 2,
        "pending": 0,
        "within_target": 0.5,
        "p50_hours": 4.0,
        "p90_hours": pytest.approx(5.6),
        "status": "breached",
    }
    p2 = priority(api, "P2")
    assert (p2["tickets"], p2["open"], p2["cancelled"]) == (2, 0, 1)
    assert (p2["response"]["within_target"], p2["response"]["status"]) == (1.0, "met")
    assert (p2["resolution"]["p50_hours"], p2["resolution"]["status"]) == (24.0, "met")
    p3 = priority(api, "P3")
    assert (p3["tickets"], p3["response"]["status"], p3["attainment_target"]) == (
        1,
        "no_target",
        None,
    )
    tickets = api["tickets"]
    assert (tickets["tickets"], tickets["open"], tickets["cancelled"]) == (7, 1, 1)
    assert (tickets["response"]["met"], tickets["response"]["breached"]) == (3, 2)
    assert tickets["response"]["within_target"] == pytest.approx(0.6)
    assert tickets["response"]["status"] == "breached"
    assert api["availability"] == {
        "objective": 0.999,
        "availability": 0.999,
        "good": 999.0,
        "total": 1000.0,
        "status": "met",
    }
    assert api["status"] == "breached"
    web = group(report, "web", "payments-standard")
    assert priority(web, "P1")["response"]["within_target"] == 0.5
    assert web["availability"]["availability"] == 0.98
    assert web["availability"]["status"] == "breached"
    search = group(report, "search", None)
    assert (search["status"], search["tickets"]["tickets"]) == ("no_target", 1)
    assert group(report, "mystery", None)["tickets"]["open"] == 1
    # ledger's team has no agreement and it had no tickets: nothing to report
    assert {g["key"] for g in report["groups"]} == {"api", "web", "search", "mystery"}


def test_pending_until_the_target_elapses(sla_app_ready: App) -> None:
    """w1 (P1, opened 09:50, no response): pending at 10:00, breached once 30 min passed."""
    early = sla_status(
        sla_app_ready, month=PeriodAsOf.parse("2026-03", dt.datetime(2026, 3, 20, 10))
    )
    p1 = priority(group(early, "web", "payments-standard"), "P1")
    assert (p1["response"]["met"], p1["response"]["pending"], p1["response"]["status"]) == (
        1,
        1,
        "met",
    )
    assert early["month_complete"] is False
    late = sla_status(
        sla_app_ready, month=PeriodAsOf.parse("2026-03", dt.datetime(2026, 3, 20, 10, 21))
    )
    p1 = priority(group(late, "web", "payments-standard"), "P1")
    assert (p1["response"]["breached"], p1["response"]["pending"]) == (1, 0)
    assert p1["resolution"]["pending"] == 1  # 8 h not yet elapsed


def test_versions_apply_from_their_month(sla_app_ready: App) -> None:
    """April uses api-gold's 2026-04 version (P1 respond within 5 min, no availability)."""
    april = sla_status(sla_app_ready, month=PeriodAsOf.parse("2026-04", AS_OF))
    api = group(april, "api", "api-gold")
    assert priority(api, "P1")["response"]["target_hours"] == pytest.approx(5 / 60)
    assert priority(api, "P1")["tickets"] == 0
    assert priority(api, "P1")["response"]["status"] == "no_data"
    assert api["availability"]["status"] == "no_target"
    with sla_app_ready.store.session() as session:
        names = sorted(
            (a.name, a.valid_from) for a in session.scalars(select(ServiceLevelAgreement))
        )
    assert names == [
        ("api-gold", "2026-01"),
        ("api-gold", "2026-04"),
        ("payments-standard", "1970-01"),
    ]


@pytest.mark.parametrize(
    ("by", "expected"),
    [
        (
            "team",
            {
                ("payments", "api-gold"),
                ("payments", "payments-standard"),
                ("browse", None),
                ("(none)", None),
            },
        ),
        (
            "business-unit",
            {
                ("retail", "api-gold"),
                ("retail", "payments-standard"),
                ("retail", None),
                ("(none)", None),
            },
        ),
    ],
)
def test_groups_split_by_agreement(sla_app_ready: App, by: str, expected: set[Any]) -> None:
    report = sla_status(sla_app_ready, month=PeriodAsOf.parse("2026-03", AS_OF), by=by)  # type: ignore[arg-type]
    assert {(g["key"], g["agreement"]) for g in report["groups"]} == expected
    first = next(g for g in report["groups"] if g["agreement"] == "api-gold")
    assert first["tickets"]["tickets"] == 7


def test_bad_tickets_are_rejected_with_row_and_field(app: App, tmp_path: Path) -> None:
    load_catalog(app, tmp_path)
    path = write_csv(
        tmp_path / "bad.csv",
        TICKETS_HEADER,
        [
            # row 2: before opened
            "b1,api,P1,2026-03-02T10:00:00Z,,2026-03-02T09:00:00Z,resolved,x",
            "b2,api,P1,2026-03-02T10:00:00Z,2026-03-02T09:59:59Z,,open,x",  # row 3: response before
            "b3,api,P1,2026-03-02T10:00:00Z,,,closed,x",  # row 4: closed without resolved_at
            "b4,api,P1,2026-03-02T10:00:00Z,,,done,x",  # row 5: unknown status
            "b5,api,P1,yesterday,,,open,x",  # row 6: bad time
            # row 7: warning, kept open
            "b6,api,P1,2026-03-02T10:00:00Z,,2026-03-02T11:00:00Z,open,x",
            "b7,api,P1,2026-03-02T10:00:00Z,,,open,x",  # row 8: good
        ],
    )
    report = ingest(app, "tickets-csv", path)
    assert report.exit_code == 1
    found = {(p.row, p.field, p.severity) for p in problems(report)}
    assert found == {
        (2, "resolved_at", "error"),
        (3, "first_response_at", "error"),
        (4, "resolved_at", "error"),
        (5, "status", "error"),
        (6, "opened_at", "error"),
        (7, "resolved_at", "warning"),
    }
    lake = Lake(app.settings, app.store)
    rows = {r["ticket_id"]: r for r in lake.execute(lake.table("tickets")).to_pylist()}
    assert sorted(rows) == ["b6", "b7"] and rows["b6"]["resolved_at"] is None
    assert json.loads(rows["b7"]["extra"]) == {"row": 8, "team": "x"}


def test_reingest_is_idempotent_and_later_exports_update(
    sla_app_ready: App, tmp_path: Path
) -> None:
    before = sla_status(sla_app_ready, month=PeriodAsOf.parse("2026-03", AS_OF))
    again = ingest(sla_app_ready, "tickets-csv", tmp_path / "tickets.csv")
    assert again.results[0].status == "unchanged"
    update = write_csv(
        tmp_path / "later.csv",
        TICKETS_HEADER + ",updated_at",
        ["t4,api,P1,2026-03-20T08:00:00Z,2026-03-20T08:05:00Z,,open,ops,2030-01-01T00:00:00Z"],
    )
    assert ingest(sla_app_ready, "tickets-csv", update).exit_code == 0
    after = sla_status(sla_app_ready, month=PeriodAsOf.parse("2026-03", AS_OF))
    p1_before = priority(group(before, "api", "api-gold"), "P1")
    p1_after = priority(group(after, "api", "api-gold"), "P1")
    assert p1_after["tickets"] == p1_before["tickets"] == 4
    assert (p1_after["response"]["met"], p1_after["response"]["breached"]) == (3, 1)
    lake = Lake(sla_app_ready.settings, sla_app_ready.store)
    assert lake.execute(lake.table("tickets")).num_rows == len(TICKETS)  # merged, not added


AGREEMENT_HEAD = "apiVersion: leadline.io/v1\nkind: ServiceLevelAgreement\nmetadata: {name: x}\n"


@pytest.mark.parametrize(
    ("spec", "field", "reason"),
    [
        (
            "spec: {service: api, tickets: {attainment: 95%, "
            "priorities: {P1: {respond_within: 15}}}}",
            "spec.tickets.priorities.P1.respond_within",
            "duration with units",
        ),
        (
            "spec: {service: api, availability: {slo: a, objective: 99.9}}",
            "spec.availability.objective",
            "at most 1",
        ),
        (
            "spec: {service: api, team: payments, availability: {slo: a, objective: 0.99}}",
            "spec",
            "exactly one of",
        ),
        ("spec: {team: payments, availability: {slo: a, objective: 0.99}}", "spec", "{service}"),
        (
            "spec: {service: api, valid_from: 2026-13, availability: {slo: a, objective: 0.99}}",
            "spec.valid_from",
            "YYYY-MM",
        ),
        (
            "spec: {service: api, tickets: {attainment: 95%, "
            "priorities: {P1: {respond_within: 1h}}}, "
            "sla: 1}",
            "spec.sla",
            "Extra inputs",
        ),
    ],
)
def test_bad_agreements(app: App, tmp_path: Path, spec: str, field: str, reason: str) -> None:
    report = ingest(app, "service-levels", write_text(tmp_path / "a.yaml", AGREEMENT_HEAD + spec))
    assert report.exit_code == 1
    (problem,) = problems(report)
    assert (problem.row, problem.field) == (1, field)
    assert reason in problem.reason


def test_agreements_upsert_by_name_and_reject_ambiguity(app: App, tmp_path: Path) -> None:
    load_catalog(app, tmp_path)
    one = AGREEMENT_HEAD + "spec: {service: api, availability: {slo: api-a, objective: 0.99}}\n"
    first = ingest(app, "service-levels", write_text(tmp_path / "1.yaml", one))
    assert first.totals()["rows_rejected"] == 0
    fixed = one.replace("0.99", "0.995")
    report = ingest(app, "service-levels", write_text(tmp_path / "2.yaml", fixed))
    assert report.totals()["rows_rejected"] == 0  # a warning: the SLO is not known yet
    assert [p.field for p in problems(report)] == ["spec.availability.slo"]
    other = fixed.replace("name: x", "name: y")
    report = ingest(app, "service-levels", write_text(tmp_path / "3.yaml", other))
    assert report.exit_code == 1
    assert "already has agreement 'x'" in problems(report)[0].reason
    with app.store.session() as session:
        (stored,) = session.scalars(select(ServiceLevelAgreement))
        assert stored.targets["availability"]["objective"] == 0.995


def invoke(app: App, typer_app: typer.Typer, *args: str) -> Any:
    result = CliRunner().invoke(typer_app, ["status", *args], obj=app)
    assert result.exit_code == 0, result.output
    return result.output


def test_cli_json_csv_table(sla_app_ready: App) -> None:
    base = ("--month", "2026-03", "--as-of", "2026-04-10T00:00:00Z")
    report = json.loads(invoke(sla_app_ready, sla_app, *base, "--format", "json"))
    assert report == json.loads(
        json.dumps(sla_status(sla_app_ready, month=PeriodAsOf.parse("2026-03", AS_OF)) | {})
    )
    assert set(report) >= {"month", "by", "as_of", "month_complete", "engine", "groups"}
    assert set(report["groups"][0]) == {
        "key",
        "agreement",
        "status",
        "availability",
        "tickets",
        "priorities",
    }
    lines = invoke(sla_app_ready, sla_app, *base, "--by", "team", "--format", "csv").splitlines()
    assert lines[0].startswith("key,agreement,priority,status,tickets,open,cancelled")
    assert any(line.startswith("payments,api-gold,(all),breached,7,1,1,") for line in lines)
    assert "SLA attainment by service, 2026-03" in invoke(sla_app_ready, sla_app, *base)
    bad = CliRunner().invoke(sla_app, ["status", "--month", "2026-3"], obj=sla_app_ready)
    assert bad.exit_code == 2
