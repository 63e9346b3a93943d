"""GitLab webhook conformance: the webhook fixtures of the Go client GitLab's docs point to
(xanzy/go-gitlab ``testdata/webhooks``), copied verbatim in tests/data/conformance/gitlab (see
SOURCES.md). GitLab's own documentation samples are CC BY-SA 4.0 and are not copied."""

from __future__ import annotations

import datetime as dt
from typing import Any

from leadline.context import App
from tests.conformance.support import DATA, errors, ingest
from tests.delivery.support_events import facts, raw_events

HOOKS = DATA / "gitlab" / "go-gitlab" / "testdata" / "webhooks"
UTC = dt.UTC


def _landed(app: App, name: str) -> tuple[str | None, str]:
    assert errors(ingest(app, "gitlab", HOOKS / name)) == []
    [raw] = raw_events(app, "gitlab")
    return raw.event_type, raw.status


def test_push_to_the_default_branch_is_one_change_per_commit(app: App) -> None:
    assert _landed(app, "push.json") == ("push", "normalised")
    changes: dict[str, Any] = {c["change_id"]: c for c in facts(app, "changes")}
    assert set(changes) == {
        "b6568db1bc1dcd7f8b4d5a946b0b91f9dacd7327",
        "da1560886d4f094c3e6c9ef40349f7d38b5d27d7",
    }
    first = changes["b6568db1bc1dcd7f8b4d5a946b0b91f9dacd7327"]
    # "2011-12-12T14:27:31+02:00"; the push has no time of its own: the newest commit's
    assert first["committed_at"] == dt.datetime(2011, 12, 12, 12, 27, 31, tzinfo=UTC)
    assert first["merged_at"] == dt.datetime(2012, 1, 3, 21, 36, 29, tzinfo=UTC)
    assert first["service"] == "diaspora"
    assert first["extra"] == '{"ref":"refs/heads/master"}'


def test_a_successful_deployment(app: App) -> None:
    assert _landed(app, "deployment.json") == ("deployment", "normalised")
    [deployment] = facts(app, "deployments")
    assert deployment["deployment_id"] == "gitlab:root/test-deployment-webhooks:15"
    assert (deployment["environment"], deployment["status"]) == ("staging", "success")
    # status_changed_at "2021-04-28 21:50:00 +0200"; the full sha from commit_url
    assert deployment["finished_at"] == dt.datetime(2021, 4, 28, 19, 50, tzinfo=UTC)
    assert deployment["commit_sha"] == "279484c09fbe69ededfced8c1bb6e6d24616b468"


def test_events_that_carry_nothing_measured_are_ignored(app: App) -> None:
    """An issue that is no incident (label API), a pipeline and a tag push are known and
    ignored; an opened merge request (not merged) lands as a pull request, not a change."""
    assert errors(ingest(app, "gitlab", HOOKS / "merge_request.json")) == []
    assert raw_events(app, "gitlab")[-1].status == "normalised"
    [request] = facts(app, "pull_requests")
    assert request["merged_at"] is None
    for name, kind in (
        ("issue.json", "issue"),
        ("pipeline.json", "pipeline"),
        ("tag_push.json", "tag_push"),
    ):
        assert errors(ingest(app, "gitlab", HOOKS / name)) == []
        assert (raw_events(app, "gitlab")[-1].event_type, raw_events(app, "gitlab")[-1].status) == (
            kind,
            "ignored",
        )
    assert facts(app, "changes") == facts(app, "incidents") == []


def test_other_object_kinds_are_stored_raw_as_unknown(app: App) -> None:
    for name, kind in (("job.json", "build"), ("release.json", "release")):
        assert errors(ingest(app, "gitlab", HOOKS / name)) == []
        raw = raw_events(app, "gitlab")[-1]
        assert (raw.event_type, raw.status) == (kind, "unknown")
        assert raw.reason == f"GitLab event {kind!r} is not one leadline reads"
