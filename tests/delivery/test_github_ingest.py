"""GitHub webhook deliveries end to end (``run_ingest`` and the CLI): raw storage, facts in
the lake, duplicates, out-of-order statuses, rejects, unknown events, service resolution."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from leadline.context import App
from tests.conftest import make_settings
from tests.delivery.github_fixtures.support import (
    HELLO,
    batches,
    catalog,
    envelope,
    facts,
    ingest,
    payload,
    raw_events,
    rejects,
    utc,
    write_json,
    write_ndjson,
)

DEPLOYMENT_ID = f"github:{HELLO}:145988746"
DEPLOYED_SHA = "f95f852bd8fca8fcc58a9a2d6c842781e32a215e"
FIRST_COMMIT = "6113728f27ae82c7b1a177c8d03f9e96e0adf246"
# The reference examples without the GitHub Pages pair, which reuses deployment 145988746.
EXAMPLES = [
    "deployment",
    "deployment_status",
    "issues.labeled",
    "issues.opened",
    "issues.reopened",
    "ping",
    "pull_request.closed",
    "pull_request.labeled",
    "pull_request.opened",
    "pull_request.synchronize",
    "push",
    "push.with-new-branch",
    "push.with-no-username-committer",
    "workflow_run.completed",
    "workflow_run.requested",
]
SUCCESS_ROW = {
    "deployment_id": DEPLOYMENT_ID,
    "service": "greeter",
    "environment": "production",
    "status": "success",
    "created_at": utc("2019-05-15T15:20:53Z"),
    "finished_at": utc("2019-05-15T15:20:55Z"),
    "commit_sha": DEPLOYED_SHA,
    "change_type": None,
    "source": "github",
    "updated_at": utc("2019-05-15T15:20:55Z"),
    "extra": json.dumps({"ref": "master", "task": "deploy"}),
}


@pytest.fixture
def labelled_app(tmp_path: Path) -> Iterator[App]:
    """Issues labelled "bug" are incidents (the reference examples carry that label)."""
    instance = App(make_settings(tmp_path / "home", delivery={"incident_labels": ["bug"]}))
    catalog(instance, tmp_path / "catalog")
    yield instance
    instance.close()


@pytest.fixture
def hello(app: App, tmp_path: Path) -> App:
    """The default app with a catalog mapping Codertocat/Hello-World to service greeter."""
    catalog(app, tmp_path / "catalog")
    return app


def event_of(name: str) -> str:
    return name.split(".", 1)[0]


def status(state: str, at: str, status_id: int = 209916254) -> dict[str, Any]:
    """The reference deployment_status body at another state and time."""
    body = payload("deployment_status")
    body["deployment_status"] |= {"id": status_id, "state": state, "created_at": at}
    body["deployment_status"]["updated_at"] = at
    return body


def test_reference_deliveries_with_headers_land_as_facts(labelled_app: App, tmp_path: Path) -> None:
    items = [envelope(event_of(n), f"d-{i}", payload(n)) for i, n in enumerate(EXAMPLES)]
    path = write_ndjson(tmp_path / "deliveries.ndjson", items)
    report = ingest(labelled_app, "github", path)
    assert report.exit_code == 0, report
    [result] = report.results
    assert (result.rows_read, result.rows_accepted, result.rows_rejected) == (15, 15, 0)
    assert result.message == (
        "15 deliveries: 11 normalised, 4 ignored, 0 unknown event types (stored raw), "
        "0 rejected, 0 already received"
    )
    assert facts(labelled_app, "deployments") == [SUCCESS_ROW]
    assert facts(labelled_app, "changes") == [
        {
            "change_id": FIRST_COMMIT,
            "service": "greeter",
            "commit_sha": FIRST_COMMIT,
            "committed_at": utc("2019-05-15T15:19:25Z"),
            "merged_at": utc("2019-05-15T15:20:57Z"),
            "deployment_id": None,
            "source": "github",
            "updated_at": utc("2019-05-15T15:20:57Z"),
            "extra": json.dumps(
                {
                    "author": "Codertocat",
                    "forced": False,
                    "message": "Initial commit",
                    "pusher": "Codertocat",
                }
            ),
        }
    ]
    # The three issue examples share number 1: the earliest start, the latest state (reopened).
    assert facts(labelled_app, "incidents") == [
        {
            "incident_id": f"github:{HELLO}:issue:1",
            "service": "greeter",
            "severity": None,
            "started_at": utc("2019-05-15T15:20:18Z"),
            "resolved_at": None,
            "deployment_id": None,
            "title": "Spelling error in the README file",
            "source": "github",
            "updated_at": utc("2021-10-11T16:40:56Z"),
            "extra": json.dumps({"labels": ["bug"], "number": 1}),
        }
    ]
    raw = raw_events(labelled_app)
    assert [(r.delivery_id, r.event_type, r.status) for r in raw][:3] == [
        ("d-0", "deployment", "normalised"),
        ("d-1", "deployment_status", "normalised"),
        ("d-2", "issues", "normalised"),
    ]
    assert raw[5].payload == payload("ping")  # stored verbatim
    assert raw[0].headers == {"x-github-event": "deployment", "x-github-delivery": "d-0"}


def test_bare_bodies_in_a_json_array_are_recognised(hello: App, tmp_path: Path) -> None:
    names = ["push.with-new-branch", "deployment", "deployment_status", "ping", "push"]
    path = write_json(tmp_path / "bodies.json", [payload(n) for n in names])
    report = ingest(hello, "github", path)
    assert report.exit_code == 0, report
    assert facts(hello, "deployments") == [SUCCESS_ROW]
    assert [c["change_id"] for c in facts(hello, "changes")] == [FIRST_COMMIT]
    raw = raw_events(hello)
    assert [(r.event_type, r.status) for r in raw] == [
        ("push", "normalised"),
        ("deployment", "normalised"),
        ("deployment_status", "normalised"),
        ("ping", "ignored"),
        ("push", "ignored"),
    ]
    assert all(r.delivery_id.startswith("sha256:") for r in raw)
    assert ingest(hello, "github", path).results[0].status == "unchanged"


def test_a_duplicate_delivery_is_stored_once_in_a_file_and_across_runs(
    hello: App, tmp_path: Path
) -> None:
    deployed = envelope("deployment", "dup-1", payload("deployment"))
    first = ingest(hello, "github", write_ndjson(tmp_path / "a.ndjson", [deployed, deployed]))
    assert first.results[0].rows_read == 1
    assert len(raw_events(hello)) == 1
    before = facts(hello, "deployments")
    # The same delivery id again, in another file, with a newer status after it.
    again = [deployed, envelope("deployment_status", "dup-2", payload("deployment_status"))]
    second = ingest(hello, "github", write_ndjson(tmp_path / "b.ndjson", again))
    assert second.exit_code == 0
    assert second.results[0].message == (
        "2 deliveries: 1 normalised, 0 ignored, 0 unknown event types (stored raw), "
        "0 rejected, 1 already received"
    )
    assert [r.delivery_id for r in raw_events(hello)] == ["dup-1", "dup-2"]
    assert before[0]["status"] == "pending"
    assert facts(hello, "deployments") == [SUCCESS_ROW]
    third = ingest(hello, "github", write_ndjson(tmp_path / "c.ndjson", [deployed]))
    assert "1 already received" in str(third.results[0].message)
    assert facts(hello, "deployments") == [SUCCESS_ROW]


OUT_OF_ORDER = [
    ("deployment_status", "s-success", status("success", "2019-05-15T15:20:55Z")),
    ("deployment_status", "s-progress", status("in_progress", "2019-05-15T15:20:54Z", 209916253)),
    ("deployment", "d-created", payload("deployment")),
    # GitHub marks a deployment inactive when a newer one succeeds: not a new outcome.
    ("deployment_status", "s-inactive", status("inactive", "2019-05-16T09:00:00Z", 209916299)),
]


def test_out_of_order_statuses_in_one_file_end_at_the_newest(hello: App, tmp_path: Path) -> None:
    items = [envelope(*delivery) for delivery in OUT_OF_ORDER]
    report = ingest(hello, "github", write_ndjson(tmp_path / "mixed.ndjson", items))
    assert report.exit_code == 0
    assert facts(hello, "deployments") == [SUCCESS_ROW]
    assert [r.status for r in raw_events(hello)][-1] == "ignored"


def test_out_of_order_statuses_across_runs_end_at_the_newest(hello: App, tmp_path: Path) -> None:
    for index, delivery in enumerate(OUT_OF_ORDER):
        ingest(hello, "github", write_ndjson(tmp_path / f"{index}.ndjson", [envelope(*delivery)]))
        assert facts(hello, "deployments")[0]["status"] == "success"
    assert facts(hello, "deployments") == [SUCCESS_ROW]


def test_a_failed_deployment_then_its_retry(hello: App, tmp_path: Path) -> None:
    retry = payload("deployment_status")
    retry["deployment"] |= {"id": 145988747, "created_at": "2019-05-15T15:25:00Z"}
    retry["deployment_status"] |= {"id": 2, "created_at": "2019-05-15T15:27:00Z"}
    retry["deployment_status"]["updated_at"] = "2019-05-15T15:27:00Z"
    items = [
        envelope("deployment_status", "fail", status("failure", "2019-05-15T15:20:55Z")),
        envelope("deployment_status", "retry", retry),
    ]
    ingest(hello, "github", write_ndjson(tmp_path / "retry.ndjson", items))
    rows = facts(hello, "deployments")
    assert [(r["deployment_id"], r["status"], r["finished_at"]) for r in rows] == [
        (DEPLOYMENT_ID, "failure", utc("2019-05-15T15:20:55Z")),
        (f"github:{HELLO}:145988747", "success", utc("2019-05-15T15:27:00Z")),
    ]
    # A failure re-run to success on the same deployment ends as success.
    rerun = envelope("deployment_status", "rerun", status("success", "2019-05-15T15:40:00Z", 9))
    ingest(hello, "github", write_ndjson(tmp_path / "rerun.ndjson", [rerun]))
    assert facts(hello, "deployments")[0]["status"] == "success"
    assert facts(hello, "deployments")[0]["finished_at"] == utc("2019-05-15T15:40:00Z")


def test_feature_pushes_and_unmerged_pull_requests_are_ignored(hello: App, tmp_path: Path) -> None:
    feature = payload("push.with-new-branch")
    feature["ref"] = "refs/heads/feature/login"
    items = [
        envelope("push", "p-1", feature),
        envelope("pull_request", "pr-1", payload("pull_request.closed")),
    ]
    report = ingest(hello, "github", write_ndjson(tmp_path / "ignored.ndjson", items))
    assert report.exit_code == 0
    # the unmerged pull request lands as a pull request (cycle time), not as a change
    assert [r.status for r in raw_events(hello)] == ["ignored", "normalised"]
    assert facts(hello, "changes") == []


def test_a_merged_pull_request_merges_with_the_push_of_its_commit(
    hello: App, tmp_path: Path
) -> None:
    merged = payload("pull_request.closed")
    merged["pull_request"] |= {
        "merged": True,
        "merged_at": "2019-05-15T15:21:18Z",
        "merge_commit_sha": FIRST_COMMIT,
        "created_at": "2019-05-14T10:00:00+02:00",
    }
    items = [
        envelope("push", "push-1", payload("push.with-new-branch")),
        envelope("pull_request", "pr-2", merged),
    ]
    ingest(hello, "github", write_ndjson(tmp_path / "merge.ndjson", items))
    [change] = facts(hello, "changes")
    assert (change["committed_at"], change["merged_at"]) == (
        utc("2019-05-14T08:00:00Z"),  # the pull request's creation, before the commit
        utc("2019-05-15T15:20:57Z"),  # the push, before the pull request's merged_at
    )


def test_an_unknown_event_is_stored_raw_and_counted(hello: App, tmp_path: Path) -> None:
    items = [
        envelope("star", "u-1", {"action": "created", "starred_at": "2019-05-15T15:20:40Z"}),
        envelope("push", "p-1", payload("push.with-new-branch")),
        {"no": "event"},  # bare, with a shape no event has
    ]
    report = ingest(hello, "github", write_ndjson(tmp_path / "unknown.ndjson", items))
    assert report.exit_code == 0, report
    assert "2 unknown event types (stored raw)" in str(report.results[0].message)
    unknown = [r for r in raw_events(hello) if r.status == "unknown"]
    assert [(r.delivery_id, r.event_type) for r in unknown] == [
        ("u-1", "star"),
        (unknown[1].delivery_id, None),
    ]
    assert unknown[1].delivery_id.startswith("sha256:")
    assert len(facts(hello, "changes")) == 1


def test_a_delivery_missing_a_field_is_rejected_and_the_others_land(
    hello: App, tmp_path: Path
) -> None:
    broken = payload("deployment")
    del broken["deployment"]["sha"]
    items = [
        envelope("deployment", "bad-1", broken),
        envelope("push", "good-1", payload("push.with-new-branch")),
    ]
    path = write_ndjson(tmp_path / "broken.ndjson", items)
    report = ingest(hello, "github", path)
    assert report.exit_code == 1
    [reject] = rejects(hello)
    assert (reject.file_name, reject.row, reject.field) == (str(path), 1, "deployment.sha")
    assert reject.reason == "delivery bad-1 (deployment): deployment.sha is missing"
    assert reject.record == broken
    assert [(r.delivery_id, r.status) for r in raw_events(hello)] == [
        ("bad-1", "rejected"),
        ("good-1", "normalised"),
    ]
    assert len(facts(hello, "changes")) == 1
    assert facts(hello, "deployments") == []


def test_services_come_from_the_catalog_the_name_or_the_option(app: App, tmp_path: Path) -> None:
    path = write_ndjson(tmp_path / "push.ndjson", [payload("push.with-new-branch")])
    report = ingest(app, "github", path)
    assert report.exit_code == 0  # no catalog: kept under the repository name, and reported
    [warning] = report.results[0].problems
    assert warning.severity == "warning"
    assert "service 'Hello-World' is not in the catalog" in warning.reason
    assert facts(app, "changes")[0]["service"] == "Hello-World"
    catalog(app, tmp_path / "catalog", name="web-frontend", slug="codertocat/other")
    other = write_ndjson(tmp_path / "deploy.ndjson", [payload("deployment")])
    assert ingest(app, "github", other, service="web-frontend").exit_code == 0
    assert facts(app, "deployments")[0]["service"] == "web-frontend"


def test_the_annotation_maps_the_repository_case_insensitively(app: App, tmp_path: Path) -> None:
    catalog(app, tmp_path / "catalog", name="greeter", slug="codertocat/hello-world")
    path = write_ndjson(tmp_path / "push.ndjson", [payload("push.with-new-branch")])
    assert ingest(app, "github", path).exit_code == 0
    assert facts(app, "changes")[0]["service"] == "greeter"


def test_the_cli_ingests_and_reports(hello: App, tmp_path: Path) -> None:
    from leadline.cli import app as cli

    broken = payload("deployment")
    del broken["deployment"]["id"]
    good = write_ndjson(tmp_path / "good.ndjson", [envelope("push", "c-1", payload("push"))])
    bad = write_ndjson(tmp_path / "bad.ndjson", [envelope("deployment", "c-2", broken)])
    home = str(hello.settings.home)
    runner = CliRunner()
    result = runner.invoke(
        cli, ["--home", home, "ingest", "github", str(good)], env={"COLUMNS": "250"}
    )
    assert result.exit_code == 0, result.output
    assert "1 deliveries: 0 normalised, 1 ignored" in result.output
    result = runner.invoke(cli, ["--home", home, "ingest", "github", str(bad), "--format", "json"])
    assert result.exit_code == 1
    [problem] = json.loads(result.output)["results"][0]["problems"]
    assert problem["field"] == "deployment.id"
    assert "delivery c-2 (deployment)" in problem["reason"]
    assert [b.source for b in batches(hello)] == ["backstage", "github", "github"]


@pytest.mark.parametrize("layout", ["array-of-envelopes", "ndjson-of-bodies", "one-object"])
def test_every_file_layout_reads_the_same(hello: App, tmp_path: Path, layout: str) -> None:
    bodies = [payload("deployment"), payload("deployment_status")]
    if layout == "array-of-envelopes":  # a body may also be the raw JSON text
        value = [envelope("deployment", "e-1", json.dumps(bodies[0]))]
        path = write_json(
            tmp_path / "f.json", [*value, envelope("deployment_status", "e-2", bodies[1])]
        )
    elif layout == "ndjson-of-bodies":
        path = write_ndjson(tmp_path / "f.ndjson", bodies)
    else:
        path = write_json(tmp_path / "f.json", bodies[1])
    assert ingest(hello, "github", path).exit_code == 0
    assert facts(hello, "deployments")[0]["status"] == "success"


def test_a_malformed_payload_names_no_field(hello: App, tmp_path: Path) -> None:
    broken = {"deployment": "not an object", "repository": {"full_name": HELLO}}
    path = write_ndjson(tmp_path / "m.ndjson", [envelope("deployment", "m-1", broken)])
    assert ingest(hello, "github", path).exit_code == 1
    [reject] = rejects(hello)
    assert reject.reason.startswith("delivery m-1 (deployment): malformed payload")
    assert reject.field is None
