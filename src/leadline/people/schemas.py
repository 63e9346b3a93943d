"""Developer-experience survey answers in the lake, and the ``devex-survey.csv`` format.

One row per answer (long format): a respondent of a team answers one question of one SPACE
dimension (or psychological safety) on a 1-5 Likert scale. Rows are merged by
(survey, respondent_id, question): importing a corrected export replaces the answers.
"""

from __future__ import annotations

import pyarrow as pa

from leadline.ingest.tabular import Column, CsvFormat
from leadline.lake.tables import FactTable, register_table

TS = pa.timestamp("us", tz="UTC")
# SPACE (Forsgren et al., 2021) plus psychological safety (Edmondson, 1999).
DIMENSIONS = (
    "satisfaction",
    "performance",
    "activity",
    "communication",
    "efficiency",
    "psychological_safety",
)
LIKERT_MIN, LIKERT_MAX = 1, 5

DEVEX_RESPONSES = register_table(
    FactTable(
        "devex_responses",
        pa.schema(
            [
                pa.field("survey", pa.string(), nullable=False),
                pa.field("respondent_id", pa.string(), nullable=False),
                pa.field("team", pa.string(), nullable=False),
                pa.field("submitted_at", TS, nullable=False),
                pa.field("dimension", pa.string(), nullable=False),
                pa.field("question", pa.string(), nullable=False),
                pa.field("answer", pa.int64(), nullable=False),
                pa.field("updated_at", TS, nullable=False),
            ]
        ),
        time_column="submitted_at",
        key=("survey", "respondent_id", "question"),
        version="updated_at",
        description="Developer-experience survey answers (1-5 Likert), one per question.",
    )
)

DEVEX_CSV = CsvFormat(
    "devex-survey",
    "Developer-experience survey answers, one row per answer "
    "(leadline ingest devex-survey-csv FILE).",
    (
        Column("survey", description="Survey id, e.g. 2026-q4-pulse", example="2026-q4-pulse"),
        Column(
            "respondent_id",
            description="Pseudonymous respondent id from the survey tool (never a name)",
            example="r-7f3a",
        ),
        Column("team", description="Catalog team of the respondent", example="payments"),
        Column(
            "submitted_at",
            "timestamp",
            description="When the answers were submitted",
            example="2026-11-03T10:15:00Z",
        ),
        Column(
            "dimension", description="SPACE dimension or psychological safety", choices=DIMENSIONS
        ),
        Column("question", description="Question id within the survey", example="sat-1"),
        Column("answer", "int", description="Likert answer, 1 (strongly disagree) to 5"),
    ),
)
