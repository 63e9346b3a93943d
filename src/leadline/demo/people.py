"""The demo's developer-experience surveys: a pulse survey last quarter and this quarter.

Most people of each team answer; teams where fewer than five do are suppressed in reports, as
real small teams are. Each team has its own level per dimension, drifting between quarters.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv

from leadline.demo.generator import OrganisationBuilder
from leadline.people.schemas import DIMENSIONS
from leadline.strategy.quarters import quarter_bounds, quarter_of

QUESTIONS_PER_DIMENSION = 2


def _surveys(as_of: dt.date) -> list[tuple[str, dt.datetime]]:
    """(survey id, send date): mid-way through the previous quarter and early this quarter."""
    this = quarter_bounds(quarter_of(as_of))[0]
    previous = quarter_bounds(quarter_of((this - dt.timedelta(days=1)).date()))[0]
    sent_now = min(this + dt.timedelta(days=10), dt.datetime.combine(as_of, dt.time()))
    return [
        (f"{quarter_of(previous.date()).lower()}-pulse", previous + dt.timedelta(days=40)),
        (f"{quarter_of(this.date()).lower()}-pulse", sent_now),
    ]


def survey_table(org: OrganisationBuilder, as_of: dt.date, seed: int) -> pa.Table:
    rng = random.Random(seed * 104729 + 3)
    rows: dict[str, list[object]] = {
        k: []
        for k in (
            "survey",
            "respondent_id",
            "team",
            "submitted_at",
            "dimension",
            "question",
            "answer",
        )
    }
    levels = {(t.name, d): rng.uniform(2.6, 4.4) for t in org.teams for d in DIMENSIONS}
    for index, (survey, sent) in enumerate(_surveys(as_of)):
        for team in org.teams:
            share = rng.uniform(0.6, 1.0)
            for person in team.people:
                if rng.random() > share:
                    continue
                respondent = "r-" + hashlib.sha256(f"{survey}/{person}".encode()).hexdigest()[:10]
                submitted = sent + dt.timedelta(hours=rng.uniform(1, 96))
                for dimension in DIMENSIONS:
                    level = levels[team.name, dimension] + index * rng.uniform(-0.3, 0.4)
                    for q in range(1, QUESTIONS_PER_DIMENSION + 1):
                        answer = round(rng.gauss(level, 0.8))
                        rows["survey"].append(survey)
                        rows["respondent_id"].append(respondent)
                        rows["team"].append(team.name)
                        rows["submitted_at"].append(submitted.strftime("%Y-%m-%dT%H:%M:%SZ"))
                        rows["dimension"].append(dimension)
                        rows["question"].append(f"{dimension}-{q}")
                        rows["answer"].append(min(5, max(1, answer)))
    return pa.table(rows)


def write_people(
    org: OrganisationBuilder, root: Path, as_of: dt.date, seed: int
) -> list[tuple[str, list[Path]]]:
    root.mkdir(parents=True, exist_ok=True)
    path = root / "devex-survey.csv"
    pacsv.write_csv(survey_table(org, as_of, seed), path)
    return [("devex-survey-csv", [path])]
