"""``maturity-answers``: questionnaire answers for maturity rules marked ``answerable`` (CSV),
upserted by rule. An unknown rule, or one that only evidence can satisfy, is rejected with the
row and field named. Every write is audited."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from leadline.audit.log import actor_name, record, snapshot
from leadline.finops.csv_rows import parse_rows, row_problem
from leadline.ingest.problems import Parsed, Problem
from leadline.ingest.registry import Context, LandContext, Source, Template, Unit, register
from leadline.ingest.tabular import Column, CsvFormat
from leadline.maturity.model import load_model
from leadline.maturity.models import MaturityAnswer
from leadline.store.base import utcnow

ANSWERS_CSV = CsvFormat(
    "maturity-answers",
    "Maturity questionnaire answers (leadline ingest maturity-answers FILE); one row per rule, "
    "a known rule is updated. leadline maturity --format json lists the answerable rules.",
    (
        Column("rule", description="Rule id", example="reliability.error-budget-policy"),
        Column("answer", "bool", description="Whether the practice is in place", example="true"),
        Column("answered_by", required=False, description="Who answered"),
        Column("answered_on", "date", required=False, description="When", example="2026-11-20"),
        Column("note", required=False, description="Evidence or comment (a link, a document)"),
    ),
)


def _check(file: str, row: dict[str, Any]) -> list[Problem]:
    rules = {r.id: r for d in load_model().domains for r in d.rules}
    row["rule"] = row["rule"].strip()
    found = rules.get(row["rule"])
    if found is None:
        return [row_problem(file, row, "rule", "not a maturity rule id")]
    if not found.answerable:
        return [row_problem(file, row, "rule", "this rule is judged by evidence only")]
    return []


@register
class MaturityAnswers(Source):
    name = "maturity-answers"
    summary = "Maturity questionnaire answers for rules that accept them (CSV)"
    load_bytes = False

    def templates(self) -> list[Template]:
        return [Template("maturity-answers.csv", ANSWERS_CSV.template())]

    def parse(self, unit: Unit, ctx: Context) -> Parsed:
        return parse_rows(
            unit,
            ctx,
            ANSWERS_CSV,
            check=_check,
            key=lambda r: r["rule"],
            key_field="rule",
            key_text="rule",
        )

    def land(self, parsed: Parsed, ctx: LandContext) -> list[Problem]:
        assert ctx.session is not None and ctx.batch is not None
        for row in parsed.records:
            found = ctx.session.scalar(
                select(MaturityAnswer).where(MaturityAnswer.rule == row["rule"])
            )
            before = snapshot(found) if found is not None else None
            if found is None:
                found = MaturityAnswer(rule=row["rule"])
                ctx.session.add(found)
            found.answer, found.note = row["answer"], row.get("note")
            found.answered_by, found.answered_on = row.get("answered_by"), row.get("answered_on")
            found.batch_id, found.updated_at = ctx.batch.id, utcnow()
            ctx.session.flush()
            record(
                ctx.session,
                actor=actor_name(),
                action="import",
                entity_type="maturity_answer",
                entity_id=row["rule"],
                before=before,
                after=snapshot(found),
                via="ingest",
            )
        return []
