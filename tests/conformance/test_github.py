"""GitHub webhook conformance: octokit/webhooks' payload examples (the examples GitHub's
webhook docs are checked against) through ``leadline ingest github`` end to end. Those in
../shared/reference/github are read in place; a few more shapes (null and empty bodies, an
app installation, a workflow run with pull requests, an unmerged close) are copied verbatim in
tests/data/conformance/github (see SOURCES.md there)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from leadline.context import App
from tests.conformance.support import DATA, errors, ingest
from tests.delivery.support_events import facts, raw_events

EXTRA = DATA / "github" / "octokit-webhooks" / "payload-examples" / "api.github.com"
SHA = "f95f852bd8fca8fcc58a9a2d6c842781e32a215e"


def _examples(reference: Path) -> list[Path]:
    return sorted((reference / "github").glob("*.json")) + sorted(EXTRA.glob("*/*.json"))


def test_every_example_is_read_none_rejected_none_unknown(app: App, reference: Path) -> None:
    paths = _examples(reference)
    assert len(paths) == 17 + 7
    for path in paths:
        assert errors(ingest(app, "github", path)) == [], path.name
    statuses = {(r.event_type, r.status) for r in raw_events(app, "github")}
    assert {status for _, status in statuses} <= {"normalised", "ignored"}
    assert {kind for kind, _ in statuses} == {
        "deployment", "deployment_status", "issues", "ping", "pull_request", "push", "workflow_run"
    }  # fmt: skip


def test_an_app_installation_deployment_and_its_status(app: App) -> None:
    assert (
        errors(ingest(app, "github", EXTRA / "deployment" / "with-installation.payload.json")) == []
    )
    [pending] = facts(app, "deployments")
    assert pending["deployment_id"] == "github:Codertocat/Hello-World:145988746"
    assert (pending["environment"], pending["status"], pending["commit_sha"]) == (
        "production",
        "pending",
        SHA,
    )
    assert pending["created_at"] == dt.datetime(2019, 5, 15, 15, 20, 53, tzinfo=dt.UTC)
    path = EXTRA / "deployment_status" / "with-installation.payload.json"
    assert errors(ingest(app, "github", path)) == []
    [done] = facts(app, "deployments")
    assert (done["status"], done["created_at"]) == ("success", pending["created_at"])
    assert done["finished_at"] == dt.datetime(2019, 5, 15, 15, 20, 55, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    "name",
    [
        "issues/opened.with-empty-body.payload.json",  # no incident label
        "issues/unlabeled.payload.json",
        "workflow_run/completed.with-pull-requests.payload.json",  # test.yml: no deployment
    ],
)
def test_shapes_that_carry_nothing_measured_are_ignored(app: App, name: str) -> None:
    assert errors(ingest(app, "github", EXTRA / name)) == []
    [raw] = raw_events(app, "github")
    assert (raw.event_type, raw.status) == (name.split("/", maxsplit=1)[0], "ignored")
    assert facts(app, "changes") == facts(app, "incidents") == facts(app, "deployments") == []


@pytest.mark.parametrize(
    "name",
    [
        "pull_request/opened.with-null-body.json",  # body: null; not merged
        "pull_request/closed.with-organization.payload.json",  # closed, merged: false
    ],
)
def test_unmerged_pull_requests_land_as_pull_requests_not_changes(app: App, name: str) -> None:
    """For cycle time every pull request into the default branch lands (docs/delivery.md,
    "Pull requests and reviews"); only a merged one is a change."""
    assert errors(ingest(app, "github", EXTRA / name)) == []
    [raw] = raw_events(app, "github")
    assert (raw.event_type, raw.status) == ("pull_request", "normalised")
    [request] = facts(app, "pull_requests")
    assert request["merged_at"] is None and request["merge_commit_sha"] is None
    assert facts(app, "changes") == facts(app, "incidents") == facts(app, "deployments") == []
