"""The ``gitlab`` connector against a local GitLab API (tests/connect/servers/gitlab.py), on
listed projects: several pages through ``Link`` headers, the facts equal to ingesting the same
payloads from files, a rate-limit pause and resume, a 502 then success, and an empty
incremental run that costs one request per stream (groups: test_gitlab_groups.py)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from leadline.connect.kinds.gitlab import delivery
from leadline.context import App
from tests.conftest import make_settings
from tests.connect import support_gitlab
from tests.connect.servers.gitlab import TOKEN, GitLabServer, deployment
from tests.connect.support_gitlab import DAY0, PATH, deployed
from tests.connect.support_kinds import (
    T0,
    FakeClock,
    add_connection,
    cursors,
    ingest_files,
    pulls,
    sync,
    table,
    write_files,
)

server = support_gitlab.server  # the fixtures, for pytest
gitlab = support_gitlab.gitlab


def connect(app: App, server: GitLabServer, clock: FakeClock) -> None:
    server.now = clock.time
    options = {"project": [PATH], "base-url": server.url}
    add_connection(app, "acme-gitlab", "gitlab", options, token_env="GITLAB_TOKEN")


def test_backfill_pages_and_facts(app: App, gitlab: GitLabServer) -> None:
    clock = FakeClock()
    connect(app, gitlab, clock)
    result = sync(app, "acme-gitlab", clock)
    assert result.status == "ok", result.error
    # the project once, deployments in three pages (10 + 10 + 5), merge requests, incidents
    assert result.requests == 6
    # pages asked by moving updated_after to the newest deployment read, less a second
    asked = [(s.arg("page"), s.arg("updated_after")) for s in gitlab.requests_to("/deployments")]
    assert asked == [
        (None, "2025-03-10T08:59:59Z"),  # a year back
        (None, "2026-02-28T09:09:59Z"),  # deployment 10
        (None, "2026-02-28T09:18:59Z"),  # deployment 19 (10 was read again, and skipped)
    ]
    assert all(s.headers["private-token"] == TOKEN for s in gitlab.seen)
    deployments = table(app, "deployments")
    assert len(deployments) == 25
    seventh = next(d for d in deployments if d["deployment_id"] == f"gitlab:{PATH}:7")
    assert seventh["status"] == "success"
    assert seventh["environment"] == "production"
    assert seventh["finished_at"] == deployed(7)
    assert seventh["commit_sha"] == f"{7:040x}"
    assert seventh["source"] == "gitlab"
    changes = table(app, "changes")
    assert [(c["change_id"], c["committed_at"], c["merged_at"]) for c in changes] == [
        ("ab" * 20, DAY0, DAY0 + dt.timedelta(hours=3))
    ]
    incidents = table(app, "incidents")
    assert [(i["incident_id"], i["severity"], i["resolved_at"]) for i in incidents] == [
        (f"gitlab:{PATH}:issue:1", "critical", DAY0 + dt.timedelta(hours=2)),
        (f"gitlab:{PATH}:issue:2", "critical", None),
    ]
    assert len(table(app, "pull_requests")) == 3  # every state, for cycle time
    kept = cursors(app, "acme-gitlab")
    assert kept[f"{PATH}:deployments"]["updated"].startswith("2026-02-28T09:25:00")
    assert kept[f"{PATH}:project"]["default_branch"] == "main"


def test_synced_facts_equal_the_same_payloads_ingested_from_files(
    app: App, gitlab: GitLabServer, tmp_path: Path
) -> None:
    clock = FakeClock()
    connect(app, gitlab, clock)
    assert sync(app, "acme-gitlab", clock).status == "ok"
    spec = add_connection(app, "probe", "gitlab", {"project": [PATH], "base-url": gitlab.url})
    spec = type(spec)("probe", "gitlab", spec.options, token_env="GITLAB_TOKEN")
    files = list(write_files(pulls(spec, clock), tmp_path / "export"))
    other = App(make_settings(tmp_path / "home-files"))
    try:
        report = ingest_files(other, "gitlab", files)
        assert report.exit_code == 0, report.summary()
        for name in ("deployments", "changes", "incidents", "pull_requests"):
            assert table(other, name) == table(app, name), name
    finally:
        other.close()


def test_rate_limit_pause_and_resume(app: App, gitlab: GitLabServer) -> None:
    """Two requests left in the window: the client waits for RateLimit-Reset before the
    third instead of being refused; a 429 with Retry-After is waited out and retried."""
    clock = FakeClock()
    connect(app, gitlab, clock)
    gitlab.remaining, gitlab.window = 2, 60.0
    gitlab.reset_at = 0.0
    result = sync(app, "acme-gitlab", clock)
    assert result.status == "ok", result.error
    assert all(s.path for s in gitlab.seen)
    assert len(gitlab.seen) == 6  # no request refused
    reset = int(T0.timestamp()) + 60
    assert clock.slept[0] == pytest.approx(reset - T0.timestamp() + 1.0)
    assert len(table(app, "deployments")) == 25
    # a 429 (Retry-After) on the next run's first request: waited, retried, done
    gitlab.remaining = None
    gitlab.reset()
    gitlab.add(PATH, "deployments", deployment(26, 26, f"{26:040x}", "failed", deployed(200)))
    gitlab.throttle_next("/deployments")
    before = len(clock.slept)
    result = sync(app, "acme-gitlab", clock)
    assert result.status == "ok", result.error
    assert [s.path.rsplit("/", 1)[-1] for s in gitlab.seen][:2] == ["deployments"] * 2
    assert clock.slept[before] >= 1.0
    assert len(table(app, "deployments")) == 26


def test_502_then_success(app: App, gitlab: GitLabServer) -> None:
    clock = FakeClock()
    connect(app, gitlab, clock)
    gitlab.fail_next(502, path="/merge_requests")
    result = sync(app, "acme-gitlab", clock)
    assert result.status == "ok", result.error
    assert result.requests == 7  # the six, and the retried merge-request page
    assert len(gitlab.requests_to("/merge_requests")) == 2
    assert len(table(app, "pull_requests")) == 3


def test_empty_incremental_run_costs_one_request_per_stream(app: App, gitlab: GitLabServer) -> None:
    clock = FakeClock()
    connect(app, gitlab, clock)
    assert sync(app, "acme-gitlab", clock).status == "ok"
    gitlab.reset()
    result = sync(app, "acme-gitlab", clock)
    assert (result.status, result.batches, result.facts_landed) == ("ok", 0, 0)
    assert result.requests == 3  # deployments, merge requests, incidents; the project is kept
    asked = [s.arg("updated_after") for s in gitlab.seen]
    assert asked[0] == "2026-02-28T09:24:59Z"  # the newest deployment, less a second
    # one new deployment: one more request's worth, one fact
    gitlab.reset()
    gitlab.add(PATH, "deployments", deployment(26, 26, f"{26:040x}", "failed", deployed(200)))
    result = sync(app, "acme-gitlab", clock)
    assert (result.batches, result.requests) == (1, 3)
    assert len(table(app, "deployments")) == 26


def test_delivery_shape_is_a_webhook_with_the_rest_item_kept() -> None:
    project = {"id": 42, "path_with_namespace": PATH, "default_branch": "main", "web_url": "u"}
    item = deployment(5, 5, "c" * 40, "running", deployed(5))
    found = delivery("deployments", "Deployment Hook", project, item)
    assert found["headers"] == {
        "x-gitlab-event": "Deployment Hook",
        "idempotency-key": f"api:deployments:42:5@{item['updated_at']}",
    }
    body = found["body"]
    assert body["object_kind"] == "deployment"
    assert body["commit_url"] == f"u/-/commit/{'c' * 40}"
    assert body["status_changed_at"] == item["updated_at"]
    assert body["api_item"] == item


def test_an_item_not_in_the_documented_shape_fails_the_run_naming_it(
    app: App, gitlab: GitLabServer
) -> None:
    clock = FakeClock()
    connect(app, gitlab, clock)
    broken = deployment(30, 30, "e" * 40, "success", deployed(300))
    del broken["updated_at"]
    gitlab.add(PATH, "deployments", broken)
    result = sync(app, "acme-gitlab", clock)
    assert result.status == "partial"  # the pages before it landed, with their cursor
    assert result.error == (
        f"GitLab deployments of {PATH}: an item (30) has no updated_at; the answer is not in "
        "the shape the vendor documents"
    )
    assert len(table(app, "deployments")) == 19  # pages 1 and 2; page 3 holds the broken one
    assert cursors(app, "acme-gitlab")[f"{PATH}:deployments"]["updated_ids"] == ["19"]


def test_an_item_updated_while_paging_is_not_skipped(app: App, gitlab: GitLabServer) -> None:
    """Deployment 3 changes right after the first page is served: with page numbers
    deployment 11 would slide back onto page 1 and never be read; asked by updated_after,
    every deployment lands, 3 with its new status."""
    clock = FakeClock()
    connect(app, gitlab, clock)
    changed: list[bool] = []

    def update_deployment_3_once() -> None:
        if not changed:
            changed.append(True)
            gitlab.items[(PATH, "deployments")][2] = deployment(
                3, 3, f"{3:040x}", "failed", deployed(100)
            )

    gitlab.after_page = update_deployment_3_once
    try:
        result = sync(app, "acme-gitlab", clock)
    finally:
        gitlab.after_page = None
    assert result.status == "ok", result.error
    by_id = {d["deployment_id"]: d for d in table(app, "deployments")}
    assert len(by_id) == 25
    assert by_id[f"gitlab:{PATH}:3"]["status"] == "failure"
