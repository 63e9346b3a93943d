"""GitHub REST API exports (``github-api``) from hand-written responses in github_fixtures/:
kinds by shape, stable item ids, facts in any order, and merging with webhook deliveries."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from leadline.context import App
from leadline.delivery.events import Delivery
from leadline.delivery.github_api import GitHubApiParser
from tests.conftest import make_settings
from tests.delivery.github_fixtures.support import (
    FIXTURES,
    HELLO,
    catalog,
    facts,
    ingest,
    payload,
    raw_events,
    rejects,
    utc,
    write_json,
)

GITHUB_API = GitHubApiParser()
REPO = "octo-org/checkout-api"
MERGE_41 = "7c1e2b9f0a4d3c5e6f708192a3b4c5d6e7f80912"
MERGE_43 = "3f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f10"
BUMP = "e4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b9a8f7e6d5"
EXPORTS = [
    "deployments.json",
    "deployment-1001-statuses.json",
    "deployment-1002-statuses.json",
    "pulls-closed.json",
    "commits.json",
]
PR_41_EXTRA = {
    "head": "feature/retry",
    "labels": ["enhancement"],
    "number": 41,
    "title": "Add retry to payment client",
}


def items(name: str) -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = json.loads((FIXTURES / name).read_text())
    return data


def delivery_of(item: Any) -> Delivery:
    return Delivery("export.json", 1, {}, item)


def expected_deployments() -> list[dict[str, Any]]:
    common = {"service": "checkout-api", "environment": "production", "source": "github"}
    extra = json.dumps({"ref": "main", "task": "deploy"})
    return [
        common
        | {
            "deployment_id": f"github:{REPO}:1001",
            "status": "success",
            "created_at": utc("2026-03-02T10:00:00Z"),
            "finished_at": utc("2026-03-02T10:12:00Z"),
            "commit_sha": MERGE_41,
            "change_type": None,
            "updated_at": utc("2026-03-02T10:12:00Z"),
            "extra": extra,
        },
        common
        | {
            "deployment_id": f"github:{REPO}:1002",
            "status": "failure",  # "error" at 09:05 after "queued" at 09:00:30
            "created_at": utc("2026-03-03T09:00:00Z"),
            "finished_at": utc("2026-03-03T09:05:00Z"),
            "commit_sha": BUMP,
            "change_type": "rollback",  # "Rollback to v1.3.9"
            "updated_at": utc("2026-03-03T09:05:00Z"),
            "extra": extra,
        },
    ]


def expected_changes() -> list[dict[str, Any]]:
    common = {"service": "checkout-api", "deployment_id": None, "source": "github"}
    return [
        common
        | {
            "change_id": MERGE_43,
            "commit_sha": MERGE_43,
            "committed_at": utc("2026-03-03T07:30:00Z"),
            "merged_at": utc("2026-03-03T08:40:00Z"),
            "updated_at": utc("2026-03-03T08:40:00Z"),
            "extra": json.dumps(
                {
                    "head": "hotfix/null-cart",
                    "hotfix": True,
                    "labels": ["hotfix"],
                    "number": 43,
                    "title": "Fix null cart on checkout",
                },
                sort_keys=True,
            ),
        },
        # The merge commit, from /commits and from pull request 41: the earliest times.
        common
        | {
            "change_id": MERGE_41,
            "commit_sha": MERGE_41,
            "committed_at": utc("2026-03-01T08:00:00Z"),
            "merged_at": utc("2026-03-01T16:30:00Z"),
            "updated_at": utc("2026-03-01T16:30:00Z"),
            "extra": json.dumps(PR_41_EXTRA, sort_keys=True),
        },
        common
        | {
            "change_id": BUMP,
            "commit_sha": BUMP,
            "committed_at": utc("2026-03-01T09:15:00Z"),
            "merged_at": None,
            "updated_at": utc("2026-03-01T09:20:00Z"),
            "extra": json.dumps(
                {"author": "mona", "message": "Bump version to 1.4.0", "parents": 1}
            ),
        },
    ]


@pytest.fixture
def checkout(app: App, tmp_path: Path) -> App:
    catalog(app, tmp_path / "catalog", name="checkout-api", slug=REPO)
    return app


@pytest.mark.parametrize(
    ("name", "kind", "delivery_id"),
    [
        ("deployments.json", "api.deployment", "api:deployment:1002"),
        ("deployment-1001-statuses.json", "api.deployment_status", "api:status:5002"),
        ("pulls-closed.json", "api.pull_request", "api:pull:90044:2026-03-04T12:00:00Z"),
        ("commits.json", "api.commit", f"api:commit:{REPO}:{MERGE_41}"),
        (
            "pull-41-with-commits.json",
            "api.pull_request",
            "api:pull:90041:2026-03-01T16:30:00Z:commits=2",
        ),
    ],
)
def test_each_item_kind_by_shape_with_a_stable_id(name: str, kind: str, delivery_id: str) -> None:
    first = delivery_of(items(name)[0])
    assert GITHUB_API.event_type(first) == kind
    assert GITHUB_API.delivery_id(first) == delivery_id


def test_an_item_of_another_endpoint_is_not_guessed() -> None:
    release = {"url": "https://api.github.com/repos/o/r/releases/1", "tag_name": "v1"}
    assert GITHUB_API.infer(release) is None
    assert GITHUB_API.delivery_id(delivery_of(release)).startswith("sha256:")


def test_exports_land_as_facts(checkout: App) -> None:
    report = ingest(checkout, "github-api", *(FIXTURES / n for n in EXPORTS))
    assert report.exit_code == 0, report
    assert [r.message for r in report.results][3] == (
        "4 deliveries: 3 normalised, 1 ignored, 0 unknown event types (stored raw), "
        "0 rejected, 0 already received"
    )
    assert facts(checkout, "deployments") == expected_deployments()
    assert facts(checkout, "changes") == expected_changes()
    assert {r.source for r in raw_events(checkout, "github-api")} == {"github-api"}


def test_exports_in_reverse_order_give_the_same_facts(tmp_path: Path) -> None:
    reverse = App(make_settings(tmp_path / "reverse"))
    catalog(reverse, tmp_path / "catalog", name="checkout-api", slug=REPO)
    for name in reversed(EXPORTS):
        assert ingest(reverse, "github-api", FIXTURES / name).exit_code == 0
    assert facts(reverse, "deployments") == expected_deployments()
    assert facts(reverse, "changes") == expected_changes()
    reverse.close()


def test_an_overlapping_export_stores_nothing_twice(checkout: App, tmp_path: Path) -> None:
    ingest(checkout, "github-api", FIXTURES / "deployments.json")
    newer = dict(items("deployments.json")[0], id=1003, created_at="2026-03-04T09:00:00Z")
    newer["url"] = f"https://api.github.com/repos/{REPO}/deployments/1003"
    page = write_json(tmp_path / "deployments-page.json", [newer, *items("deployments.json")])
    report = ingest(checkout, "github-api", page)
    assert "1 normalised" in str(report.results[0].message)
    assert "2 already received" in str(report.results[0].message)
    assert [r.delivery_id for r in raw_events(checkout, "github-api")] == [
        "api:deployment:1002",
        "api:deployment:1001",
        "api:deployment:1003",
    ]


def test_the_commits_of_a_pull_request_give_its_first_commit(checkout: App) -> None:
    ingest(checkout, "github-api", FIXTURES / "pulls-closed.json")
    report = ingest(checkout, "github-api", FIXTURES / "pull-41-with-commits.json")
    assert "1 normalised" in str(report.results[0].message)
    change = next(c for c in facts(checkout, "changes") if c["change_id"] == MERGE_41)
    assert change["committed_at"] == utc("2026-02-27T20:00:00Z")  # before the PR was opened
    assert change["merged_at"] == utc("2026-03-01T16:30:00Z")


def test_an_exported_status_merges_with_the_webhook_deployment(app: App, tmp_path: Path) -> None:
    catalog(app, tmp_path / "catalog", name="greeter", slug=HELLO)
    webhook = write_json(tmp_path / "deployment.json", payload("deployment"))
    assert ingest(app, "github", webhook).exit_code == 0
    assert ingest(app, "github-api", FIXTURES / "hello-world-statuses.json").exit_code == 0
    [row] = facts(app, "deployments")
    assert row == {
        "deployment_id": f"github:{HELLO}:145988746",
        "service": "greeter",
        "environment": "production",
        "status": "success",
        "created_at": utc("2019-05-15T15:20:53Z"),
        "finished_at": utc("2019-05-15T15:20:55Z"),
        "commit_sha": "f95f852bd8fca8fcc58a9a2d6c842781e32a215e",
        "change_type": None,
        "source": "github",
        "updated_at": utc("2019-05-15T15:20:55Z"),
        "extra": json.dumps({"ref": "master", "task": "deploy"}),
    }


def test_the_service_option_overrides_the_repository(app: App, tmp_path: Path) -> None:
    catalog(app, tmp_path / "catalog", name="payments", slug="octo-org/payments")
    report = ingest(app, "github-api", FIXTURES / "deployments.json", service="payments")
    assert report.exit_code == 0
    assert {r["service"] for r in facts(app, "deployments")} == {"payments"}


def test_unknown_items_are_counted_and_items_without_a_repository_rejected(
    checkout: App, tmp_path: Path
) -> None:
    commit = items("commits.json")[1]
    for key in ("url", "html_url", "comments_url"):
        del commit[key]
    release = {"url": f"https://api.github.com/repos/{REPO}/releases/1", "tag_name": "v1.4.0"}
    path = write_json(tmp_path / "mixed.json", [release, commit, items("commits.json")[0]])
    report = ingest(checkout, "github-api", path)
    assert report.exit_code == 1
    assert report.results[0].message == (
        "3 deliveries: 1 normalised, 0 ignored, 1 unknown event types (stored raw), "
        "1 rejected, 0 already received"
    )
    [reject] = rejects(checkout)
    assert (reject.row, reject.field) == (2, "url")
    assert "api:commit" not in reject.reason  # no repository: no synthesised id either
    assert "url does not name a repository" in reject.reason


def test_the_cli_ingests_an_export(checkout: App) -> None:
    from leadline.cli import app as cli

    args = ["--home", str(checkout.settings.home), "ingest", "github-api"]
    result = CliRunner().invoke(cli, [*args, str(FIXTURES / "deployments.json")])
    assert result.exit_code == 0, result.output
    assert len(facts(checkout, "deployments")) == 2


def test_a_rest_item_missing_a_field_names_it_at_the_top_level(
    checkout: App, tmp_path: Path
) -> None:
    deployment = items("deployments.json")[1]
    del deployment["created_at"]
    status = items("deployment-1001-statuses.json")[0] | {"state": "exploded"}
    path = write_json(tmp_path / "bad.json", [deployment, status])
    assert ingest(checkout, "github-api", path).exit_code == 1
    assert [(r.row, r.field, r.value) for r in rejects(checkout)] == [
        (1, "created_at", None),
        (2, "state", "exploded"),
    ]
    assert rejects(checkout)[1].reason == (
        "delivery api:status:5002 (api.deployment_status): state is not a GitHub deployment state"
    )
