"""The skills table people read: only the skills a team needs (``--all`` adds those its people
have and it does not need, marked "Not needed"), each need's state in words, never a boolean."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from leadline.cli import app as cli
from leadline.people.tables import skill_rows, skills_report
from leadline.present.render import cells
from tests.people.test_skills import CATALOG, SKILLS
from tests.strategy.support import write


def _skill(skill: str, needed: int, present: int, learning: int, hiring: int) -> dict[str, object]:
    gap = max(0, needed - present)
    covered = present + learning + hiring >= needed
    return {
        "skill": skill,
        "needed": needed,
        "present": present,
        "in_training": learning,
        "hiring": hiring,
        "gap": gap,
        "covered": covered,
    }


DOCUMENT = {
    "teams": [
        {
            "team": "shop",
            "skills": [
                _skill("go", 1, 0, 0, 0),  # gap 1, nothing planned: uncovered
                _skill("kafka", 2, 1, 1, 0),  # gap 1, one in training: covered by plan
                _skill("python", 2, 2, 0, 0),  # met
                _skill("rust", 0, 1, 0, 0),  # someone has it, nobody needs it
            ],
        }
    ]
}


def test_rows_states_and_filters() -> None:
    rows = skill_rows(DOCUMENT)
    assert [(r["skill"], r["state"]) for r in rows] == [
        ("go", "uncovered"),
        ("kafka", "covered_by_plan"),
        ("python", "met"),
    ]
    assert [r["skill"] for r in skill_rows(DOCUMENT, gaps=True)] == ["go", "kafka"]
    every = skill_rows(DOCUMENT, everything=True)
    assert [(r["skill"], r["state"]) for r in every][-1] == ("rust", "not_needed")
    report = skills_report(every)
    shown = cells(report, report.shown)
    assert [c.title for c in report.shown][-1] == "State"
    assert [row[-1] for row in shown] == ["Uncovered", "Covered by plan", "Met", "Not needed"]
    assert not any(text in ("True", "False") for row in shown for text in row)


def test_cli_table_hides_unneeded_skills_unless_all(tmp_path: Path) -> None:
    home = ["--home", str(tmp_path / "home")]
    runner = CliRunner()
    runner.invoke(cli, [*home, "ingest", "catalog-yaml", str(write(tmp_path / "c.yaml", CATALOG))])
    runner.invoke(cli, [*home, "ingest", "skills-yaml", str(write(tmp_path / "s.yaml", SKILLS))])
    wide = {"COLUMNS": "200"}
    table = runner.invoke(cli, [*home, "skills", "--team", "ops"], env=wide)
    assert table.exit_code == 0, table.output
    assert "No skills needed." in table.stdout and "sre" not in table.stdout  # ops needs none
    every = runner.invoke(cli, [*home, "skills", "--team", "ops", "--all"], env=wide)
    assert "sre" in every.stdout and "Not needed" in every.stdout
    shop = runner.invoke(cli, [*home, "skills", "--team", "shop"], env=wide).stdout
    assert "Covered by plan" in shop and "True" not in shop and "kubernetes" not in shop
    csv = runner.invoke(cli, [*home, "skills", "--team", "shop", "--format", "csv"]).stdout
    assert csv.splitlines()[0] == ("team,skill,needed,present,in_training,hiring,gap,covered,state")
    assert "shop,python,2,2,0,0,0,true,met" in csv.splitlines()
