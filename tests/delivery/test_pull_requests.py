"""Pull-request facts from GitHub webhooks and REST exports and from GitLab merge requests and
notes (rows by hand from the reference payloads), and the cycle-time report end to end: ingest,
``leadline dora cycle-time`` (JSON and CSV) and the figures computed by hand."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from leadline.catalog.grouping import Scope
from leadline.catalog.services import Subject
from leadline.context import App
from leadline.delivery.cycle_report import cycle_document
from leadline.delivery.events import SUBJECT, FieldMissing
from leadline.delivery.github import GitHubParser
from leadline.delivery.github_api import GitHubApiParser
from leadline.delivery.gitlab import GitLabParser
from leadline.periods import Window
from leadline.semantic import registry
from leadline.semantic.evaluation import Evaluation
from tests.delivery.github_fixtures.support import (
    HELLO,
    catalog,
    envelope,
    ingest,
    payload,
    utc,
    write_json,
    write_ndjson,
)
from tests.delivery.support_events import fixture
from tests.delivery.support_events import normalise as normalise_or_none

GITHUB, GITHUB_API, GITLAB = GitHubParser(), GitHubApiParser(), GitLabParser()
PR_ID = f"github:{HELLO}#2"


def normalise(parser: Any, event_type: str, body: Any) -> Any:
    """The delivery's facts (None when it carries nothing)."""
    return normalise_or_none(parser, event_type, body)


def _review(state: str = "approved", login: str = "octocat") -> dict[str, Any]:
    body = payload("pull_request.opened")
    body["action"] = "submitted"
    body["review"] = {
        "id": 80,
        "user": {"login": login},
        "state": state,
        "submitted_at": "2019-05-15T17:20:33Z",
        "commit_id": "ec26c3e57ca3a959ca5aad62de7213c562f8c821",
    }
    return body


def _merged() -> dict[str, Any]:
    body = payload("pull_request.closed")
    body["pull_request"] |= {
        "merged": True,
        "merged_at": "2019-05-16T15:20:33Z",
        "updated_at": "2019-05-16T15:20:33Z",
        "additions": 40,
        "deletions": 2,
        "changed_files": 3,
    }
    return body


def test_an_opened_pull_request_lands_with_its_size() -> None:
    facts_ = normalise(GITHUB, "pull_request", payload("pull_request.opened"))
    [row] = facts_.pull_requests
    assert row.pop(SUBJECT) == Subject("github.com/project-slug", HELLO, "Hello-World")
    assert row == {
        "pr_id": PR_ID,
        "repo": HELLO,
        "number": 2,
        "title": "Update the README with new information.",
        "author": "Codertocat",
        "created_at": utc("2019-05-15T15:20:33+00:00"),
        "first_commit_at": None,
        "merged_at": None,
        "merge_commit_sha": None,
        "additions": 1,
        "deletions": 1,
        "changed_files": 1,
        "source": "github",
        "updated_at": utc("2019-05-15T15:20:33+00:00"),
        "extra": json.dumps({"head": "changes", "labels": ["bug"]}, sort_keys=True),
    }
    assert facts_.changes == []


def test_a_review_is_inferred_and_lands_with_the_request_without_size() -> None:
    body = _review()
    assert GITHUB.infer(body) == "pull_request_review"
    facts_ = normalise(GITHUB, "pull_request_review", body)
    [request] = facts_.pull_requests
    assert (request["pr_id"], request["additions"], request["changed_files"]) == (PR_ID, None, None)
    [review] = facts_.pull_request_reviews
    review.pop(SUBJECT)
    assert review == {
        "review_id": f"github:{HELLO}:review:80",
        "pr_id": PR_ID,
        "reviewer": "octocat",
        "state": "approved",
        "submitted_at": utc("2019-05-15T17:20:33+00:00"),
        "source": "github",
        "updated_at": utc("2019-05-15T17:20:33+00:00"),
        "extra": '{"kind": "review"}',
    }


def test_pending_and_edited_reviews_are_no_review() -> None:
    assert normalise(GITHUB, "pull_request_review", _review("pending")).pull_request_reviews == []
    edited = _review() | {"action": "edited"}
    assert normalise(GITHUB, "pull_request_review", edited) is None


def test_a_review_comment_is_a_review() -> None:
    body = payload("pull_request.opened") | {"action": "created"}
    body["comment"] = {"id": 7, "user": {"login": "hubot"}, "created_at": "2019-05-15T16:00:00Z"}
    assert GITHUB.infer(body) == "pull_request_review_comment"
    [review] = normalise(GITHUB, "pull_request_review_comment", body).pull_request_reviews
    assert (review["review_id"], review["state"], review["submitted_at"]) == (
        f"github:{HELLO}:comment:7",
        "commented",
        utc("2019-05-15T16:00:00+00:00"),
    )


def test_a_negative_line_count_rejects_naming_the_field() -> None:
    body = payload("pull_request.opened")
    body["pull_request"]["additions"] = -3
    with pytest.raises(FieldMissing) as error:
        normalise(GITHUB, "pull_request", body)
    assert (error.value.field, error.value.value) == ("pull_request.additions", -3)


def test_rest_reviews_and_pulls_with_commits_and_files() -> None:
    review = {
        "id": 80,
        "user": {"login": "octocat"},
        "state": "COMMENTED",
        "submitted_at": "2019-05-15T17:20:33Z",
        "pull_request_url": f"https://api.github.com/repos/{HELLO}/pulls/2",
    }
    assert GITHUB_API.infer(review) == "api.review"
    [row] = normalise(GITHUB_API, "api.review", review).pull_request_reviews
    assert (row["review_id"], row["pr_id"], row["state"]) == (
        f"github:{HELLO}:review:80",  # the webhook's id: both merge
        PR_ID,
        "commented",
    )
    pull = _merged()["pull_request"]
    pull["commits"] = [{"commit": {"author": {"date": "2019-05-14T09:00:00Z"}}}]
    pull["files"] = [
        {"filename": "README.md", "additions": 30, "deletions": 2},
        {"filename": "web/package-lock.json", "additions": 10, "deletions": 0},
    ]
    found = normalise(GITHUB_API, "api.pull_request", pull)
    [request] = found.pull_requests
    assert request["first_commit_at"] == utc("2019-05-14T09:00:00+00:00")
    assert [(f["path"], f["additions"], f["deletions"]) for f in found.pull_request_files] == [
        ("README.md", 30, 2),
        ("web/package-lock.json", 10, 0),
    ]


def test_gitlab_notes_and_approvals_are_reviews() -> None:
    merge_request = fixture("gitlab", "merge_request_merged.json")
    attrs = merge_request["object_attributes"]
    note = {
        "object_kind": "note",
        "user": {"id": 31},
        "project": merge_request["project"],
        "object_attributes": {
            "id": 1244,
            "note": "Looks good",
            "noteable_type": "MergeRequest",
            "author_id": 31,
            "created_at": "2026-03-01 18:00:00 UTC",
            "system": False,
        },
        "merge_request": {k: attrs[k] for k in ("iid", "created_at", "target_branch", "title")}
        | {"author_id": 12, "updated_at": "2026-03-01 18:00:00 UTC", "state": "opened"},
    }
    [review] = normalise(GITLAB, "note", note).pull_request_reviews
    pr_id = "gitlab:acme/shop/checkout-api!128"
    assert (review["review_id"], review["reviewer"], review["submitted_at"]) == (
        f"{pr_id}:note:1244",
        "gitlab-user:31",
        utc("2026-03-01T18:00:00+00:00"),
    )
    system = note | {"object_attributes": note["object_attributes"] | {"system": True}}
    assert normalise(GITLAB, "note", system) is None
    approved = fixture("gitlab", "merge_request_merged.json")
    approved["object_attributes"] |= {"action": "approved", "state": "opened", "merged_at": None}
    found = normalise(GITLAB, "merge_request", approved)
    assert found.changes == []
    [request] = found.pull_requests
    assert (request["pr_id"], request["author"], request["merged_at"]) == (
        pr_id,
        "gitlab-user:12",
        None,
    )
    assert [r["reviewer"] for r in found.pull_request_reviews] == ["gitlab-user:12"]


def test_cycle_time_end_to_end(app: App, tmp_path: Path) -> None:
    """Opened 15 May 15:20:33 (first commit 14 May 09:00 from the REST export), reviewed by
    octocat 2 h later, merged 16 May 15:20:33 and deployed 16 May 18:20:33: coding 30.34 h,
    pickup 2 h, review 22 h, deploy 3 h; cycle 57.34 h; size 32 lines without the lock file."""
    catalog(app, tmp_path / "catalog")
    merged = _merged()
    merged["pull_request"]["merge_commit_sha"] = "c4295bd74fb0f4fda03689c3df3f2803b658fd85"
    self_review = _review(login="Codertocat")
    self_review["review"] |= {"id": 79, "submitted_at": "2019-05-15T16:00:00Z"}
    deliveries = [
        envelope("pull_request", "d1", payload("pull_request.opened")),
        envelope("pull_request_review", "d2", _review()),
        envelope("pull_request_review", "d3", self_review),  # the author's own: not a review
        envelope("pull_request", "d4", merged),
    ]
    assert ingest(app, "github", write_ndjson(tmp_path / "hooks.ndjson", deliveries)).exit_code == 0
    export = dict(merged["pull_request"])
    export["commits"] = [{"commit": {"author": {"date": "2019-05-14T09:00:00Z"}}}]
    export["files"] = [
        {"filename": "README.md", "additions": 30, "deletions": 2},
        {"filename": "package-lock.json", "additions": 10, "deletions": 0},
    ]
    assert ingest(app, "github-api", write_json(tmp_path / "pulls.json", [export])).exit_code == 0
    deployments = tmp_path / "deployments.csv"
    deployments.write_text(
        "deployment_id,service,environment,status,finished_at,commit_sha\n"
        "early,greeter,production,success,2019-05-16T12:00:00Z,x\n"
        "d1,greeter,production,success,2019-05-16T18:20:33Z,c4295bd\n"
    )
    assert ingest(app, "deployments-csv", deployments).exit_code == 0
    window = Window.parse("2019-05-01", "2019-06-01")
    doc = cycle_document(app, by="service", window=window)
    [group] = doc["groups"]
    assert group["key"] == "greeter" and group["pull_requests"] == 1
    assert group["coding_hours"]["p50"] == pytest.approx(30 + 20 / 60 + 33 / 3600)
    assert [group[f"{p}_hours"]["p50"] for p in ("pickup", "review", "deploy")] == [2.0, 22.0, 3.0]
    assert group["cycle_hours"]["p50"] == pytest.approx(57 + 20 / 60 + 33 / 3600)
    assert group["size_lines"]["p50"] == 32.0
    assert [group[c] for c in ("unreviewed", "undeployed", "size_unfiltered")] == [0, 0, 0]
    assert doc["reference"]["elite_below"]["cycle_hours"] == 48.0
    ev = Evaluation(app)
    metric = registry.get("delivery.cycle_time")  # the alias of delivery.cycle_time_p50
    greeter = Scope("service", "greeter")
    assert ev.value(metric.key, greeter, window) == group["cycle_hours"]["p50"]
    assert metric.explain is not None
    [fact] = metric.explain(ev, greeter, window, {}).rows
    assert (fact["pr_id"], fact["review_hours"], fact["size"]) == (PR_ID, 22.0, 32)
    weekly = cycle_document(app, by="service", window=window, period="week")
    [series] = [g["series"] for g in weekly["groups"]]
    merged_week = [b for b in series if b["pull_requests"]]
    assert [(b["label"], b["review_hours"]["p50"]) for b in merged_week] == [("2019-W20", 22.0)]
    assert series[0]["partial"] and not merged_week[0]["partial"]  # May 2019 starts on a Wednesday

    from leadline.cli import app as cli

    args = ["--home", str(app.settings.home), "dora", "cycle-time", "--by", "service"]
    args += ["--since", "2019-05-01", "--until", "2019-06-01", "--format", "csv"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    [line] = list(csv.DictReader(io.StringIO(result.output)))
    assert (line["key"], line["pull_requests"], line["review_hours_p50"]) == (
        "greeter",
        "1",
        "22.0",
    )
