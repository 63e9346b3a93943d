"""Helpers of the people tests: survey CSV files in the devex-survey format."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

HEADER = "survey,respondent_id,team,submitted_at,dimension,question,answer"


def answers(
    team: str,
    respondents: int,
    answer: int,
    *,
    month: str = "2026-11",
    dimension: str = "satisfaction",
    survey: str = "pulse",
    prefix: str = "",
) -> list[str]:
    """One answer per respondent, all the same value."""
    return [
        f"{survey},{prefix}{team}-{i},{team},{month}-05T10:00:00Z,{dimension},{dimension}-1,"
        f"{answer}"
        for i in range(respondents)
    ]


def write_survey(path: Path, rows: Iterable[str]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path
