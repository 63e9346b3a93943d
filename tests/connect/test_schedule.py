"""The connection scheduler under ``leadline serve``: cron slots, back-off after failures
(exponential, capped, recorded on the run), one failing or hung connection never holding up
another, bounded workers, "run now" audited, and a clean stop. The clock is injected: no test
waits for a schedule."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from leadline.audit import AuditEntry
from leadline.connect.models import Connection, ConnectionRun
from leadline.connect.schedule import (
    Backoff,
    Scheduler,
    check_schedule,
    cron_next,
    due_at,
    request_run,
)
from leadline.context import App
from leadline.store import Store

T0 = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)  # a Monday


def at(minutes: float) -> dt.datetime:
    return T0 + dt.timedelta(minutes=minutes)


class Clock:
    """A clock the test moves."""

    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


class FakeSync:
    """Stands in for connect.sync: records a run row as sync does (ok, 7 facts, 3 requests),
    or raises before writing any row for the connections named in ``failing``; a connection
    in ``hold`` waits for its event first."""

    def __init__(self, store: Store, clock: Clock) -> None:
        self.store, self.clock = store, clock
        self.failing: set[str] = set()
        self.hold: dict[str, threading.Event] = {}
        self.calls: list[tuple[str, str]] = []

    def __call__(self, name: str, trigger: str) -> None:
        self.calls.append((name, trigger))
        if name in self.hold:
            assert self.hold[name].wait(10)
        if name in self.failing:
            raise RuntimeError(f"{name}: 502 Bad Gateway from https://api.example/orgs")
        with self.store.session() as session:
            connection = session.scalar(select(Connection).where(Connection.name == name))
            assert connection is not None
            now = self.clock()
            session.add(
                ConnectionRun(
                    connection_id=connection.id,
                    started_at=now,
                    finished_at=now,
                    status="ok",
                    trigger=trigger,
                    facts_landed=7,
                    requests=3,
                )
            )


@pytest.fixture
def store(app: App) -> Store:
    return app.store


def add(store: Store, name: str, schedule: str | None = "*/5 * * * *", **extra: object) -> None:
    with store.session() as session:
        session.add(Connection(name=name, kind="github", schedule=schedule, created_at=T0, **extra))


def runs(store: Store, name: str) -> list[ConnectionRun]:
    with store.session() as session:
        query = (
            select(ConnectionRun)
            .join(Connection)
            .where(Connection.name == name)
            .order_by(ConnectionRun.id)
        )
        return list(session.scalars(query))


@pytest.fixture
def clock() -> Clock:
    return Clock(T0)


@pytest.fixture
def fake(store: Store, clock: Clock) -> FakeSync:
    return FakeSync(store, clock)


@pytest.fixture
def scheduler(store: Store, fake: FakeSync, clock: Clock) -> Iterator[Scheduler]:
    instance = Scheduler(store, fake, clock=clock)
    yield instance
    for event in fake.hold.values():
        event.set()
    instance.stop(timeout=5)


def tick(scheduler: Scheduler) -> list[str]:
    """One tick, waiting for the runs it started; the names started."""
    threads = scheduler.tick()
    for thread in threads:
        thread.join(10)
        assert not thread.is_alive()
    return sorted(t.name.removeprefix("leadline-sync-") for t in threads)


def test_backoff_doubles_from_base_up_to_the_cap() -> None:
    backoff = Backoff(base=dt.timedelta(minutes=5), cap=dt.timedelta(hours=6))
    minutes = [backoff.delay(n).total_seconds() / 60 for n in range(10)]
    assert minutes == [0, 5, 10, 20, 40, 80, 160, 320, 360, 360]
    assert backoff.delay(10_000) == dt.timedelta(hours=6)  # no overflow


def test_schedules_are_checked_and_read_in_utc() -> None:
    assert check_schedule(" 0  *  * * * ") == "0 * * * *"
    with pytest.raises(ValueError, match="five cron fields"):
        check_schedule("hourly")
    with pytest.raises(ValueError, match="61"):
        check_schedule("61 * * * *")
    assert cron_next("0 * * * *", at(40)) == at(60)
    assert cron_next("*/15 * * * *", at(15)) == at(30)  # strictly after
    plus_two = dt.timezone(dt.timedelta(hours=2))
    assert cron_next("0 12 * * *", at(0).astimezone(plus_two)) == at(120)  # 12:00 UTC


def test_due_at_follows_the_schedule_and_backs_off_after_failures() -> None:
    backoff = Backoff()
    five = Connection(name="a", kind="github", schedule="*/5 * * * *", created_at=T0)
    five.enabled = True
    assert due_at(five, None, 0, backoff, at(1)) == at(5)  # never run: the slot after adding
    run = ConnectionRun(started_at=at(5), finished_at=at(6), status="failed")
    assert due_at(five, run, 0, backoff, at(7)) == at(10)
    assert due_at(five, run, 1, backoff, at(7)) == at(11)  # 6 + 5 min
    assert due_at(five, run, 3, backoff, at(7)) == at(26)  # 6 + 20 min
    hourly = Connection(name="b", kind="github", schedule="0 * * * *", created_at=T0)
    hourly.enabled = True
    assert due_at(hourly, run, 1, backoff, at(7)) == at(60)  # never before its next slot
    going = ConnectionRun(started_at=at(5), status="running")
    assert due_at(five, going, 0, backoff, at(30)) is None  # running: not due
    assert due_at(five, going, 0, backoff, at(5 + 121)) == at(126)  # interrupted: due now
    hourly.enabled = False
    assert due_at(hourly, run, 0, backoff, at(7)) is None
    unscheduled = Connection(name="c", kind="github", schedule=None, created_at=T0)
    unscheduled.enabled = True
    assert due_at(unscheduled, None, 0, backoff, at(7)) is None


def test_runs_on_schedule_backs_off_a_failing_connection_and_resets_on_success(
    store: Store, fake: FakeSync, clock: Clock, scheduler: Scheduler
) -> None:
    add(store, "good")
    add(store, "bad")
    add(store, "manual", schedule=None)
    add(store, "off", enabled=False)
    fake.failing.add("bad")
    assert tick(scheduler) == []  # 10:00: the first slot is 10:05
    clock.now = at(5)
    assert tick(scheduler) == ["bad", "good"]
    (good,) = runs(store, "good")
    assert (good.status, good.trigger, good.facts_landed, good.next_run) == (
        "ok",
        "schedule",
        7,
        at(10),
    )
    (bad,) = runs(store, "bad")  # sync raised before writing a row: the scheduler wrote one
    assert bad.status == "failed" and bad.trigger == "schedule"
    assert bad.error == "RuntimeError: bad: 502 Bad Gateway from https://api.example/orgs"
    assert bad.next_run == at(10)  # 1 failure: 5 min, which is the next slot too
    clock.now = at(10)
    assert tick(scheduler) == ["bad", "good"]
    assert runs(store, "bad")[-1].next_run == at(20)  # 2 in a row: 10 min
    clock.now = at(15)
    assert tick(scheduler) == ["good"]  # bad waits
    clock.now = at(20)
    assert tick(scheduler) == ["bad", "good"]
    assert runs(store, "bad")[-1].next_run == at(40)  # 3 in a row: 20 min
    for minute in (25, 30, 35):
        clock.now = at(minute)
        assert tick(scheduler) == ["good"]
    fake.failing.clear()
    clock.now = at(40)
    assert tick(scheduler) == ["bad", "good"]
    assert runs(store, "bad")[-1].status == "ok"
    assert runs(store, "bad")[-1].next_run == at(45)  # success: back on schedule
    assert {name for name, _ in fake.calls} == {"good", "bad"}  # never manual nor off


def test_a_hung_connection_holds_up_no_other_and_is_not_started_twice(
    store: Store, fake: FakeSync, clock: Clock, scheduler: Scheduler
) -> None:
    add(store, "slow")
    add(store, "fast")
    fake.hold["slow"] = threading.Event()
    clock.now = at(5)
    threads = {t.name: t for t in scheduler.tick()}
    threads["leadline-sync-fast"].join(10)
    assert runs(store, "fast")[0].status == "ok"  # done while slow still runs
    assert scheduler.running() == ["slow"]
    clock.now = at(10)
    started = [t.name for t in scheduler.tick()]
    assert started == ["leadline-sync-fast"]  # slow is not started a second time
    assert scheduler.run_now("slow", "api") == ("running", None)
    fake.hold["slow"].set()
    threads["leadline-sync-slow"].join(10)
    assert [r.status for r in runs(store, "slow")] == ["ok"]


def test_workers_are_bounded_and_a_waiting_connection_runs_at_the_next_tick(
    store: Store, fake: FakeSync, clock: Clock
) -> None:
    add(store, "a")
    add(store, "b")
    fake.hold["a"] = threading.Event()
    one = Scheduler(store, fake, clock=clock, workers=1)
    try:
        clock.now = at(5)
        assert [t.name for t in one.tick()] == ["leadline-sync-a"]  # b waits for a worker
        assert one.run_now("b", "api") == ("busy", None)
        fake.hold["a"].set()
        deadline = time.monotonic() + 10
        while one.running() and time.monotonic() < deadline:
            time.sleep(0.01)
        assert tick(one) == ["b"]  # still due (10:05), now that a worker is free
    finally:
        one.stop(timeout=5)


def test_stop_waits_a_bounded_time_and_starts_nothing_after(
    store: Store, fake: FakeSync, clock: Clock
) -> None:
    add(store, "stuck")
    add(store, "later", schedule="0 12 * * *")
    fake.hold["stuck"] = threading.Event()
    instance = Scheduler(store, fake, clock=clock)
    clock.now = at(5)
    instance.tick()
    began = time.monotonic()
    assert instance.stop(timeout=0.2) == ["stuck"]  # left to end with the process
    assert time.monotonic() - began < 2
    clock.now = at(120)  # "later" is due, but nothing starts once stopped
    assert instance.tick() == [] and instance.run_now("later", "api") == ("busy", None)
    fake.hold["stuck"].set()


def test_the_background_loop_runs_a_due_connection_and_stops_promptly(
    store: Store, fake: FakeSync, clock: Clock
) -> None:
    add(store, "due")
    clock.now = at(5)
    instance = Scheduler(store, fake, clock=clock, idle=dt.timedelta(seconds=30))
    instance.start()
    deadline = time.monotonic() + 10
    while not runs(store, "due") and time.monotonic() < deadline:
        time.sleep(0.02)
    began = time.monotonic()
    instance.stop(timeout=5)
    assert time.monotonic() - began < 2  # the 30 s wait is cut short
    assert [r.status for r in runs(store, "due")] == ["ok"]


def test_a_run_that_dies_after_recording_itself_running_is_marked_failed(
    store: Store, clock: Clock
) -> None:
    add(store, "half")

    def dies(name: str, trigger: str) -> None:
        with store.session() as session:
            connection = session.scalar(select(Connection).where(Connection.name == name))
            assert connection is not None
            session.add(
                ConnectionRun(connection_id=connection.id, started_at=clock(), trigger=trigger)
            )
        raise TimeoutError("time box of 600 s reached")

    instance = Scheduler(store, dies, clock=clock)
    try:
        clock.now = at(5)
        tick(instance)
    finally:
        instance.stop(timeout=5)
    (run,) = runs(store, "half")
    assert (run.status, run.error, run.finished_at) == (
        "failed",
        "TimeoutError: time box of 600 s reached",
        at(5),
    )


def test_run_now_is_audited_and_refused_for_an_unknown_connection(
    store: Store, fake: FakeSync, scheduler: Scheduler
) -> None:
    add(store, "acme", schedule=None)
    assert request_run(store, scheduler, "nope", actor="ada", via="web") == "missing"
    assert request_run(store, scheduler, "acme", actor="ada", via="web") == "started"
    deadline = time.monotonic() + 10
    while scheduler.running() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert fake.calls == [("acme", "web")]
    assert runs(store, "acme")[0].trigger == "web"
    assert runs(store, "acme")[0].next_run is None  # no schedule: no next run
    with store.session() as session:
        entries = list(session.scalars(select(AuditEntry)))
    assert [(e.actor, e.via, e.action, e.entity_type, e.entity_id) for e in entries] == [
        ("ada", "web", "import", "connection", "acme")
    ]
