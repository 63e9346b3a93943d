"""Merged revert pull/merge requests as failure signals (issue 17 item 5): detection, the revert
incident, and change failure rate counting the deployment that shipped the reverted change."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import ibis
import pytest
from hypothesis import given
from hypothesis import strategies as st

from leadline.config import RevertSettings
from leadline.context import App
from leadline.delivery.gitlab import GitLabParser
from leadline.delivery.metrics import (
    deployment_failures,
    production_deployments,
    shipped_deployments,
)
from leadline.delivery.reverts import detect, engine_table
from tests.conftest import make_settings
from tests.delivery.github_fixtures.support import (
    catalog,
    envelope,
    facts,
    ingest,
    utc,
    write_ndjson,
)
from tests.delivery.support_events import normalise
from tests.delivery.support_git import land_deployments

REPO = "octo/shop"
ON = RevertSettings()


def merged(
    number: int, sha: str, merged_at: str, title: str, repo: str = REPO, **more: Any
) -> dict[str, Any]:
    pull = {
        "number": number,
        "title": title,
        "merged": True,
        "merged_at": merged_at,
        "merge_commit_sha": sha,
        "created_at": merged_at,
        "updated_at": merged_at,
        "base": {"ref": "main"},
        "head": {"ref": more.pop("branch", f"feature-{number}")},
        "body": more.pop("body", None),
        "labels": [],
    }
    body = {
        "action": "closed",
        "number": number,
        "pull_request": pull,
        "repository": {"full_name": repo, "name": repo.split("/")[1], "default_branch": "main"},
    }
    return envelope("pull_request", f"pr-{repo}-{number}", body)


def revert_of(number: int, of: int, sha: str, merged_at: str) -> dict[str, Any]:
    """As GitHub's Revert button writes it."""
    return merged(
        number,
        sha,
        merged_at,
        f'Revert "PR {of}"',
        branch=f"revert-{of}-feature-{of}",
        body=f"Reverts {REPO}#{of}",
    )


def deploy(app: App, tmp_path: Path, *rows: tuple[str, str, str]) -> None:
    land_deployments(
        app.settings,
        app.store,
        tmp_path,
        [
            {"deployment_id": d, "service": "shop", "finished_at": t, "commit_sha": c}
            for d, c, t in rows
        ],
    )


def send(app: App, path: Path, *deliveries: dict[str, Any]) -> None:
    report = ingest(app, "github", write_ndjson(path, list(deliveries)))
    assert report.exit_code == 0, report


def failed(app: App) -> dict[str, bool]:
    """``deployment_failures`` over the lake, the input change failure rate counts."""
    con = ibis.duckdb.connect()
    deployments = engine_table(_arrow(facts(app, "deployments")))
    incidents = engine_table(_arrow(facts(app, "incidents")))
    shipped = shipped_deployments(deployments, ["production"])
    marked = deployment_failures(shipped, production_deployments(shipped), incidents, 24.0)
    rows = con.to_pyarrow(marked).to_pylist()
    return {r["deployment_id"]: r["failed"] for r in rows}


def _arrow(rows: list[dict[str, Any]]) -> Any:
    import pyarrow as pa

    from leadline.delivery.schemas import DEPLOYMENTS, INCIDENTS

    schema = DEPLOYMENTS.schema if rows and "environment" in rows[0] else INCIDENTS.schema
    return pa.Table.from_pylist(rows, schema=schema)


@pytest.fixture
def shop(app: App, tmp_path: Path) -> App:
    catalog(app, tmp_path / "catalog", name="shop", slug=REPO)
    return app


def test_a_revert_fails_the_deployment_that_shipped_the_reverted_change(
    shop: App, tmp_path: Path
) -> None:
    # The revert arrives first: nothing to link yet (it links by time meanwhile).
    send(shop, tmp_path / "r.ndjson", revert_of(3, 1, "r3", "2026-03-02T09:00:00Z"))
    [incident] = facts(shop, "incidents")
    assert (incident["incident_id"], incident["source"]) == (f"revert:github:{REPO}:3", "revert")
    assert (incident["deployment_id"], incident["resolved_at"]) == (None, None)
    # Then the history: PR 1 shipped in d1, PR 2 in d2, the revert in d3.
    send(
        shop,
        tmp_path / "p.ndjson",
        merged(1, "a1", "2026-03-01T10:00:00Z", "PR 1"),
        merged(2, "b2", "2026-03-01T13:00:00Z", "PR 2"),
    )
    deploy(
        shop,
        tmp_path,
        ("d1", "a1", "2026-03-01T12:00:00Z"),
        ("d2", "b2", "2026-03-01T14:00:00Z"),
        ("d3", "r3", "2026-03-02T10:00:00Z"),
    )
    [incident] = facts(shop, "incidents")
    assert incident["service"] == "shop"
    assert incident["deployment_id"] == "d1"  # not d2, the latest before the revert merged
    assert incident["started_at"] == utc("2026-03-02T09:00:00Z")  # the revert merged
    assert incident["resolved_at"] == utc("2026-03-02T10:00:00Z")  # the revert deployed
    # Change failure rate: d1 failed, d2 and d3 did not: 1 of 3.
    assert failed(shop) == {"d1": True, "d2": False, "d3": False}


def test_a_change_reverted_before_it_shipped_is_no_failure(shop: App, tmp_path: Path) -> None:
    send(
        shop,
        tmp_path / "p.ndjson",
        merged(4, "c4", "2026-03-03T09:00:00Z", "PR 4"),
        revert_of(5, 4, "r5", "2026-03-03T10:00:00Z"),
    )
    assert len(facts(shop, "incidents")) == 1  # open: not known yet whether c4 shipped alone
    deploy(
        shop, tmp_path, ("d0", "z0", "2026-03-03T08:00:00Z"), ("d5", "r5", "2026-03-03T11:00:00Z")
    )
    assert facts(shop, "incidents") == []  # d5 shipped c4 and its revert together
    assert failed(shop) == {"d0": False, "d5": False}


def test_detection_can_be_turned_off(tmp_path: Path) -> None:
    app = App(make_settings(tmp_path / "home", delivery={"reverts": {"enabled": False}}))
    try:
        catalog(app, tmp_path / "catalog", name="shop", slug=REPO)
        send(app, tmp_path / "r.ndjson", revert_of(3, 1, "r3", "2026-03-02T09:00:00Z"))
        assert facts(app, "incidents") == []
        assert len(facts(app, "changes")) == 1  # the revert is still a change
    finally:
        app.close()


def test_detect_reads_github_gitlab_and_git_revert_shapes() -> None:
    assert detect('Revert "Add cart"', "revert-12-add-cart", "Reverts octo/shop#12", ON) == {
        "number": "12",
        "repo": "octo/shop",
    }
    assert detect('Revert "Add cart"', "revert-12-add-cart", "", ON) == {"number": "12"}
    body = "This reverts commit 0123456789abcdef0123456789abcdef01234567."
    assert detect('Revert "x"', "fix", body, ON) == {
        "sha": "0123456789abcdef0123456789abcdef01234567"
    }
    assert detect('Revert "x"', "revert-3f2a1b0c", "This reverts merge request !7", ON) == {
        "number": "7"
    }
    assert detect('Revert "x"', "main-fix", "no reference", ON) == {}  # a revert, target unknown
    assert detect("Add revert button", "feature", "Reverts octo/shop#1", ON) is None
    custom = RevertSettings(title_patterns=[r"^\[revert\]"], branch_patterns=[])
    assert detect("[revert] cart", "x", "Reverts #9", custom) == {"number": "9"}


@given(st.text(max_size=30), st.text(max_size=30), st.text(max_size=60))
def test_only_a_marked_title_or_branch_is_a_revert(title: str, branch: str, body: str) -> None:
    found = detect(title, branch, body, ON)
    marked = title.startswith('Revert "') or branch.startswith("revert-")
    assert (found is not None) == marked


def test_a_gitlab_revert_merge_request_is_an_incident() -> None:
    payload = {
        "object_kind": "merge_request",
        "project": {"path_with_namespace": "acme/shop", "name": "shop", "default_branch": "main"},
        "object_attributes": {
            "action": "merge",
            "iid": 8,
            "title": 'Revert "Retry charges"',
            "description": "This reverts merge request !7",
            "source_branch": "revert-3f2a1b0c",
            "target_branch": "main",
            "merge_commit_sha": "m8",
            "created_at": "2026-03-04T09:00:00Z",
            "updated_at": "2026-03-04T10:00:00Z",
            "merged_at": "2026-03-04T10:00:00Z",
        },
    }
    result = normalise(GitLabParser(), "merge_request", payload)
    assert result is not None
    [incident] = result.incidents
    assert incident["incident_id"] == "revert:gitlab:acme/shop:8"
    assert incident["started_at"] == utc("2026-03-04T10:00:00Z")
    assert '"reverts": {"number": "7"}' in incident["extra"]


def test_a_revert_naming_another_repository_fails_that_repositorys_deployment(
    app: App, tmp_path: Path
) -> None:
    from tests.delivery.test_monorepo import TEAM, component

    path = tmp_path / "catalog.yaml"
    path.write_text(
        "---\n".join([TEAM, component("shop", slug=REPO), component("lib", slug="octo/lib")])
    )
    assert ingest(app, "backstage", path).exit_code == 0
    send(
        app,
        tmp_path / "p.ndjson",
        merged(1, "l1", "2026-03-01T10:00:00Z", "Lib 1", repo="octo/lib"),
        merged(1, "s1", "2026-03-01T10:00:00Z", "Shop 1"),  # the same number in this repository
    )
    land_deployments(
        app.settings,
        app.store,
        tmp_path,
        [
            {"deployment_id": "dl", "service": "lib", "finished_at": "2026-03-01T11:00:00Z"}
            | {"commit_sha": "l1"},
            {"deployment_id": "ds", "service": "shop", "finished_at": "2026-03-01T11:00:00Z"}
            | {"commit_sha": "s1"},
        ],
    )
    revert = merged(2, "r2", "2026-03-01T12:00:00Z", 'Revert "Lib 1"', body="Reverts octo/lib#1")
    send(app, tmp_path / "r.ndjson", revert)
    [incident] = facts(app, "incidents")
    assert (incident["service"], incident["deployment_id"]) == ("lib", "dl")
