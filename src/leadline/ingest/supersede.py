"""What a batch superseded: rows earlier batches landed that its merge changed (the documented
merge rule: the later observation wins, column by column as each fact table says).

Said in the batch's message (how many, of which batches and files) and kept as ``notice``
problems, one per superseded key up to ``STORED_NOTICES``, so ``leadline rejects --batch N``
lists them. A key re-sent with the same values supersedes nothing, so re-ingesting a file (even
under another name) adds no notices.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any

import pyarrow as pa
from sqlalchemy import select

from leadline.ingest.models import Batch
from leadline.ingest.problems import Problem
from leadline.lake.tables import BATCH_COLUMN, FactTable

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

STORED_NOTICES = 1000


def superseded(
    session: Session, file: str, changed: list[tuple[FactTable, pa.Table]]
) -> tuple[list[Problem], int, str | None]:
    """The notices (at most ``STORED_NOTICES``), how many rows, and the message sentence of
    what the merges of one batch superseded; ([], 0, None) when nothing."""
    per_batch: Counter[tuple[str, int | None]] = Counter()
    for table, rows in changed:
        for count in rows.column(BATCH_COLUMN).value_counts().to_pylist():
            per_batch[(table.name, count["values"])] += int(count["counts"])
    total = sum(per_batch.values())
    if not total:
        return [], 0, None
    ids = {batch_id for _, batch_id in per_batch if batch_id is not None}
    files = dict(session.execute(select(Batch.id, Batch.file_name).where(Batch.id.in_(ids))).all())
    notices: list[Problem] = []
    for table, rows in changed:
        room = STORED_NOTICES - len(notices)
        if room <= 0:
            break
        for row in rows.slice(0, room).to_pylist():
            notices.append(_notice(file, table, row, files))
    parts = [
        f"{count} {table} row{'s' if count != 1 else ''} of {_batch_text(batch_id, files)}"
        for (table, batch_id), count in sorted(
            per_batch.items(), key=lambda i: (i[0][0], i[0][1] or 0)
        )
    ]
    noun = "row" if total == 1 else "rows"
    sentence = f"superseded {total} {noun} landed earlier: {'; '.join(parts)}"
    if total > len(notices):
        sentence += f" (the first {len(notices)} listed by leadline rejects)"
    return notices, total, sentence


def _batch_text(batch_id: int | None, files: dict[int, str]) -> str:
    if batch_id is None:
        return "an unknown batch"
    name = files.get(batch_id)
    return f"batch {batch_id} ({name})" if name else f"batch {batch_id} (since removed)"


def _notice(file: str, table: FactTable, row: dict[str, Any], files: dict[int, str]) -> Problem:
    key = {k: row[k] for k in table.key}
    shown = ", ".join(f"{k} {_shown(v)}" for k, v in key.items())
    first = table.key[0]
    batch_id = row[BATCH_COLUMN]
    return Problem(
        file,
        f"supersedes {table.name} {shown} landed by {_batch_text(batch_id, files)}",
        None,
        first,
        _shown(key[first]),
        "notice",
        {**key, "table": table.name, "batch": batch_id, "file": files.get(batch_id)},
        f"superseded:{table.name}:{shown}",
    )


def _shown(value: Any) -> str:
    return value.isoformat() if hasattr(value, "isoformat") else str(value)
