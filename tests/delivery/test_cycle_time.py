"""Pull-request cycle time on a hand-computed case (every phase, the deployment attribution the
DORA lead time uses, self-reviews, generated files), glob patterns, and the property that the
phases add up to the cycle."""

from __future__ import annotations

import datetime as dt
import re

import ibis
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from leadline.delivery.cycle_time import glob_regex
from leadline.lake.engines import duckdb_backend
from tests.delivery.support_cycle import by_id, cycle_expr, file, phases_expr, pr, review
from tests.delivery.support_metrics import chg, dep, t

SINCE, UNTIL = t("2026-03-01"), t("2026-03-16")
DEPLOYMENTS = [
    dep("d1", "api", "2026-03-02T00:00:00Z"),  # before p1's and p2's merges: ships neither
    dep("d2", "api", "2026-03-05T12:00:00Z"),
    dep("d3", "web", "2026-03-04T00:00:00Z", environment="staging"),
]
PRS = [
    pr(
        "p1",
        "api",
        "2026-03-01T00:00:00Z",
        "2026-03-03T00:00:00Z",
        first_commit_at="2026-02-28T00:00:00Z",
        sha="m1",
        additions=100,
        deletions=20,
    ),
    # first commit from its merge commit's change (12:00 the day before it opened)
    pr(
        "p2",
        "api",
        "2026-03-02T00:00:00Z",
        "2026-03-02T06:00:00Z",
        sha="m2",
        additions=5,
        deletions=5,
    ),
    pr("p3", "web", "2026-03-03T00:00:00Z", "2026-03-03T12:00:00Z", author="erin"),
    pr("p4", "api", "2026-03-03T00:00:00Z", None),  # open: not counted
    pr("p5", "api", "2026-03-20T00:00:00Z", "2026-03-21T00:00:00Z"),  # merged after the window
]
REVIEWS = [
    review("r1", "p1", "api", "alice", "2026-03-01T01:00:00Z"),  # the author's own: no review
    review("r2", "p1", "api", "bob", "2026-03-01T06:00:00Z"),
    review("r3", "p1", "api", "carol", "2026-03-01T10:00:00Z"),
    review("r4", "p3", "web", "dan", "2026-03-03T02:00:00Z"),
    review("r5", "p2", "api", "bob", "2026-03-02T07:00:00Z"),  # after the merge: no review
]
FILES = [
    file("p1", "api", "src/a.py", 30, 10),
    file("p1", "api", "package-lock.json", 70, 10),  # generated: left out
]
CHANGES = [
    chg("m2", "api", "2026-03-01T12:00:00Z", merged_at="2026-03-02T06:00:00Z", sha="m2"),
    chg("m1", "api", "2026-03-02T00:00:00Z", sha="m1"),  # after p1 opened: not its first commit
]


def _phases() -> dict[str, dict[str, object]]:
    expr = phases_expr(
        ibis.memtable,
        prs=PRS,
        reviews=REVIEWS,
        files=FILES,
        changes=CHANGES,
        deployments=DEPLOYMENTS,
        until=UNTIL,
    )
    return by_id(duckdb_backend().to_pyarrow(expr).to_pylist())


def test_each_phase_by_hand() -> None:
    rows = _phases()
    assert sorted(rows) == ["p1", "p2", "p3"]  # open and later pull requests left out
    phases = ("coding_hours", "pickup_hours", "review_hours", "deploy_hours", "cycle_hours")
    # p1: commit 28 Feb, opened 1 Mar, bob 06:00 (alice's own review skipped), merged 3 Mar,
    # deployed by d2 5 Mar 12:00 (d1 finished before the merge): 24 + 6 + 42 + 60 = 132.
    assert [rows["p1"][p] for p in phases] == [24.0, 6.0, 42.0, 60.0, 132.0]
    assert (rows["p1"]["size"], rows["p1"]["size_filtered"]) == (40, True)
    # p2: commit 1 Mar 12:00 (its merge commit's change), opened 2 Mar, merged 06:00 with no
    # review before it, d2 at 5 Mar 12:00: 78 h; cycle 96 h.
    assert [rows["p2"][p] for p in phases] == [12.0, None, None, 78.0, 96.0]
    assert (rows["p2"]["size"], rows["p2"]["size_filtered"]) == (10, False)
    assert rows["p2"]["first_commit_at"] == t("2026-03-01T12:00:00Z")
    # p3: no commit known, reviewed 2 h after opening, merged 10 h later, never in production.
    assert [rows["p3"][p] for p in phases] == [None, 2.0, 10.0, None, None]
    assert rows["p3"]["size"] is None


def test_the_explicit_deployment_of_the_merge_commit_wins() -> None:
    changes = [chg("m2", "api", "2026-03-01T12:00:00Z", deployment_id="d3b", sha="m2")]
    deployments = [*DEPLOYMENTS, dep("d3b", "api", "2026-03-06T00:00:00Z")]
    expr = phases_expr(
        ibis.memtable,
        prs=PRS[1:2],
        changes=changes,
        deployments=deployments,
        until=UNTIL,
    )
    [row] = duckdb_backend().to_pyarrow(expr).to_pylist()
    assert row["deploy_hours"] == 90.0  # 2 Mar 06:00 -> 6 Mar 00:00, not d2


def test_a_promotion_of_an_older_commit_ships_nothing() -> None:
    """Two production environments: X reached production on 2 March and prod on 4 March (a
    promotion of X, which does not contain p1); Y on 5 March 12:00 ships p1 (merged 3 March),
    as it ships p1's change for the DORA lead time."""
    deployments = [
        dep("x1", "api", "2026-03-02T00:00:00Z", sha="X"),
        dep("x2", "api", "2026-03-04T00:00:00Z", sha="X", environment="prod"),
        dep("y1", "api", "2026-03-05T12:00:00Z", sha="Y"),
    ]
    expr = phases_expr(
        ibis.memtable, prs=PRS[:1], deployments=deployments, until=UNTIL, releases=True
    )
    [row] = duckdb_backend().to_pyarrow(expr).to_pylist()
    assert row["deploy_hours"] == 60.0  # 3 March 00:00 -> 5 March 12:00, not x2's 48 h


def test_percentiles_per_team_by_hand() -> None:
    phases = phases_expr(
        ibis.memtable,
        prs=PRS,
        reviews=REVIEWS,
        files=FILES,
        changes=CHANGES,
        deployments=DEPLOYMENTS,
        until=UNTIL,
    )
    expr = cycle_expr(
        phases, {"api": "core", "web": "front"}, ibis.memtable, since=SINCE, until=UNTIL
    )
    rows = by_id(duckdb_backend().to_pyarrow(expr).to_pylist(), "key")
    core, front = rows["core"], rows["front"]
    assert core["pull_requests"] == 2
    assert (core["coding_p50_hours"], core["coding_p90_hours"]) == (18.0, pytest.approx(22.8))
    assert (core["pickup_p50_hours"], core["review_p50_hours"]) == (6.0, 42.0)
    assert (core["deploy_p50_hours"], core["deploy_p90_hours"]) == (69.0, pytest.approx(76.2))
    assert (core["cycle_p50_hours"], core["cycle_p90_hours"]) == (114.0, pytest.approx(128.4))
    assert (core["size_p50"], core["size_p90"]) == (25.0, pytest.approx(37.0))
    counts = ("unreviewed", "undeployed", "without_first_commit", "size_unfiltered")
    assert [core[c] for c in counts] == [1, 0, 0, 1]
    assert front["pull_requests"] == 1
    assert (front["pickup_p50_hours"], front["review_p50_hours"]) == (2.0, 10.0)
    assert front["cycle_p50_hours"] is None
    assert [front[c] for c in counts] == [0, 1, 1, 0]


def test_weekly_buckets_by_merge() -> None:
    phases = phases_expr(ibis.memtable, prs=PRS, deployments=DEPLOYMENTS, until=UNTIL)
    expr = cycle_expr(
        phases,
        {"api": "core", "web": "front"},
        ibis.memtable,
        since=SINCE,
        until=UNTIL,
        period="week",
    )
    rows = duckdb_backend().to_pyarrow(expr).to_pylist()
    counts = {(r["key"], r["bucket"]): r["pull_requests"] for r in rows}
    # weeks start on Monday: 23 Feb (cut to 1 Mar), 2 Mar, 9 Mar
    assert counts[("core", dt.datetime(2026, 3, 2))] == 2
    assert counts[("front", dt.datetime(2026, 3, 2))] == 1
    assert counts[("core", dt.datetime(2026, 3, 9))] == 0


@pytest.mark.parametrize(
    ("pattern", "path", "matches"),
    [
        ("**/package-lock.json", "package-lock.json", True),
        ("**/package-lock.json", "web/app/package-lock.json", True),
        ("**/package-lock.json", "web/not-package-lock.json", False),
        ("**/*.min.js", "static/app.min.js", True),
        ("*.min.js", "static/app.min.js", False),  # * stays within one directory
        ("**/vendor/**", "go/vendor/x/y.go", True),
        ("**/vendor/**", "vendors/x.go", False),
        ("docs/?.md", "docs/a.md", True),
    ],
)
def test_glob_patterns(pattern: str, path: str, matches: bool) -> None:
    assert bool(re.search(glob_regex(pattern), path)) is matches


HOUR = dt.timedelta(hours=1)
offsets = st.integers(min_value=0, max_value=400)


@settings(max_examples=15, deadline=None)
@given(
    st.lists(
        st.tuples(offsets, offsets, st.one_of(st.none(), offsets), offsets, st.booleans()),
        min_size=1,
        max_size=6,
    ),
    st.lists(offsets, max_size=4),
)
def test_phases_add_up_to_the_cycle(
    spec: list[tuple[int, int, int | None, int, bool]], deploys: list[int]
) -> None:
    """For random pull requests (commit, opening, review and merge hours apart, the commit
    before or after the opening) and deployments: each known phase is non-negative, and when
    all four are known they add up to the cycle."""
    base = t("2026-03-01")
    prs, reviews = [], []
    for i, (commit, opened, reviewed, merged, known_commit) in enumerate(spec):
        created = base + opened * HOUR
        prs.append(
            pr(
                f"p{i}",
                "api",
                created.isoformat(),
                (created + merged * HOUR).isoformat(),
                first_commit_at=(base + commit * HOUR).isoformat() if known_commit else None,
                author="a",
            )
        )
        if reviewed is not None:
            at = created + (reviewed - 50) * HOUR  # some before the opening or after the merge
            reviews.append(review(f"r{i}", f"p{i}", "api", "b", at.isoformat()))
    deployments = [dep(f"d{i}", "api", base + h * 2 * HOUR) for i, h in enumerate(deploys)]
    expr = phases_expr(
        ibis.memtable, prs=prs, reviews=reviews, deployments=deployments, until=t("2026-06-01")
    )
    for row in duckdb_backend().to_pyarrow(expr).to_pylist():
        parts = [row[f"{p}_hours"] for p in ("coding", "pickup", "review", "deploy")]
        assert all(p is None or p >= 0 for p in parts), row
        if all(p is not None for p in parts):
            assert sum(parts) == pytest.approx(row["cycle_hours"], abs=1e-9)
        if row["deployed_at"] is not None:
            assert row["deployed_at"] >= row["merged_at"]
