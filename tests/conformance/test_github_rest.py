"""GitHub REST export conformance: the response examples of GitHub's own REST description
(github/rest-api-description, ``components/examples``) for every endpoint ``github-api`` reads.
All of them go through ``leadline ingest github-api`` end to end once; each example's values
are then checked through the parser (pure, so the suite stays fast). The copies and their
origin are in tests/data/conformance/github/rest (see SOURCES.md there)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from leadline.config import DeliverySettings
from leadline.context import App
from leadline.delivery.events import Delivery, Facts, ParseContext, read_deliveries
from leadline.delivery.github_api import GitHubApiParser
from tests.conformance.support import DATA, errors, ingest
from tests.delivery.support_events import facts, raw_events

REST = DATA / "github" / "rest"
PARSER = GitHubApiParser()
DEPLOYED_SHA = "a84d88e7554fc1fa21bcbc4efae3c782a70d2b9d"
MERGE_SHA = "e5bd3914e2e596debea16f433f57875b5b90bcd6"
COMMIT_SHA = "6dcb09b5b57875f334f61aebed695e2e4193db5e"
AT_2012 = dt.datetime(2012, 7, 20, 1, 19, 13, tzinfo=dt.UTC)
AT_2011 = dt.datetime(2011, 1, 26, 19, 1, 12, tzinfo=dt.UTC)
COMMITTED = dt.datetime(2011, 4, 14, 16, 0, 49, tzinfo=dt.UTC)

# Each example and the endpoint whose 200/201 response gives it (SOURCES.md).
EXAMPLES = {
    "deployment-items.json": "GET /repos/{owner}/{repo}/deployments",
    "deployment.json": "GET /repos/{owner}/{repo}/deployments/{deployment_id}",
    "deployment-simple-example.json": "POST /repos/{owner}/{repo}/deployments",
    "deployment-advanced-example.json": "POST /repos/{owner}/{repo}/deployments",
    "deployment-status-items.json": "GET .../deployments/{deployment_id}/statuses",
    "deployment-status.json": "GET .../deployments/{deployment_id}/statuses/{status_id}",
    "pull-request-simple-items.json": "GET /repos/{owner}/{repo}/pulls",
    "pull-request.json": "GET /repos/{owner}/{repo}/pulls/{pull_number}",
    "commit.json": "GET /repos/{owner}/{repo}/commits/{ref}",
    "simple-commit-items.json": "GET /repos/{owner}/{repo}/commits (and pulls/{n}/commits)",
}
DEPLOYMENTS = [name for name in EXAMPLES if name.startswith("deployment") and "status" not in name]


def deliveries(name: str) -> list[Delivery]:
    found = list(read_deliveries(name, (REST / name).read_bytes()))
    assert all(isinstance(d, Delivery) for d in found)
    return [d for d in found if isinstance(d, Delivery)]


def normalised(name: str) -> list[tuple[str | None, str, Facts | None]]:
    """(kind, delivery id, facts) of each item of an example, as ``github-api`` reads it."""
    ctx = ParseContext(DeliverySettings(), dt.datetime.now(dt.UTC))
    found = []
    for delivery in deliveries(name):
        kind = PARSER.event_type(delivery)
        result = PARSER.normalise(kind, delivery.payload, ctx) if kind else None
        found.append((kind, PARSER.delivery_id(delivery), result))
    return found


def only(name: str, table: str) -> dict[str, Any]:
    [(_, _, result)] = normalised(name)
    assert result is not None
    [row] = getattr(result, table)
    return dict(row)


def test_every_example_is_ingested_none_rejected(app: App) -> None:
    assert sorted(p.name for p in REST.glob("*.json")) == sorted(EXAMPLES)
    report = ingest(app, "github-api", *(REST / name for name in sorted(EXAMPLES)))
    assert errors(report) == []
    statuses = {(raw.event_type, raw.status) for raw in raw_events(app, "github-api")}
    assert {status for _, status in statuses} <= {"normalised", "ignored", "unknown"}
    assert (None, "unknown") in statuses  # only the 2020 list-commits example (see below)
    deployments = {row["deployment_id"]: row["status"] for row in facts(app, "deployments")}
    assert deployments == {
        "github:octocat/example:1": "pending",
        "github:octocat/example:42": "success",
    }
    assert sorted(row["change_id"] for row in facts(app, "changes")) == [COMMIT_SHA, MERGE_SHA]


@pytest.mark.parametrize("name", DEPLOYMENTS)
def test_a_deployment_lands_as_created(name: str) -> None:
    [(kind, delivery_id, _)] = normalised(name)
    assert (kind, delivery_id) == ("api.deployment", "api:deployment:1")
    row = only(name, "deployments")
    assert row["deployment_id"] == "github:octocat/example:1"  # url .../repos/octocat/example
    assert (row["environment"], row["status"], row["commit_sha"]) == (
        "production",
        "pending",
        DEPLOYED_SHA,
    )
    assert row["created_at"] == row["finished_at"] == AT_2012
    assert json.loads(row["extra"]) == {"ref": "topic-branch", "task": "deploy"}


@pytest.mark.parametrize("name", ["deployment-status-items.json", "deployment-status.json"])
def test_a_deployment_status_lands_on_the_deployment_its_url_names(name: str) -> None:
    [(kind, delivery_id, _)] = normalised(name)
    assert (kind, delivery_id) == ("api.deployment_status", "api:status:1")
    row = only(name, "deployments")
    assert row["deployment_id"] == "github:octocat/example:42"  # deployment_url .../42
    assert (row["environment"], row["status"]) == ("production", "success")
    assert row["finished_at"] == row["updated_at"] == AT_2012
    assert row["commit_sha"] is None and row["created_at"] is None  # deployment 42 gives them


def test_the_deployment_and_its_status_merge(app: App, tmp_path: Path) -> None:
    """The status example names deployment 42; the deployment example, with its id set to 42,
    gives the commit and creation time to the same row. (Both examples are stamped the same
    second, so the deployment is ingested first: at equal versions the later arrival wins.)"""
    deployment = json.loads((REST / "deployment.json").read_text(encoding="utf-8"))
    path = tmp_path / "deployment-42.json"
    path.write_text(json.dumps(deployment | {"id": 42}), encoding="utf-8")
    for source in (path, REST / "deployment-status.json"):
        assert errors(ingest(app, "github-api", source)) == []
    [row] = facts(app, "deployments")
    assert (row["status"], row["commit_sha"], row["environment"]) == (
        "success",
        DEPLOYED_SHA,
        "production",
    )
    assert row["created_at"] == row["finished_at"] == AT_2012


def test_a_listed_pull_request_merged_into_the_default_branch_is_a_change() -> None:
    """pulls/list's example: #1347 new-topic into master (octocat/Hello-World's default
    branch), created and merged 2011-01-26T19:01:12Z, merge commit e5bd391…, label "bug"."""
    [(kind, delivery_id, _)] = normalised("pull-request-simple-items.json")
    assert (kind, delivery_id) == ("api.pull_request", "api:pull:1:2011-01-26T19:01:12Z")
    change = only("pull-request-simple-items.json", "changes")
    assert (change["change_id"], change["commit_sha"]) == (MERGE_SHA, MERGE_SHA)
    assert change["committed_at"] == change["merged_at"] == change["updated_at"] == AT_2011
    assert change["_subject"].value == "octocat/Hello-World"
    extra = json.loads(change["extra"])
    assert (extra["number"], extra["head"], extra["labels"]) == (1347, "new-topic", ["bug"])


def test_a_single_pull_request_saying_merged_false_is_no_change() -> None:
    """pulls/get's example states both ``merged_at`` and ``merged: false``; the explicit flag
    wins (a closed, unmerged request keeps no merge), so no change comes of it, and nothing
    is refused."""
    [(kind, _, result)] = normalised("pull-request.json")
    assert kind == "api.pull_request"
    assert result is None or result.changes == []


def test_a_commit_lands_as_a_change_of_its_repository() -> None:
    """repos/get-commit's example: 6dcb09b… of octocat/Hello-World, authored and committed
    2011-04-14T16:00:49Z, "Fix all the bugs" by octocat, one parent."""
    [(kind, delivery_id, _)] = normalised("commit.json")
    assert kind == "api.commit"
    assert delivery_id.split(":")[:4] == ["api", "commit", "octocat/Hello-World", COMMIT_SHA]
    change = only("commit.json", "changes")
    assert change["change_id"] == COMMIT_SHA
    assert (change["committed_at"], change["updated_at"], change["merged_at"]) == (
        COMMITTED,
        COMMITTED,
        None,
    )
    assert change["_subject"].value == "octocat/Hello-World"
    extra = json.loads(change["extra"])
    assert extra == {"author": "octocat", "message": "Fix all the bugs", "parents": 1}


def test_the_2020_list_commits_example_is_kept_raw_not_refused() -> None:
    """That version's list-commits example is a push payload's ``simple-commit`` (id, tree_id,
    timestamp: no sha, url or repository), the schema it then declared; the endpoint returns
    commit objects (the ``commit`` example's shape, as later descriptions say). Nothing in it
    names a repository, so it is stored raw as an unknown shape and counted, never refused."""
    found = normalised("simple-commit-items.json")
    assert [(kind, result) for kind, _, result in found] == [(None, None), (None, None)]


def test_a_refusal_names_field_value_and_rule(app: App, tmp_path: Path) -> None:
    """A state outside the description's enum (error, failure, inactive, pending, success,
    queued, in_progress) is refused naming the field, the value and the rule."""
    status = json.loads((REST / "deployment-status.json").read_text(encoding="utf-8"))
    path = tmp_path / "status.json"
    path.write_text(json.dumps(status | {"state": "exploded"}), encoding="utf-8")
    [error] = errors(ingest(app, "github-api", path))
    assert (error.field, error.value, error.item) == ("state", "exploded", "api:status:1")
    assert error.reason.endswith("state is not a GitHub deployment state")
    assert error.describe().endswith("state is not a GitHub deployment state (got exploded)")
