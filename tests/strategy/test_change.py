"""Change and transformation: initiatives with Kotter stages, ADKAR barrier points, metrics over
time, the innovation pipeline's stage gates, bad input, the CLI."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from leadline.cli import app as cli
from leadline.context import App
from leadline.strategy.change import change_report
from leadline.strategy.change_documents import barrier_point
from tests.strategy.support import ingest, write

INITIATIVE = """
apiVersion: leadline.io/v1
kind: ChangeInitiative
metadata: {name: paved-road, title: Paved road}
spec:
  sponsor: cio
  kotter_stage: enlist a volunteer army
  started_on: 2026-09-01
  adkar:
    - {group: devs, assessed_on: 2026-09-01, awareness: 2, desire: 2, knowledge: 1, ability: 1,
       reinforcement: 1}
    - {group: devs, assessed_on: 2026-11-01, awareness: 4, desire: 3, knowledge: 2, ability: 4,
       reinforcement: 1}
    - {group: managers, assessed_on: 2026-11-01, awareness: 5, desire: 4, knowledge: 4,
       ability: 3, reinforcement: 3}
  metrics:
    - {date: 2026-11-01, adoption_rate: 0.4, satisfaction: 3.9}
    - {date: 2026-10-01, adoption_rate: 0.2, roi_realisation: 0.1}
"""
IDEAS = """
apiVersion: leadline.io/v1
kind: Idea
metadata: {name: ai-review}
spec:
  budget: 40000.50
  currency: USD
  gates: [{stage: pilot, decided_on: 2026-09-15}, {stage: proof-of-concept, decided_on: 2026-10-20}]
---
apiVersion: leadline.io/v1
kind: Idea
metadata: {name: chatops}
spec:
  budget: 1000
  gates: [{stage: pilot, decided_on: 2026-09-15}, {stage: stopped, decided_on: 2026-10-01}]
---
apiVersion: leadline.io/v1
kind: Idea
metadata: {name: green-ci}
spec: {}
"""


@pytest.mark.parametrize(
    ("scores", "barrier"),
    [
        ((4, 3, 2, 4, 1), "knowledge"),  # the first below 3, not the lowest
        ((2, 1, 1, 1, 1), "awareness"),
        ((3, 3, 3, 3, 3), None),
        ((5, 5, 5, 5, 2), "reinforcement"),
    ],
)
def test_barrier_point_is_the_first_element_below_three(
    scores: tuple[int, ...], barrier: str | None
) -> None:
    names = ("awareness", "desire", "knowledge", "ability", "reinforcement")
    assert barrier_point(dict(zip(names, scores, strict=True))) == barrier


def test_initiative_and_pipeline_report(any_app: App, tmp_path: Path) -> None:
    path = write(tmp_path / "c.yaml", INITIATIVE + "---\n" + IDEAS)
    assert ingest(any_app, "change-yaml", path).exit_code == 0
    data = change_report(any_app)
    (initiative,) = data["initiatives"]
    assert (initiative["kotter_stage"], initiative["kotter_step"]) == (4, "enlist a volunteer army")
    devs, managers = initiative["adkar"]
    assert (devs["group"], devs["assessments"], devs["barrier_point"]) == ("devs", 2, "knowledge")
    assert managers["barrier_point"] is None
    assert [m["adoption_rate"] for m in initiative["metrics"]] == [0.2, 0.4]  # by date
    assert initiative["latest_metrics"]["satisfaction"] == 3.9
    stages = {p["stage"]: p for p in data["pipeline"]}
    assert stages["proof-of-concept"]["ideas"] == ["ai-review"]
    assert stages["proof-of-concept"]["budget"] == Decimal("40000.50")
    assert stages["stopped"]["ideas"] == ["chatops"]
    assert stages["idea"]["ideas"] == ["green-ci"] and stages["idea"]["budget"] == 0


def test_reimport_replaces_assessments(app: App, tmp_path: Path) -> None:
    ingest(app, "change-yaml", write(tmp_path / "a.yaml", INITIATIVE))
    fewer = INITIATIVE.split("    - {group: managers", maxsplit=1)[0] + "  metrics: []\n"
    ingest(
        app,
        "change-yaml",
        write(tmp_path / "b.yaml", fewer.replace("enlist a volunteer army", "5")),
    )
    (initiative,) = change_report(app)["initiatives"]
    assert initiative["kotter_stage"] == 5 and [g["group"] for g in initiative["adkar"]] == ["devs"]
    assert initiative["metrics"] == []


BAD = [
    (INITIATIVE.replace("knowledge: 2,", "knowledge: 6,"), "spec.adkar[1].knowledge"),
    (INITIATIVE.replace("enlist a volunteer army", "9"), "spec.kotter_stage"),
    (
        INITIATIVE.replace("adoption_rate: 0.4", "adoption_rate: 1.4"),
        "spec.metrics[0].adoption_rate",
    ),
    (IDEAS.split("---", maxsplit=1)[0].replace("proof-of-concept", "scale"), "spec"),
    (IDEAS.split("---")[1].replace("stage: stopped", "stage: scale"), "spec"),
    (IDEAS.split("---", maxsplit=1)[0].replace("USD", "usd"), "spec.currency"),
]


@pytest.mark.parametrize(("text", "field"), BAD)
def test_bad_documents_name_file_row_and_field(
    app: App, tmp_path: Path, text: str, field: str
) -> None:
    good = IDEAS.split("---")[2]
    path = write(tmp_path / "c.yaml", good.strip() + "\n---\n" + text.strip() + "\n")
    (result,) = ingest(app, "change-yaml", path).results
    (problem,) = result.problems
    assert (problem.file, problem.row, problem.field) == (str(path), 2, field)
    assert result.rows_accepted == 1


def test_gate_errors_say_what_comes_next(app: App, tmp_path: Path) -> None:
    text = IDEAS.split("---", maxsplit=1)[0].replace("proof-of-concept", "scale")
    path = write(tmp_path / "c.yaml", text)
    (problem,) = ingest(app, "change-yaml", path).results[0].problems
    assert "from pilot the next gate is proof-of-concept or stopped" in problem.reason


def test_cli_change(tmp_path: Path) -> None:
    home = ["--home", str(tmp_path / "home")]
    runner = CliRunner()
    path = write(tmp_path / "c.yaml", INITIATIVE + "---\n" + IDEAS)
    assert runner.invoke(cli, [*home, "ingest", "change-yaml", str(path)]).exit_code == 0
    result = runner.invoke(cli, [*home, "change", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["initiatives"][0]["adkar"][0]["barrier_point"] == "knowledge"
    table = runner.invoke(cli, [*home, "change"], env={"COLUMNS": "200"})
    assert "4-3-2-4-1" in table.stdout and "knowledge" in table.stdout
    ideas = runner.invoke(cli, [*home, "change", "ideas", "--format", "json"])
    assert json.loads(ideas.stdout)["ideas"][0]["budget"] == "40000.50"
