"""The GitHub webhook parser on the real payload examples (../shared/reference/github): event
inference from bare bodies, and the exact rows of each event, computed by hand from the files."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from typing import Any

import pytest

from leadline.catalog.services import Subject
from leadline.config import DeliverySettings
from leadline.delivery.events import SUBJECT, Delivery, FieldMissing, ParseContext, UnknownEvent
from leadline.delivery.github import GitHubParser
from tests.delivery.github_fixtures.support import HELLO, REFERENCE_GITHUB, payload, utc

PARSER = GitHubParser()
HELLO_SUBJECT = Subject("github.com/project-slug", HELLO, "Hello-World")
DEPLOYMENT_ID = f"github:{HELLO}:145988746"
DEPLOYED_SHA = "f95f852bd8fca8fcc58a9a2d6c842781e32a215e"
FIRST_COMMIT = "6113728f27ae82c7b1a177c8d03f9e96e0adf246"


def normalise(event: str, body: Any, **settings: Any) -> Any:
    ctx = ParseContext(DeliverySettings(**settings), dt.datetime.now(dt.UTC))
    return PARSER.normalise(event, body, ctx)


def only_row(event: str, body: Any, table: str, **settings: Any) -> dict[str, Any]:
    facts = normalise(event, body, **settings)
    [row] = getattr(facts, table)
    subject = row.pop(SUBJECT)
    # push commits list their files (monorepos map by them): checked where it matters
    assert dataclasses.replace(subject, paths=None) == HELLO_SUBJECT
    return dict(row)


@pytest.mark.parametrize(
    "path", sorted(REFERENCE_GITHUB.glob("*.payload.json")), ids=lambda p: p.name
)
def test_every_reference_body_is_recognised_by_its_shape(path: Any) -> None:
    body = json.loads(path.read_text())
    assert PARSER.infer(body) == path.name.split(".", 1)[0]


def test_shapes_that_are_no_known_event_are_not_guessed() -> None:
    assert PARSER.infer({"action": "created", "comment": {}, "issue": {}}) is None
    assert PARSER.infer({"zen": "Keep it logically awesome."}) is None
    assert PARSER.infer([1, 2]) is None
    assert PARSER.infer({"action": "opened", "issue": {"pull_request": {}}}) is None


def test_the_header_names_the_event_and_the_delivery() -> None:
    headers = {"x-github-event": "ping", "x-github-delivery": "72d3162e-cc78-11e3-81ab"}
    delivery = Delivery("f.json", 1, headers, payload("push.with-new-branch"))
    assert PARSER.event_type(delivery) == "ping"
    assert PARSER.delivery_id(delivery) == "72d3162e-cc78-11e3-81ab"


def test_a_push_to_the_default_branch_is_one_change_per_commit() -> None:
    # pushed_at is epoch seconds in push payloads: 1557933657 = 2019-05-15T15:20:57Z.
    row = only_row("push", payload("push.with-new-branch"), "changes")
    assert row == {
        "change_id": FIRST_COMMIT,
        "commit_sha": FIRST_COMMIT,
        "committed_at": utc("2019-05-15T15:19:25+00:00"),
        "merged_at": utc("2019-05-15T15:20:57+00:00"),
        "deployment_id": None,
        "source": "github",
        "updated_at": utc("2019-05-15T15:20:57+00:00"),
        "extra": json.dumps(
            {"author": "Codertocat", "forced": False, "message": "Initial commit"}
            | {"pusher": "Codertocat"},
            sort_keys=True,
        ),
    }


def test_a_push_commit_carries_its_files_and_others_none() -> None:
    [push] = normalise("push", payload("push.with-new-branch")).changes
    assert push[SUBJECT].paths == ("README.md",)  # the reference commit adds README.md
    merged = payload("pull_request.closed")
    merged["pull_request"] |= {"merged": True, "merged_at": "2019-05-15T15:21:18Z"}
    [pull] = normalise("pull_request", merged).changes
    assert pull[SUBJECT].paths is None  # a pull request webhook does not list its files


def test_a_committer_without_username_changes_nothing() -> None:
    row = only_row("push", payload("push.with-no-username-committer"), "changes")
    assert (row["change_id"], row["committed_at"]) == (FIRST_COMMIT, utc("2019-05-15T15:19:25Z"))


def test_commit_offsets_and_a_missing_push_time_and_a_forced_push() -> None:
    body = payload("push.with-new-branch")
    body["forced"] = True
    del body["repository"]["pushed_at"]
    body["commits"][0]["timestamp"] = "2019-05-15T15:20:30-05:00"
    body["commits"][0]["message"] = "Fix the README\n\nLonger explanation."
    body["head_commit"]["timestamp"] = "2019-05-15T22:20:31+02:00"
    row = only_row("push", body, "changes")
    assert row["committed_at"] == dt.datetime(2019, 5, 15, 20, 20, 30, tzinfo=dt.UTC)
    assert row["merged_at"] == row["updated_at"] == utc("2019-05-15T20:20:31Z")
    assert json.loads(row["extra"])["forced"] is True
    assert json.loads(row["extra"])["message"] == "Fix the README"


@pytest.mark.parametrize(
    ("ref", "deleted"),
    [("refs/heads/feature/login", False), ("refs/tags/v1.0", False), ("refs/heads/master", True)],
)
def test_pushes_elsewhere_tags_and_deletions_are_ignored(ref: str, deleted: bool) -> None:
    body = payload("push.with-new-branch")
    body["ref"], body["deleted"] = ref, deleted
    assert normalise("push", body) is None


def test_the_reference_tag_deletion_is_ignored() -> None:
    assert normalise("push", payload("push")) is None


def test_a_merged_pull_request_is_a_change_keyed_by_its_merge_commit() -> None:
    body = payload("pull_request.closed")
    assert normalise("pull_request", body).changes == []  # closed without merging
    body["pull_request"] |= {"merged": True, "merged_at": "2019-05-15T15:21:18Z"}
    row = only_row("pull_request", body, "changes")
    sha = "c4295bd74fb0f4fda03689c3df3f2803b658fd85"
    assert row == {
        "change_id": sha,
        "commit_sha": sha,
        "committed_at": utc("2019-05-15T15:20:33Z"),
        "merged_at": utc("2019-05-15T15:21:18Z"),
        "deployment_id": None,
        "source": "github",
        "updated_at": utc("2019-05-15T15:21:18Z"),
        "extra": json.dumps(
            {
                "head": "changes",
                "labels": ["bug"],
                "number": 2,
                "title": "Update the README with new information.",
            },
            sort_keys=True,
        ),
    }


def test_hotfix_labels_or_branches_are_noted() -> None:
    body = payload("pull_request.closed")
    body["pull_request"] |= {"merged": True, "merged_at": "2019-05-15T15:21:18Z"}
    body["pull_request"]["head"]["ref"] = "hotfix/readme-typo"
    assert json.loads(only_row("pull_request", body, "changes")["extra"])["hotfix"] is True
    body["pull_request"]["head"]["ref"] = "changes"
    assert "hotfix" not in json.loads(only_row("pull_request", body, "changes")["extra"])
    marked = only_row("pull_request", body, "changes", hotfix_markers=["bug"])
    assert json.loads(marked["extra"])["hotfix"] is True


@pytest.mark.parametrize(
    "name", ["pull_request.opened", "pull_request.labeled", "pull_request.synchronize"]
)
def test_other_pull_request_actions_are_no_change(name: str) -> None:
    # they land the pull request itself (cycle time: tests/delivery/test_pull_requests.py)
    assert normalise("pull_request", payload(name)).changes == []


def test_a_pull_request_merged_into_another_branch_is_ignored() -> None:
    body = payload("pull_request.closed")
    body["pull_request"] |= {"merged": True, "merged_at": "2019-05-15T15:21:18Z"}
    body["pull_request"]["base"]["ref"] = "release/1.x"
    assert normalise("pull_request", body) is None


def test_a_created_deployment_is_pending_at_its_creation() -> None:
    row = only_row("deployment", payload("deployment"), "deployments")
    created = utc("2019-05-15T15:20:53Z")
    assert row == {
        "deployment_id": DEPLOYMENT_ID,
        "environment": "production",
        "status": "pending",
        "created_at": created,
        "finished_at": created,
        "commit_sha": DEPLOYED_SHA,
        "change_type": None,
        "source": "github",
        "updated_at": created,
        "extra": json.dumps({"ref": "master", "task": "deploy"}),
    }


def test_a_pages_deployment_keeps_its_environment() -> None:
    row = only_row("deployment", payload("deployment.gh-pages"), "deployments")
    assert (row["environment"], row["created_at"]) == ("github-pages", utc("2022-01-03T01:28:30Z"))


def test_a_deployment_status_gives_the_outcome_and_its_time() -> None:
    row = only_row("deployment_status", payload("deployment_status"), "deployments")
    assert row == {
        "deployment_id": DEPLOYMENT_ID,
        "environment": "production",
        "status": "success",
        "created_at": utc("2019-05-15T15:20:53Z"),
        "finished_at": utc("2019-05-15T15:20:55Z"),
        "commit_sha": DEPLOYED_SHA,
        "change_type": None,
        "source": "github",
        "updated_at": utc("2019-05-15T15:20:55Z"),
        "extra": None,
    }


def test_an_in_progress_status_is_pending() -> None:
    row = only_row("deployment_status", payload("deployment_status.gh-pages"), "deployments")
    assert (row["status"], row["finished_at"], row["environment"]) == (
        "pending",
        utc("2022-01-03T01:28:40Z"),
        "github-pages",
    )


@pytest.mark.parametrize(
    ("state", "status"),
    [("failure", "failure"), ("error", "failure"), ("queued", "pending"), ("inactive", None)],
)
def test_status_states(state: str, status: str | None) -> None:
    body = payload("deployment_status")
    body["deployment_status"]["state"] = state
    facts = normalise("deployment_status", body)
    assert (facts.deployments[0]["status"] if facts else None) == status


@pytest.mark.parametrize(
    ("field", "value", "change_type"),
    [
        ("description", "Rollback to v1.2.0", "rollback"),
        ("task", "deploy:revert", "rollback"),
        ("payload", {"reason": "hotfix"}, "hotfix"),
        ("description", "Hotfix and roll-back", "rollback"),
    ],
)
def test_rollbacks_and_hotfixes_by_task_description_or_payload(
    field: str, value: Any, change_type: str
) -> None:
    body = payload("deployment")
    body["deployment"][field] = value
    assert only_row("deployment", body, "deployments")["change_type"] == change_type
    status = payload("deployment_status")
    status["deployment"][field] = value
    assert only_row("deployment_status", status, "deployments")["change_type"] == change_type


def deploy_run(**changes: Any) -> dict[str, Any]:
    body = payload("workflow_run.completed")
    body["workflow_run"] |= {"name": "Deploy", "path": ".github/workflows/deploy.yml", **changes}
    return body


def test_a_finished_deployment_workflow_on_the_default_branch_is_a_deployment() -> None:
    facts = normalise("workflow_run", deploy_run())
    [row] = facts.deployments
    assert row.pop(SUBJECT) == Subject("github.com/project-slug", "octo-org/octo-repo", "octo-repo")
    assert row == {
        "deployment_id": "github:octo-org/octo-repo:run:289782451",
        "environment": "production",
        "status": "success",
        "created_at": utc("2020-10-05T16:33:49Z"),
        "finished_at": utc("2020-10-05T16:33:49Z"),
        "commit_sha": "3484a3fb816e0859fd6e1cea078d76385ff50625",
        "change_type": None,
        "source": "github",
        "updated_at": utc("2020-10-05T16:33:49Z"),
        "extra": json.dumps(
            {"path": ".github/workflows/deploy.yml", "run": 163, "workflow": "Deploy"}
        ),
    }


@pytest.mark.parametrize(
    ("conclusion", "status"), [("failure", "failure"), ("cancelled", "cancelled")]
)
def test_failed_and_cancelled_deployment_runs(conclusion: str, status: str) -> None:
    facts = normalise("workflow_run", deploy_run(conclusion=conclusion))
    assert facts.deployments[0]["status"] == status


def test_other_workflow_runs_are_ignored() -> None:
    assert normalise("workflow_run", payload("workflow_run.completed")) is None  # test.yml
    assert normalise("workflow_run", payload("workflow_run.requested")) is None
    assert normalise("workflow_run", deploy_run(head_branch="feature/x")) is None
    assert normalise("workflow_run", deploy_run(conclusion="skipped")) is None


def test_issues_labelled_as_incidents_are_incidents() -> None:
    assert normalise("issues", payload("issues.opened")) is None  # labelled "bug" only
    row = only_row("issues", payload("issues.opened"), "incidents", incident_labels=["BUG"])
    assert row == {
        "incident_id": f"github:{HELLO}:issue:1",
        "severity": None,
        "started_at": utc("2019-05-15T15:20:18Z"),
        "resolved_at": None,
        "deployment_id": None,
        "title": "Spelling error in the README file",
        "source": "github",
        "updated_at": utc("2019-05-15T15:20:18Z"),
        "extra": json.dumps({"labels": ["bug"], "number": 1}),
    }
    labeled = only_row("issues", payload("issues.labeled"), "incidents", incident_labels=["bug"])
    assert labeled == row


def test_a_reopened_incident_is_open_again_and_a_closed_one_resolved() -> None:
    body = payload("issues.reopened")
    row = only_row("issues", body, "incidents", incident_labels=["bug"])
    assert (row["started_at"], row["resolved_at"], row["updated_at"]) == (
        utc("2021-07-05T18:05:24Z"),
        None,  # closed_at is still set on the reopened issue: the state decides
        utc("2021-10-11T16:40:56Z"),
    )
    body |= {"action": "closed"}
    body["issue"] |= {"state": "closed", "closed_at": "2021-10-12T08:00:00Z"}
    body["issue"]["labels"].append({"name": "SEV-2"})
    row = only_row("issues", body, "incidents", incident_labels=["bug"])
    assert (row["resolved_at"], row["severity"]) == (utc("2021-10-12T08:00:00Z"), "SEV-2")


@pytest.mark.parametrize("label", ["sev1", "severity:high", "P1", "Severity/Low"])
def test_severity_labels(label: str) -> None:
    body = payload("issues.opened")
    body["issue"]["labels"] = [{"name": "incident"}, {"name": label}]
    assert only_row("issues", body, "incidents")["severity"] == label


def test_ping_and_check_run_carry_nothing() -> None:
    assert normalise("ping", payload("ping")) is None
    assert normalise("check_run", {"action": "completed", "check_run": {}}) is None


def test_an_unknown_event_type_is_reported_as_such() -> None:
    with pytest.raises(UnknownEvent, match="star"):
        normalise("star", {"action": "created"})


@pytest.mark.parametrize(
    ("event", "name", "edit", "field"),
    [
        ("deployment", "deployment", lambda b: b["deployment"].pop("id"), "deployment.id"),
        ("deployment", "deployment", lambda b: b["deployment"].pop("sha"), "deployment.sha"),
        (
            "deployment_status",
            "deployment_status",
            lambda b: b["deployment"].pop("sha"),
            "deployment.sha",
        ),
        (
            "push",
            "push.with-new-branch",
            lambda b: b["commits"][0].pop("timestamp"),
            "commits[0].timestamp",
        ),
        ("push", "push.with-new-branch", lambda b: b.pop("repository"), "repository.full_name"),
    ],
)
def test_missing_required_fields_name_their_path(
    event: str, name: str, edit: Any, field: str
) -> None:
    body = payload(name)
    edit(body)
    with pytest.raises(FieldMissing) as error:
        normalise(event, body)
    assert error.value.field == field


def test_a_malformed_time_is_rejected_with_its_value() -> None:
    body = payload("deployment")
    body["deployment"]["created_at"] = "yesterday"
    with pytest.raises(FieldMissing) as error:
        normalise("deployment", body)
    assert (error.value.field, error.value.value) == ("deployment.created_at", "yesterday")
