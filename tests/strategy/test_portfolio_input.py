"""Capability and roadmap input: unknown references are warnings naming the document and
field, invalid values are errors and the other documents land, re-import corrects in place,
removal is audited."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from leadline.cli import app as cli
from leadline.context import App
from leadline.strategy.alignment import alignment_matrix
from leadline.strategy.roadmap import roadmap
from tests.strategy.support import ingest, land_delivery, write
from tests.strategy.support_portfolio import CAPABILITIES, INITIATIVES, land_all


def test_unknown_references_are_warnings_naming_document_and_field(
    app: App, tmp_path: Path
) -> None:
    land_delivery(app, tmp_path)
    cap = CAPABILITIES.replace("services: [api]", "services: [api, ghost]").replace(
        "parent: commerce", "parent: nowhere"
    )
    (result,) = ingest(app, "capabilities-yaml", write(tmp_path / "c.yaml", cap)).results
    assert result.rows_accepted == 3
    found = {(p.row, p.field, p.value, p.severity) for p in result.problems}
    assert found == {
        (2, "spec.services[1]", "ghost", "warning"),
        (2, "spec.parent", "nowhere", "warning"),
        (1, "spec.alignment[0].outcome", "faster", "warning"),  # no strategy yet
        (2, "spec.alignment[0].outcome", "faster", "warning"),
        (2, "spec.alignment[1].outcome", "reliable", "warning"),
        (3, "spec.alignment[0].outcome", "cheaper", "warning"),
    }
    (result,) = ingest(app, "roadmap-yaml", write(tmp_path / "r.yaml", INITIATIVES)).results
    assert result.rows_accepted == 5
    fields = {(p.row, p.field) for p in result.problems}
    assert (1, "spec.objectives[0]") in fields and (1, "spec.outcomes[0]") in fields
    assert (2, "spec.outcomes[0]") in fields
    assert all(
        p.severity == "warning" and p.file == str(tmp_path / "r.yaml") for p in result.problems
    )
    assert "unknown objective" in next(
        p.reason for p in result.problems if p.field == "spec.objectives[0]"
    )


ROAD = INITIATIVES.split("---", maxsplit=1)[0].strip()
CAP = CAPABILITIES.split("---")[1].strip()
BAD = [
    ("capabilities-yaml", CAP.replace("strength: 2", "strength: 7"), "spec.alignment[1].strength"),
    (
        "capabilities-yaml",
        CAP.replace("strength: strong", "strength: mighty"),
        "spec.alignment[0].strength",
    ),
    ("capabilities-yaml", CAP.replace("parent: commerce", "parent: ordering"), "spec.parent"),
    (
        "capabilities-yaml",
        CAP.replace("outcome: reliable", "outcome: faster"),
        "spec.alignment[1].outcome",
    ),
    ("capabilities-yaml", CAP.replace("services: [api]", "servces: [api]"), "spec.servces"),
    ("roadmap-yaml", ROAD.replace("end: 2027Q2", "end: 2025Q4"), "spec.end"),
    ("roadmap-yaml", ROAD.replace("end: 2027Q2", "end: 2027Q5"), "spec.end"),
    ("roadmap-yaml", ROAD.replace("end: 2027Q2", "horizon: next"), "spec.horizon"),
    ("roadmap-yaml", ROAD.replace("start: 2026Q1", "owner: x"), "spec.start"),
    ("roadmap-yaml", ROAD.replace("budget: 1000.50", "budget: -1"), "spec.budget"),
    ("roadmap-yaml", ROAD.replace("budget: 1000.50", "budget: 1000.505"), "spec.budget"),
    ("roadmap-yaml", ROAD.replace("budget: 1000.50", "budget: 1e20"), "spec.budget"),
    ("roadmap-yaml", ROAD.replace("title: Paved road", "title: " + "x" * 513), "metadata.title"),
    ("roadmap-yaml", ROAD.replace("target: 10,", "target: 2,"), "spec.kpis[1].target"),
    ("roadmap-yaml", ROAD.replace("target: 12}", "target: 96}"), "spec.kpis[0].target"),
    ("roadmap-yaml", ROAD.replace(", scope: {team: shop}", ""), "spec.kpis[0].scope"),
    ("roadmap-yaml", ROAD.replace("dora.lead_time_p50", "dora.nope"), "spec.kpis[0].metric"),
    (
        "roadmap-yaml",
        ROAD.replace("unit: teams", "unit: teams, scope: {team: shop}"),
        "spec.kpis[1].scope",
    ),
    (
        "roadmap-yaml",
        ROAD.replace("current: 4,", "current: 4, direction: decrease,"),
        "spec.kpis[1].direction",
    ),
    ("roadmap-yaml", ROAD.replace("kind: Initiative", "kind: Capability"), "kind"),
]


@pytest.mark.parametrize(("source", "text", "field"), BAD)
def test_invalid_values_are_errors_and_the_rest_lands(
    app: App, tmp_path: Path, source: str, text: str, field: str
) -> None:
    good = (
        CAPABILITIES.split("---")[2]
        if source == "capabilities-yaml"
        else INITIATIVES.split("---")[4]
    )
    path = write(tmp_path / "bad.yaml", good.strip() + "\n---\n" + text + "\n")
    report = ingest(app, source, path)
    (result,) = report.results
    errors = [p for p in result.problems if p.severity == "error"]
    assert [(p.file, p.row, p.field) for p in errors] == [(str(path), 2, field)]
    assert result.rows_accepted == 1 and report.exit_code != 0


def test_reimport_corrects_in_place_and_is_audited(app: App, tmp_path: Path) -> None:
    land_all(app, tmp_path)
    changed = CAPABILITIES.replace("strength: strong", "strength: medium")
    ingest(app, "capabilities-yaml", write(tmp_path / "c2.yaml", changed))
    data = alignment_matrix(app, today=dt.date(2026, 3, 31))
    assert len(data["capabilities"]) == 3
    ordering = next(r for r in data["capabilities"] if r["capability"] == "ordering")
    assert ordering["strengths"]["faster"] == 2
    runner = CliRunner()
    log = runner.invoke(
        cli,
        [
            "--home",
            str(app.settings.home),
            "audit",
            "--entity",
            "capability",
            "--id",
            "ordering",
            "--format",
            "json",
        ],
        env={"COLUMNS": "200"},
    )
    entries = json.loads(log.stdout)["entries"]
    ordering_entries = [
        e for e in entries if e["entity_type"] == "capability" and e["entity_id"] == "ordering"
    ]
    assert len(ordering_entries) == 2


def test_remove_capability_and_initiative_is_audited(app: App, tmp_path: Path) -> None:
    land_all(app, tmp_path)
    runner = CliRunner()
    home = ["--home", str(app.settings.home)]
    gone = runner.invoke(cli, [*home, "strategy", "remove", "capability", "payroll", "--as", "cio"])
    assert gone.exit_code == 0, gone.output
    runner.invoke(cli, [*home, "strategy", "remove", "initiative", "idea"])
    names = [c["capability"] for c in alignment_matrix(app)["capabilities"]]
    assert names == ["commerce", "ordering"]
    assert "idea" not in {i["name"] for i in roadmap(app)["initiatives"]}
    log = runner.invoke(
        cli, [*home, "audit", "--entity", "capability", "--id", "payroll", "--format", "json"]
    )
    latest = json.loads(log.stdout)["entries"][0]
    assert (latest["action"], latest["actor"], latest["after"]) == ("delete", "cio", None)
    assert latest["before"]["name"] == "payroll"
    missing = runner.invoke(cli, [*home, "strategy", "remove", "capability", "payroll"])
    assert missing.exit_code == 2 and "no capability named 'payroll'" in missing.output
    wrong = runner.invoke(cli, [*home, "strategy", "remove", "outcome", "faster"])
    assert wrong.exit_code == 2
