"""Skills matrix and hiring/upskilling: ``skills-yaml`` (kind TeamSkills) and the report.

Per team and skill: *needed* people (declared), *present* people (catalog people of the team,
primary or ``member_of``, listing the skill), *in training* (planned training for the skill),
*hiring* (open roles asking for it), *gap* = max(0, needed − present), and *covered* when
present + in training + hiring reaches the need. Skills are compared case-insensitively.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from pydantic import ConfigDict, Field, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from leadline.audit.log import actor_name, record, snapshot
from leadline.catalog.models import Person, Team
from leadline.context import App
from leadline.ingest.documents import Metadata, as_json, validation_problem
from leadline.ingest.files import decode_utf8, load_yaml_documents
from leadline.ingest.nulls import NullAsAbsent
from leadline.ingest.problems import InputError, Parsed, Problem
from leadline.ingest.registry import Context, LandContext, Source, Template, Unit, register
from leadline.people.models import TeamSkills
from leadline.store.base import utcnow

TEMPLATE = """\
# Skills needed per team, open roles and training: leadline ingest skills-yaml FILE.yaml
# (shown by: leadline skills). Skills present come from the catalog's people (their skills).
apiVersion: leadline.io/v1
kind: TeamSkills
metadata: {name: payments-team}   # the catalog team
spec:
  needed: {kafka: 2, sre: 1, python: 3}   # skill: people needed (at least 1)
  open_roles:
    - {title: Senior SRE, skills: [sre, kubernetes], opened_on: 2026-10-01}
  training:
    - {person: ada.lovelace, skill: kafka, until: 2026-12-15}
"""


class _Strict(NullAsAbsent):
    model_config = ConfigDict(extra="forbid")


class OpenRole(_Strict):
    title: str
    skills: list[str] = Field(min_length=1)
    opened_on: dt.date | None = None


class Training(_Strict):
    person: str
    skill: str
    until: dt.date | None = None


class SkillsSpec(_Strict):
    needed: dict[str, Annotated[int, Field(ge=1)]] = Field(default_factory=dict)
    open_roles: list[OpenRole] = Field(default_factory=list)
    training: list[Training] = Field(default_factory=list)


class SkillsDocument(_Strict):
    apiVersion: str = Field(pattern=r"^leadline\.io/v1$")
    kind: str = Field(pattern=r"^TeamSkills$")
    metadata: Metadata
    spec: SkillsSpec


@register
class SkillsYaml(Source):
    name = "skills-yaml"
    summary = "Skills needed per team, open roles and training (YAML: kind TeamSkills)"

    def templates(self) -> list[Template]:
        return [Template("skills.yaml", TEMPLATE)]

    def parse(self, unit: Unit, ctx: Context) -> Parsed:
        records: list[tuple[SkillsDocument, Any, str, int]] = []
        problems: list[Problem] = []
        read = 0
        for input_file in unit.files:
            try:
                text = decode_utf8(input_file.name, input_file.data)
            except InputError as error:
                problems.append(error.problem)
                continue
            for item in load_yaml_documents(input_file.name, text):
                read += 1  # a document the loader refused is read and rejected
                if isinstance(item, Problem):
                    problems.append(item)
                    continue
                try:
                    doc = SkillsDocument.model_validate(item.content)
                except ValidationError as error:
                    problems.append(validation_problem(item, error, ""))
                    continue
                records.append((doc, as_json(item.content), item.file, item.index))
        return Parsed(rows_read=read, records=records, problems=problems)

    def land(self, parsed: Parsed, ctx: LandContext) -> list[Problem]:
        assert ctx.session is not None and ctx.batch is not None
        problems: list[Problem] = []
        for doc, content, file, index in parsed.records:
            _upsert(ctx.session, doc, content, ctx.batch.id)
            problems += _warnings(ctx.session, doc, content, file, index)
        return problems


def _upsert(session: Session, doc: SkillsDocument, content: Any, batch_id: int) -> None:
    team = doc.metadata.name
    row = session.scalar(select(TeamSkills).where(TeamSkills.team == team))
    before = snapshot(row) if row is not None else None
    if row is None:
        row = TeamSkills(team=team)
        session.add(row)
    row.needed = {k.lower(): v for k, v in doc.spec.needed.items()}
    row.open_roles = [r.model_dump(mode="json") for r in doc.spec.open_roles]
    row.training = [t.model_dump(mode="json") for t in doc.spec.training]
    row.document, row.batch_id, row.updated_at = content, batch_id, utcnow()
    session.flush()
    record(
        session,
        actor=actor_name(),
        action="import",
        entity_type="team_skills",
        entity_id=team,
        before=before,
        after=snapshot(row),
        via="ingest",
    )


def _warnings(
    session: Session, doc: SkillsDocument, content: Any, file: str, index: int
) -> list[Problem]:
    team = doc.metadata.name
    out = []
    if session.scalar(select(Team.id).where(Team.name == team)) is None:
        out.append(
            Problem(
                file,
                f"team {team!r} is not in the catalog (kept)",
                index,
                "metadata.name",
                team,
                "warning",
                content,
            )
        )
    members = set(_members(session, team))
    for i, t in enumerate(doc.spec.training):
        if t.person not in members:
            out.append(
                Problem(
                    file,
                    f"{t.person!r} is not a person of team {team!r} (kept)",
                    index,
                    f"spec.training[{i}].person",
                    t.person,
                    "warning",
                    content,
                )
            )
    return out


def _members(session: Session, team: str) -> dict[str, list[str]]:
    """People of a team (primary team or member_of) and their skills, lower-cased."""
    return {
        p.name: [s.lower() for s in p.skills or []]
        for p in session.scalars(select(Person))
        if p.team == team or team in (p.member_of or [])
    }


def skills_matrix(app: App, *, team: str | None = None) -> dict[str, Any]:
    """The ``leadline skills --format json`` document."""
    with app.store.session() as session:
        plans = {p.team: p for p in session.scalars(select(TeamSkills))}
        teams = sorted(set(plans) | set(session.scalars(select(Team.name))))
        if team is not None:
            teams = [t for t in teams if t == team]
        out = []
        for name in teams:
            members = _members(session, name)
            plan = plans.get(name)
            needed = plan.needed if plan else {}
            training = plan.training if plan else []
            roles = plan.open_roles if plan else []
            skills = sorted(set(needed) | {s for ss in members.values() for s in ss})
            rows = []
            for skill in skills:
                present = sum(skill in ss for ss in members.values())
                learning = sum(t["skill"].lower() == skill for t in training)
                hiring = sum(skill in [s.lower() for s in r["skills"]] for r in roles)
                need = needed.get(skill, 0)
                rows.append(
                    {
                        "skill": skill,
                        "needed": need,
                        "present": present,
                        "in_training": learning,
                        "hiring": hiring,
                        "gap": max(0, need - present),
                        "covered": present + learning + hiring >= need,
                    }
                )
            out.append(
                {
                    "team": name,
                    "people": len(members),
                    "open_roles": roles,
                    "training": training,
                    "skills": rows,
                    "gaps": sum(r["gap"] for r in rows),
                    "uncovered": [r["skill"] for r in rows if not r["covered"]],
                }
            )
    return {"teams": out}
