"""``leadline catalog check``: every finding type on hand-made data, thresholds from settings,
exit status and JSON keys."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from leadline.catalog.checks import run_checks
from leadline.cli import app as cli
from leadline.config import CatalogSettings, load_settings
from leadline.context import App
from tests.catalog.helpers import ingest, write

HEADER = "apiVersion: leadline.io/v1\nkind: Catalog\n"


def _findings(app: App, today: dt.date, **limits: object) -> set[tuple[str, str, str, str | None]]:
    with app.store.session() as session:
        found = run_checks(session, CatalogSettings(**limits), today)  # type: ignore[arg-type]
    return {(f.check, f.kind, f.entity, f.field) for f in found}


def test_a_clean_catalog_has_no_findings(app: App, tmp_path: Path) -> None:
    """Typed teams within limits, owned services, a short collaboration: nothing to report."""
    path = write(
        tmp_path / "c.yaml",
        HEADER
        + """
teams:
  - {name: a, type: platform, cognitive_load: 7}
  - {name: b, type: enabling}
services:
  - {name: s, owner: a}
interactions:
  - {team: a, with: b, mode: collaboration, started_on: 2026-01-01}
""",
    )
    assert ingest(app, "catalog-yaml", path).exit_code == 0
    assert _findings(app, dt.date(2026, 4, 1)) == set()  # 90 days: at the limit, not over


def test_ownership_and_team_findings(app: App, tmp_path: Path) -> None:
    """A service without owner, one whose owner is no team, a team over the service limit,
    a team over the cognitive-load limit and a team without type."""
    services = "\n".join(f"  - {{name: s{i}, owner: busy}}" for i in range(3))
    path = write(
        tmp_path / "c.yaml",
        HEADER
        + f"""
teams:
  - {{name: busy, type: platform}}
  - {{name: loaded, type: enabling, cognitive_load: 8.5}}
  - {{name: untyped}}
services:
{services}
  - {{name: orphan}}
  - {{name: lost, owner: nobody}}
""",
    )
    ingest(app, "catalog-yaml", path)
    assert _findings(app, dt.date(2026, 1, 1), max_services_per_team=2) == {
        ("service-without-owner", "service", "orphan", "owner"),
        ("service-without-owner", "service", "lost", "owner"),
        ("dangling-reference", "service", "lost", "owner"),
        ("team-owns-too-many-services", "team", "busy", None),
        ("team-cognitive-load", "team", "loaded", "cognitive_load"),
        ("team-without-type", "team", "untyped", "type"),
    }
    # raising the limits removes the two threshold findings
    relaxed = _findings(app, dt.date(2026, 1, 1), max_services_per_team=3, max_cognitive_load=8.5)
    assert {f[0] for f in relaxed} == {
        "service-without-owner",
        "dangling-reference",
        "team-without-type",
    }


def test_collaboration_age_as_of_a_date(app: App, tmp_path: Path) -> None:
    """An open collaboration older than the limit on --at is flagged; one that ended within
    the limit is not, one that lasted longer than the limit is; other modes never are."""
    path = write(
        tmp_path / "c.yaml",
        HEADER
        + """
teams: [{name: a, type: platform}, {name: b, type: enabling}, {name: c, type: enabling}]
interactions:
  - {team: a, with: b, mode: collaboration, started_on: 2026-01-01}
  - {team: a, with: c, mode: collaboration, started_on: 2025-01-01, ended_on: 2025-03-01}
  - {team: b, with: c, mode: collaboration, started_on: 2025-01-01, ended_on: 2025-06-01}
  - {team: c, with: a, mode: facilitating, started_on: 2020-01-01}
""",
    )
    ingest(app, "catalog-yaml", path)
    old = ("long-collaboration", "interaction")
    # 2026-01-01 + 90 days = 2026-04-01: not yet; one day later: over the limit
    assert _findings(app, dt.date(2026, 4, 1)) == {(*old, "b<->c", "started_on")}
    assert _findings(app, dt.date(2026, 4, 2)) == {
        (*old, "a<->b", "started_on"),
        (*old, "b<->c", "started_on"),  # lasted 151 days
    }
    assert _findings(app, dt.date(2026, 4, 2), max_collaboration_days=200) == set()


def test_dangling_references_of_every_kind(any_app: App, tmp_path: Path) -> None:
    """Every by-name reference that points nowhere is a finding with kind, entity and field."""
    native = write(
        tmp_path / "n.yaml",
        HEADER
        + """
business_units: [{name: bu, organisation: no-org}]
value_streams: [{name: vs, business_unit: no-bu}]
teams:
  - {name: t, type: platform, business_unit: no-bu2, value_stream: no-vs}
services:
  - {name: s, owner: t, system: no-system, value_stream: no-vs2}
people:
  - {name: p, team: no-team}
interactions:
  - {team: t, with: no-other, mode: facilitating, started_on: 2026-01-01}
""",
    )
    descriptors = write(
        tmp_path / "b.yaml",
        """
apiVersion: backstage.io/v1alpha1
kind: Group
metadata: {name: child}
spec: {type: team, parent: no-parent}
---
apiVersion: backstage.io/v1alpha1
kind: System
metadata: {name: sys}
spec: {owner: "user:no-user", domain: no-domain}
---
apiVersion: backstage.io/v1alpha1
kind: Domain
metadata: {name: dom}
spec: {owner: no-group, subdomainOf: no-parent-domain}
---
apiVersion: backstage.io/v1alpha1
kind: Resource
metadata: {name: db}
spec: {type: database, owner: t, system: no-sys2}
---
apiVersion: backstage.io/v1alpha1
kind: API
metadata: {name: api}
spec: {type: openapi, lifecycle: production, owner: no-owner, system: sys}
---
apiVersion: backstage.io/v1alpha1
kind: User
metadata: {name: u}
spec: {memberOf: [t, no-group2]}
""",
    )
    ingest(any_app, "catalog-yaml", native)
    ingest(any_app, "backstage", descriptors)
    dangling = {
        f[1:] for f in _findings(any_app, dt.date(2026, 1, 2)) if f[0] == "dangling-reference"
    }
    assert dangling == {
        ("business unit", "bu", "organisation"),
        ("value stream", "vs", "business_unit"),
        ("team", "t", "business_unit"),
        ("team", "t", "value_stream"),
        ("team", "child", "parent"),
        ("service", "s", "system"),
        ("service", "s", "value_stream"),
        ("person", "p", "team"),
        ("person", "u", "member_of"),
        ("interaction", "t<->no-other", "with"),
        ("system", "sys", "owner"),
        ("system", "sys", "domain"),
        ("domain", "dom", "owner"),
        ("domain", "dom", "parent"),
        ("resource", "db", "system"),
        ("API", "api", "owner"),
    }


@pytest.fixture
def checked_home(tmp_path: Path) -> Path:
    home = tmp_path / "home"
    path = write(
        tmp_path / "c.yaml",
        HEADER + "teams:\n  - {name: a, cognitive_load: 6}\nservices:\n  - {name: s, owner: a}\n",
    )
    result = CliRunner().invoke(cli, ["--home", str(home), "ingest", "catalog-yaml", str(path)])
    assert result.exit_code == 0, result.output
    return home


def test_cli_check_json_and_exit_status(checked_home: Path) -> None:
    """Findings: exit 1 and JSON with ``findings`` (check, kind, entity, field, message),
    ``count`` and ``at``."""
    result = CliRunner().invoke(
        cli,
        ["--home", str(checked_home), "catalog", "check", "--at", "2026-02-01", "--format", "json"],
    )
    assert result.exit_code == 1
    payload = json.loads(result.stdout)
    assert set(payload) >= {"findings", "count", "at"}
    assert payload["at"] == "2026-02-01"
    assert payload["count"] == 1
    [finding] = payload["findings"]
    assert set(finding) == {"check", "kind", "entity", "field", "message"}
    assert (finding["check"], finding["entity"]) == ("team-without-type", "a")


def test_cli_check_thresholds_from_the_config_file(checked_home: Path, tmp_path: Path) -> None:
    """[catalog] in leadline.toml sets the thresholds the command uses."""
    (checked_home / "leadline.toml").write_text(
        "[catalog]\nmax_cognitive_load = 5.0\nmax_services_per_team = 0\n", encoding="utf-8"
    )
    assert load_settings(home=checked_home).catalog.max_cognitive_load == 5.0
    result = CliRunner().invoke(
        cli, ["--home", str(checked_home), "catalog", "check", "--format", "json"]
    )
    checks = sorted(f["check"] for f in json.loads(result.stdout)["findings"])
    assert checks == ["team-cognitive-load", "team-owns-too-many-services", "team-without-type"]


def test_cli_check_passes_with_exit_0(tmp_path: Path) -> None:
    """No findings: exit 0, the table output says so, and JSON has an empty list."""
    home = tmp_path / "home"
    path = write(tmp_path / "c.yaml", HEADER + "teams:\n  - {name: a, type: platform}\n")
    runner = CliRunner()
    assert (
        runner.invoke(cli, ["--home", str(home), "ingest", "catalog-yaml", str(path)]).exit_code
        == 0
    )
    table = runner.invoke(cli, ["--home", str(home), "catalog", "check"])
    assert table.exit_code == 0
    assert "catalog check passed" in table.output
    as_json = runner.invoke(cli, ["--home", str(home), "catalog", "check", "--format", "json"])
    assert as_json.exit_code == 0
    assert json.loads(as_json.stdout)["findings"] == []
