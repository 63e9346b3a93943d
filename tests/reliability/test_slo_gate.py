"""``leadline slo gate`` end to end: an exhausted budget or a page alert freezes (exit 1, decision
recorded), a healthy service deploys (exit 0), an override by an editor of reliability lets the
frozen one through (exit 0, 'overridden', audit entry; on SQLite and PostgreSQL), a viewer's is
refused, an override without a reason is a usage error, an unknown service exits 2.

Hand-built data, judged at 2026-03-10T00:00:00Z (28-day windows, the workbook's rules):
- checkout (web, 0.9): 5/10 at 23:58 and 23:59 on 9 March: allowed bad (1 - 0.9) × 20 = 2, bad 10,
  budget left 1 - 10/2 = -4 (-400.0 %): exhausted; burn 5 (below both page factors);
- api-availability (api, 0.99): 3000/3000 on 28 February, 990/1000 at 23:00 on 9 March: left
  1 - 10/40 = 0.75, burn 1: healthy;
- ops-latency (ops, 0.99): 1,000,000/1,000,000 on 20 February, then 80/100 a minute through
  23:00-23:59 on 9 March: bad 1200 of 1,006,000, left 1 - 1200/10060 = 88.1 %, but every
  burn window within the last hour and six sees 1200/6000 = 0.2 bad: burn 20 > 14.4 (1h/5m)
  and > 6 (6h/30m): page alert firing.
"""

from __future__ import annotations

import itertools
import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from sqlalchemy import select
from typer.testing import CliRunner

from leadline.audit import AuditEntry
from leadline.cli import app as cli
from leadline.context import App
from leadline.reliability.gate_models import GateRecord
from tests.conftest import make_settings
from tests.delivery.support_metrics import load_catalog
from tests.reliability.support_slo import add_slo, ingest_samples, run_of, smp, write_samples
from tests.support.postgres import PostgresServer
from tests.web.support import add_user

runner = CliRunner()
AT = "2026-03-10T00:00:00Z"


BOTH = pytest.mark.parametrize("url", ["sqlite", "postgresql"], indirect=True)
_databases = itertools.count(1)


@pytest.fixture
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """SQLite, or a fresh PostgreSQL database for the tests marked ``BOTH`` (kept few: a
    PostgreSQL store costs seconds a test in migrations)."""
    if getattr(request, "param", "sqlite") == "sqlite":
        return f"sqlite:///{tmp_path / 'home' / 'leadline.db'}"
    server: PostgresServer = request.getfixturevalue("postgres_server")
    return server.create_database(f"leadline_gate_{os.getpid()}_{next(_databases)}")


def build(home: Path, url: str) -> None:
    """The three SLOs above and their samples; users ada (admin), rel (editor of
    reliability), eve (editor of risk) and vic (viewer)."""
    app = App(make_settings(home, url))
    try:
        load_catalog(app, home.parent)
        add_slo(app, "checkout", "web", 0.9)
        add_slo(app, "api-availability", "api", 0.99)
        add_slo(app, "ops-latency", "ops", 0.99)
        samples = [
            smp("checkout", "2026-03-09T23:58:00Z", 5, 10),
            smp("checkout", "2026-03-09T23:59:00Z", 5, 10),
            smp("api-availability", "2026-02-28T00:00:00Z", 3000, 3000),
            smp("api-availability", "2026-03-09T23:00:00Z", 990, 1000),
            smp("ops-latency", "2026-02-20T00:00:00Z", 1_000_000, 1_000_000),
            *run_of("ops-latency", "2026-03-09T23:00:00Z", 60, 80, 100),
        ]
        sli = write_samples(home.parent / "sli.csv", samples)
        assert ingest_samples(app, sli).exit_code == 0
        for name, role, pillars in (
            ("ada", "admin", None),
            ("rel", "editor", ["reliability"]),
            ("eve", "editor", ["risk"]),
            ("vic", "viewer", None),
        ):
            add_user(app, name, role, pillars)
    finally:
        app.close()


_templates: list[Path] = []


def template_home(factory: pytest.TempPathFactory) -> Path:
    """The SQLite home, built once a run (this module's tests and the API's copy it: the
    store file and the lake live in it)."""
    if not _templates:
        home = factory.mktemp("gate") / "home"
        build(home, f"sqlite:///{home / 'leadline.db'}")
        _templates.append(home)
    return _templates[0]


@pytest.fixture
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return template_home(tmp_path_factory)


@pytest.fixture
def home(
    request: pytest.FixtureRequest, tmp_path: Path, url: str, monkeypatch: pytest.MonkeyPatch
) -> Path:
    monkeypatch.setenv("COLUMNS", "250")
    monkeypatch.setenv("LEADLINE_DATABASE_URL", url)
    home = tmp_path / "home"
    if url.startswith("sqlite"):
        shutil.copytree(request.getfixturevalue("sqlite_template"), home)
    else:
        build(home, url)
    return home


def gate(home: Path, *args: str) -> Result:
    return runner.invoke(cli, ["--home", str(home), "slo", "gate", "--at", AT, *args])


def gate_json(home: Path, service: str, *args: str, code: int) -> dict[str, Any]:
    result = gate(home, "--service", service, "--format", "json", *args)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exc_info
    assert result.exit_code == code, result.output
    document: dict[str, Any] = json.loads(result.stdout)
    return document


def records(home: Path, url: str) -> list[GateRecord]:
    app = App(make_settings(home, url))
    try:
        with app.store.session() as session:
            found = list(session.scalars(select(GateRecord).order_by(GateRecord.id)))
            session.expunge_all()
            return found
    finally:
        app.close()


def test_exhausted_budget_freezes_and_is_recorded(home: Path, url: str) -> None:
    document = gate_json(home, "web", "--as", "ci-bot", code=1)
    assert (document["decision"], document["policy"], document["at"]) == ("freeze", "freeze", AT)
    assert document["reasons"] == ["checkout: budget exhausted (-400.0 %)"]
    (slo,) = document["slos"]
    assert (slo["slo"], slo["state"], slo["freeze"]) == ("checkout", "exhausted", True)
    assert slo["error_budget_remaining"] == pytest.approx(-4.0)
    assert document["override"] is None and document["actor"] == "ci-bot"
    (row,) = records(home, url)
    assert (row.kind, row.service, row.decision, row.actor, row.via) == (
        "decision",
        "web",
        "freeze",
        "ci-bot",
        "cli",
    )
    assert row.reasons == ["checkout: budget exhausted (-400.0 %)"]
    assert (
        row.evaluated_at is not None and row.evaluated_at.isoformat() == "2026-03-10T00:00:00+00:00"
    )


def test_page_alert_freezes_with_the_burn_rates(home: Path) -> None:
    document = gate_json(home, "ops", code=1)
    assert document["decision"] == "freeze"
    assert document["reasons"] == [
        "ops-latency: page alert firing: 1h burn 20.0× and 5m burn 20.0× > 14.4×",
        "ops-latency: page alert firing: 6h burn 20.0× and 30m burn 20.0× > 6.0×",
    ]
    (slo,) = document["slos"]
    assert slo["state"] == "at_risk" and slo["alert"] == "page"
    assert slo["error_budget_remaining"] == pytest.approx(1 - 1200 / 10060)


def test_healthy_service_deploys(home: Path) -> None:
    document = gate_json(home, "api", code=0)
    assert (document["decision"], document["policy"]) == ("allow", "allow")
    assert document["reasons"] == ["every SLO has error budget left and no page alert fires"]
    assert document["slos"][0]["reason"] == "api-availability: 75.0 % of the budget left"
    table = gate(home, "--service", "api")
    assert table.exit_code == 0 and "decision: allow" in table.stdout
    assert "75.0 %" in table.stdout and "api-availability" in table.stdout


@BOTH
def test_editor_override_lets_the_freeze_through_and_is_audited(home: Path, url: str) -> None:
    result = gate(
        home, "--service", "web", "--override", "--reason", "hotfix INC-42", "--as", "rel"
    )
    assert result.exit_code == 0, result.output
    assert "decision: overridden" in result.stdout
    document = gate_json(home, "web", code=0)
    assert (document["decision"], document["policy"]) == ("overridden", "freeze")
    assert document["override"]["actor"] == "rel"
    assert document["override"]["reason"] == "hotfix INC-42"
    assert document["reasons"][-1].startswith("overridden by rel until ")
    kinds = [(r.kind, r.decision, r.actor) for r in records(home, url)]
    assert kinds == [
        ("override", "override", "rel"),
        ("decision", "overridden", "rel"),
        ("decision", "overridden", _os_user()),
    ]
    override = records(home, url)[0]
    assert override.expires_at is not None and override.expires_at - override.at == _hours(24)
    app = App(make_settings(home, url))
    try:
        with app.store.session() as session:
            (entry,) = session.scalars(
                select(AuditEntry).where(AuditEntry.entity_type == "slo-gate-override")
            )
            assert (entry.actor, entry.via, entry.action, entry.note) == (
                "rel",
                "cli",
                "create",
                "hotfix INC-42",
            )
            assert entry.after["service"] == "web" and entry.entity_id == str(override.id)
    finally:
        app.close()
    # the override is of that service only
    assert gate_json(home, "ops", code=1)["decision"] == "freeze"


def test_viewer_and_other_pillar_cannot_override_and_reason_is_required(
    home: Path, url: str
) -> None:
    for user in ("vic", "eve"):
        refused = gate(home, "--service", "web", "--override", "--reason", "please", "--as", user)
        assert refused.exit_code == 2
        assert "needs an editor of reliability or an admin" in refused.output
    missing = gate(home, "--service", "web", "--override", "--as", "ada")
    assert missing.exit_code == 2 and "--override needs --reason" in missing.output
    blank = gate(home, "--service", "web", "--override", "--reason", "  ", "--as", "ada")
    assert blank.exit_code == 2
    assert records(home, url) == []  # nothing recorded, nothing audited
    assert gate_json(home, "web", code=1)["decision"] == "freeze"


def test_unknown_service_exits_2_naming_it(home: Path, url: str) -> None:
    result = gate(home, "--service", "nope")
    assert result.exit_code == 2 and "unknown service 'nope'" in result.output
    assert records(home, url) == []


def _hours(count: int) -> Any:
    import datetime as dt

    return dt.timedelta(hours=count)


def _os_user() -> str:
    from leadline.audit import actor_name

    return actor_name(None)


def test_an_override_expires_after_the_setting(home: Path, url: str) -> None:
    """Granted at T0 with gate_override_hours = 2: overridden at T0 + 1 h 59 m 59 s, frozen
    again at T0 + 2 h (by the wall clock; the SLOs are still judged at AT)."""
    import datetime as dt

    from leadline.reliability.gate import cli_principal, evaluate, grant_override
    from leadline.reliability.report import parse_instant

    app = App(make_settings(home, url, reliability={"gate_override_hours": 2}))
    try:
        granted = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
        grant_override(app, "web", cli_principal(app, "rel"), "hotfix", now=granted)
        at = parse_instant(AT)
        before = evaluate(app, "web", at=at, now=granted + dt.timedelta(hours=2, seconds=-1))
        after = evaluate(app, "web", at=at, now=granted + dt.timedelta(hours=2))
        assert before["decision"] == "overridden"
        assert before["override"]["until"] == "2026-12-01T11:00:00Z"
        assert (after["decision"], after["override"]) == ("freeze", None)
    finally:
        app.close()
