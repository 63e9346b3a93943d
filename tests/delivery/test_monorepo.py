"""Monorepos (issue 17 item 5): changes to services by the paths they touch, from GitHub push
payloads, REST commits with ``files`` and pull requests without files, whatever the order."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from leadline.catalog.services import PathsError, ServiceResolver, Subject, parse_paths, path_spec
from leadline.context import App
from leadline.delivery.schemas import CHANGES
from tests.delivery.github_fixtures.support import (
    envelope,
    facts,
    ingest,
    rejects,
    utc,
    write_json,
    write_ndjson,
)
from tests.delivery.support_git import Repo, ingest_git, lake_rows, land_deployments

REPO = "octo/mono"
ANNOTATION = "github.com/project-slug"


def component(name: str, paths: str | None = None, slug: str = REPO) -> str:
    lines = f"    leadline.io/paths: '{paths}'\n" if paths else ""
    return (
        "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n"
        f"  name: {name}\n  annotations:\n    {ANNOTATION}: {slug}\n{lines}"
        "spec:\n  type: service\n  lifecycle: production\n  owner: team-a\n"
    )


TEAM = (
    "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: team-a\n"
    "spec:\n  type: team\n  children: []\n"
)


@pytest.fixture
def mono(app: App, tmp_path: Path) -> App:
    """Repository octo/mono: its own component ``mono`` (no paths), ``checkout`` and
    ``payments`` by paths."""
    documents = [
        TEAM,
        component("checkout", '["services/checkout/**"]'),
        component("mono"),
        component("payments", '["services/payments/**", "libs/pay/*.py"]'),
    ]
    path = tmp_path / "catalog" / "catalog.yaml"
    path.parent.mkdir(parents=True)
    path.write_text("---\n".join(documents), encoding="utf-8")
    assert ingest(app, "backstage", path).exit_code == 0
    return app


def commit(sha: str, at: str, *files: str) -> dict[str, Any]:
    return {
        "id": sha,
        "timestamp": at,
        "message": f"commit {sha}",
        "author": {"name": "a", "username": "a"},
        "added": [],
        "modified": list(files),
        "removed": [],
    }


def push(pushed_at: str, *commits: dict[str, Any]) -> dict[str, Any]:
    return {
        "ref": "refs/heads/main",
        "before": "0" * 40,
        "after": commits[-1]["id"],
        "commits": list(commits),
        "pusher": {"name": "a"},
        "repository": {
            "full_name": REPO,
            "name": "mono",
            "default_branch": "main",
            "pushed_at": pushed_at,
        },
    }


def merged_pull(number: int, sha: str, created: str, merged: str) -> dict[str, Any]:
    return {
        "action": "closed",
        "number": number,
        "pull_request": {
            "number": number,
            "title": f"PR {number}",
            "merged": True,
            "merged_at": merged,
            "merge_commit_sha": sha,
            "created_at": created,
            "updated_at": merged,
            "base": {"ref": "main"},
            "head": {"ref": f"feature-{number}"},
            "labels": [],
        },
        "repository": {"full_name": REPO, "name": "mono", "default_branch": "main"},
    }


def send(app: App, path: Path, *deliveries: Any) -> None:
    report = ingest(app, "github", write_ndjson(path, list(deliveries)))
    assert report.exit_code == 0, report


def placed(app: App) -> list[tuple[str, str]]:
    return sorted((row["service"], row["change_id"]) for row in facts(app, "changes"))


def test_a_push_maps_each_commit_by_its_files(mono: App, tmp_path: Path) -> None:
    body = push(
        "2026-03-01T12:00:00Z",
        commit("c1", "2026-03-01T10:00:00Z", "services/checkout/api.py"),
        commit("c2", "2026-03-01T10:01:00Z", "services/checkout/a", "services/payments/b"),
        commit("c3", "2026-03-01T10:02:00Z", "README.md"),
        commit("c4", "2026-03-01T10:03:00Z", "libs/pay/deep/z.py"),  # '*' stops at '/'
        commit("c5", "2026-03-01T10:04:00Z", "libs/pay/fee.py"),
    )
    report = ingest(mono, "github", write_ndjson(tmp_path / "push.ndjson", [body]))
    assert report.exit_code == 0, report
    assert placed(mono) == [
        ("checkout", "c1"),
        ("checkout", "c2"),  # two services: one row each
        ("mono", "c3"),  # no mapped path: the repository's own component
        ("mono", "c4"),
        ("payments", "c2"),
        ("payments", "c5"),
    ]


def test_a_pull_request_without_files_follows_its_commit_in_any_order(
    mono: App, tmp_path: Path
) -> None:
    pushed = push(
        "2026-03-02T12:00:00Z", commit("m1", "2026-03-02T11:00:00Z", "services/payments/x")
    )
    pull = merged_pull(7, "m1", "2026-03-01T09:00:00Z", "2026-03-02T11:30:00Z")
    # The pull request first: its files are unknown, so it lands on the repository's component.
    ingest(
        mono, "github", write_ndjson(tmp_path / "a.ndjson", [envelope("pull_request", "p", pull)])
    )
    assert placed(mono) == [("mono", "m1")]
    # Then the push names the files: the change moves to payments, keeping the PR's start.
    send(mono, tmp_path / "b.ndjson", envelope("push", "q", pushed))
    [row] = facts(mono, "changes")
    assert (row["service"], row["committed_at"]) == ("payments", utc("2026-03-01T09:00:00Z"))
    assert row["merged_at"] == utc("2026-03-02T11:30:00Z")  # the earliest of push and merge
    # A second pull request of an already placed commit joins it there.
    pull2 = merged_pull(8, "m2", "2026-03-03T09:00:00Z", "2026-03-03T10:00:00Z")
    both = push("2026-03-03T10:00:00Z", commit("m2", "2026-03-03T09:30:00Z", "services/checkout/y"))
    ingest(mono, "github", write_ndjson(tmp_path / "c.ndjson", [envelope("push", "r", both)]))
    ingest(
        mono, "github", write_ndjson(tmp_path / "d.ndjson", [envelope("pull_request", "s", pull2)])
    )
    assert placed(mono) == [("checkout", "m2"), ("payments", "m1")]
    assert next(r for r in facts(mono, "changes") if r["change_id"] == "m2")["committed_at"] == (
        utc("2026-03-03T09:00:00Z")
    )


def test_rest_commits_map_by_their_files_and_lists_without_files_fall_back(
    mono: App, tmp_path: Path
) -> None:
    def rest(sha: str, files: list[str] | None) -> dict[str, Any]:
        item: dict[str, Any] = {
            "sha": sha,
            "url": f"https://api.github.com/repos/{REPO}/commits/{sha}",
            "commit": {"author": {"date": "2026-03-01T10:00:00Z"}, "message": "m"},
            "parents": [],
        }
        if files is not None:
            item["files"] = [{"filename": f, "status": "modified"} for f in files]
        return item

    renamed = rest("r2", [])
    renamed["files"] = [{"filename": "docs/a.md", "previous_filename": "services/checkout/a.md"}]
    items = [rest("r1", ["services/payments/p.py"]), renamed, rest("r3", None)]
    assert ingest(mono, "github-api", write_json(tmp_path / "c.json", items)).exit_code == 0
    assert placed(mono) == [("checkout", "r2"), ("mono", "r3"), ("payments", "r1")]


def test_the_service_option_still_wins(mono: App, tmp_path: Path) -> None:
    body = push("2026-03-01T12:00:00Z", commit("o1", "2026-03-01T10:00:00Z", "services/checkout/a"))
    ingest(mono, "github", write_ndjson(tmp_path / "o.ndjson", [body]), service="payments")
    assert placed(mono) == [("payments", "o1")]


def test_a_bad_paths_annotation_rejects_the_component_naming_the_field(
    app: App, tmp_path: Path
) -> None:
    path = tmp_path / "catalog.yaml"
    path.write_text(TEAM + "---\n" + component("bad", "[services/a/**"), encoding="utf-8")
    report = ingest(app, "backstage", path)
    assert report.exit_code == 1
    [reject] = rejects(app)
    assert reject.field == "metadata.annotations.leadline.io/paths"
    assert "is not a YAML or JSON list" in reject.reason


def test_native_catalog_repository_and_paths(app: App, tmp_path: Path) -> None:
    path = tmp_path / "native.yaml"
    path.write_text(
        textwrap.dedent(
            f"""\
            apiVersion: leadline.io/v1
            kind: Catalog
            teams:
              - name: team-a
            services:
              - name: search
                owner: team-a
                repository: {REPO}
                paths: ["services/search/"]
            """
        ),
        encoding="utf-8",
    )
    assert ingest(app, "catalog-yaml", path).exit_code == 0, rejects(app)
    body = push(
        "2026-03-01T12:00:00Z",
        commit("n1", "2026-03-01T10:00:00Z", "services/search/index.py"),
        commit("n2", "2026-03-01T10:00:00Z", "services/searcher/index.py"),
    )
    ingest(app, "github", write_ndjson(tmp_path / "n.ndjson", [body]))
    assert placed(app) == [("mono", "n2"), ("search", "n1")]  # n2: no component: its name


def test_native_paths_without_a_repository_are_rejected(app: App, tmp_path: Path) -> None:
    path = tmp_path / "native.yaml"
    path.write_text(
        "apiVersion: leadline.io/v1\nkind: Catalog\nservices:\n"
        "  - name: search\n    paths: ['services/search/**']\n",
        encoding="utf-8",
    )
    assert ingest(app, "catalog-yaml", path).exit_code == 1
    [reject] = rejects(app)
    assert "paths need the repository" in reject.reason


# --- the rule itself ----------------------------------------------------------------------------


def test_parse_paths_reads_json_yaml_lists_and_one_pattern() -> None:
    assert parse_paths('["a/**", "b/*.py"]') == ("a/**", "b/*.py")
    assert parse_paths("- a/**\n- '*.md'\n") == ("a/**", "*.md")
    assert parse_paths("*.md") == ("*.md",)
    assert parse_paths(["x/"]) == ("x/",)
    for bad in ("[]", "[1]", '["a", " "]', "[a"):
        with pytest.raises(PathsError):
            parse_paths(bad)


def test_gitignore_semantics() -> None:
    spec = path_spec(["services/checkout/**", "!services/checkout/docs/**", "*.proto"])
    assert [
        spec.match_file(p)
        for p in (
            "services/checkout/a.py",
            "services/checkout/x/y/z.py",
            "services/checkout/docs/readme.md",  # excluded again
            "services/checkoutx/a.py",
            "other/services/checkout/a.py",  # a pattern with a slash is anchored
            "deep/down/api.proto",  # a pattern without one matches at any depth
        )
    ] == [True, True, False, False, False, True]


def resolver() -> ServiceResolver:
    return ServiceResolver(
        {"mono", "a", "b"},
        {(ANNOTATION, REPO): "mono"},
        path_maps={REPO: [("a", path_spec(["a/**"])), ("b", path_spec(["b/**"]))]},
    )


@given(st.lists(st.sampled_from(["a/1", "a/2/3", "b/x", "c/y", "README"]), max_size=6))
def test_resolve_all_is_every_matching_service_else_the_repository_rule(files: list[str]) -> None:
    found = resolver().resolve_all(Subject(ANNOTATION, REPO, "mono", tuple(files)))
    expected = [s for s in ("a", "b") if any(f.startswith(s + "/") for f in files)] or ["mono"]
    assert found == expected


# --- the git source -----------------------------------------------------------------------------


def test_git_maps_commits_by_their_diffs_to_each_services_deployments(
    app: App, tmp_path: Path
) -> None:
    catalog = tmp_path / "native.yaml"
    catalog.write_text(
        "apiVersion: leadline.io/v1\nkind: Catalog\nservices:\n  - name: mono\n"
        f"  - name: checkout\n    repository: {REPO}\n    paths: ['services/checkout/**']\n",
        encoding="utf-8",
    )
    assert ingest(app, "catalog-yaml", catalog).exit_code == 0
    repo = Repo(tmp_path / "repo")

    def change(path: str, at: str) -> str:
        target = repo.path / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(at, encoding="utf-8")
        repo.git("add", "-A")
        return repo.commit(path, at)

    a = change("services/checkout/x.py", "2026-03-02T09:00:00Z")
    b = change("README.md", "2026-03-02T10:00:00Z")
    (repo.path / "README.md").write_text("again", encoding="utf-8")
    c = change("services/checkout/y.py", "2026-03-02T11:00:00Z")  # README too: checkout only
    land_deployments(
        app.settings,
        app.store,
        tmp_path,
        [
            {"deployment_id": "co-1", "service": "checkout", "finished_at": "2026-03-02T09:30:00Z"}
            | {"commit_sha": a},
            {"deployment_id": "mono-1", "service": "mono", "finished_at": "2026-03-02T10:30:00Z"}
            | {"commit_sha": b},
        ],
    )
    report = ingest_git(app.settings, app.store, repo.path, service="mono", repository=REPO)
    assert report.exit_code == 0, report
    assert "2 commits mapped by their paths, 1 to mono" in str(report.results[0].message)
    rows = lake_rows(app.settings, app.store, CHANGES)
    assert sorted((r["service"], r["change_id"], r["deployment_id"]) for r in rows) == sorted(
        [("checkout", a, "co-1"), ("mono", b, "mono-1"), ("checkout", c, None)]
    )


def test_the_native_export_keeps_repository_and_paths(mono: App) -> None:
    from leadline.catalog.export import to_native

    with mono.store.session() as session:
        services = {s["name"]: s for s in to_native(session)["services"]}
    assert services["payments"]["repository"] == REPO
    assert services["payments"]["paths"] == ["services/payments/**", "libs/pay/*.py"]
    assert "paths" not in services["mono"]


def test_a_rest_pull_request_with_its_files_attached_maps_by_them(
    mono: App, tmp_path: Path
) -> None:
    pull = {
        "number": 9,
        "url": f"https://api.github.com/repos/{REPO}/pulls/9",
        "title": "Cart",
        "merged_at": "2026-03-05T10:00:00Z",
        "merge_commit_sha": "p9",
        "created_at": "2026-03-05T09:00:00Z",
        "updated_at": "2026-03-05T10:00:00Z",
        "base": {"ref": "main", "repo": {"full_name": REPO, "default_branch": "main"}},
        "head": {"ref": "cart"},
        "files": [{"filename": "services/checkout/cart.py", "additions": 3, "deletions": 1}],
    }
    report = ingest(mono, "github-api", write_json(tmp_path / "pulls.json", [pull]))
    assert report.exit_code == 0, report
    assert placed(mono) == [("checkout", "p9")]


class FakeLake:
    """The two lake calls ``assign_changes`` makes, over a set of (service, change_id) rows;
    each call of ``land`` is one batch (so every stored row is an earlier batch's)."""

    def __init__(self) -> None:
        self.rows: dict[tuple[str, str], dict[str, Any]] = {}

    def read_table(self, table: Any, columns: Any = None) -> Any:
        import pyarrow as pa

        return pa.Table.from_pylist(list(self.rows.values()), schema=CHANGES.schema)

    def delete_matching(self, table: Any, columns: Any, keys: Any) -> int:
        for key in keys.to_pylist():
            self.rows.pop((key["service"], key["change_id"]), None)
        return len(keys)

    def land(self, rows: list[dict[str, Any]], resolver: ServiceResolver) -> None:
        from leadline.delivery.monorepo import assign_changes

        for row in assign_changes(rows, resolver, self):  # type: ignore[arg-type]
            self.rows[(row["service"], row["change_id"])] = row


def delivery(change_id: str, paths: tuple[str, ...] | None) -> dict[str, Any]:
    from leadline.delivery.events import SUBJECT

    at = utc("2026-03-01T10:00:00Z")
    return {
        "change_id": change_id,
        "commit_sha": change_id,
        "committed_at": at,
        "merged_at": at,
        "deployment_id": None,
        "source": "github",
        "updated_at": at,
        "extra": None,
        SUBJECT: Subject(ANNOTATION, REPO, "mono", paths),
    }


FILES = st.lists(st.sampled_from(["a/1", "b/2", "README"]), min_size=1, max_size=3)


@given(st.lists(FILES, min_size=1, max_size=3), st.randoms(use_true_random=False))
def test_placement_does_not_depend_on_arrival_order(files: list[list[str]], rnd: Any) -> None:
    """Each change arrives twice, with its files (a push) and without (a pull request), in any
    order, one batch each: it ends on the services its files name, and nowhere else."""
    deliveries = [(f"c{i}", tuple(f)) for i, f in enumerate(files)]
    deliveries += [(f"c{i}", None) for i in range(len(files))]
    rnd.shuffle(deliveries)
    lake = FakeLake()
    for change_id, paths in deliveries:
        lake.land([delivery(change_id, paths)], resolver())
    expected = {
        (service, f"c{i}")
        for i, f in enumerate(files)
        for service in resolver().resolve_all(Subject(ANNOTATION, REPO, "mono", tuple(f)))
    }
    assert set(lake.rows) == expected


def test_a_revert_in_a_monorepo_fails_the_reverted_changes_service(
    mono: App, tmp_path: Path
) -> None:
    sha = "abcdef1234567"  # the reverted commit, named by its revert's body (git revert)
    pushed = push(
        "2026-03-06T10:00:00Z", commit(sha, "2026-03-06T09:00:00Z", "services/checkout/a")
    )
    revert = merged_pull(11, "k2", "2026-03-06T11:00:00Z", "2026-03-06T12:00:00Z")
    revert["pull_request"] |= {
        "title": 'Revert "checkout"',
        "head": {"ref": "revert-10-checkout"},
        "body": f"This reverts commit {sha}.",
    }
    send(mono, tmp_path / "a.ndjson", envelope("push", "k", pushed))
    land_deployments(
        mono.settings,
        mono.store,
        tmp_path,
        [
            {"deployment_id": "co-9", "service": "checkout", "finished_at": "2026-03-06T10:30:00Z"}
            | {"commit_sha": sha}
        ],
    )
    send(mono, tmp_path / "b.ndjson", envelope("pull_request", "r", revert))
    [incident] = facts(mono, "incidents")
    assert (incident["service"], incident["deployment_id"]) == ("checkout", "co-9")
    assert incident["resolved_at"] is None  # the revert is not deployed yet
