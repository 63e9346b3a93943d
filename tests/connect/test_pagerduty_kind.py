"""The ``pagerduty`` connector against a local PagerDuty API (tests/connect/servers/pagerduty.py):
six-month windows and offset pages, facts equal to ingesting the same pages from files, open
incidents re-read until resolved, a 429 waited out by ``ratelimit-reset``, a 502 then success,
a run cut short and resumed, and an empty incremental run of one request."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from leadline.connect.kinds import pagerduty as pagerduty_kind
from leadline.connect.kinds.base import ConnectionSpec
from leadline.context import App
from tests.connect.servers.pagerduty import TOKEN, PagerDutyServer, incident
from tests.connect.servers.vendor import serving
from tests.connect.support_kinds import (
    T0,
    FakeClock,
    add_connection,
    assert_same_as_files,
    cursors,
    sync,
    table,
)
from tests.delivery.support_events import raw_events

DAY0 = T0 - dt.timedelta(days=30)


def opened(number: int) -> dt.datetime:
    return DAY0 + dt.timedelta(hours=number)


@pytest.fixture(scope="module")
def server() -> Iterator[PagerDutyServer]:
    yield from serving(PagerDutyServer())  # type: ignore[misc]


@pytest.fixture
def pagerduty(server: PagerDutyServer, monkeypatch: pytest.MonkeyPatch) -> PagerDutyServer:
    """23 incidents opened an hour apart from 30 days ago: 1-20 resolved 40 minutes after they
    opened, 21-23 still open; pages of 10 (made small to keep the test fast)."""
    monkeypatch.setattr(pagerduty_kind, "LIMIT", 10)
    monkeypatch.setenv("PAGERDUTY_TOKEN", TOKEN)
    server.reset()
    server.incidents = [
        incident(n, opened(n), changed=opened(n) + dt.timedelta(minutes=40)) for n in range(1, 21)
    ]
    server.incidents += [
        incident(n, opened(n), status="acknowledged", changed=opened(n) + dt.timedelta(minutes=5))
        for n in range(21, 24)
    ]
    return server


def connect(app: App, server: PagerDutyServer, clock: FakeClock) -> ConnectionSpec:
    server.now = clock.time
    options = {"base-url": server.url}
    return add_connection(app, "acme-pd", "pagerduty", options, token_env="PAGERDUTY_TOKEN")


def test_backfill_windows_pages_and_facts(app: App, pagerduty: PagerDutyServer) -> None:
    clock = FakeClock()
    connect(app, pagerduty, clock)
    result = sync(app, "acme-pd", clock)
    assert result.status == "ok", result.error
    # a year back in windows of 180 days: [-365, -185) empty, [-185, -5) three pages, [-5, 0)
    windows = [(s.arg("since"), s.arg("offset")) for s in pagerduty.seen]
    assert windows == [
        ("2025-03-10T09:00:00Z", "0"),
        ("2025-09-06T09:00:00Z", "0"),
        ("2025-09-06T09:00:00Z", "10"),
        ("2025-09-06T09:00:00Z", "20"),
        ("2026-03-05T09:00:00Z", "0"),
    ]
    assert all(s.headers["authorization"] == f"Token token={TOKEN}" for s in pagerduty.seen)
    incidents = table(app, "incidents")
    assert len(incidents) == 23
    first = incidents[0]
    assert first["incident_id"] == "pagerduty:Q000000000001"
    assert (first["started_at"], first["resolved_at"]) == (
        opened(1),
        opened(1) + dt.timedelta(minutes=40),
    )
    assert first["severity"] == "P1"
    assert [i["resolved_at"] for i in incidents[20:]] == [None, None, None]
    kept = cursors(app, "acme-pd")["incidents"]
    assert kept["created"].startswith("2026-02-09T08:00:00")  # incident 23
    assert sorted(kept["open"]) == ["Q000000000021", "Q000000000022", "Q000000000023"]


def test_synced_facts_equal_the_same_pages_ingested_from_files(
    app: App, pagerduty: PagerDutyServer, tmp_path: Path
) -> None:
    clock = FakeClock()
    spec = connect(app, pagerduty, clock)
    assert sync(app, "acme-pd", clock).status == "ok"
    assert_same_as_files(app, spec, clock, tmp_path, ("incidents",))


def test_empty_run_costs_one_request_and_open_incidents_are_reread(
    app: App, pagerduty: PagerDutyServer
) -> None:
    clock = FakeClock()
    connect(app, pagerduty, clock)
    assert sync(app, "acme-pd", clock).status == "ok"
    pagerduty.reset()
    result = sync(app, "acme-pd", clock)
    assert (result.status, result.requests, result.batches) == ("ok", 1, 0)
    assert pagerduty.seen[0].arg("since") == "2026-02-09T06:00:00Z"  # the oldest still open
    # incident 22 is resolved: the next run lands it alone
    pagerduty.reset()
    resolved = opened(22) + dt.timedelta(hours=2)
    pagerduty.incidents[21] = incident(22, opened(22), changed=resolved)
    result = sync(app, "acme-pd", clock)
    assert (result.requests, result.batches, result.facts_landed) == (1, 1, 1)
    by_id = {i["incident_id"]: i for i in table(app, "incidents")}
    assert by_id["pagerduty:Q000000000022"]["resolved_at"] == resolved
    assert sorted(cursors(app, "acme-pd")["incidents"]["open"]) == [
        "Q000000000021",
        "Q000000000023",
    ]


def test_rate_limited_then_resumed_after_ratelimit_reset(
    app: App, pagerduty: PagerDutyServer
) -> None:
    clock = FakeClock()
    connect(app, pagerduty, clock)
    pagerduty.throttle_next("offset=10")  # 429, ratelimit-reset: 7, no Retry-After
    result = sync(app, "acme-pd", clock)
    assert result.status == "ok", result.error
    assert clock.slept[0] == 7.0  # then the client's own pause to the reset it was told
    assert sum(clock.slept) <= 8.0
    assert len(pagerduty.seen) == 6
    assert len(table(app, "incidents")) == 23


def test_502_then_success(app: App, pagerduty: PagerDutyServer) -> None:
    clock = FakeClock()
    connect(app, pagerduty, clock)
    pagerduty.fail_next(502, path="offset=20")
    result = sync(app, "acme-pd", clock)
    assert (result.status, result.requests) == ("ok", 6)
    assert len(table(app, "incidents")) == 23


def test_a_run_cut_short_resumes_from_its_cursor(app: App, pagerduty: PagerDutyServer) -> None:
    """The third page fails for good: the first two pages and their cursor are kept; the
    next run asks again only from there and lands the rest, nothing twice."""
    clock = FakeClock()
    connect(app, pagerduty, clock)
    pagerduty.fail_next(502, times=5, path="offset=20")
    first = sync(app, "acme-pd", clock)
    assert (first.status, first.batches) == ("partial", 2)
    assert len(table(app, "incidents")) == 20
    kept = cursors(app, "acme-pd")["incidents"]
    assert kept["created"].startswith("2026-02-09T05:00:00")  # incident 20
    pagerduty.reset()
    second = sync(app, "acme-pd", clock)
    assert second.status == "ok", second.error
    assert second.facts_landed == 3
    assert pagerduty.seen[0].arg("since") == "2026-02-09T05:00:00Z"
    assert len(table(app, "incidents")) == 23


def test_kill_9_mid_sync_then_rerun_loses_and_doubles_nothing(
    app: App, pagerduty: PagerDutyServer
) -> None:
    """``leadline sync`` in another process is killed (SIGKILL) while it waits for the third
    page: the two pages it landed stay with their cursor; the next sync lands the rest, each
    incident once (one raw delivery each)."""
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    start = now - dt.timedelta(days=20)
    pagerduty.now = time.time
    pagerduty.incidents = [
        incident(n, start + dt.timedelta(minutes=n), changed=start + dt.timedelta(minutes=n + 9))
        for n in range(1, 251)
    ]
    add_connection(app, "acme-pd", "pagerduty", {"base-url": pagerduty.url}, "PAGERDUTY_TOKEN")
    reached, release = pagerduty.hold("offset=200")
    env = {**os.environ, "LEADLINE_HOME": str(app.settings.home)}
    child = subprocess.Popen(
        [sys.executable, "-m", "leadline", "sync", "acme-pd"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert reached.wait(120), "the sync never asked for the third page"
        child.send_signal(signal.SIGKILL)
        child.wait(30)
    finally:
        release.set()
        if child.poll() is None:
            child.kill()
    assert child.returncode == -signal.SIGKILL
    assert len(table(app, "incidents")) == 200
    kept = cursors(app, "acme-pd")["incidents"]
    assert kept["created_ids"] == ["Q000000000200"]
    pagerduty.reset()
    result = sync(app, "acme-pd", FakeClock(now))
    assert result.status == "ok", result.error
    assert result.facts_landed == 50
    assert len(table(app, "incidents")) == 250
    delivered = [e.delivery_id for e in raw_events(app, "pagerduty")]
    assert len(delivered) == len(set(delivered)) == 250
