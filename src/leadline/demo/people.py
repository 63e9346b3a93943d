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
from leadline.ingest.files import dump_yaml
from leadline.people.schemas import DIMENSIONS
from leadline.periods import Period

QUESTIONS_PER_DIMENSION = 2


def _surveys(as_of: dt.date) -> list[tuple[str, dt.datetime]]:
    """(survey id, send date): mid-way through the previous quarter and early this quarter."""
    this = Period.of("quarter", as_of)
    previous = this.previous()
    sent_now = min(this.start + dt.timedelta(days=10), dt.datetime.combine(as_of, dt.time()))
    return [
        (f"{previous.label.lower()}-pulse", previous.start + dt.timedelta(days=40)),
        (f"{this.label.lower()}-pulse", sent_now),
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


def skills_documents(org: OrganisationBuilder, seed: int) -> list[dict[str, object]]:
    """Needed skills, an open role and a training for the first stream-aligned teams."""
    rng = random.Random(seed * 31 + 5)
    docs: list[dict[str, object]] = []
    for team in [t for t in org.teams if t.type == "stream-aligned"][:4]:
        present = sorted({s for p in team.people for s in org.people[p]["skills"]})
        wanted = sorted(set(rng.sample(present, min(2, len(present)))) | {"kubernetes", "sre"})
        learner = team.people[-1]
        docs.append(
            {
                "apiVersion": "leadline.io/v1",
                "kind": "TeamSkills",
                "metadata": {"name": team.name},
                "spec": {
                    "needed": {skill: rng.randint(1, 3) for skill in wanted},
                    "open_roles": [{"title": "Site reliability engineer", "skills": ["sre"]}],
                    "training": [{"person": learner, "skill": "kubernetes"}],
                },
            }
        )
    return docs


def write_people(
    org: OrganisationBuilder, root: Path, as_of: dt.date, seed: int
) -> list[tuple[str, list[Path]]]:
    root.mkdir(parents=True, exist_ok=True)
    path = root / "devex-survey.csv"
    pacsv.write_csv(survey_table(org, as_of, seed), path)
    skills_path = root / "skills.yaml"
    skills_path.write_text(dump_yaml(skills_documents(org, seed)), encoding="utf-8")
    return [("devex-survey-csv", [path]), ("skills-yaml", [skills_path])]
