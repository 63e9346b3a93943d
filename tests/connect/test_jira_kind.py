"""The ``jira`` connector against a local Jira API (tests/connect/servers/jira.py): Cloud's
``nextPageToken`` pages and Data Center's ``startAt`` pages, JQL dates in the user's time zone,
facts equal to ingesting the same pages from files, a 429 waited out by ``Retry-After``, a 502
then success, and an empty incremental run of one request."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from leadline.connect.kinds import jira as jira_kind
from leadline.connect.kinds.base import ConnectionSpec
from leadline.context import App
from tests.connect.servers.jira import EMAIL, PAT, TOKEN, JiraServer, issue
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
def server() -> Iterator[JiraServer]:
    yield from serving(JiraServer())  # type: ignore[misc]


@pytest.fixture
def jira(server: JiraServer, monkeypatch: pytest.MonkeyPatch) -> JiraServer:
    """25 incidents in OPS (1-20 done, 21-25 in progress) and 3 in another project; pages of
    10 (made small to keep the test fast); the user's time zone is Berlin's."""
    monkeypatch.setattr(jira_kind, "LIMIT", 10)
    server.reset()
    server.tokens.clear()
    server.issues = [issue(f"OPS-{n}", created(n), updated(n), done=n <= 20) for n in range(1, 26)]
    server.issues += [issue(f"WEB-{n}", created(n), updated(n)) for n in range(1, 4)]
    return server


def connect(
    app: App, server: JiraServer, clock: FakeClock, monkeypatch: pytest.MonkeyPatch, api: str = ""
) -> ConnectionSpec:
    server.now = clock.time
    options = {"base-url": server.url, "jql": "project = OPS"}
    if api == "server":
        monkeypatch.setenv("JIRA_TOKEN", PAT)
        options["api"] = "server"
    else:
        monkeypatch.setenv("JIRA_TOKEN", TOKEN)
        options["email"] = EMAIL
    return add_connection(app, "acme-jira", "jira", options, token_env="JIRA_TOKEN")


def test_cloud_pages_jql_in_the_users_zone_and_facts(
    app: App, jira: JiraServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = FakeClock()
    connect(app, jira, clock, monkeypatch)
    result = sync(app, "acme-jira", clock)
    assert result.status == "ok", result.error
    searches = jira.requests_to("/search/jql")
    assert jira.seen[0].path == "/rest/api/3/myself"
    # each page asked from the newest issue read (Berlin time, to the minute), not by token:
    # a year back (09:00 UTC is 10:00 in Berlin), then OPS-10's and OPS-19's minute
    assert [s.arg("nextPageToken") for s in searches] == [None, None, None]
    assert [s.arg("jql") for s in searches] == [
        f'(project = OPS) AND updated >= "{minute}" ORDER BY updated ASC'
        for minute in ("2025-03-10 10:00", "2026-03-08 12:10", "2026-03-08 13:40")
    ]
    assert searches[0].arg("expand") == "changelog"
    assert jira.seen[0].headers["authorization"].startswith("Basic ")
    tickets = table(app, "work_items")
    assert [t["work_item_id"] for t in tickets][:3] == ["OPS-1", "OPS-10", "OPS-11"]
    assert len(tickets) == 25
    first = next(t for t in tickets if t["work_item_id"] == "OPS-1")
    assert (first["created_at"], first["started_at"], first["resolved_at"]) == (
        created(1),
        created(1) + dt.timedelta(minutes=10),
        updated(1),
    )
    incidents = table(app, "incidents")
    assert len(incidents) == 25
    assert sum(i["resolved_at"] is None for i in incidents) == 5
    kept = cursors(app, "acme-jira")
    assert kept["myself"] == {"time_zone": "Europe/Berlin"}
    assert kept["issues"]["updated_ids"] == ["OPS-25"]


def test_data_center_start_at_pages(
    app: App, jira: JiraServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = FakeClock()
    connect(app, jira, clock, monkeypatch, api="server")
    result = sync(app, "acme-jira", clock)
    assert result.status == "ok", result.error
    searches = jira.requests_to("/rest/api/2/search")
    assert [s.arg("startAt") for s in searches] == [None, None, None]
    assert ['"2026-03-08 13:40"' in (s.arg("jql") or "") for s in searches] == [
        False,
        False,
        True,
    ]
    assert jira.seen[0].headers["authorization"] == f"Bearer {PAT}"
    assert len(table(app, "work_items")) == 25


def test_synced_facts_equal_the_same_pages_ingested_from_files(
    app: App, jira: JiraServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    clock = FakeClock()
    spec = connect(app, jira, clock, monkeypatch)
    assert sync(app, "acme-jira", clock).status == "ok"
    assert_same_as_files(app, spec, clock, tmp_path, ("work_items", "incidents"))


def test_empty_run_costs_one_request_then_an_update_lands(
    app: App, jira: JiraServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = FakeClock()
    connect(app, jira, clock, monkeypatch)
    assert sync(app, "acme-jira", clock).status == "ok"
    jira.reset()
    result = sync(app, "acme-jira", clock)
    assert (result.status, result.requests, result.batches) == ("ok", 1, 0)
    # OPS-25 last updated 13:40 UTC: 14:40 in Berlin, to the minute
    assert '"2026-03-08 14:40"' in (jira.seen[0].arg("jql") or "")
    jira.reset()
    jira.issues[21] = issue("OPS-22", created(22), updated(40), done=True)
    result = sync(app, "acme-jira", clock)
    assert (result.requests, result.batches) == (1, 1)
    by_key = {t["work_item_id"]: t for t in table(app, "work_items")}
    assert by_key["OPS-22"]["resolved_at"] == updated(40)


def test_rate_limited_then_resumed(
    app: App, jira: JiraServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = FakeClock()
    connect(app, jira, clock, monkeypatch)
    jira.throttle_next("/search/jql")  # 429, Retry-After: 5
    result = sync(app, "acme-jira", clock)
    assert result.status == "ok", result.error
    assert clock.slept == [5.0]
    assert len(table(app, "work_items")) == 25


def test_502_then_success(app: App, jira: JiraServer, monkeypatch: pytest.MonkeyPatch) -> None:
    clock = FakeClock()
    connect(app, jira, clock, monkeypatch)
    jira.fail_next(502, path="/search/jql")
    result = sync(app, "acme-jira", clock)
    assert (result.status, result.requests) == ("ok", 5)  # /myself, 3 pages, 1 retry
    assert len(table(app, "work_items")) == 25


def test_an_issue_updated_while_paging_is_not_skipped(
    app: App, jira: JiraServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """OPS-3 is edited right after the first page is served: with ``startAt`` OPS-11 would
    slide back onto the first page and never be read; asked from the newest issue read,
    every issue lands, OPS-3 as edited."""
    clock = FakeClock()
    connect(app, jira, clock, monkeypatch, api="server")
    edited: list[bool] = []

    def edit_ops_3_once() -> None:
        if not edited:
            edited.append(True)
            jira.issues[2] = issue("OPS-3", created(3), updated(60), done=True)

    jira.after_search = edit_ops_3_once
    try:
        result = sync(app, "acme-jira", clock)
    finally:
        jira.after_search = None
    assert result.status == "ok", result.error
    by_key = {t["work_item_id"]: t for t in table(app, "work_items")}
    assert len(by_key) == 25
    assert by_key["OPS-3"]["resolved_at"] == updated(60)
