"""``leadline maturity``: the level each domain reaches from evidence, the evidence found, and
what is missing for the next level.

Rules are data (packaged ``rules.yaml``): an id, a level (2-5), a description, a check (a fact
compared with ``min`` or ``max``) and whether a questionnaire answer may satisfy it. A domain
reaches level N when every rule of levels 2..N passes; level 1 (Reactive) needs nothing. A
rule passes on evidence first; an ``answerable`` rule whose evidence fails or is absent passes
when the latest answer for it says so (``via: answer``); a "no" answer never overrides
evidence that passes.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from importlib import resources
from typing import Any

from pydantic import ConfigDict, Field, model_validator
from sqlalchemy import select

from leadline.context import App
from leadline.ingest.files import load_yaml
from leadline.ingest.nulls import NullAsAbsent
from leadline.maturity.evidence import FACTS, Evidence
from leadline.maturity.models import MaturityAnswer
from leadline.semantic.evaluation import Evaluation


class Rule(NullAsAbsent):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    id: str
    level: int = Field(ge=2, le=5)
    description: str
    fact: str | None = None
    min: float | None = None
    max: float | None = None
    answerable: bool = False

    @model_validator(mode="after")
    def _check(self) -> Rule:
        if self.fact is None and not self.answerable:
            raise ValueError(f"rule {self.id}: a rule without a fact must be answerable")
        if self.fact is not None and self.fact not in FACTS:
            raise ValueError(f"rule {self.id}: unknown fact {self.fact!r}")
        if self.fact is not None and (self.min is None) == (self.max is None):
            raise ValueError(f"rule {self.id}: give exactly one of min or max")
        return self

    def passes(self, value: float | None) -> bool:
        if value is None:
            return False
        return value >= self.min if self.min is not None else value <= (self.max or 0)

    @property
    def threshold(self) -> str | None:
        if self.min is not None:
            return f">= {self.min:g}"
        return None if self.max is None else f"<= {self.max:g}"


class Domain(NullAsAbsent):
    model_config = ConfigDict(extra="forbid")
    key: str
    name: str
    rules: list[Rule]


class Model(NullAsAbsent):
    model_config = ConfigDict(extra="forbid")
    levels: list[str] = Field(min_length=5, max_length=5)
    domains: list[Domain]

    def rule_ids(self) -> set[str]:
        return {r.id for d in self.domains for r in d.rules}


@cache
def load_model() -> Model:
    text = resources.files("leadline.maturity").joinpath("rules.yaml").read_text("utf-8")
    return Model.model_validate(load_yaml("rules.yaml", text))


def _judge(rule: Rule, ev: Evidence, answers: dict[str, MaturityAnswer]) -> dict[str, Any]:
    fact = ev.get(rule.fact) if rule.fact else None
    met = fact is not None and rule.passes(fact.value)
    via = "evidence" if met else None
    answer = answers.get(rule.id)
    if not met and rule.answerable and answer is not None and answer.answer:
        met, via = True, "answer"
    return {
        "rule": rule.id,
        "level": rule.level,
        "description": rule.description,
        "met": met,
        "via": via,
        "value": None if fact is None else fact.value,
        "threshold": rule.threshold,
        "detail": fact.detail if fact is not None else "judged by questionnaire answer only",
        "answerable": rule.answerable,
        "answer": None
        if answer is None
        else {
            "answer": answer.answer,
            "by": answer.answered_by,
            "on": answer.answered_on,
            "note": answer.note,
        },
    }


def _domain(
    domain: Domain, levels: list[str], ev: Evidence, answers: dict[str, MaturityAnswer]
) -> dict[str, Any]:
    judged = [_judge(r, ev, answers) for r in sorted(domain.rules, key=lambda r: (r.level, r.id))]
    level = 1
    for candidate in range(2, 6):
        if all(j["met"] for j in judged if j["level"] == candidate):
            level = candidate
        else:
            break
    following = None
    if level < 5:
        missing = [j for j in judged if j["level"] <= level + 1 and not j["met"]]
        following = {
            "level": level + 1,
            "name": levels[level],
            "missing": [
                {k: j[k] for k in ("rule", "description", "detail", "threshold", "answerable")}
                for j in missing
            ],
        }
    return {
        "domain": domain.key,
        "name": domain.name,
        "level": level,
        "level_name": levels[level - 1],
        "evidence": judged,
        "next": following,
    }


def maturity(
    app: App,
    *,
    as_of: dt.date | None = None,
    engine: str | None = None,
    evaluation: Evaluation | None = None,
    known: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The ``leadline maturity --format json`` document. The QBR passes its scorecard's
    ``evaluation`` and the reports it already holds (``known``: ``okrs``) so nothing runs
    twice."""
    day = as_of or dt.datetime.now(dt.UTC).date()
    model = load_model()
    ev = Evidence(app, day, engine, memo=dict(known or {}), evaluation=evaluation)
    with app.store.session() as session:
        answers = {a.rule: a for a in session.scalars(select(MaturityAnswer))}
        session.expunge_all()
    return {
        "as_of": day,
        "levels": [{"level": i + 1, "name": n} for i, n in enumerate(model.levels)],
        "domains": [_domain(d, model.levels, ev, answers) for d in model.domains],
    }
