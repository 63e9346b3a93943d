"""Runs a source over input files: one batch per unit, idempotent, atomic, rejects kept.

A batch's records, its rejects, its lake files and the batch row itself commit in one store
transaction, so a crash (even ``kill -9``) leaves either the whole batch or nothing visible.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from leadline.config import Settings
from leadline.ingest.limits import using_limits
from leadline.ingest.models import Batch, Reject
from leadline.ingest.problems import InputError, Parsed, Problem
from leadline.ingest.registry import Context, LandContext, Source, Unit, get_source
from leadline.ingest.repeats import screen_parsed
from leadline.ingest.results import IngestReport, Outcome, Status, UnitResult, exit_code_of
from leadline.ingest.supersede import superseded
from leadline.locks import write_lock
from leadline.store import Store
from leadline.store.base import utcnow

# The report types live in results.py; callers import them from here as well.
__all__ = [
    "IngestReport",
    "Outcome",
    "Status",
    "UnitResult",
    "exit_code_of",
    "idempotency_key",
    "ingest_unit",
    "run_ingest",
]
log = logging.getLogger(__name__)
STORED_PROBLEMS_SHOWN = 50


def idempotency_key(source: str, content_hash: str, options: dict[str, Any]) -> str:
    canonical = json.dumps(options, sort_keys=True, default=str)
    return hashlib.sha256(f"{source}\0{content_hash}\0{canonical}".encode()).hexdigest()


def run_ingest(
    source_name: str,
    paths: list[Path],
    *,
    settings: Settings,
    store: Store,
    options: dict[str, Any] | None = None,
    force: bool = False,
    progress: Any = None,
    strict: bool = False,
) -> IngestReport:
    """Ingest ``paths`` with the named source; see the module docstring for the guarantees.
    ``strict`` only changes the report's exit code: warnings fail it."""
    source = get_source(source_name)
    job = _Job(
        source,
        settings,
        store,
        {k: v for k, v in (options or {}).items() if v is not None},
        force,
        progress,
    )
    report = IngestReport(source.name, [], strict=strict)
    with using_limits(settings.ingest):
        for unit_or_problem in _units(source, paths):
            if isinstance(unit_or_problem, Problem):
                report.results.append(job.fail(unit_or_problem))
            else:
                report.results.append(job.run(unit_or_problem))
    return report


class AlreadyLanded(Exception):
    """A unit hashed while landing turned out to be content an earlier batch landed: its
    transaction rolls back and its lake files are discarded; ``result`` reports that batch."""

    def __init__(self, result: UnitResult) -> None:
        super().__init__(result.message)
        self.result = result


# Called inside a landing batch's transaction (connect.sync commits cursors with the batch).
OnLand = Callable[[Session, Batch], None]


def ingest_unit(
    source_name: str,
    unit: Unit,
    *,
    settings: Settings,
    store: Store,
    options: dict[str, Any] | None = None,
    on_land: OnLand | None = None,
) -> UnitResult:
    """Ingest one prepared unit (bytes already in memory: a connector's pull) as one batch,
    with the guarantees of ``run_ingest``. ``on_land(session, batch)`` runs inside the batch's
    transaction, so what it writes commits with the batch or not at all."""
    source = get_source(source_name)
    opts = {k: v for k, v in (options or {}).items() if v is not None}
    job = _Job(source, settings, store, opts, False, None, on_land)
    with using_limits(settings.ingest):
        return job.run(unit)


def _units(source: Source, paths: list[Path]) -> list[Unit | Problem]:
    if source.group_inputs:
        try:
            unit = source.read(paths)
        except InputError as error:
            return [error.problem]
        if not unit.files:
            first: list[Unit | Problem] = [*unit.problems[:1]]
            return first or [Problem(", ".join(map(str, paths)), "nothing to read")]
        return [unit]
    out: list[Unit | Problem] = []
    for path in paths:
        try:
            out.append(source.read([path]))
        except InputError as error:
            out.append(error.problem)
    return out


@dataclass
class _Job:
    """One ``run_ingest`` call: the same source, options and stores for every unit."""

    source: Source
    settings: Settings
    store: Store
    options: dict[str, Any]
    force: bool
    progress: Any
    on_land: OnLand | None = None

    def run(self, unit: Unit) -> UnitResult:
        key: str | None = None
        previous_id: int | None = None
        if unit.hashed_later and not self.force:
            unit.start_hash()  # the key is checked once the unit has landed, before publishing
        else:
            try:
                key = self._key(unit)
            except InputError as error:  # a file hashed in the background became unreadable
                return self.fail(error.problem, unit)
            with self.store.session() as session:
                previous = session.scalar(select(Batch).where(Batch.idempotency_key == key))
                if previous is not None and not self.force:
                    return _unchanged(previous)
                previous_id = previous.id if previous is not None else None
        ctx = Context(
            self.settings,
            self.options,
            _progress_callback(self.progress, unit),
            force=previous_id is not None,
        )
        started = utcnow()
        try:
            parsed = self.source.parse(unit, ctx)
            # a key repeated within the batch: exact repeats land once, conflicts are rejected
            screen_parsed(parsed, unit.display_name, self.source.natural_key)
        except InputError as error:
            return self.fail(error.problem, unit)
        except Exception as error:  # a bug in a source must not stop the other units
            log.exception("parsing %s failed", unit.display_name)
            reason = f"could not be parsed and nothing was written: {error}"
            return self.fail(Problem(unit.display_name, reason), unit)
        parsed.problems[:0] = unit.problems
        try:
            try:
                return self._land(unit, parsed, key, previous_id, started)
            except AlreadyLanded as landed:  # hashed while landing: content an earlier batch has
                return landed.result
        except Exception as error:
            log.exception("ingest of %s failed", unit.display_name)
            reason = f"ingest failed and nothing was written: {error}"
            return self.fail(Problem(unit.display_name, reason), unit)

    def _key(self, unit: Unit) -> str:
        return idempotency_key(self.source.name, unit.content_hash, self.options)

    def _land(
        self,
        unit: Unit,
        parsed: Parsed,
        key: str | None,
        previous_id: int | None,
        started: dt.datetime,
    ) -> UnitResult:
        """Land under the write lock in one transaction. ``key`` None: the unit's hash is
        still being taken (``Source.hash_while_landing``); the key is checked after ``land``,
        still under the lock and before anything publishes, and a content that already
        landed raises ``AlreadyLanded`` (rolled back), as a check before parsing would find."""
        from leadline.lake.writer import LakeWriter, sweep_orphans

        lake: LakeWriter | None = None
        try:
            with write_lock(self.settings.resolved_home), self.store.session() as session:
                if key is not None:
                    # Checked again under the lock: a concurrent ingest of the same content may
                    # have landed while this one was parsing.
                    holder = session.scalar(select(Batch).where(Batch.idempotency_key == key))
                    if holder is not None and not self.force:
                        return _unchanged(holder)
                    previous_id = holder.id if holder is not None else None
                    if holder is not None:  # --force: the earlier batch gives up its key
                        holder.idempotency_key = None
                batch = Batch(
                    source=self.source.name,
                    file_name=unit.display_name,
                    content_hash=unit.content_hash if key is not None else "",
                    idempotency_key=key,
                    options=self.options,
                    status="landed",
                    started_at=started,
                    finished_at=started,
                )
                session.add(batch)
                session.flush()
                if self.source.writes_lake:
                    sweep_orphans(self.settings.lake_path, session)
                    lake = LakeWriter(self.settings.lake_path, session, batch.id)
                    if previous_id is not None:
                        lake.drop_batch(previous_id)
                ctx = LandContext(
                    self.settings,
                    self.options,
                    force=previous_id is not None,
                    session=session,
                    batch=batch,
                    lake=lake,
                    check_landed=self._early_check(unit) if key is None else lambda: None,
                )
                parsed.problems += self.source.land(parsed, ctx)
                if key is None:  # the hash taken while landing: the same check as before parsing
                    key = self._key(unit)
                    holder = session.scalar(select(Batch).where(Batch.idempotency_key == key))
                    if holder is not None:
                        raise AlreadyLanded(_unchanged(holder))
                    batch.content_hash, batch.idempotency_key = unit.content_hash, key
                _fill_batch(batch, parsed, previous_id)
                # records (a natural key), not observations (events update what they observe)
                keyed = lake if self.source.natural_key else None
                count = _note_superseded(session, batch, parsed, keyed)
                _store_rejects(session, batch.id, parsed.problems)
                if self.on_land is not None:
                    self.on_land(session, batch)
                if lake is not None:
                    lake.publish()
        except BaseException:
            if lake is not None:
                lake.discard()
            raise
        if lake is not None:
            lake.cleanup()
        result = _result_of(batch, parsed.problems)
        result.rows_superseded = count
        return result

    def _early_check(self, unit: Unit) -> Callable[[], None]:
        """``LandContext.check_landed`` for a unit hashed while landing: once the hash is
        known (checked once), a content that already landed stops the landing early. Read in
        a session of its own (the landing's belongs to its lander); under the write lock no
        other batch can commit meanwhile."""
        checked = False

        def check() -> None:
            nonlocal checked
            if checked or not unit.hash_known:
                return
            checked = True
            key = self._key(unit)
            with self.store.session() as session:
                holder = session.scalar(select(Batch).where(Batch.idempotency_key == key))
                if holder is not None:
                    raise AlreadyLanded(_unchanged(holder))

        return check

    def fail(self, problem: Problem, unit: Unit | None = None) -> UnitResult:
        """Keep a record of a unit that could not land at all, with the reason."""
        now = utcnow()
        with self.store.session() as session:
            batch = Batch(
                source=self.source.name,
                file_name=unit.display_name if unit else problem.file,
                content_hash=_content_hash(unit),
                idempotency_key=None,
                options=self.options,
                status="failed",
                started_at=now,
                finished_at=now,
                message=problem.reason,
            )
            session.add(batch)
            session.flush()
            _store_rejects(session, batch.id, [problem])
        return UnitResult(
            file_name=batch.file_name,
            status="failed",
            batch_id=batch.id,
            problems=[problem],
            message=problem.reason,
        )


def _content_hash(unit: Unit | None) -> str:
    """A failed unit's content hash; empty when it has none (no unit) or none could be taken
    (a file hashed while landing that became unreadable meanwhile)."""
    if unit is None:
        return ""
    try:
        return unit.content_hash
    except InputError:
        return ""


def _fill_batch(batch: Batch, parsed: Parsed, previous_id: int | None) -> None:
    batch.rows_read = parsed.rows_read
    batch.rows_rejected = parsed.rejected_rows
    batch.rows_warned = parsed.warned_rows
    batch.rows_accepted = max(parsed.rows_read - parsed.rejected_rows, 0)
    batch.finished_at = utcnow()
    if previous_id is not None:
        note = f"re-ingested with --force; supersedes batch {previous_id}"
        batch.message = f"{note}; {batch.message}" if batch.message else note


def _note_superseded(session: Any, batch: Batch, parsed: Parsed, lake: Any) -> int:
    """Say in the batch what its merges superseded (ingest.supersede); how many rows."""
    if lake is None:
        return 0
    notices, count, sentence = superseded(session, batch.file_name, lake.superseded_rows)
    parsed.problems += notices
    if sentence:
        batch.message = f"{batch.message}; {sentence}" if batch.message else sentence
    return count


def _store_rejects(session: Session, batch_id: int, problems: list[Problem]) -> None:
    """The problems as reject rows, in one multi-row INSERT: an ORM object per problem cost
    about 0.25 ms to build and flush, so a bill with 2,000 warnings spent half a second here,
    after its lines had landed and before it could commit (issue 19 item 7)."""
    if problems:
        session.execute(insert(Reject), _rejects(batch_id, problems))


def _rejects(batch_id: int, problems: list[Problem]) -> list[dict[str, Any]]:
    return [
        {
            "batch_id": batch_id,
            "file_name": p.file,
            "row": p.row,
            "field": p.field,
            "value": p.value_text,
            "reason": p.reason,
            "severity": p.severity,
            "record": _jsonable(p.record),
        }
        for p in problems
    ]


def _jsonable(value: Any) -> Any:
    if value is None:
        return None
    return json.loads(json.dumps(value, default=str))


def _result_of(batch: Batch, problems: list[Problem]) -> UnitResult:
    return UnitResult(
        file_name=batch.file_name,
        status="landed",
        batch_id=batch.id,
        rows_read=batch.rows_read,
        rows_accepted=batch.rows_accepted,
        rows_rejected=batch.rows_rejected,
        rows_warned=batch.rows_warned,
        problems=problems,
        message=batch.message,
    )


def _unchanged(batch: Batch) -> UnitResult:
    problems = [
        Problem(r.file_name, r.reason, r.row, r.field, r.value, r.severity)  # type: ignore[arg-type]
        for r in batch.rejects[:STORED_PROBLEMS_SHOWN]
        if r.severity != "notice"  # what it superseded then; nothing is superseded now
    ]
    return UnitResult(
        file_name=batch.file_name,
        status="unchanged",
        batch_id=batch.id,
        rows_read=batch.rows_read,
        rows_accepted=batch.rows_accepted,
        rows_rejected=batch.rows_rejected,
        rows_warned=batch.rows_warned,
        problems=problems,
        message=f"same content already landed as batch {batch.id}; nothing changed",
    )


def _progress_callback(progress: Any, unit: Unit) -> Any:
    if progress is None:
        return lambda _advance: None
    task = progress.add_task(Path(unit.files[0].name).name, total=max(unit.size, 1))
    return lambda advance: progress.advance(task, advance)
