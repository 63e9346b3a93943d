"""The commit-graph walk behind ``leadline ingest git``: the same answer as git's own
``rev-list D_i --not D_1..D_{i-1}`` on random histories, and fast on a large one."""

from __future__ import annotations

import random
import time
from pathlib import Path

import pytest

from leadline.context import App
from leadline.delivery import gitgraph
from leadline.store import Store
from tests.delivery.support_git import (
    Repo,
    add_service,
    annotated_tags,
    attribution,
    fast_import,
    ingest_git,
    land_deployments,
)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_one_walk_equals_rev_list_not_earlier_deployments(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    repo = Repo(tmp_path / "repo")
    main = fast_import(repo, 300, merge_every=4, seed_offsets=(2, 5, 9, 17))
    graph = {c.sha: c.parents for c in gitgraph.read_commits(repo.path, main[-1])}
    assert len(graph) == 300 + 300 // 4 - 4  # main commits and the merged side commits
    everything = sorted(graph)
    # Deployments in any order of the history: rollbacks, redeploys, side commits.
    heads = [(f"d{i}", rng.choice(everything)) for i in range(60)]
    owner = gitgraph.attribute(graph, heads)
    expected: dict[str, str] = {}
    for index, (label, sha) in enumerate(heads):
        earlier = [f"^{s}" for _, s in heads[:index]]
        for commit in repo.git("rev-list", sha, *earlier).split():
            expected[commit] = label
    assert owner == expected


def test_first_parent_chain_and_merge_times(tmp_path: Path) -> None:
    repo = Repo(tmp_path / "repo")
    main = fast_import(repo, 12, merge_every=4, seed_offsets=(2,))
    graph = {c.sha: c.parents for c in gitgraph.read_commits(repo.path, main[-1])}
    assert gitgraph.first_parent_chain(graph, main[-1]) == main
    merged_by = gitgraph.attribute(graph, [(sha, sha) for sha in main])
    side = [sha for sha in graph if sha not in main]
    assert {merged_by[s] for s in side} == {main[3], main[7], main[11]}


def test_twenty_thousand_commits_and_two_thousand_deployments(
    app: App, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Timed: building the repository is excluded; the ingest itself must stay well under 20 s."""
    store: Store = app.store
    add_service(store, "svc")
    repo = Repo(tmp_path / "big")
    main = fast_import(repo, 18_200, step=600, merge_every=10, seed_offsets=(3, 7))
    start = 1_772_000_000
    deployed = list(range(4, len(main), 9))[:2000]
    assert len(deployed) == 2000
    csv_rows, tags = [], []
    for n, index in enumerate(deployed):
        finished = start + index * 600 + 120
        if n % 2:
            tags.append((f"v{n}", main[index], finished))
        else:
            moment = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(finished))
            row = {"deployment_id": f"d{n}", "finished_at": moment, "commit_sha": main[index]}
            csv_rows.append({"service": "svc", **row})
    annotated_tags(repo, tags)
    land_deployments(app.settings, store, tmp_path, csv_rows)

    began = time.perf_counter()
    (result,) = ingest_git(app.settings, store, repo.path, deploy_tags="v*").results
    seconds = time.perf_counter() - began
    began = time.perf_counter()
    (again,) = ingest_git(app.settings, store, repo.path, deploy_tags="v*").results
    unchanged_seconds = time.perf_counter() - began
    repo.commit("one more", "2026-09-01T09:00:00Z")
    began = time.perf_counter()
    (third,) = ingest_git(app.settings, store, repo.path, deploy_tags="v*").results
    next_seconds = time.perf_counter() - began

    commits = int(repo.git("rev-list", "--count", "main")) - 1  # before "one more"
    with capsys.disabled():
        print(
            f"\ngit ingest: {commits} commits, {len(deployed)} deployments "
            f"({len(tags)} tags): {seconds:.2f} s; unchanged re-run {unchanged_seconds:.2f} s; "
            f"after one more commit {next_seconds:.2f} s"
        )
    assert result.status == "landed", result.problems
    assert (result.rows_read, result.problems) == (commits + len(tags), [])
    assert (again.status, third.status) == ("unchanged", "landed")
    assert seconds < 20 and next_seconds < 20
    got = attribution(app.settings, store)
    assert len(got) == commits + 1
    label = {i: (f"git:svc:tag:v{n}" if n % 2 else f"d{n}") for n, i in enumerate(deployed)}
    for n in (0, 1, 777, 1999):  # spot checks against git itself
        index = deployed[n]
        earlier = [f"^{main[deployed[n - 1]]}"] if n else []
        for commit in repo.git("rev-list", main[index], *earlier).split():
            assert got[commit] == label[index]
    undeployed = repo.git("rev-list", "--count", "main", f"^{main[deployed[-1]]}")  # + one more
    assert sum(1 for v in got.values() if v is None) == int(undeployed)
