"""Controls, attestations and policy compliance coverage (with derived evidence rules)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete
from typer.testing import CliRunner

from leadline.audit import history
from leadline.catalog.models import BusinessUnit, Service, Team
from leadline.cli import app as cli
from leadline.context import App
from leadline.ingest.runner import run_ingest
from leadline.reliability.models import Slo
from leadline.risk.compliance import compliance_report
from leadline.risk.models import Attestation, Control

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
    assert (units["(none)"]["in_scope"], units["(none)"]["passing"]) == (1, 0)
    assert {g["key"] for g in by_team["groups"]} == {"shop", "payments", "(none)"}
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
    last_day = runner.invoke(
        cli,
        [
            "--home",
            home,
            "risk",
            "compliance",
            "--by",
            "service",
            "--at",
            "2026-06-30",
            "--format",
            "json",
        ],
    )
    assert {g["key"]: g["passing"] for g in json.loads(last_day.output)["groups"]}["legacy"] == 1
    with app.store.session() as session:
        (entry,) = history(session, entity_type="attestation")
        assert entry.actor == "auditor" and entry.entity_id == "AC-01/legacy/2026-06-01"


@st.composite
def _world(draw: st.DrawFn) -> dict[str, Any]:
    units = ["u1", "u2"]
    teams = {f"t{i}": draw(st.sampled_from([*units, None])) for i in range(3)}
    services = {f"s{i}": draw(st.sampled_from([*teams, None])) for i in range(5)}
    controls = []
    for i in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["all", "service", "team", "business-unit"]))
        pool = {"all": [], "service": list(services), "team": list(teams), "business-unit": units}
        scope = (
            draw(st.lists(st.sampled_from(pool[kind]), min_size=1, unique=True))
            if pool[kind]
            else []
        )
        rule = draw(st.sampled_from([None, "slo-defined", "owner-defined"]))
        controls.append((f"C{i}", kind, scope, rule))
    attestations = draw(
        st.lists(
            st.tuples(
                st.sampled_from([c[0] for c in controls]),
                st.sampled_from(list(services)),
                st.sampled_from(["pass", "fail"]),
                st.integers(0, 10),  # attested, days after 2026-01-01
                st.integers(0, 10),  # validity in days (small: boundaries get hit)
            ),
            max_size=12,
            unique_by=lambda a: (a[0], a[1], a[3]),
        )
    )
    with_slo = draw(st.sets(st.sampled_from(list(services))))
    return {
        "teams": teams,
        "services": services,
        "controls": controls,
        "attestations": attestations,
        "slo": with_slo,
        # half the time exactly an attestation's start or last valid day (the boundaries)
        "at": draw(
            st.one_of(
                st.integers(0, 20),
                st.sampled_from([a[3] + a[4] for a in attestations] + [a[3] for a in attestations])
                if attestations
                else st.integers(0, 20),
            )
        ),
    }


def _oracle(world: dict[str, Any], at: dt.date) -> tuple[int, int]:
    """In-scope and passing pairs, computed the plain way."""
    base = dt.date(2026, 1, 1)
    in_scope = passing = 0
    for key, kind, scope, rule in world["controls"]:
        for service, team in world["services"].items():
            unit = world["teams"].get(team) if team else None
            covered = {
                "all": True,
                "service": service in scope,
                "team": team in scope,
                "business-unit": unit in scope,
            }[kind]
            if not covered:
                continue
            in_scope += 1
            made = [
                a
                for a in world["attestations"]
                if a[0] == key and a[1] == service and base + dt.timedelta(days=a[3]) <= at
            ]
            latest = max(made, key=lambda a: a[3]) if made else None
            attested = (
                latest is not None
                and latest[2] == "pass"
                and at <= (base + dt.timedelta(days=latest[3] + latest[4]))
            )
            by_rule = (rule == "slo-defined" and service in world["slo"]) or (
                rule == "owner-defined" and team is not None
            )
            passing += attested or by_rule
    return in_scope, passing


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(world=_world())
def test_coverage_matches_a_plain_oracle(app: App, world: dict[str, Any]) -> None:
    base = dt.date(2026, 1, 1)
    with app.store.session() as session:
        for model in (Attestation, Control, Slo, Service, Team, BusinessUnit):
            session.execute(delete(model))
        session.add_all([BusinessUnit(name="u1"), BusinessUnit(name="u2")])
        session.add_all([Team(name=t, business_unit=u) for t, u in world["teams"].items()])
        session.add_all([Service(name=s, owner_team=t) for s, t in world["services"].items()])
        session.add_all(
            [
                Slo(
                    name=f"{s}-slo",
                    service=s,
                    objective=0.99,
                    window_kind="rolling",
                    window_days=28,
                    budgeting="occurrences",
                    sli_kind="ratio",
                )
                for s in world["slo"]
            ]
        )
        for key, kind, scope, rule in world["controls"]:
            session.add(
                Control(
                    key=key,
                    name=key,
                    scope_kind=kind,
                    scope=scope,
                    evidence_rule=rule,
                    csf=[],
                    cobit=[],
                    policies=[],
                    active=True,
                )
            )
        for control, service, result, day, valid in world["attestations"]:
            attested = base + dt.timedelta(days=day)
            session.add(
                Attestation(
                    control=control,
                    service=service,
                    result=result,
                    attested_on=attested,
                    attested_by="x",
                    expires_on=attested + dt.timedelta(days=valid),
                )
            )
        session.commit()
        at = base + dt.timedelta(days=world["at"])
        report = compliance_report(session, at, "team")
    in_scope, passing = _oracle(world, at)
    assert (report["in_scope"], report["passing"]) == (in_scope, passing)
    assert len(report["missing"]) == in_scope - passing
    assert sum(g["passing"] for g in report["groups"]) == passing
