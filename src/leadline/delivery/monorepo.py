"""Changes of a monorepo to the services whose paths they touch (issue 17, item 5).

A repository whose catalog components carry ``leadline.io/paths`` is path-mapped
(``catalog.services``). A change row whose source reports its files (push payloads, REST commits
with ``files``, the git source's diffs) lands once per matching service; one touching no mapped
path lands on the repository's own service (the usual rule). A source that does not report
files (a pull request webhook, a REST commit list item) cannot decide alone, so the change goes
where the same change already is, in this batch or in the lake; failing that, to the
repository's own service. When files arrive later and place the change elsewhere, the row
landed on the repository's own service is moved to the mapped services (its facts merge there,
then it is removed), so the order in which sources arrive does not change the result.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from leadline.catalog.services import ServiceResolver, Subject
from leadline.delivery.schemas import CHANGES
from leadline.lake.writer import LakeWriter

SUBJECT = "_subject"  # as delivery.events.SUBJECT (not imported: events imports this module)
Key = tuple[str, str]  # (repository, change_id)


def assign_changes(
    rows: Iterable[dict[str, Any]], resolver: ServiceResolver, lake: LakeWriter | None
) -> list[dict[str, Any]]:
    """Change rows with their ``service`` set, one row per service a change belongs to; rows
    of repositories without path-mapped services resolve as before (``resolver.resolve``)."""
    out: list[dict[str, Any]] = []
    placed: dict[Key, set[str]] = {}  # changes whose files decided their services
    own: dict[Key, str] = {}  # the repository's own service (where a change without files goes)
    unknown: list[tuple[Subject, dict[str, Any]]] = []
    for row in rows:
        subject: Subject = row.pop(SUBJECT)
        if resolver.override or not resolver.path_mapped(subject.repository):
            out.append({**row, "service": resolver.resolve(subject)})
        elif subject.paths is None:
            unknown.append((subject, row))
        else:
            key = (subject.repository, row["change_id"])
            matched = resolver.resolve_all(subject)
            placed.setdefault(key, set()).update(matched)
            own[key] = resolver.resolve(subject)
            out += [{**row, "service": service} for service in matched]
    if not placed and not unknown:
        return out
    stored = _stored_rows(lake, {key[1] for key in placed} | {r["change_id"] for _, r in unknown})
    for subject, row in unknown:
        key = (subject.repository, row["change_id"])
        mapped = {s for s, _ in resolver.path_maps.get(subject.repository, [])}
        services: set[str] = placed.get(key) or {
            r["service"] for r in stored if r["change_id"] == key[1] and r["service"] in mapped
        }
        out += [{**row, "service": s} for s in sorted(services or {resolver.resolve(subject)})]
    out += _rehome(placed, own, stored, lake)
    return out


def _stored_rows(lake: LakeWriter | None, change_ids: set[str]) -> list[dict[str, Any]]:
    """The lake's change rows of these changes (read only when a monorepo is involved)."""
    if lake is None or not change_ids:
        return []
    table = lake.read_table(CHANGES, CHANGES.schema.names)
    wanted = pa.array(sorted(change_ids), pa.string())
    hit = pc.fill_null(pc.is_in(table.column("change_id"), value_set=wanted), False)
    rows: list[dict[str, Any]] = table.filter(hit).to_pylist()
    return rows


def _rehome(
    placed: dict[Key, set[str]],
    own: dict[Key, str],
    stored: list[dict[str, Any]],
    lake: LakeWriter | None,
) -> list[dict[str, Any]]:
    """Earlier rows of a change that landed on its repository's own service while its files
    were unknown, copied to the services its files now name; the old rows are removed."""
    moved: list[dict[str, Any]] = []
    removed: list[dict[str, str]] = []
    for key, services in placed.items():
        if own[key] in services:
            continue
        for row in stored:
            if row["change_id"] == key[1] and row["service"] == own[key]:
                moved += [{**row, "service": s} for s in sorted(services)]
                removed.append({"service": own[key], "change_id": key[1]})
    if removed and lake is not None:
        schema = pa.schema([("service", pa.string()), ("change_id", pa.string())])
        lake.delete_matching(
            CHANGES, ("service", "change_id"), pa.Table.from_pylist(removed, schema)
        )
    return moved
