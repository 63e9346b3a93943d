"""Skills matrix: needed vs present skills per team from the catalog's people, open roles and
training; bad documents; the CLI."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import select
from typer.testing import CliRunner

from leadline.audit.log import AuditEntry
from leadline.cli import app as cli
from leadline.context import App
from leadline.people.skills import skills_matrix
from tests.strategy.support import ingest, write

CATALOG = """
apiVersion: leadline.io/v1
kind: Catalog
teams:
  - {name: shop}
  - {name: ops}
people:
  - {name: ada, team: shop, skills: [Python, kafka]}
  - {name: bob, team: shop, skills: [python]}
  - {name: cy, team: ops, skills: [sre]}
  - {name: dee, team: shop, skills: [SRE]}
"""
SKILLS = """
apiVersion: leadline.io/v1
kind: TeamSkills
metadata: {name: shop}
spec:
  needed: {python: 2, kafka: 2, SRE: 2, go: 1}
  open_roles: [{title: SRE, skills: [sre, kubernetes], opened_on: 2026-10-01}]
  training: [{person: bob, skill: Kafka, until: 2026-12-15}, {person: zed, skill: go}]
"""


def test_needed_vs_present_with_roles_and_training(any_app: App, tmp_path: Path) -> None:
    """shop: python 2 of 2; kafka 1 of 2, bob in training -> covered; sre 1 (dee) of 2,
    one open role -> covered; go 0 of 1, zed (not in the team) in training -> covered but
    warned; kubernetes is asked by the open role only (need 0)."""
    ingest(any_app, "catalog-yaml", write(tmp_path / "c.yaml", CATALOG))
    (result,) = ingest(any_app, "skills-yaml", write(tmp_path / "s.yaml", SKILLS)).results
    assert [(p.severity, p.field) for p in result.problems] == [
        ("warning", "spec.training[1].person")
    ]
    ops, shop = skills_matrix(any_app)["teams"]
    assert (shop["team"], shop["people"], ops["people"]) == ("shop", 3, 1)
    rows = {r["skill"]: r for r in shop["skills"]}
    assert {k: (r["needed"], r["present"], r["gap"]) for k, r in rows.items()} == {
        "go": (1, 0, 1),
        "kafka": (2, 1, 1),
        "python": (2, 2, 0),
        "sre": (2, 1, 1),
    }
    assert rows["kafka"]["in_training"] == 1 and rows["sre"]["hiring"] == 1
    assert all(r["covered"] for r in rows.values())
    assert shop["gaps"] == 3 and shop["uncovered"] == []
    assert [r["skill"] for r in ops["skills"]] == ["sre"] and ops["skills"][0]["needed"] == 0
    with any_app.store.session() as session:
        assert (
            session.scalar(
                select(AuditEntry.entity_id).where(AuditEntry.entity_type == "team_skills")
            )
            == "shop"
        )


def test_bad_skill_documents(app: App, tmp_path: Path) -> None:
    bad = SKILLS.replace("go: 1", "go: 0") + "---\n" + SKILLS.replace("title: SRE, ", "")
    path = write(tmp_path / "s.yaml", bad)
    (result,) = ingest(app, "skills-yaml", path).results
    errors = sorted((p.row, p.field) for p in result.problems if p.severity == "error")
    assert errors == [(1, "spec.needed.go"), (2, "spec.open_roles[0].title")]


def test_uncovered_gap_and_cli(tmp_path: Path) -> None:
    home = ["--home", str(tmp_path / "home")]
    runner = CliRunner()
    runner.invoke(cli, [*home, "ingest", "catalog-yaml", str(write(tmp_path / "c.yaml", CATALOG))])
    doc = SKILLS.replace("go: 1", "go: 3")
    runner.invoke(cli, [*home, "ingest", "skills-yaml", str(write(tmp_path / "s.yaml", doc))])
    result = runner.invoke(cli, [*home, "skills", "--team", "shop", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["teams"][0]["uncovered"] == ["go"]
    table = runner.invoke(cli, [*home, "skills", "--gaps"], env={"COLUMNS": "200"})
    assert "go" in table.stdout and "python" not in table.stdout
