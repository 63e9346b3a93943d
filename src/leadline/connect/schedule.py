"""Each connection synced on its cron schedule while ``leadline serve`` runs.

Why the store, not memory, decides when a connection is due: ``leadline sync`` run by hand,
a restart of the server or a ``connect add`` with a new schedule must all count, so every
look reads the connection and its last run (``connection_runs``) and computes the next run
with one function, :func:`due_at`, which the API and the Connections page use too.

A failed run backs off: after ``n`` failures in a row the next attempt waits at least
``min(cap, base * 2 ** (n - 1))`` from the failure, and never comes before the schedule's next
slot; the next success resets it. Each run is in a worker thread of its own pool, so a slow
or failing connection never holds up another, nor the web app; stopping waits for the runs
in progress (each bounded by the client's time box) and starts no new one.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from croniter import CroniterBadCronError, croniter
from sqlalchemy import select
from sqlalchemy.orm import Session

from leadline.audit import record
from leadline.config import Settings
from leadline.connect.models import Connection, ConnectionRun
from leadline.store import Store
from leadline.store.base import utcnow

log = logging.getLogger(__name__)

# Syncs one connection (by name) and records its run; the second argument is the trigger
# recorded on the run: "schedule", or "api"/"web" for a run an admin started.
RunConnection = Callable[[str, str], object]
Clock = Callable[[], dt.datetime]
ERROR_CHARS = 2000  # an error kept longer than this is cut (a page of text is enough)
# A run still marked running after this long was interrupted (the process was killed).
STALE_AFTER = dt.timedelta(hours=2)
RECENT_RUNS = 30  # failures in a row are counted among this many runs at most
# A scheduled run ends (partial: what landed stays, cursors included) after this long, so a
# worker is never held for ever; a long back-fill goes on at the next slot from its cursors.
SCHEDULED_TIME_BOX = 3600.0


@dataclass(frozen=True)
class Backoff:
    """The wait after ``failures`` failed runs in a row: ``base`` doubling, at most ``cap``."""

    base: dt.timedelta = dt.timedelta(minutes=5)
    cap: dt.timedelta = dt.timedelta(hours=6)

    def delay(self, failures: int) -> dt.timedelta:
        if failures <= 0:
            return dt.timedelta(0)
        # 2 ** 30 base-periods is far past any cap: stop doubling there (no overflow)
        return min(self.cap, self.base * (1 << min(failures - 1, 30)))


def check_schedule(text: str) -> str:
    """``text`` as a valid five-field cron expression (``0 * * * *``), else a ValueError
    saying what is wrong (``connect add --schedule`` and the API use this)."""
    cleaned = " ".join(text.split())
    if len(cleaned.split(" ")) != 5:
        raise ValueError(
            f"schedule {text!r}: expected five cron fields (minute hour day month weekday), "
            "e.g. '0 * * * *' for hourly"
        )
    try:
        croniter(cleaned, dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    except (CroniterBadCronError, ValueError, KeyError) as error:
        raise ValueError(f"schedule {text!r}: {error}") from None
    return cleaned


def cron_next(schedule: str, after: dt.datetime) -> dt.datetime:
    """The first instant of ``schedule`` (read in UTC) strictly after ``after``."""
    start = after.astimezone(dt.UTC) if after.tzinfo else after.replace(tzinfo=dt.UTC)
    found: dt.datetime = croniter(schedule, start).get_next(dt.datetime)
    return found.astimezone(dt.UTC)


def due_at(
    connection: Connection,
    last: ConnectionRun | None,
    failures: int,
    backoff: Backoff,
    now: dt.datetime,
) -> dt.datetime | None:
    """When ``connection`` runs next: None when disabled, without schedule, or running now.

    Never run: the first slot after it was added. Last run interrupted (marked running for
    longer than STALE_AFTER): due now. Otherwise the first slot after the last run ended, and
    after ``failures`` failures in a row no earlier than the back-off's delay."""
    if not connection.enabled or not connection.schedule:
        return None
    if last is None:
        return cron_next(connection.schedule, connection.created_at)
    if last.status == "running" and last.finished_at is None:
        return None if now - last.started_at < STALE_AFTER else now
    ended = last.finished_at or last.started_at
    slot = cron_next(connection.schedule, ended)
    return max(slot, ended + backoff.delay(failures)) if failures else slot


def recent_runs(session: Session, connection_id: int) -> list[ConnectionRun]:
    """The connection's last RECENT_RUNS runs, newest first."""
    query = (
        select(ConnectionRun)
        .where(ConnectionRun.connection_id == connection_id)
        .order_by(ConnectionRun.id.desc())
        .limit(RECENT_RUNS)
    )
    return list(session.scalars(query))


def failures_in_a_row(runs: list[ConnectionRun]) -> int:
    """How many of the newest runs (newest first) failed before the last one that did not.
    A run still going is skipped; a partial run (some streams landed) ends the count."""
    count = 0
    for run in runs:
        if run.status == "running":
            continue
        if run.status != "failed":
            break
        count += 1
    return count


@dataclass(frozen=True)
class Plan:
    """One connection as the scheduler sees it now."""

    name: str
    due: dt.datetime | None
    failures: int


class Scheduler:
    """Starts each due connection's run in a worker thread; see the module's docstring.

    ``clock`` and ``tick`` make it testable without waiting: a test calls :meth:`tick` with a
    clock it moves itself. :meth:`start` runs ticks in a background thread until
    :meth:`stop`."""

    def __init__(
        self,
        store: Store,
        run: RunConnection,
        *,
        clock: Clock = utcnow,
        backoff: Backoff | None = None,
        workers: int = 4,
        idle: dt.timedelta = dt.timedelta(seconds=30),
    ) -> None:
        self.store, self.run, self.clock = store, run, clock
        self.backoff = backoff or Backoff()
        self.idle = idle
        self._slots = threading.BoundedSemaphore(workers)
        self._running: dict[str, threading.Thread] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="leadline-schedule", daemon=True)

    def plans(self) -> list[Plan]:
        """Every connection with when it is due (None: not scheduled) and its failures."""
        now = self.clock()
        found: list[Plan] = []
        with self.store.session() as session:
            for connection in session.scalars(select(Connection).order_by(Connection.name)):
                runs = recent_runs(session, connection.id)
                failures = failures_in_a_row(runs)
                last = runs[0] if runs else None
                due = due_at(connection, last, failures, self.backoff, now)
                found.append(Plan(connection.name, due, failures))
        return found

    def tick(self) -> list[threading.Thread]:
        """Start every due connection not already running here, while a worker is free (the
        others stay due for the next tick); the threads started."""
        now = self.clock()
        started: list[threading.Thread] = []
        for plan in self.plans():
            if plan.due is None or plan.due > now:
                continue
            answer, thread = self._launch(plan.name, "schedule")
            if answer == "busy":
                break
            if thread is not None:
                started.append(thread)
        return started

    def run_now(self, name: str, trigger: str) -> tuple[str, threading.Thread | None]:
        """Start ``name`` now, off schedule: ("started", its thread), or ("running", None)
        when it runs already, ("busy", None) when every worker is taken or stopping."""
        return self._launch(name, trigger)

    def _launch(self, name: str, trigger: str) -> tuple[str, threading.Thread | None]:
        with self._lock:
            if name in self._running:
                return "running", None
            if self._stop.is_set() or not self._slots.acquire(blocking=False):
                return "busy", None
            thread = threading.Thread(
                target=self._attempt, args=(name, trigger), name=f"leadline-sync-{name}"
            )
            thread.daemon = True
            self._running[name] = thread
        thread.start()
        return "started", thread

    def running(self) -> list[str]:
        with self._lock:
            return sorted(self._running)

    def _attempt(self, name: str, trigger: str) -> None:
        """One run of ``name``; whatever it raises is recorded on its run, never raised."""
        try:
            before = self._last_run_id(name)
            error: str | None = None
            try:
                self.run(name, trigger)
            except Exception as raised:  # recorded and reported; the others go on
                error = f"{type(raised).__name__}: {raised}"[:ERROR_CHARS]
            self._record(name, before, error, trigger)
        except Exception:  # the store itself failed: logged, tried again at the next slot
            log.exception("connection %s: recording its scheduled run failed", name)
        finally:
            with self._lock:
                self._running.pop(name, None)
            self._slots.release()

    def _last_run_id(self, name: str) -> int:
        with self.store.session() as session:
            connection = session.scalar(select(Connection).where(Connection.name == name))
            if connection is None:
                return 0
            runs = recent_runs(session, connection.id)
            return runs[0].id if runs else 0

    def _record(self, name: str, before: int, error: str | None, trigger: str) -> None:
        """The run's outcome and next run on its row (a row written here when the run
        failed before writing one), and a warning in the log for a failure."""
        now = self.clock()
        with self.store.session() as session:
            connection = session.scalar(select(Connection).where(Connection.name == name))
            if connection is None:  # removed while it ran
                return
            runs = recent_runs(session, connection.id)
            run = runs[0] if runs and runs[0].id > before else None
            if run is None:
                run = ConnectionRun(
                    connection_id=connection.id, started_at=now, status="failed", trigger=trigger
                )
                run.error = error or "the run recorded nothing"
                session.add(run)
                runs.insert(0, run)
            elif error is not None and run.status in ("running", "ok"):
                run.status, run.error = "failed", error
            if run.finished_at is None:
                run.finished_at = now
            failures = failures_in_a_row(runs)
            run.next_run = due_at(connection, run, failures, self.backoff, now)
            if run.status == "failed":
                log.warning(
                    "connection %s failed (%d in a row); next attempt %s: %s",
                    name,
                    failures,
                    run.next_run.isoformat() if run.next_run else "not scheduled",
                    run.error,
                )

    def _wait(self) -> dt.timedelta:
        """How long to sleep: until the earliest due connection, at most ``idle``."""
        now = self.clock()
        dues = [p.due for p in self.plans() if p.due is not None]
        soonest = min(dues, default=now + self.idle) - now
        return max(dt.timedelta(seconds=1), min(self.idle, soonest))

    def _loop(self) -> None:
        while not self._stop.is_set():
            pause = self.idle
            try:
                self.tick()
                pause = self._wait()
            except Exception:  # the store was unreachable: logged, tried again
                log.exception("the connection scheduler's tick failed")
            self._stop.wait(pause.total_seconds())

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> list[str]:
        """No new run starts; runs in progress get ``timeout`` seconds in all to finish. The
        names of those still running after that (left to end with the process)."""
        self._stop.set()
        deadline = time.monotonic() + timeout
        if self._thread.is_alive():
            self._thread.join(timeout)
        with self._lock:
            threads = list(self._running.values())
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        left = self.running()
        if left:
            log.warning("stopping with connection runs still going: %s", ", ".join(left))
        return left


def sync_runner(settings: Settings, store: Store) -> RunConnection:
    """The scheduler's run: ``connect.sync.sync_connection`` with the trigger and time box."""

    def run(name: str, trigger: str) -> object:
        from leadline.connect.sync import sync_connection

        return sync_connection(
            name, settings=settings, store=store, trigger=trigger, time_box=SCHEDULED_TIME_BOX
        )

    return run


def request_run(store: Store, scheduler: Scheduler, name: str, *, actor: str, via: str) -> str:
    """An admin's "run now": "missing" (no such connection), "running", "busy" or
    "started"; a started run is audited (who asked, through what)."""
    with store.session() as session:
        if session.scalar(select(Connection.id).where(Connection.name == name)) is None:
            return "missing"
    answer, _thread = scheduler.run_now(name, via)
    if answer == "started":
        with store.session() as session:
            record(
                session,
                actor=actor,
                via=via,
                action="import",
                entity_type="connection",
                entity_id=name,
                note="sync started now (off schedule)",
            )
    return answer
