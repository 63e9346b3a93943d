"""The ``opsgenie`` connector against a local Opsgenie API (tests/connect/servers/opsgenie.py):
pages followed by ``paging.next`` newest first and landed oldest first, facts equal to
ingesting the same pages from files, a back-fill bounded by ``--since``, incidents with
``--incidents``, a 429 waited out by ``X-RateLimit-Period-In-Sec``, a 502 then success, and an
empty incremental run of one request."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from leadline.connect.kinds import opsgenie as opsgenie_kind
from leadline.connect.kinds.base import ConnectionSpec
from leadline.context import App
from tests.connect.servers.opsgenie import TOKEN, OpsgenieServer, alert, incident
from tests.connect.servers.vendor import serving
from tests.connect.support_kinds import (
    FakeClock,
    add_connection,
    assert_same_as_files,
    created,
    cursors,
    sync,
    table,
    updated,
)


@pytest.fixture(scope="module")
def server() -> Iterator[OpsgenieServer]:
    yield from serving(OpsgenieServer())  # type: ignore[misc]


@pytest.fixture
def opsgenie(server: OpsgenieServer, monkeypatch: pytest.MonkeyPatch) -> OpsgenieServer:
    """25 closed alerts (each closed 45 minutes after it opened, last updated after 30), two
    incidents; pages and batches of 10 (made small to keep the test fast)."""
    monkeypatch.setattr(opsgenie_kind, "LIMIT", 10)
    monkeypatch.setattr(opsgenie_kind, "BATCH", 10)
    monkeypatch.setenv("OPSGENIE_KEY", TOKEN)
    server.reset()
    server.alerts = [alert(n, created(n), updated(n)) for n in range(1, 26)]
    server.incidents = [
        incident(1, created(1), updated(1)),
        incident(2, created(2), updated(2), status="open"),
    ]
    return server


def connect(
    app: App, server: OpsgenieServer, clock: FakeClock, incidents: bool = False
) -> ConnectionSpec:
    options: dict[str, object] = {"base-url": server.url}
    if incidents:
        options["incidents"] = True
    return add_connection(app, "acme-og", "opsgenie", options, token_env="OPSGENIE_KEY")


def test_backfill_pages_newest_first_landed_oldest_first(
    app: App, opsgenie: OpsgenieServer
) -> None:
    clock = FakeClock()
    connect(app, opsgenie, clock)
    result = sync(app, "acme-og", clock)
    assert result.status == "ok", result.error
    assert [s.arg("offset") for s in opsgenie.seen] == ["0", "10", "20"]
    assert opsgenie.seen[0].arg("sort") == "updatedAt"
    assert all(s.headers["authorization"] == f"GenieKey {TOKEN}" for s in opsgenie.seen)
    assert result.batches == 3
    incidents = table(app, "incidents")
    assert len(incidents) == 25
    first = incidents[0]
    assert first["incident_id"] == "opsgenie:alert:70413a06-38d6-4c85-92b8-000000000001"
    assert (first["started_at"], first["resolved_at"]) == (
        created(1),
        created(1) + dt.timedelta(minutes=45),
    )
    assert first["severity"] == "P2"
    kept = cursors(app, "acme-og")["alerts"]
    assert kept["updated"].startswith("2026-03-08T13:40:00")  # alert 25
    assert kept["updated_ids"] == ["70413a06-38d6-4c85-92b8-000000000025"]


def test_synced_facts_equal_the_same_pages_ingested_from_files(
    app: App, opsgenie: OpsgenieServer, tmp_path: Path
) -> None:
    clock = FakeClock()
    spec = connect(app, opsgenie, clock, incidents=True)
    assert sync(app, "acme-og", clock).status == "ok"
    assert len(table(app, "incidents")) == 27  # 25 alerts and 2 incidents
    assert_same_as_files(app, spec, clock, tmp_path, ("incidents",))


def test_empty_run_costs_one_request_then_a_change_lands(
    app: App, opsgenie: OpsgenieServer
) -> None:
    clock = FakeClock()
    connect(app, opsgenie, clock)
    assert sync(app, "acme-og", clock).status == "ok"
    opsgenie.reset()
    result = sync(app, "acme-og", clock)
    assert (result.status, result.requests, result.batches) == ("ok", 1, 0)
    # alert 3 reopens: it is the newest, the first page holds it, one request lands it
    opsgenie.reset()
    opsgenie.alerts[2] = alert(3, created(3), updated(30), status="open")
    result = sync(app, "acme-og", clock)
    assert (result.requests, result.batches, result.facts_landed) == (1, 1, 1)
    by_id = {i["incident_id"]: i for i in table(app, "incidents")}
    assert by_id["opsgenie:alert:70413a06-38d6-4c85-92b8-000000000003"]["resolved_at"] is None


def test_since_bounds_a_backfill(app: App, opsgenie: OpsgenieServer) -> None:
    clock = FakeClock()
    connect(app, opsgenie, clock)
    result = sync(app, "acme-og", clock, since=updated(20))
    assert (result.status, result.requests, result.facts_landed) == ("ok", 1, 6)  # 20..25


def test_rate_limited_then_resumed(app: App, opsgenie: OpsgenieServer) -> None:
    clock = FakeClock()
    connect(app, opsgenie, clock)
    opsgenie.throttle_next("offset=10")  # 429 with X-RateLimit-Period-In-Sec: 60
    result = sync(app, "acme-og", clock)
    assert result.status == "ok", result.error
    assert clock.slept == [60.0]
    assert len(opsgenie.seen) == 4
    assert len(table(app, "incidents")) == 25


def test_502_then_success(app: App, opsgenie: OpsgenieServer) -> None:
    clock = FakeClock()
    connect(app, opsgenie, clock)
    opsgenie.fail_next(502, path="offset=20")
    result = sync(app, "acme-og", clock)
    assert (result.status, result.requests) == ("ok", 4)
    assert len(table(app, "incidents")) == 25


def test_incidents_by_creation_and_open_ones_reread_until_resolved(
    app: App, opsgenie: OpsgenieServer
) -> None:
    clock = FakeClock()
    connect(app, opsgenie, clock, incidents=True)
    assert sync(app, "acme-og", clock).status == "ok"
    incidents_asked = opsgenie.requests_to("/v1/incidents")
    assert [(s.arg("sort"), s.arg("query")) for s in incidents_asked] == [("createdAt", "")]
    kept = cursors(app, "acme-og")["incidents"]
    assert list(kept["open"]) == ["1a2b3c4d-0000-4000-8000-000000000002"]
    opsgenie.reset()
    result = sync(app, "acme-og", clock)
    assert (result.requests, result.batches) == (2, 0)  # alerts, incidents: nothing new
    # the open incident resolves: re-read from its creation, landed resolved
    opsgenie.reset()
    opsgenie.incidents[1] = incident(2, created(2), updated(9))
    result = sync(app, "acme-og", clock)
    assert (result.requests, result.batches, result.facts_landed) == (2, 1, 1)
    by_id = {i["incident_id"]: i for i in table(app, "incidents")}
    assert by_id["opsgenie:incident:1a2b3c4d-0000-4000-8000-000000000002"]["resolved_at"] == (
        updated(9)
    )
    assert cursors(app, "acme-og")["incidents"]["open"] == {}
