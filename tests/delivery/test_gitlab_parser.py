"""GitLab payloads to fact rows, by hand: every event kind, the time-zone styles GitLab sends,
delivery ids, and the fields whose absence rejects a delivery."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from leadline.catalog.services import Subject
from leadline.delivery.events import Delivery, FieldMissing, UnknownEvent
from leadline.delivery.gitlab import GitLabParser, utc_time
from tests.delivery.support_events import fixture, normalise, utc

PARSER = GitLabParser()
SUBJECT = Subject("gitlab.com/project-slug", "acme/shop/checkout-api", "checkout-api")
C1 = "7a3c1e9d0b5f4a2e8c6d1f0b9a8e7d6c5b4a3f2e"
C2 = "e1f2d3c4b5a69788a9b0c1d2e3f4a5b6c7d8e9f0"
MERGE = "4c9b0e2d7f1a3b5c6d8e0f1a2b3c4d5e6f7a8b9c"


def rows(kind: str, payload: Any, table: str, **settings: Any) -> list[dict[str, Any]] | None:
    facts = normalise(PARSER, kind, payload, **settings)
    return None if facts is None else list(getattr(facts, table))


def test_a_push_to_the_default_branch_is_one_change_per_commit() -> None:
    push_time = utc(2026, 3, 2, 10, 5, 30)  # newest commit: a push carries no time of its own
    common = {
        "merged_at": push_time,
        "deployment_id": None,
        "source": "gitlab",
        "updated_at": push_time,
        "extra": '{"ref":"refs/heads/main"}',
    }
    # each commit's files (added, modified, removed) ride on its subject: monorepos map by them
    first = {**common, "_subject": dataclasses.replace(SUBJECT, paths=("app/charge.py",))}
    second = {**common, "_subject": dataclasses.replace(SUBJECT, paths=("app/retry.py",))}
    assert rows("push", fixture("gitlab", "push.json"), "changes") == [
        {
            "change_id": C1,
            "commit_sha": C1,
            "committed_at": utc(2026, 3, 2, 7, 15),
            **common,
            **first,
        },
        {"change_id": C2, "commit_sha": C2, "committed_at": push_time, **second},
    ]


@pytest.mark.parametrize(
    ("kind", "name", "change"),
    [
        ("push", "push.json", {"ref": "refs/heads/feature/retry-charges"}),
        ("push", "push.json", {"commits": [], "after": "0" * 40}),  # branch deleted
        ("tag_push", "tag_push.json", {}),
        ("pipeline", "pipeline.json", {}),
        ("issue", "issue_plain.json", {}),
    ],
)
def test_events_that_measure_nothing_are_ignored(
    kind: str, name: str, change: dict[str, Any]
) -> None:
    payload = fixture("gitlab", name) | change
    assert normalise(PARSER, kind, payload) is None


def test_a_merged_merge_request_is_a_change_keyed_by_its_merge_commit() -> None:
    assert rows("merge_request", fixture("gitlab", "merge_request_merged.json"), "changes") == [
        {
            "change_id": MERGE,
            "commit_sha": MERGE,
            "committed_at": utc(2026, 3, 1, 16, 20),
            "merged_at": utc(2026, 3, 2, 10, 6),
            "deployment_id": None,
            "source": "gitlab",
            "updated_at": utc(2026, 3, 2, 10, 6),
            "extra": '{"hotfix":true,"merge_request":128,'
            '"title":"Validate card expiry before charging"}',
            "_subject": SUBJECT,
        }
    ]


def test_a_fast_forward_merge_falls_back_to_the_last_commit_and_merged_at() -> None:
    payload = fixture("gitlab", "merge_request_merged.json")
    attrs = payload["object_attributes"]
    attrs.update(merge_commit_sha=None, merged_at="2026-03-02T11:05:00+01:00", labels=[])
    attrs["source_branch"] = "feature/retry"
    payload["labels"] = []
    [row] = rows("merge_request", payload, "changes") or []
    assert (row["change_id"], row["merged_at"], row["extra"]) == (
        C2,
        utc(2026, 3, 2, 10, 5),  # merged_at, not updated_at
        '{"merge_request":128,"title":"Validate card expiry before charging"}',
    )


def test_a_hotfix_branch_prefix_marks_the_change_too() -> None:
    payload = fixture("gitlab", "merge_request_merged.json")
    payload["object_attributes"]["labels"] = payload["labels"] = []
    [row] = rows("merge_request", payload, "changes") or []
    assert '"hotfix":true' in row["extra"]  # source branch hotfix/card-expiry


@pytest.mark.parametrize(
    "change",
    [{"action": "open", "state": "opened"}, {"action": "update"}, {"target_branch": "release-1"}],
)
def test_merge_requests_not_merging_into_the_default_branch_are_ignored(
    change: dict[str, Any],
) -> None:
    payload = fixture("gitlab", "merge_request_merged.json")
    payload["object_attributes"].update(change)
    facts = normalise(PARSER, "merge_request", payload)  # the request itself lands (cycle time)
    assert facts is None or facts.changes == []


def test_a_deployment_is_one_row_at_its_status_with_the_full_sha() -> None:
    assert rows("deployment", fixture("gitlab", "deployment.json"), "deployments") == [
        {
            "deployment_id": "gitlab:acme/shop/checkout-api:873",
            "environment": "production",
            "status": "success",
            "created_at": None,
            "finished_at": utc(2026, 3, 2, 11, 30),  # 12:30 +0100
            "commit_sha": MERGE,
            "change_type": "hotfix",  # "Merge branch 'hotfix/card-expiry' into 'main'"
            "source": "gitlab",
            "updated_at": utc(2026, 3, 2, 11, 30),
            "extra": '{"deployable_id":551204,"environment_tier":"production",'
            '"gitlab_status":"success"}',
            "_subject": SUBJECT,
        }
    ]


@pytest.mark.parametrize(
    ("gitlab_status", "status", "created_at"),
    [
        ("created", "pending", utc(2026, 3, 2, 11, 30)),
        ("running", "pending", None),
        ("success", "success", None),
        ("failed", "failure", None),
        ("canceled", "cancelled", None),
    ],
)
def test_deployment_statuses_map_to_leadline_outcomes(
    gitlab_status: str, status: str, created_at: Any
) -> None:
    payload = fixture("gitlab", "deployment.json") | {"status": gitlab_status}
    [row] = rows("deployment", payload, "deployments") or []
    assert (row["status"], row["created_at"], row["finished_at"]) == (
        status,
        created_at,
        utc(2026, 3, 2, 11, 30),
    )


def test_a_revert_is_a_rollback_and_a_short_sha_is_kept_without_a_commit_url() -> None:
    payload = fixture("gitlab", "deployment.json") | {
        "commit_title": 'Revert "Retry idempotent charges once"',
        "commit_url": None,
    }
    [row] = rows("deployment", payload, "deployments") or []
    assert (row["change_type"], row["commit_sha"]) == ("rollback", MERGE[:8])
    planned = fixture("gitlab", "deployment.json") | {"commit_title": "Add receipts"}
    assert (rows("deployment", planned, "deployments") or [{}])[0]["change_type"] is None


def test_an_incident_work_item_is_an_incident_resolved_when_closed() -> None:
    assert rows("work_item", fixture("gitlab", "incident_work_item.json"), "incidents") == [
        {
            "incident_id": "gitlab:acme/shop/checkout-api:issue:57",
            "severity": "critical",
            "started_at": utc(2026, 3, 2, 12, 2),
            "resolved_at": utc(2026, 3, 2, 14, 10),
            "deployment_id": None,
            "title": "Checkout payments failing",
            "source": "gitlab",
            "updated_at": utc(2026, 3, 2, 14, 10, 5),
            "extra": '{"url":"https://gitlab.example.com/acme/shop/checkout-api/-/issues/57"}',
            "_subject": SUBJECT,
        }
    ]


def test_a_reopened_incident_is_open_again() -> None:
    payload = fixture("gitlab", "incident_work_item.json")
    payload["object_attributes"].update(
        state="opened", action="reopen", closed_at=None, updated_at="2026-03-02 16:00:00 UTC"
    )
    [row] = rows("work_item", payload, "incidents") or []
    assert (row["resolved_at"], row["updated_at"]) == (None, utc(2026, 3, 2, 16))


@pytest.mark.parametrize(
    "change",
    [
        {"type": None, "issue_type": "incident"},  # GitLab before 17.2
        {"type": "Issue", "labels": [{"id": 9, "title": "Incident"}]},  # an incident label
    ],
)
def test_older_incident_issues_and_incident_labels_count(change: dict[str, Any]) -> None:
    payload = fixture("gitlab", "issue_plain.json")
    payload["object_attributes"].update(change)
    [row] = rows("issue", payload, "incidents") or []
    assert (row["incident_id"], row["severity"], row["resolved_at"], row["started_at"]) == (
        "gitlab:acme/shop/checkout-api:issue:58",
        None,  # GitLab's default severity "unknown" is no severity
        None,
        utc(2026, 3, 3, 8),
    )


@pytest.mark.parametrize(
    "text",
    [
        "2021-06-10 19:14:09 UTC",
        "2021-06-10T19:14:09Z",
        "2021-06-10T21:14:09+02:00",
        "2021-06-10 21:14:09 +0200",
        "2021-06-10T14:14:09-05:00",
        "2021-06-10T19:14:09",  # no zone: UTC
    ],
)
def test_gitlab_timestamp_styles_are_all_read_as_utc(text: str) -> None:
    assert utc_time(text, "f") == utc(2021, 6, 10, 19, 14, 9)


def test_fractions_are_kept_and_bad_times_name_the_field() -> None:
    assert utc_time("2021-06-10T19:14:09.250Z", "f") == utc(2021, 6, 10, 19, 14, 9, 250000)
    with pytest.raises(FieldMissing) as error:
        utc_time("yesterday", "status_changed_at")
    assert (error.value.field, error.value.reason) == ("status_changed_at", "is not a timestamp")


@pytest.mark.parametrize(
    ("kind", "name", "path", "field"),
    [
        ("deployment", "deployment.json", [], "status_changed_at"),
        ("deployment", "deployment.json", ["project", "path_with_namespace"], None),
        ("merge_request", "merge_request_merged.json", ["object_attributes", "created_at"], None),
        ("work_item", "incident_work_item.json", ["object_attributes", "iid"], None),
        ("push", "push.json", ["project", "default_branch"], None),
    ],
)
def test_a_missing_required_field_is_named_by_its_dotted_path(
    kind: str, name: str, path: list[str], field: str | None
) -> None:
    payload = fixture("gitlab", name)
    target = payload
    for step in path[:-1]:
        target = target[step]
    target.pop(path[-1] if path else str(field))
    with pytest.raises(FieldMissing) as error:
        normalise(PARSER, kind, payload)
    assert error.value.field == (field or ".".join(path))


def test_a_commit_without_a_timestamp_is_named_by_index() -> None:
    payload = fixture("gitlab", "push.json")
    del payload["commits"][1]["timestamp"]
    with pytest.raises(FieldMissing) as error:
        normalise(PARSER, "push", payload)
    assert error.value.field == "commits.1.timestamp"


def test_an_unknown_object_kind_is_an_unknown_event() -> None:
    with pytest.raises(UnknownEvent):
        normalise(PARSER, "wiki_page", {"object_kind": "wiki_page"})


def test_event_types_come_from_object_kind_then_the_header() -> None:
    push = fixture("gitlab", "push.json")
    assert PARSER.event_type(Delivery("f", 1, {"x-gitlab-event": "Issue Hook"}, push)) == "push"
    bare = {"ref": "refs/heads/main"}
    assert PARSER.event_type(Delivery("f", 1, {"x-gitlab-event": "Push Hook"}, bare)) == "push"
    hook = {"x-gitlab-event": "Deployment Hook"}
    assert PARSER.event_type(Delivery("f", 1, hook, {})) == "deployment"
    assert PARSER.event_type(Delivery("f", 1, {}, {"no": "kind"})) is None


def test_delivery_ids_prefer_the_idempotency_key_then_the_event_and_webhook_uuids() -> None:
    headers = {
        "idempotency-key": "key-1",
        "x-gitlab-event-uuid": "event-1",
        "x-gitlab-webhook-uuid": "hook-1",
    }
    ids = []
    for drop in ([], ["idempotency-key"], ["idempotency-key", "x-gitlab-event-uuid"]):
        kept = {k: v for k, v in headers.items() if k not in drop}
        ids.append(PARSER.delivery_id(Delivery("f", 1, kept, {"a": 1})))
    hashed = PARSER.delivery_id(Delivery("f", 1, {}, {"a": 1}))
    assert ids == ["key-1", "event-1", "hook-1"]
    assert hashed.startswith("sha256:")
