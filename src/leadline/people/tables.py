"""The skills matrix as people and spreadsheets read it: one :class:`~leadline.present.Report`
built from ``leadline skills --format json``, a row per team and skill, with the state of the
need in words instead of a bare boolean."""

from __future__ import annotations

from typing import Any

from leadline.present.model import Column, Report

# The state of a team's need for a skill (shown humanised: "Covered by plan").
MET, PLANNED, UNCOVERED, NOT_NEEDED = "met", "covered_by_plan", "uncovered", "not_needed"


def need_state(row: dict[str, Any]) -> str:
    """``met`` (enough people have it), ``covered_by_plan`` (training and open roles close the
    gap), ``uncovered`` (they do not), ``not_needed`` (people have it, the team needs none)."""
    if row["needed"] == 0:
        return NOT_NEEDED
    if row["gap"] == 0:
        return MET
    return PLANNED if row["covered"] else UNCOVERED


def skill_rows(
    document: dict[str, Any], *, gaps: bool = False, everything: bool = False
) -> list[dict[str, Any]]:
    """The document's rows: the skills each team needs (``everything``: also those its people
    have and it does not need; ``gaps``: only needs with a gap), each with its ``state``."""
    rows = []
    for team in document["teams"]:
        for skill in team["skills"]:
            if skill["needed"] == 0 and not everything:
                continue
            if gaps and skill["gap"] == 0:
                continue
            rows.append({"team": team["team"], **skill, "state": need_state(skill)})
    return rows


def skills_report(rows: list[dict[str, Any]]) -> Report:
    """CSV columns: team, skill, needed, present, in_training, hiring, gap (people), covered
    (true when present + in training + hiring reach the need), state (met, covered_by_plan,
    uncovered, not_needed)."""
    columns = [
        Column("team", "Team", "name"),
        Column("skill", "Skill", "name"),
        Column("needed", "Needed", "count"),
        Column("present", "Present", "count"),
        Column("in_training", "In training", "count"),
        Column("hiring", "Hiring", "count"),
        Column("gap", "Gap", "count"),
        Column("covered", "Covered", "bool", shown=False),
        Column("state", "State", "label"),
    ]
    return Report("skills", "Skills: needed vs present", columns, rows)
