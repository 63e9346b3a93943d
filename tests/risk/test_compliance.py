"""Controls, attestations and policy compliance coverage (with derived evidence rules)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from typer.testing import CliRunner

from leadline.audit import history
from leadline.catalog.models import BusinessUnit, Service, Team
from leadline.cli import app as cli
from leadline.context import App
from leadline.ingest.runner import run_ingest
from leadline.reliability.models import Slo
from leadline.risk.compliance import compliance_report

runner = CliRunner()
CONTROLS = """\
controls:
  - id: AC-01
    name: MFA for production access
    csf: [pr.aa-03]
    cobit: [DSS05]
    policies: [org-policies:STD-1, org-policies:STD-9]
    scope: {all: true}
  - id: AV-01
    name: Availability objective defined
    csf: [PR.IR-03]
    scope: {business_units: [Retail]}
    evidence_rule: slo-defined
  - id: OW-01
    name: Every service has an owner
    scope: {teams: [payments, ghost-team]}
    evidence_rule: owner-defined
  - id: BAD-01
    name: Unknown subcategory
    csf: [PR.ZZ-01]
    scope: {all: true}
  - id: BAD-02
    name: Two scopes
    scope: {all: true, services: [x]}
"""
ATTESTATIONS = """\
control,service,result,attested_on,expires_on,attested_by,evidence,notes
AC-01,checkout,pass,2026-01-10,2026-12-31,ciso,https://evidence/1,
AC-01,payments-api,pass,2025-01-10,2025-12-31,ciso,,
AC-01,ledger,pass,2026-02-01,,ciso,,
AC-01,ledger,fail,2026-05-01,,auditor,,regression
AC-01,search,pass,2026-07-01,2026-06-01,ciso,,
AC-01,ghost,pass,2026-03-01,,ciso,,
"""


def _catalog(app: App) -> None:
    with app.store.session() as session:
        session.add_all(
            [
                BusinessUnit(name="Retail"),
                BusinessUnit(name="Finance"),
                Team(name="shop", business_unit="Retail"),
                Team(name="payments", business_unit="Finance"),
                Service(name="checkout", owner_team="shop"),
                Service(name="search", owner_team="shop"),
                Service(name="payments-api", owner_team="payments"),
                Service(name="ledger", owner_team="payments"),
                Service(name="legacy"),
                Slo(
                    name="checkout-availability",
                    service="checkout",
                    objective=0.999,
                    window_kind="rolling",
                    window_days=28,
                    budgeting="occurrences",
                    sli_kind="ratio",
                ),
            ]
        )
        session.commit()


def _ingest(app: App, tmp_path: Path, source: str, name: str, text: str):  # type: ignore[no-untyped-def]
    path = tmp_path / name
    path.write_text(text)
    return run_ingest(source, [path], settings=app.settings, store=app.store)


LIBRARY = """\
framework: {id: org-policies, name: Org, levels: [policy, standard]}
nodes:
  - {id: POL-1, level: policy}
  - {id: STD-1, level: standard, parent: POL-1}
"""


def test_controls_yaml_rejects_with_path(any_app: App, tmp_path: Path) -> None:
    _catalog(any_app)
    _ingest(any_app, tmp_path, "framework-library", "lib.yaml", LIBRARY)
    report = _ingest(any_app, tmp_path, "controls-yaml", "controls.yaml", CONTROLS)
    (result,) = report.results
    assert result.rows_read == 5 and result.rows_rejected == 2
    fields = {(p.field, p.severity) for p in result.problems}
    assert ("controls[3].csf", "error") in fields
    assert ("controls[4].scope", "error") in fields
    assert ("scope", "warning") in fields  # ghost-team is not in the catalog
    (policy,) = [p for p in result.problems if p.field == "policies"]
    assert policy.value == "org-policies:STD-9" and policy.severity == "warning"
    with any_app.store.session() as session:
        entries = history(session, entity_type="control")
        assert sorted(e.entity_id for e in entries) == ["AC-01", "AV-01", "OW-01"]


def test_coverage_by_unit_team_service(any_app: App, tmp_path: Path) -> None:
    _catalog(any_app)
    _ingest(any_app, tmp_path, "controls-yaml", "controls.yaml", CONTROLS)
    report = _ingest(any_app, tmp_path, "attestations-csv", "att.csv", ATTESTATIONS)
    (result,) = report.results
    assert {(p.row, p.field, p.severity) for p in result.problems} == {
        (6, "expires_on", "error"),
        (7, "service", "warning"),
    }
    at = dt.date(2026, 6, 15)
    with any_app.store.session() as session:
        by_unit = compliance_report(session, at, "business-unit")
        by_team = compliance_report(session, at, "team")
        by_service = compliance_report(session, at, "service")
    # pairs: AC-01 x 5 services, AV-01 x {checkout, search}, OW-01 x {payments-api, ledger} = 9
    # passing: AC-01/checkout (attested), AV-01/checkout (SLO), OW-01 x 2 (owner) = 4
    assert (by_unit["in_scope"], by_unit["passing"], by_unit["coverage"]) == (9, 4, round(4 / 9, 4))
    units = {g["key"]: g for g in by_unit["groups"]}
    assert (units["Retail"]["in_scope"], units["Retail"]["passing"]) == (4, 2)
    assert (units["Finance"]["in_scope"], units["Finance"]["passing"]) == (4, 2)
    assert (units["(unassigned)"]["in_scope"], units["(unassigned)"]["passing"]) == (1, 0)
    assert {g["key"] for g in by_team["groups"]} == {"shop", "payments", "(unassigned)"}
    for report in (by_unit, by_team, by_service):  # groups partition the pairs
        assert sum(g["in_scope"] for g in report["groups"]) == 9
        assert sum(g["passing"] for g in report["groups"]) == 4
    assert len(by_unit["missing"]) == 9 - 4
    services = {g["key"]: g["coverage"] for g in by_service["groups"]}
    assert services["checkout"] == 1.0 and services["legacy"] == 0.0
    missing = {(m["control"], m["service"]): m["reason"] for m in by_unit["missing"]}
    assert missing[("AC-01", "payments-api")] == "attestation expired on 2025-12-31"
    assert missing[("AC-01", "ledger")] == "attestation 2026-05-01 failed"
    assert missing[("AC-01", "legacy")] == "no attestation"
    assert missing[("AV-01", "search")] == "no attestation; rule slo-defined not met"
    # before the failing re-attestation, ledger passed (default validity: 365 days)
    with any_app.store.session() as session:
        earlier = compliance_report(session, dt.date(2026, 4, 1), "service")
    assert {g["key"]: g["passing"] for g in earlier["groups"]}["ledger"] == 2


def test_attest_cli_changes_coverage_and_is_audited(app: App, tmp_path: Path) -> None:
    _catalog(app)
    _ingest(app, tmp_path, "controls-yaml", "controls.yaml", CONTROLS)
    home = str(app.settings.home)
    ok = runner.invoke(
        cli,
        [
            "--home",
            home,
            "risk",
            "attest",
            "AC-01",
            "legacy",
            "--on",
            "2026-06-01",
            "--expires",
            "2026-06-30",
            "--as",
            "auditor",
        ],
    )
    assert ok.exit_code == 0, ok.output
    bad = runner.invoke(cli, ["--home", home, "risk", "attest", "NOPE", "legacy"])
    assert bad.exit_code == 1 and "no control 'NOPE'" in bad.output
    order = runner.invoke(
        cli,
        [
            "--home",
            home,
            "risk",
            "attest",
            "AC-01",
            "legacy",
            "--on",
            "2026-06-01",
            "--expires",
            "2026-05-01",
        ],
    )
    assert order.exit_code == 1 and "before attested_on" in order.output
    data = json.loads(
        runner.invoke(
            cli,
            [
                "--home",
                home,
                "risk",
                "compliance",
                "--by",
                "service",
                "--at",
                "2026-06-15",
                "--format",
                "json",
            ],
        ).output
    )
    assert {g["key"]: g["passing"] for g in data["groups"]}["legacy"] == 1
    later = json.loads(
        runner.invoke(
            cli,
            [
                "--home",
                home,
                "risk",
                "compliance",
                "--by",
                "service",
                "--at",
                "2026-07-01",
                "--format",
                "json",
            ],
        ).output
    )
    assert {g["key"]: g["passing"] for g in later["groups"]}["legacy"] == 0  # expired
    with app.store.session() as session:
        (entry,) = history(session, entity_type="attestation")
        assert entry.actor == "auditor" and entry.entity_id == "AC-01/legacy/2026-06-01"
