"""The github connector against a local GitHub API (tests/connect/servers/github.py): several
pages, conditional requests, the primary and secondary rate limits, a 502, the time box, and
an empty incremental run, with the requests counted."""

from __future__ import annotations

import datetime as dt
import json
import random
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from leadline.connect.manage import add_connection
from leadline.connect.models import ConnectionRun, ConnectorCursor
from leadline.connect.sync import SyncResult, sync_connection
from leadline.context import App
from leadline.ingest.models import RawEvent
from tests.connect.servers.github import (
    Counters,
    FakeClock,
    GitHubServer,
    add_deployment,
    add_merge,
    synthetic_org,
)
from tests.connect.servers.vendor import serving
from tests.delivery.github_fixtures.support import facts

TOKEN = "ghp_test"
START = dt.datetime(2026, 9, 1, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def server() -> Iterator[GitHubServer]:
    yield from serving(GitHubServer())  # type: ignore[misc]


@pytest.fixture
def github(server: GitHubServer, monkeypatch: pytest.MonkeyPatch) -> GitHubServer:
    """The module's server with a fresh three-repository organisation and counters."""
    repos, counters = synthetic_org("acme", 3, start=START, days=60, merges_per_week=1.5)
    server.repos, server.counters = repos, counters  # type: ignore[attr-defined]
    server.reset()
    server.clock = FakeClock()
    server.window_start, server.used, server.charged, server.max_used = server.clock.time(), 0, 0, 0
    server.refused = 0
    server.limit, server.max_per_page, server.delay = 5000, 100, 0.0
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    return server


def connect(app: App, server: GitHubServer, **options: Any) -> None:
    with app.store.session() as session:
        add_connection(
            session,
            "github",
            "acme",
            {"org": "acme", "base-url": server.url, "history-days": "3650", **options},
            token_env="GITHUB_TOKEN",
            token_file=None,
            schedule=None,
            actor="test",
        )


def sync(app: App, server: GitHubServer, **kwargs: Any) -> SyncResult:
    kwargs.setdefault("clock", server.clock)
    return sync_connection("acme", settings=app.settings, store=app.store, **kwargs)


def expected_counts(server: GitHubServer) -> dict[str, int]:
    repos = server.repos.values()
    return {
        "deployments": sum(len(r.deployments) for r in repos),
        "changes": sum(len(r.commits) for r in repos),  # merge commits = merged pulls' changes
        "statuses": sum(len(s) for r in repos for s in r.statuses.values()),
        "pulls": sum(len(r.pulls) for r in repos),
        "reviews": sum(len(v) for r in repos for v in r.reviews.values()),
    }


def test_back_fill_lands_every_item_once_over_several_pages(app: App, github: GitHubServer) -> None:
    github.max_per_page = 5  # a repository's ~13 pulls, commits and deployments: 3 pages each
    connect(app, github)
    result = sync(app, github)
    assert result.status == "ok", result.error
    assert result.batches == 9  # per repository: deployments, pull requests, commits
    want = expected_counts(github)
    # every item is a delivery: deployments, statuses, pulls, reviews and commits
    assert result.facts_landed == sum(want.values())
    with app.store.session() as session:
        raw = list(session.scalars(select(RawEvent).where(RawEvent.source == "github-api")))
    assert len(raw) == sum(want.values())
    assert len({r.delivery_id for r in raw}) == len(raw)
    assert len(facts(app, "deployments")) == want["deployments"]
    # a merged pull request and its merge commit are one change (same sha)
    assert len(facts(app, "changes")) == want["changes"]
    pages = [s for s in github.seen if s.path == "/repos/acme/service-000/commits"]
    commits = len(github.repos["acme/service-000"].commits)
    assert len(pages) == -(-commits // 5)  # ceil: Link rel="next" followed to the last page
    assert all(s.headers.get("authorization") == f"Bearer {TOKEN}" for s in github.seen)


def test_an_empty_incremental_run_costs_a_conditional_request_per_repository(
    app: App, github: GitHubServer
) -> None:
    connect(app, github)
    assert sync(app, github).status == "ok"
    charged = github.charged
    github.reset()
    again = sync(app, github)
    assert again.status == "ok" and again.batches == 0 and again.facts_landed == 0
    # the organisation's list (one page per 100 repositories) and each repository's
    # deployments, all asked with If-None-Match and answered 304: none charged
    assert again.requests == 3 + 1
    assert again.not_modified == 4
    assert github.charged == charged
    assert {s.headers.get("if-none-match") is not None for s in github.seen} == {True}


def test_an_incremental_run_reads_only_what_changed(app: App, github: GitHubServer) -> None:
    connect(app, github)
    sync(app, github)
    before = len(facts(app, "deployments")), len(facts(app, "changes"))
    repo = github.repos["acme/service-001"]
    counters: Counters = github.counters  # type: ignore[attr-defined]
    later = dt.datetime(2026, 11, 20, tzinfo=dt.UTC)
    sha = add_merge(repo, later, counters, random.Random(1))
    add_deployment(repo, sha, later + dt.timedelta(minutes=5), counters, ("success",))
    github.reset()
    result = sync(app, github)
    assert result.status == "ok" and result.batches == 3  # service-001's three streams
    # deployment, its status, the pull request, its review and the merge commit, plus the
    # previous pull request (the cursor's second) with its review, and merge commit (the
    # commits' day of overlap) read again, acknowledged and not stored twice
    assert result.facts_landed == 8
    messages = " ".join(r.message or "" for r in result.results)
    assert sum(int(n) for n in re.findall(r"(\d+) already received", messages)) == 3
    assert sum(int(n) for n in re.findall(r"(\d+) normalised", messages)) == 5
    assert (len(facts(app, "deployments")), len(facts(app, "changes"))) == (
        before[0] + 1,
        before[1] + 1,
    )
    touched = {s.path.split("/")[3] for s in github.seen if s.path.startswith("/repos/")}
    assert touched == {"service-000", "service-001", "service-002"}
    unchanged = [s.path for s in github.seen if "service-000" in s.path]
    assert unchanged == ["/repos/acme/service-000/deployments"]  # a 304, nothing else
    deployed = [d for d in facts(app, "deployments") if d["commit_sha"] == sha]
    assert deployed and deployed[0]["status"] == "success"


def test_a_502_is_retried_with_backoff(app: App, github: GitHubServer) -> None:
    connect(app, github)
    github.fail_next(502, times=2, path="/repos/acme/service-002/commits")
    start = github.clock.time()
    result = sync(app, github)
    assert result.status == "ok", result.error
    assert len(facts(app, "changes")) == expected_counts(github)["changes"]
    asked = [s for s in github.seen if s.path == "/repos/acme/service-002/commits"]
    assert len(asked) == 3  # two 502s, then the answer
    assert 0 < github.clock.time() - start <= 2 * 30  # jittered backoff, simulated


def test_a_secondary_rate_limit_waits_retry_after(app: App, github: GitHubServer) -> None:
    connect(app, github)
    github.secondary_limit_next(retry_after=90, status=403)
    github.secondary_limit_next(retry_after=None, status=429)  # no header: at least a minute
    start = github.clock.time()
    result = sync(app, github)
    assert result.status == "ok", result.error
    assert github.clock.time() - start == pytest.approx(90 + 60, abs=0.5)
    assert result.waited_seconds == pytest.approx(150, abs=0.5)


def test_the_primary_rate_limit_paces_the_run_to_the_budget(app: App, github: GitHubServer) -> None:
    github.limit = 20  # per simulated hour
    connect(app, github)
    start = github.clock.time()
    result = sync(app, github)
    assert result.status == "ok", result.error
    assert github.max_used == 20  # the whole budget of a window, never more
    assert github.refused == 0  # it waited for the reset instead of hitting the limit
    hours = (github.clock.time() - start) / 3600
    assert hours >= (github.charged - 1) // 20  # it waited for each reset
    assert len(facts(app, "deployments")) == expected_counts(github)["deployments"]


def test_a_time_box_stops_the_run_and_the_next_resumes(app: App, github: GitHubServer) -> None:
    github.limit = 40
    connect(app, github)
    first = sync(app, github, time_box=600)  # ends at the first wait for a reset
    assert first.status in ("partial", "failed")
    assert "time box" in (first.error or "")
    with app.store.session() as session:
        run = session.scalars(select(ConnectionRun)).one()
        assert run.status == first.status and run.requests == first.requests
    for _ in range(12):  # each run lands at least a stream, then stops at its time box
        result = sync(app, github, time_box=4000)
        if result.status == "ok":
            break
        assert result.error and "time box" in result.error and result.batches
    assert result.status == "ok"
    assert len(facts(app, "deployments")) == expected_counts(github)["deployments"]
    assert len(facts(app, "changes")) == expected_counts(github)["changes"]


def test_the_cursor_keeps_no_secret(app: App, github: GitHubServer) -> None:
    connect(app, github)
    sync(app, github)
    with app.store.session() as session:
        cursors = {c.stream: c.cursor for c in session.scalars(select(ConnectorCursor))}
    streams = {
        f"acme/service-00{i}:{s}" for i in range(3) for s in ("deployments", "pulls", "commits")
    }
    assert set(cursors) == {"org:acme:repos", *streams}
    assert TOKEN not in json.dumps(cursors)
    assert not any(TOKEN in Path(p).read_text(errors="ignore") for p in _store_files(app))


def test_a_bad_token_fails_the_connection_with_the_answer(
    app: App, github: GitHubServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    connect(app, github)
    monkeypatch.setenv("GITHUB_TOKEN", "wrong")
    result = sync(app, github)
    assert result.status == "failed"
    assert "HTTP 401" in (result.error or "") and "Bad credentials" in (result.error or "")
    monkeypatch.delenv("GITHUB_TOKEN")
    assert "GITHUB_TOKEN is not set" in (sync(app, github).error or "")


def test_named_repositories_instead_of_an_organisation(app: App, github: GitHubServer) -> None:
    with app.store.session() as session:
        add_connection(
            session,
            "github",
            "acme",
            {"repo": ["acme/service-001"], "base-url": github.url, "history-days": "3650"},
            token_env="GITHUB_TOKEN",
            token_file=None,
            schedule=None,
            actor="test",
        )
    assert sync(app, github).status == "ok"
    assert {d["service"] for d in facts(app, "deployments")} == {"service-001"}
    github.reset()
    again = sync(app, github)
    assert again.requests == 2 and again.not_modified == 2  # the repository, its deployments


def _store_files(app: App) -> list[Path]:
    home = Path(app.settings.resolved_home)
    return [p for p in home.rglob("*") if p.is_file() and p.suffix in (".db", ".sqlite", ".json")]
