"""``leadline ingest git``: commits of a real repository attributed to the first successful
production deployment containing them, checked against attributions worked out by hand."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from leadline.context import App
from leadline.delivery.schemas import CHANGES
from leadline.ingest.models import Batch
from leadline.store import Store
from tests.delivery.support_git import (
    Repo,
    add_service,
    at,
    attribution,
    changes,
    deployments,
    ingest_git,
    lake_rows,
    land_deployments,
)

UNKNOWN_SHA = "0123456789abcdef0123456789abcdef01234567"


@pytest.fixture
def store(app: App) -> Store:
    add_service(app.store, "svc")
    return app.store


class History:
    """main: A-B-C-D-M-E-G, M merging feature (C-F1-F2); hotfix (C-H) is never merged.

    Tags: v1.0 (annotated, on C), v-nested (annotated tag of v1.0), v1.1 (lightweight, on D),
    vtree (names a tree), release-2 (on G, not matching ``v*``).
    """

    def __init__(self, path: Path) -> None:
        repo = self.repo = Repo(path)
        self.A = repo.commit("init", "2026-03-02T09:00:00+01:00")
        self.B = repo.commit(
            "",
            "2026-03-02T12:00:00+02:00",
            author=('Zoë O\'Brien "zed"', "zoe.o+dev@example.org"),
        )
        self.C = repo.commit("add checkout", "2026-03-03T10:00:00-05:00")
        repo.git("branch", "feature")
        repo.git("branch", "hotfix")
        repo.git("checkout", "-q", "hotfix")
        self.H = repo.commit("hotfix: on a branch never merged", "2026-03-04T12:00:00Z")
        repo.git("checkout", "-q", "feature")
        self.F1 = repo.commit(
            "feat: one\twith tab ünï \x1f unit separator",
            "2026-03-04T10:00:00Z",
            authored="2026-03-01T08:00:00Z",
        )
        self.F2 = repo.commit("feat: two", "2026-03-04T11:00:00Z")
        repo.git("checkout", "-q", "main")
        self.D = repo.commit("docs", "2026-03-05T09:00:00Z")
        self.M = repo.merge("feature", "Merge branch 'feature'", "2026-03-06T10:00:00+03:00")
        self.E = repo.commit("E", "2026-03-07T12:00:00Z")
        self.G = repo.commit("G: not deployed yet", "2026-03-08T09:00:00Z")
        repo.tag("v1.0", self.C, annotated_at="2026-03-03T16:00:00Z")
        repo.tag("v-nested", "v1.0", annotated_at="2026-03-03T15:30:00Z")
        repo.tag("v1.1", self.D)
        repo.tag("vtree", f"{self.G}^{{tree}}")
        repo.tag("release-2", self.G)

    @property
    def on_main(self) -> set[str]:
        return {self.A, self.B, self.C, self.D, self.F1, self.F2, self.M, self.E, self.G}

    def deployments(self) -> list[dict[str, str]]:
        return [
            {"deployment_id": "d1", "finished_at": "2026-03-02T11:00:00Z", "commit_sha": self.B},
            {"deployment_id": "d2", "finished_at": "2026-03-04T13:00:00Z", "commit_sha": self.H},
            {"deployment_id": "d3", "finished_at": "2026-03-04T14:00:00Z", "commit_sha": self.B},
            {"deployment_id": "d4", "finished_at": "2026-03-06T08:00:00Z", "commit_sha": self.M},
            {"deployment_id": "d5", "finished_at": "2026-03-06T09:00:00Z", "commit_sha": self.M},
            {
                "deployment_id": "d6",
                "finished_at": "2026-03-07T13:00:00Z",
                "commit_sha": self.E,
                "status": "failure",
            },
            {
                "deployment_id": "d7",
                "finished_at": "2026-03-07T13:00:00Z",
                "commit_sha": self.E,
                "environment": "staging",
            },
            {
                "deployment_id": "d9",
                "finished_at": "2026-03-07T14:00:00Z",
                "commit_sha": UNKNOWN_SHA,
            },
            {
                "deployment_id": "d10",
                "finished_at": "2026-03-07T15:00:00Z",
                "commit_sha": self.E[:10].upper(),
                "environment": "PROD",
            },
            {
                "deployment_id": "d8",
                "service": "other",
                "finished_at": "2026-03-07T13:00:00Z",
                "commit_sha": self.E,
            },
        ]


def with_service(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    return [{"service": "svc", **row} for row in rows]


@pytest.fixture
def history(tmp_path: Path, app: App, store: Store) -> History:
    built = History(tmp_path / "repo")
    land_deployments(app.settings, store, tmp_path, with_service(built.deployments()))
    return built


def test_commits_go_to_the_first_production_deployment_containing_them(
    app: App, store: Store, history: History
) -> None:
    h = history
    report = ingest_git(app.settings, store, h.repo.path)
    (result,) = report.results
    assert result.status == "landed", result.problems
    assert result.rows_read == 9
    # A rollback (d3) and a redeploy (d5) ship nothing new; d2 deployed the unmerged hotfix
    # branch, which holds C; the merge M brought F1 and F2, whatever their own dates.
    assert attribution(app.settings, store) == {
        h.A: "d1",
        h.B: "d1",
        h.C: "d2",
        h.D: "d4",
        h.F1: "d4",
        h.F2: "d4",
        h.M: "d4",
        h.E: "d10",
        h.G: None,
    }
    (warning,) = result.problems
    assert warning.severity == "warning"
    assert warning.item == "deployment:d9"
    assert f"deployment d9: commit {UNKNOWN_SHA} is not in this repository" in warning.reason
    assert report.exit_code == 0  # a warning: the batch landed
    assert result.message == (
        f"9 commits on main at {h.G[:12]}: 8 attributed to a deployment, 1 in none yet; "
        "6 deployments used (0 from tags)"
    )


def test_change_rows_dates_and_extra(app: App, store: Store, history: History) -> None:
    h = history
    ingest_git(app.settings, store, h.repo.path)
    rows = changes(app.settings, store)
    assert set(rows) == h.on_main  # H, only on the hotfix branch, is not a change
    f1 = rows[h.F1]
    assert f1["service"] == "svc" and f1["commit_sha"] == h.F1 and f1["source"] == "git"
    assert f1["committed_at"] == at("2026-03-01T08:00:00Z")  # author date
    assert f1["updated_at"] == at("2026-03-04T10:00:00Z")  # its committer date
    assert f1["merged_at"] == at("2026-03-06T07:00:00Z")  # when the merge reached main
    assert f1["extra"] == {
        "subject": "feat: one\twith tab ünï \x1f unit separator",
        "author": "ada",
        "parents": 1,
    }
    b = rows[h.B]
    assert b["committed_at"] == b["merged_at"] == at("2026-03-02T10:00:00Z")
    assert b["extra"] == {"subject": "", "author": "zoe.o+dev", "parents": 1}
    assert rows[h.A]["extra"]["parents"] == 0
    assert rows[h.M]["extra"] == {
        "subject": "Merge branch 'feature'",
        "author": "ada",
        "parents": 2,
    }
    assert rows[h.M]["merged_at"] == at("2026-03-06T07:00:00Z")
    assert rows[h.C]["committed_at"] == at("2026-03-03T15:00:00Z")


def test_matching_tags_are_deployments(app: App, store: Store, history: History) -> None:
    h = history
    report = ingest_git(app.settings, store, h.repo.path, deploy_tags="v*")
    (result,) = report.results
    assert result.status == "landed"
    assert result.rows_read == 9 + 3
    assert attribution(app.settings, store) == {
        h.A: "d1",
        h.B: "d1",
        h.C: "git:svc:tag:v-nested",  # tagged 15:30, before v1.0 (16:00) and d2
        h.D: "git:svc:tag:v1.1",
        h.F1: "d4",
        h.F2: "d4",
        h.M: "d4",
        h.E: "d10",
        h.G: None,  # release-2 does not match v*
    }
    tags = {k: v for k, v in deployments(app.settings, store).items() if k.startswith("git:")}
    assert set(tags) == {"git:svc:tag:v1.0", "git:svc:tag:v-nested", "git:svc:tag:v1.1"}
    v10 = tags["git:svc:tag:v1.0"]
    assert v10 == {
        "deployment_id": "git:svc:tag:v1.0",
        "service": "svc",
        "environment": "production",
        "status": "success",
        "created_at": at("2026-03-03T16:00:00Z"),  # tagger date
        "finished_at": at("2026-03-03T16:00:00Z"),
        "commit_sha": h.C,
        "change_type": None,
        "source": "git",
        "updated_at": at("2026-03-03T16:00:00Z"),
        "extra": '{"tag": "v1.0"}',
    }
    assert tags["git:svc:tag:v-nested"]["commit_sha"] == h.C
    # A lightweight tag is deployed when its commit was committed.
    assert tags["git:svc:tag:v1.1"]["finished_at"] == at("2026-03-05T09:00:00Z")
    reasons = {p.item: p.reason for p in result.problems}
    assert (
        reasons["tag:vtree"] == "tag 'vtree' matches --deploy-tags but names a tree, not a commit"
    )
    assert set(reasons) == {"tag:vtree", "deployment:d9"}


def test_attribution_matches_git_rev_list_not_earlier_deployments(
    app: App, store: Store, history: History
) -> None:
    """The single graph walk agrees with ``git rev-list D_i --not D_1..D_{i-1}``."""
    h = history
    ingest_git(app.settings, store, h.repo.path, deploy_tags="v*")
    ordered = [("d1", h.B), ("git:svc:tag:v-nested", h.C), ("git:svc:tag:v1.0", h.C)]
    ordered += [("d2", h.H), ("d3", h.B), ("git:svc:tag:v1.1", h.D), ("d4", h.M)]
    ordered += [("d5", h.M), ("d10", h.E)]
    expected: dict[str, str] = {}
    for index, (deployment, sha) in enumerate(ordered):
        earlier = [f"^{s}" for _, s in ordered[:index]]
        for commit in h.repo.git("rev-list", sha, *earlier).split():
            expected[commit] = deployment
    got = attribution(app.settings, store)
    assert {k: v for k, v in got.items() if v} == {k: v for k, v in expected.items() if k in got}


def test_rerunning_an_unchanged_repository_is_unchanged(
    app: App, store: Store, history: History
) -> None:
    first = ingest_git(app.settings, store, history.repo.path).results[0]
    again = ingest_git(app.settings, store, history.repo.path).results[0]
    assert (first.status, again.status) == ("landed", "unchanged")
    assert again.batch_id == first.batch_id
    history.repo.commit("new work", "2026-03-09T09:00:00Z")
    third = ingest_git(app.settings, store, history.repo.path).results[0]
    assert third.status == "landed" and third.rows_read == 10
    assert len(changes(app.settings, store)) == 10
    history.repo.tag("v9", history.G)  # a new tag is a new state even without --deploy-tags
    assert ingest_git(app.settings, store, history.repo.path).results[0].status == "landed"


def test_new_deployments_need_force_and_reattribute(app: App, store: Store, tmp_path: Path) -> None:
    repo = Repo(tmp_path / "repo")
    a = repo.commit("a", "2026-03-02T09:00:00Z")
    b = repo.commit("b", "2026-03-02T10:00:00Z")
    c = repo.commit("c", "2026-03-02T11:00:00Z")
    assert ingest_git(app.settings, store, repo.path).results[0].status == "landed"
    assert set(attribution(app.settings, store).values()) == {None}
    rows = [{"deployment_id": "dep-b", "finished_at": "2026-03-03T09:00:00Z", "commit_sha": c}]
    land_deployments(app.settings, store, tmp_path, with_service(rows))
    assert ingest_git(app.settings, store, repo.path).results[0].status == "unchanged"
    assert ingest_git(app.settings, store, repo.path, force=True).results[0].status == "landed"
    assert attribution(app.settings, store) == {a: "dep-b", b: "dep-b", c: "dep-b"}
    # A deployment that finished earlier arrives late: "dep-a" wins a and b back (a merge's
    # "max" rule alone would keep "dep-b"; the superseded batch's rows are dropped instead).
    rows = [{"deployment_id": "dep-a", "finished_at": "2026-03-02T12:00:00Z", "commit_sha": b}]
    land_deployments(app.settings, store, tmp_path, with_service(rows))
    ingest_git(app.settings, store, repo.path, force=True)
    assert attribution(app.settings, store) == {a: "dep-a", b: "dep-a", c: "dep-b"}
    # A deployment that is later marked failed no longer ships anything.
    failed = {**rows[0], "status": "failure"}
    land_deployments(app.settings, store, tmp_path, with_service([failed]))
    ingest_git(app.settings, store, repo.path, force=True)
    assert attribution(app.settings, store) == {a: "dep-b", b: "dep-b", c: "dep-b"}


def test_force_pushed_commits_leave_the_lake(app: App, store: Store, tmp_path: Path) -> None:
    repo = Repo(tmp_path / "repo")
    a = repo.commit("a", "2026-03-02T09:00:00Z")
    b = repo.commit("b", "2026-03-02T10:00:00Z")
    c = repo.commit("c", "2026-03-02T11:00:00Z")
    first = ingest_git(app.settings, store, repo.path, deploy_tags="v*").results[0]
    repo.git("tag", "v1", c)
    ingest_git(app.settings, store, repo.path, deploy_tags="v*")
    assert set(deployments(app.settings, store)) == {"git:svc:tag:v1"}
    repo.git("reset", "-q", "--hard", b)
    repo.git("tag", "-d", "v1")
    c2 = repo.commit("c, amended", "2026-03-02T12:00:00Z", authored="2026-03-02T11:00:00Z")
    assert (
        ingest_git(app.settings, store, repo.path, deploy_tags="v*").results[0].status == "landed"
    )
    assert set(changes(app.settings, store)) == {a, b, c2}
    assert deployments(app.settings, store) == {}  # the deleted tag is gone too
    # Going back to the first state lands again (its batch was superseded, not kept).
    repo.git("reset", "-q", "--hard", c)
    again = ingest_git(app.settings, store, repo.path, deploy_tags="v*").results[0]
    assert again.status == "landed"
    assert set(changes(app.settings, store)) == {a, b, c}
    with store.session() as session:
        earlier = session.get(Batch, first.batch_id)
        assert earlier is not None and earlier.idempotency_key is None
        assert "superseded by batch" in (earlier.message or "")


def test_two_services_of_one_repository_are_kept_apart(
    app: App, store: Store, tmp_path: Path
) -> None:
    repo = Repo(tmp_path / "repo")
    repo.commit("a", "2026-03-02T09:00:00Z")
    add_service(store, "svc-2")
    ingest_git(app.settings, store, repo.path)
    ingest_git(app.settings, store, repo.path, service="svc-2")
    services = sorted(r["service"] for r in lake_rows(app.settings, store, CHANGES))
    assert services == ["svc", "svc-2"]


def test_an_unknown_service_is_warned_about_and_kept(
    app: App, store: Store, tmp_path: Path
) -> None:
    repo = Repo(tmp_path / "repo")
    repo.commit("a", "2026-03-02T09:00:00Z")
    (result,) = ingest_git(app.settings, store, repo.path, service="nowhere").results
    assert result.status == "landed"
    (problem,) = result.problems
    assert problem.severity == "warning" and problem.item == "service:nowhere"
    assert "service 'nowhere' is not in the catalog (1 rows kept)" in problem.reason
    assert [r["service"] for r in lake_rows(app.settings, store, CHANGES)] == ["nowhere"]


def test_a_shallow_clone_warns_and_skips_deployments_it_lacks(
    app: App, store: Store, tmp_path: Path
) -> None:
    origin = Repo(tmp_path / "origin")
    a = origin.commit("a", "2026-03-02T09:00:00Z")
    origin.commit("b", "2026-03-02T10:00:00Z")
    c = origin.commit("c", "2026-03-02T11:00:00Z")
    d = origin.commit("d", "2026-03-02T12:00:00Z")
    clone = tmp_path / "clone"
    origin.git("clone", "-q", "--depth", "2", f"file://{origin.path}", str(clone))
    rows = [
        {"deployment_id": "old", "finished_at": "2026-03-02T09:30:00Z", "commit_sha": a},
        {"deployment_id": "new", "finished_at": "2026-03-02T13:00:00Z", "commit_sha": d},
    ]
    land_deployments(app.settings, store, tmp_path, with_service(rows))
    (result,) = ingest_git(app.settings, store, clone).results
    assert result.status == "landed" and result.rows_read == 2
    assert attribution(app.settings, store) == {c: "new", d: "new"}
    assert [p.item for p in result.problems] == ["shallow", "deployment:old"]
    assert "is a shallow clone: history before 1 boundary commit(s) is not read" in (
        result.problems[0].reason
    )


def test_the_default_branch_is_the_remotes_head(app: App, store: Store, tmp_path: Path) -> None:
    origin = Repo(tmp_path / "origin")
    a = origin.commit("a", "2026-03-02T09:00:00Z")
    clone = Repo.__new__(Repo)
    clone.path = tmp_path / "clone"
    origin.git("clone", "-q", f"file://{origin.path}", str(clone.path))
    clone.git("checkout", "-q", "-b", "topic")
    topic = clone.commit("topic work", "2026-03-02T10:00:00Z")
    ingest_git(app.settings, store, clone.path)
    assert set(changes(app.settings, store)) == {a}  # origin/main, not the checked-out topic
    ingest_git(app.settings, store, clone.path, branch="topic")
    assert set(changes(app.settings, store)) == {a, topic}


def test_the_checked_out_branch_is_the_default_without_a_remote(
    app: App, store: Store, tmp_path: Path
) -> None:
    repo = Repo(tmp_path / "repo", branch="trunk")
    a = repo.commit("a", "2026-03-02T09:00:00Z")
    (result,) = ingest_git(app.settings, store, repo.path).results
    assert result.message is not None and result.message.startswith("1 commits on trunk")
    assert set(changes(app.settings, store)) == {a}
    repo.git("checkout", "-q", "--detach")
    (detached,) = ingest_git(app.settings, store, repo.path).results
    assert detached.status == "failed"
    assert detached.message == (
        "git: HEAD is detached and no remote HEAD is known; name the branch with --branch"
    )
    (missing,) = ingest_git(app.settings, store, repo.path, branch="nope").results
    assert missing.message == "git: branch 'nope' not found (branches: trunk)"


def test_an_empty_repository_lands_nothing(app: App, store: Store, tmp_path: Path) -> None:
    repo = Repo(tmp_path / "empty")
    report = ingest_git(app.settings, store, repo.path, deploy_tags="v*")
    (result,) = report.results
    assert (result.status, result.rows_read, report.exit_code) == ("landed", 0, 0)
    assert result.message == "empty repository: no commits yet"
    assert changes(app.settings, store) == {}


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda p: p.mkdir(), "is not a git repository (no .git found here or in any parent"),
        (lambda p: p.write_text("x"), "is not a directory; give a git repository's folder"),
        (lambda p: None, "not found"),
    ],
)
def test_a_path_that_is_not_a_repository_fails_clearly(
    app: App, store: Store, tmp_path: Path, make: object, reason: str
) -> None:
    path = tmp_path / "plain"
    make(path)  # type: ignore[operator]
    (result,) = ingest_git(app.settings, store, path).results
    assert result.status == "failed"
    assert result.message is not None and result.message.startswith(reason)


def test_a_folder_inside_a_repository_is_refused(app: App, store: Store, tmp_path: Path) -> None:
    repo = Repo(tmp_path / "repo")
    repo.commit("a", "2026-03-02T09:00:00Z")
    (repo.path / "sub").mkdir()
    (result,) = ingest_git(app.settings, store, repo.path / "sub").results
    assert result.status == "failed"
    assert result.message == (
        f"is inside the git repository {repo.path}, not its top level; give {repo.path}"
    )


def test_service_is_required(app: App, store: Store, tmp_path: Path) -> None:
    repo = Repo(tmp_path / "repo")
    repo.commit("a", "2026-03-02T09:00:00Z")
    report = ingest_git(app.settings, store, repo.path, service="")
    assert report.results[0].status == "failed"
    assert report.results[0].message == (
        "--service is required: the catalog service this repository builds"
    )


def test_the_cli(app: App, store: Store, history: History, tmp_path: Path) -> None:
    from leadline.cli import app as cli

    home = str(app.settings.resolved_home)
    args = ["--home", home, "ingest", "git", str(history.repo.path), "--service", "svc"]
    args += ["--deploy-tags", "v*", "--format", "json"]
    result = CliRunner().invoke(cli, args, env={"COLUMNS": "250"})
    assert result.exit_code == 0, result.output  # warnings only: the unknown sha, the tree tag
    payload = json.loads(result.output)
    assert (payload["source"], payload["rows_read"], payload["rows_warned"]) == ("git", 12, 2)
    assert payload["results"][0]["status"] == "landed"
    assert attribution(app.settings, store)[history.C] == "git:svc:tag:v-nested"
    again = CliRunner().invoke(cli, args[:-2], env={"COLUMNS": "250"})
    assert "same content already landed as batch" in again.output


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="needs root to chown")
def test_a_repository_of_another_user_says_how_to_trust_it(
    app: App, store: Store, tmp_path: Path
) -> None:
    import pwd

    repo = Repo(tmp_path / "theirs")
    repo.commit("a", "2026-03-02T09:00:00Z")
    nobody = pwd.getpwnam("nobody").pw_uid
    for path in [repo.path, *repo.path.rglob("*")]:
        os.chown(path, nobody, -1, follow_symlinks=False)
    (result,) = ingest_git(app.settings, store, repo.path).results
    assert result.status == "failed"
    assert result.message == (
        f"cannot be read by git: detected dubious ownership in repository at '{repo.path}'; "
        f"to trust it: git config --global --add safe.directory {repo.path}"
    )
