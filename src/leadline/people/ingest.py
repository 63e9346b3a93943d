"""``devex-survey-csv``: developer-experience survey answers (long format, see schemas).

An answer outside 1-5 is rejected naming its row and field; answers of teams the catalog does
not know are kept, with one warning per team.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pyarrow as pa
from sqlalchemy import select

from leadline.catalog.models import Team
from leadline.ingest.problems import Parsed, Problem
from leadline.ingest.registry import Context, LandContext, Source, Template, Unit, register
from leadline.ingest.tabular import read_checked
from leadline.people.schemas import DEVEX_CSV, DEVEX_RESPONSES, LIKERT_MAX, LIKERT_MIN
from leadline.store.base import utcnow


def check(file: str, row: dict[str, Any]) -> Problem | None:
    if LIKERT_MIN <= row["answer"] <= LIKERT_MAX:
        return None
    record = {k: v for k, v in row.items() if k != "_row"}
    return Problem(
        file,
        f"must be a Likert answer from {LIKERT_MIN} to {LIKERT_MAX}",
        row["_row"],
        "answer",
        row["answer"],
        "error",
        record,
    )


@register
class DevexSurveyCsv(Source):
    name = "devex-survey-csv"
    summary = "Developer-experience survey answers (SPACE + psychological safety, 1-5 Likert)"
    writes_lake = True
    natural_key = ("survey", "respondent_id", "question")
    load_bytes = False

    def templates(self) -> list[Template]:
        return [Template("devex-survey.csv", DEVEX_CSV.template())]

    def parse(self, unit: Unit, ctx: Context) -> Parsed:
        (input_file,) = unit.files
        return read_checked(
            input_file.path,
            DEVEX_CSV,
            check,
            naive_timezone=ctx.settings.naive_timezone,
            progress=ctx.progress,
        )

    def land(self, parsed: Parsed, ctx: LandContext) -> list[Problem]:
        assert ctx.session is not None and ctx.lake is not None and ctx.batch is not None
        observed = utcnow()
        rows = [
            {
                "survey": r["survey"],
                "respondent_id": r["respondent_id"],
                "team": r["team"],
                "submitted_at": r["submitted_at"],
                "dimension": r["dimension"].lower(),
                "question": r["question"],
                "answer": r["answer"],
                "updated_at": observed,
            }
            for r in parsed.records
        ]
        if rows:
            table = pa.Table.from_pylist(rows, schema=DEVEX_RESPONSES.schema)
            ctx.lake.merge(DEVEX_RESPONSES, table)
        known = set(ctx.session.scalars(select(Team.name)))
        unknown = Counter(r["team"] for r in rows if r["team"] not in known)
        return [
            Problem(
                ctx.batch.file_name,
                f"team {team!r} is not in the catalog ({count} answers kept)",
                None,
                "team",
                team,
                "warning",
                None,
                f"team:{team}",
            )
            for team, count in sorted(unknown.items())
        ]
