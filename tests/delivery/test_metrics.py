"""The DORA four keys and rework rate on small hand-made datasets, with the arithmetic of every
expected value written next to it (``four_keys`` on DuckDB over memtables in the lake's stored
schema; the CSV cases go through the real ingest and ``dora()``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from leadline.context import App
from leadline.delivery.report import dora
from leadline.lake.engines import duckdb_backend
from leadline.periods import Window
from tests.delivery import reference
from tests.delivery.support_metrics import (
    CHANGES_HEADER,
    DEPLOYMENTS_HEADER,
    INCIDENTS_HEADER,
    PROD,
    Fact,
    by_key,
    chg,
    dep,
    differences,
    inc,
    ingest,
    load_catalog,
    run,
    t,
    write_csv,
)

BACKEND = duckdb_backend()
# Two full weeks, Monday 2 March to Monday 16 March 2026 (exclusive): 14 days.
SINCE, UNTIL = t("2026-03-02T00:00:00Z"), t("2026-03-16T00:00:00Z")


def totals(
    deployments: Sequence[Fact] = (),
    changes: Sequence[Fact] = (),
    incidents: Sequence[Fact] = (),
    services: dict[str, str | None] | None = None,
    *,
    since: dt.datetime = SINCE,
    until: dt.datetime = UNTIL,
    **options: Any,
) -> dict[str, dict[str, Any]]:
    """Totals over [since, until) by key (services keyed by their own name by default), also
    checked against the reference implementation."""
    window = {"since": since, "until": until}
    rows = run(BACKEND, deployments, changes, incidents, services or {}, **window, **options)
    options.setdefault("production_environments", PROD)
    expected = reference.four_keys(
        deployments, changes, incidents, services or {}, period=None, **window, **options
    )
    assert differences(rows, expected) == []
    return by_key(rows)


def series(
    deployments: Sequence[Fact],
    changes: Sequence[Fact],
    incidents: Sequence[Fact],
    *,
    period: str,
    since: dt.datetime,
    until: dt.datetime,
    services: dict[str, str | None] | None = None,
) -> list[dict[str, Any]]:
    """Bucket rows (sorted by key and bucket), also checked against the reference."""
    rows = run(
        BACKEND,
        deployments,
        changes,
        incidents,
        services or {},
        since=since,
        until=until,
        period=period,
    )
    expected = reference.four_keys(
        deployments,
        changes,
        incidents,
        services or {},
        since=since,
        until=until,
        period=period,
        production_environments=PROD,
    )
    assert differences(rows, expected) == []
    return rows


# --- deployment frequency -------------------------------------------------------------------


def test_only_successful_production_deployments_count() -> None:
    """Of eight deployments only the four successful ones to a production environment count
    (names case-insensitive: production, Production, live, prd); failed, pending, cancelled
    and staging ones do not. Frequency = 4 / 14 days."""
    deployments = [
        dep("d1", "api", "2026-03-02T10:00:00Z"),
        dep("d2", "api", "2026-03-03T10:00:00Z", environment="Production"),
        dep("d3", "api", "2026-03-04T10:00:00Z", environment="PROD", status="failure"),
        dep("d4", "api", "2026-03-05T10:00:00Z", environment="staging"),
        dep("d5", "api", "2026-03-06T10:00:00Z", environment="live"),
        dep("d6", "api", "2026-03-07T10:00:00Z", status="pending"),
        dep("d7", "api", "2026-03-08T10:00:00Z", status="cancelled"),
        dep("d8", "api", "2026-03-09T10:00:00Z", environment="prd"),
        dep("d9", "api", "2026-03-16T00:00:00Z"),  # at until: outside [since, until)
        dep("d0", "api", "2026-03-01T23:59:59Z"),  # before since
    ]
    api = totals(deployments)["api"]
    assert api["deployments"] == 4
    assert api["days"] == 14.0
    assert api["deployment_frequency_per_day"] == pytest.approx(4 / 14)
    assert api["change_failure_rate"] == 0.0 and api["rework_rate"] == 0.0


def test_production_environment_names_are_configurable() -> None:
    """With ``production_environments=["Main-Cluster"]`` only deployments to main-cluster (any
    case) count: 2 of 3; "production" is then just another environment."""
    deployments = [
        dep("d1", "api", "2026-03-02T10:00:00Z", environment="main-cluster"),
        dep("d2", "api", "2026-03-03T10:00:00Z", environment="MAIN-CLUSTER"),
        dep("d3", "api", "2026-03-04T10:00:00Z", environment="production"),
    ]
    api = totals(deployments, production_environments=["Main-Cluster"])["api"]
    assert api["deployments"] == 2
    assert api["deployment_frequency_per_day"] == pytest.approx(2 / 14)


# --- lead time for changes ------------------------------------------------------------------


def test_lead_time_percentiles_hand_computed() -> None:
    """Changes go to the first production deployment at or after their commit:
    c1 09:00 -> d1 12:00 on 3 March: 3 h; c2 at 12:00 exactly -> d1 (same instant): 0 h;
    c3 4 March 00:00 -> d2 5 March 12:00: 36 h; c4 1 March 12:00 (before the window) -> d1:
    48 h (it counts: it shipped in the window); c5 after the last deployment: not shipped;
    c6 of another service without deployments: not shipped.
    Sorted [0, 3, 36, 48]: p50 = (3 + 36) / 2 = 19.5; p90 at rank 0.9 * 3 = 2.7:
    36 + 0.7 * (48 - 36) = 44.4."""
    deployments = [
        dep("d1", "api", "2026-03-03T12:00:00Z"),
        dep("d2", "api", "2026-03-05T12:00:00Z"),
    ]
    changes = [
        chg("c1", "api", "2026-03-03T09:00:00Z"),
        chg("c2", "api", "2026-03-03T12:00:00Z"),
        chg("c3", "api", "2026-03-04T00:00:00Z"),
        chg("c4", "api", "2026-03-01T12:00:00Z"),
        chg("c5", "api", "2026-03-05T12:00:01Z"),
        chg("c6", "web", "2026-03-03T09:00:00Z"),
    ]
    result = totals(deployments, changes)
    api = result["api"]
    assert api["changes"] == 4
    assert api["lead_time_p50_hours"] == pytest.approx(19.5)
    assert api["lead_time_p90_hours"] == pytest.approx(44.4)
    # "web" has a change but nothing shipped: it gets no row (no catalog, no fact in window).
    assert set(result) == {"api"}


def test_lead_time_uses_whole_seconds() -> None:
    """Durations are whole seconds: commit 09:59:59.999999 floors to 09:59:59, deployment
    11:00:00.500000 floors to 11:00:00, so the lead time is 3601 s = 1.000277... h."""
    deployments = [dep("d1", "api", t("2026-03-03T11:00:00.500000"))]
    changes = [chg("c1", "api", t("2026-03-03T09:59:59.999999"))]
    api = totals(deployments, changes)["api"]
    assert api["lead_time_p50_hours"] == pytest.approx(3601 / 3600, rel=1e-12)


def test_explicit_deployment_links_and_their_fallback() -> None:
    """An explicit deployment_id counts when it names a successful production deployment that
    finished at or after the change: c1 -> d2 (not the earlier d1): 2 Mar 09:00 -> 5 Mar
    09:00 = 72 h. Otherwise the change is attributed by time: c2 names d1, which finished
    before its commit (3 Mar 13:00) -> d2: 44 h; c3 names a staging deployment -> d2, 3 Mar
    21:00 -> 12 h; c4 names a failed production deployment -> d1, 2 Mar 10:00 -> 3 Mar 12:00
    = 26 h; c5 names an unknown id -> d1, 3 Mar 11:00: 1 h.
    Sorted [1, 12, 26, 44, 72]: p50 = 26; p90 at rank 3.6: 44 + 0.6 * 28 = 60.8."""
    deployments = [
        dep("d1", "api", "2026-03-03T12:00:00Z"),
        dep("d2", "api", "2026-03-05T09:00:00Z"),
        dep("s1", "api", "2026-03-04T09:00:00Z", environment="staging"),
        dep("f1", "api", "2026-03-04T10:00:00Z", status="failure"),
    ]
    changes = [
        chg("c1", "api", "2026-03-02T09:00:00Z", deployment_id="d2"),
        chg("c2", "api", "2026-03-03T13:00:00Z", deployment_id="d1"),
        chg("c3", "api", "2026-03-04T21:00:00Z", deployment_id="s1"),
        chg("c4", "api", "2026-03-02T10:00:00Z", deployment_id="f1"),
        chg("c5", "api", "2026-03-03T11:00:00Z", deployment_id="nope"),
    ]
    api = totals(deployments, changes)["api"]
    assert api["changes"] == 5
    assert api["lead_time_p50_hours"] == pytest.approx(26.0)
    assert api["lead_time_p90_hours"] == pytest.approx(60.8)


def test_failed_then_retried_deployment() -> None:
    """A failed deployment retried successfully: only the retry counts (1 deployment, no
    failure: a failed deployment is not a change failure), and the change's lead time runs
    to the retry even though it names the failed attempt: 08:00 -> 11:00 = 3 h."""
    deployments = [
        dep("try-1", "api", "2026-03-03T10:00:00Z", status="failure", sha="a"),
        dep("try-2", "api", "2026-03-03T11:00:00Z", sha="a"),
    ]
    changes = [chg("c1", "api", "2026-03-03T08:00:00Z", deployment_id="try-1")]
    api = totals(deployments, changes)["api"]
    assert (api["deployments"], api["changes"]) == (1, 1)
    assert api["lead_time_p50_hours"] == pytest.approx(3.0)
    assert api["change_failure_rate"] == 0.0


def test_deployments_with_no_new_commits() -> None:
    """Redeploying the same commit counts as a deployment but ships no change and is not a
    rollback (same commit as the previous deployment): 3 deployments / 14 days, 1 change
    (10:00 -> 12:00 = 2 h), no failure, no rework."""
    deployments = [
        dep("d1", "api", "2026-03-03T12:00:00Z", sha="a"),
        dep("d2", "api", "2026-03-04T12:00:00Z", sha="a"),
        dep("d3", "api", "2026-03-05T12:00:00Z", sha="a"),
    ]
    changes = [chg("c1", "api", "2026-03-03T10:00:00Z", sha="a")]
    api = totals(deployments, changes)["api"]
    assert (api["deployments"], api["changes"]) == (3, 1)
    assert api["lead_time_p50_hours"] == api["lead_time_p90_hours"] == pytest.approx(2.0)
    assert (api["failed_deployments"], api["rework_deployments"]) == (0, 0)


def test_a_revert_commit_is_just_a_change() -> None:
    """A revert commit deployed with a new sha is an ordinary change (lead time 10:00 -> 12:00
    = 2 h) and not a rollback: no failure, no rework. (Lead times [1, 2]: p50 1.5, p90 1.9.)"""
    deployments = [
        dep("d1", "api", "2026-03-03T12:00:00Z", sha="a"),
        dep("d2", "api", "2026-03-04T12:00:00Z", sha="revert-of-a"),
    ]
    changes = [
        chg("c1", "api", "2026-03-03T11:00:00Z", sha="a"),
        chg("revert-c1", "api", "2026-03-04T10:00:00Z", sha="revert-of-a"),
    ]
    api = totals(deployments, changes)["api"]
    assert api["lead_time_p50_hours"] == pytest.approx(1.5)
    assert api["lead_time_p90_hours"] == pytest.approx(1.9)
    assert (api["failed_deployments"], api["rework_deployments"]) == (0, 0)


def test_lead_time_from_merge_or_commit() -> None:
    """From commit: c1 2 Mar 10:00 -> d1 3 Mar 12:00 = 26 h; c2 (no merge time) 3 Mar 06:00 ->
    d1 = 6 h; c3 3 Mar 11:00, merged 3 Mar 13:00, after d1, so it ships with d2 (5 Mar 12:00)
    in both modes: 49 h. From merge: c1 merged 3 Mar 08:00 -> d1 = 4 h; c2 falls back to its
    commit: 6 h; c3 from its merge: 47 h. Commit: [6, 26, 49] p50 26, p90 26 + 0.8 * 23 =
    44.4. Merge: [4, 6, 47] p50 6, p90 6 + 0.8 * 41 = 38.8."""
    deployments = [
        dep("d1", "api", "2026-03-03T12:00:00Z"),
        dep("d2", "api", "2026-03-05T12:00:00Z"),
    ]
    changes = [
        chg("c1", "api", "2026-03-02T10:00:00Z", merged_at="2026-03-03T08:00:00Z"),
        chg("c2", "api", "2026-03-03T06:00:00Z"),
        chg("c3", "api", "2026-03-03T11:00:00Z", merged_at="2026-03-03T13:00:00Z"),
    ]
    commit = totals(deployments, changes, lead_time_from="commit")["api"]
    merge = totals(deployments, changes, lead_time_from="merge")["api"]
    assert commit["lead_time_p50_hours"] == pytest.approx(26.0)
    assert commit["lead_time_p90_hours"] == pytest.approx(44.4)
    assert merge["lead_time_p50_hours"] == pytest.approx(6.0)
    assert merge["lead_time_p90_hours"] == pytest.approx(38.8)


ISSUE_17_DEPLOYMENTS = [
    dep("d1", "s", "2026-03-02T00:00:00Z"),
    dep("d2", "s", "2026-03-05T00:00:00Z"),
]


@pytest.mark.parametrize(("mode", "hours"), [("commit", 96.0), ("merge", 48.0)])
def test_a_change_ships_after_its_merge_whatever_the_lead_time_mode(
    mode: str, hours: float
) -> None:
    """Issue 17's case: c1 committed 1 March, merged 3 March, no deployment id; d1 finished
    2 March (before the merge: it cannot contain c1), d2 5 March. c1 ships in d2 in both
    modes: 5 Mar − 1 Mar = 96 h from commit, 5 Mar − 3 Mar = 48 h from merge; d2's week (from
    2 March) holds it either way."""
    changes = [chg("c1", "s", "2026-03-01T00:00:00Z", merged_at="2026-03-03T00:00:00Z")]
    row = totals(ISSUE_17_DEPLOYMENTS, changes, [], {"s": "t"}, lead_time_from=mode)["t"]
    assert (row["changes"], row["lead_time_p50_hours"]) == (1, hours)
    rows = totals(
        ISSUE_17_DEPLOYMENTS,
        changes,
        [],
        {"s": "t"},
        since=t("2026-03-04T00:00:00Z"),
        lead_time_from=mode,
    )
    assert rows["t"]["changes"] == 1  # shipped 5 March, inside a window from 4 March


def test_an_explicit_link_to_a_deployment_before_the_merge_falls_back() -> None:
    """c1 names d1 (2 March) but was merged 3 March: the link is impossible, so c1 ships in
    the next deployment after its merge, d2: 96 h from its commit (1 March)."""
    changes = [
        chg("c1", "s", "2026-03-01T00:00:00Z", merged_at="2026-03-03T00:00:00Z", deployment_id="d1")
    ]
    row = totals(ISSUE_17_DEPLOYMENTS, changes, since=t("2026-03-01T00:00:00Z"))["s"]
    assert (row["changes"], row["lead_time_p50_hours"]) == (1, 96.0)


# --- change failure rate and rework -----------------------------------------------------------


def test_rollback_to_an_earlier_sha_is_derived() -> None:
    """d1 deploys a, d2 b, d3 a again: d3 redeploys a commit the service ran before and that
    differs from the one it runs (b) -> a rollback, so d3 is rework and d2 failed. d4 deploys a
    once more: same as the previous one, not a rollback. d5 deploys b, which ran before (d2)
    and differs from a: another rollback -> d4 failed. A staging deployment of c in between
    changes nothing. Failed: d2, d4 = 2 / 5 = 0.4; rework: d3, d5 = 2 / 5 = 0.4."""
    deployments = [
        dep("d1", "api", "2026-03-02T12:00:00Z", sha="a"),
        dep("d2", "api", "2026-03-03T12:00:00Z", sha="b"),
        dep("s1", "api", "2026-03-03T18:00:00Z", sha="c", environment="staging"),
        dep("d3", "api", "2026-03-04T12:00:00Z", sha="a"),
        dep("d4", "api", "2026-03-05T12:00:00Z", sha="a"),
        dep("d5", "api", "2026-03-06T12:00:00Z", sha="b"),
    ]
    api = totals(deployments)["api"]
    assert (api["deployments"], api["failed_deployments"], api["rework_deployments"]) == (5, 2, 2)
    assert api["change_failure_rate"] == pytest.approx(0.4)
    assert api["rework_rate"] == pytest.approx(0.4)


def test_rollback_to_a_sha_deployed_before_the_window() -> None:
    """History before ``since`` counts: d0 (1 March, outside) deployed a; d1 (in) b; d2 (in)
    a again -> a rollback: d1 failed, d2 rework. In the window: 2 deployments, CFR 1/2, rework
    1/2."""
    deployments = [
        dep("d0", "api", "2026-03-01T12:00:00Z", sha="a"),
        dep("d1", "api", "2026-03-03T12:00:00Z", sha="b"),
        dep("d2", "api", "2026-03-04T12:00:00Z", sha="a"),
    ]
    api = totals(deployments)["api"]
    assert api["change_failure_rate"] == pytest.approx(0.5)
    assert api["rework_rate"] == pytest.approx(0.5)


def test_labelled_hotfix_and_rollback() -> None:
    """d1 planned, d2 a hotfix (new sha), d3 a labelled rollback (new sha), d4 planned. The
    deployment before each remediation failed (d1, d2); the remediations are rework (d2, d3).
    A hotfix to staging (between d3 and d4) remediates nothing. CFR 2/4 = 0.5; rework 2/4 =
    0.5."""
    deployments = [
        dep("d1", "api", "2026-03-02T12:00:00Z", sha="a", change_type="planned"),
        dep("d2", "api", "2026-03-03T12:00:00Z", sha="b", change_type="hotfix"),
        dep("d3", "api", "2026-03-04T12:00:00Z", sha="c", change_type="rollback"),
        dep("s1", "api", "2026-03-05T00:00:00Z", sha="d", change_type="hotfix", environment="stg"),
        dep("d4", "api", "2026-03-05T12:00:00Z", sha="e", change_type="planned"),
    ]
    api = totals(deployments)["api"]
    assert (api["failed_deployments"], api["rework_deployments"]) == (2, 2)
    assert api["change_failure_rate"] == pytest.approx(0.5)
    assert api["rework_rate"] == pytest.approx(0.5)


def test_incident_linkage() -> None:
    """Six deployments; incidents link to:
    i1 names d1 explicitly (it starts days later, beyond the window: the id wins) -> d1;
    i2 no id, starts 2 h after d2 -> d2 (latest deployment at or before its start);
    i3 no id, starts exactly when d3 finishes -> d3 (same instant links);
    i4 no id, starts 24 h after d4 exactly (window 24 h, inclusive) -> d4;
    i5 no id, starts 24 h 1 s after d5 -> unlinked (outside the window);
    i6 names an unknown deployment -> falls back to time: 1 h after d6 -> d6... but d6 is
    already linked by i7, which names it: linked once.
    i8 is on a service without deployments: unlinked, its restore time still counts.
    Failed: d1, d2, d3, d4, d6 = 5 of 6: CFR 5/6. Restore times (hours): i1 1, i2 2, i3 0.5,
    i4 4, i5 0.25, i6 3, i7 6 (api); i8 10 (ops)."""
    deployments = [
        dep("d1", "api", "2026-03-02T12:00:00Z"),
        dep("d2", "api", "2026-03-04T12:00:00Z"),
        dep("d3", "api", "2026-03-05T12:00:00Z"),
        dep("d4", "api", "2026-03-06T12:00:00Z"),
        dep("d5", "api", "2026-03-09T12:00:00Z"),
        dep("d6", "api", "2026-03-12T12:00:00Z"),
    ]
    incidents = [
        inc("i1", "api", "2026-03-04T06:00:00Z", "2026-03-04T07:00:00Z", deployment_id="d1"),
        inc("i2", "api", "2026-03-04T14:00:00Z", "2026-03-04T16:00:00Z"),
        inc("i3", "api", "2026-03-05T12:00:00Z", "2026-03-05T12:30:00Z"),
        inc("i4", "api", "2026-03-07T12:00:00Z", "2026-03-07T16:00:00Z"),
        inc("i5", "api", "2026-03-10T12:00:01Z", "2026-03-10T12:15:01Z"),
        inc("i6", "api", "2026-03-12T13:00:00Z", "2026-03-12T16:00:00Z", deployment_id="x"),
        inc("i7", "api", "2026-03-13T00:00:00Z", "2026-03-13T06:00:00Z", deployment_id="d6"),
        inc("i8", "ops", "2026-03-03T00:00:00Z", "2026-03-03T10:00:00Z"),
    ]
    result = totals(deployments, [], incidents)
    api, ops = result["api"], result["ops"]
    assert (api["deployments"], api["failed_deployments"]) == (6, 5)
    assert api["change_failure_rate"] == pytest.approx(5 / 6)
    # api restore times sorted [0.25, 0.5, 1, 2, 3, 4, 6]: p50 = 2; p90 at rank 5.4:
    # 4 + 0.4 * 2 = 4.8.
    assert api["incidents"] == 7
    assert api["time_to_restore_p50_hours"] == pytest.approx(2.0)
    assert api["time_to_restore_p90_hours"] == pytest.approx(4.8)
    # ops: no deployment, so no change failure rate, but its incident's restore time counts.
    assert (ops["deployments"], ops["change_failure_rate"], ops["incidents"]) == (0, None, 1)
    assert ops["time_to_restore_p50_hours"] == pytest.approx(10.0)


def test_incident_window_is_configurable() -> None:
    """With ``incident_window_hours=2`` an incident 3 h after the deployment is not linked (CFR
    0); with 3 h it is (CFR 1)."""
    deployments = [dep("d1", "api", "2026-03-03T12:00:00Z")]
    incidents = [inc("i1", "api", "2026-03-03T15:00:00Z", "2026-03-03T16:00:00Z")]
    narrow = totals(deployments, [], incidents, incident_window_hours=2.0)["api"]
    wide = totals(deployments, [], incidents, incident_window_hours=3.0)["api"]
    assert narrow["change_failure_rate"] == 0.0
    assert wide["change_failure_rate"] == 1.0


WINDOW_CASE_DEPLOYMENTS = [
    dep("a1", "api", "2026-03-03T00:00:00Z"),
    dep("b1", "batch", "2026-03-03T00:00:00Z"),
    dep("b2", "batch", "2026-03-10T00:00:00Z"),
]
# 30 h after a1 and b1; 5 days and 1 h after b1 (a1 is api's latest); 2 h after b2.
WINDOW_CASE_INCIDENTS = [
    inc("i1", "api", "2026-03-04T06:00:00Z", "2026-03-04T07:00:00Z"),
    inc("i2", "batch", "2026-03-04T06:00:00Z", "2026-03-04T08:00:00Z"),
    inc("i3", "api", "2026-03-08T01:00:00Z", "2026-03-08T02:00:00Z"),
    inc("i4", "batch", "2026-03-10T02:00:00Z", "2026-03-10T03:00:00Z"),
]


def test_a_service_window_overrides_the_setting() -> None:
    """Default window 24 h: i1 and i2 (30 h after a1 and b1) and i3 (5 days after a1) link to
    nothing; i4 (2 h after b2) links to b2: api 0 of 1 failed, batch 1 of 2. With batch's own
    window of 36 h, i2 links to b1 too: batch 2 of 2; api keeps 24 h: still 0 of 1."""
    default = totals(WINDOW_CASE_DEPLOYMENTS, [], WINDOW_CASE_INCIDENTS)
    assert (default["api"]["failed_deployments"], default["api"]["deployments"]) == (0, 1)
    assert (default["batch"]["failed_deployments"], default["batch"]["deployments"]) == (1, 2)
    own = totals(
        WINDOW_CASE_DEPLOYMENTS, [], WINDOW_CASE_INCIDENTS, incident_windows={"batch": 36.0}
    )
    assert (own["api"]["failed_deployments"], own["batch"]["failed_deployments"]) == (0, 2)
    assert own["batch"]["change_failure_rate"] == 1.0


def test_latest_attribution_has_no_window() -> None:
    """DevLake's rule: each incident links to its service's latest successful production
    deployment before it, however long before: i1 and i3 -> a1 (30 h, 5 days 1 h), i2 -> b1,
    i4 -> b2: api 1 of 1, batch 2 of 2. A service's own window does not narrow it."""
    for windows in (None, {"api": 1.0}):
        found = totals(
            WINDOW_CASE_DEPLOYMENTS,
            [],
            WINDOW_CASE_INCIDENTS,
            incident_attribution="latest",
            incident_windows=windows,
        )
        assert (found["api"]["failed_deployments"], found["api"]["deployments"]) == (1, 1)
        assert (found["batch"]["failed_deployments"], found["batch"]["deployments"]) == (2, 2)


def test_latest_attribution_still_needs_a_deployment_before() -> None:
    """An incident before any deployment of its service links to nothing in either mode, and
    an explicit id still wins over time (i1 names d1 although d2 is latest)."""
    deployments = [
        dep("d1", "api", "2026-03-03T00:00:00Z"),
        dep("d2", "api", "2026-03-05T00:00:00Z"),
    ]
    incidents = [
        inc("i0", "api", "2026-03-02T12:00:00Z", "2026-03-02T13:00:00Z"),
        inc("i1", "api", "2026-03-06T00:00:00Z", "2026-03-06T01:00:00Z", deployment_id="d1"),
    ]
    api = totals(deployments, [], incidents, incident_attribution="latest")["api"]
    assert (api["failed_deployments"], api["deployments"]) == (1, 2)


def test_incident_links_to_production_deployments_only() -> None:
    """An incident after a staging deployment links to the latest *production* deployment
    before it (d1, 10 h earlier), not to the staging one (1 h earlier)."""
    deployments = [
        dep("d1", "api", "2026-03-03T02:00:00Z"),
        dep("d2", "api", "2026-03-04T02:00:00Z"),
        dep("s1", "api", "2026-03-03T11:00:00Z", environment="staging"),
    ]
    incidents = [inc("i1", "api", "2026-03-03T12:00:00Z", "2026-03-03T13:00:00Z")]
    api = totals(deployments, [], incidents)["api"]
    assert api["failed_deployments"] == 1
    assert api["change_failure_rate"] == pytest.approx(0.5)


def test_a_deployment_that_failed_twice_counts_once() -> None:
    """Two incidents and a hotfix after the same deployment: d1 is one failed deployment; the
    hotfix d2 is the other deployment (not failed): CFR 1/2, rework 1/2."""
    deployments = [
        dep("d1", "api", "2026-03-03T12:00:00Z", sha="a"),
        dep("d2", "api", "2026-03-03T18:00:00Z", sha="b", change_type="hotfix"),
    ]
    incidents = [
        inc("i1", "api", "2026-03-03T13:00:00Z", "2026-03-03T14:00:00Z"),
        inc("i2", "api", "2026-03-03T15:00:00Z", "2026-03-03T16:00:00Z", deployment_id="d1"),
    ]
    api = totals(deployments, [], incidents)["api"]
    assert (api["failed_deployments"], api["rework_deployments"]) == (1, 1)
    assert api["change_failure_rate"] == pytest.approx(0.5)


# --- as of an instant -----------------------------------------------------------------------

# The third quarter of 2026, judged at several instants. api: a1 (10 Sep) and a2 (30 Sep
# 20:00); i2 names a1 (started 20 Sep 10:00, resolved 2 Oct 10:00: 288 h later); i1 starts
# 1 Oct 02:00, unlinked, 6 h after a2 (within 24 h: it links to a2), resolved 05:00. web: w1
# (15 Sep) and the hotfix w2 (2 Oct 09:00), which remediates w1. c1 (api, 30 Sep 18:00)
# ships with a2 (2 h); c2 (web, 30 Sep 10:00) ships with w2 in October (47 h): never Q3's.
Q3_SINCE, Q3_UNTIL = t("2026-07-01"), t("2026-10-01")
SEP_OCT = (
    [
        dep("a1", "api", "2026-09-10T10:00:00Z", sha="a"),
        dep("a2", "api", "2026-09-30T20:00:00Z", sha="b"),
        dep("w1", "web", "2026-09-15T09:00:00Z", sha="v"),
        dep("w2", "web", "2026-10-02T09:00:00Z", sha="w", change_type="hotfix"),
    ],
    [
        chg("c1", "api", "2026-09-30T18:00:00Z"),
        chg("c2", "web", "2026-09-30T10:00:00Z"),
    ],
    [
        inc("i1", "api", "2026-10-01T02:00:00Z", "2026-10-01T05:00:00Z"),
        inc("i2", "api", "2026-09-20T10:00:00Z", "2026-10-02T10:00:00Z", deployment_id="a1"),
    ],
)


def _q3(observed_until: dt.datetime | None) -> dict[str, dict[str, Any]]:
    return totals(*SEP_OCT, since=Q3_SINCE, until=Q3_UNTIL, observed_until=observed_until)


def test_a_window_is_judged_with_what_is_known_at_the_as_of_instant() -> None:
    """As of 15 October: a1 failed (i2), a2 failed (i1, an October incident), w1 failed (the
    October hotfix remediates it): CFR 2/2 and 1/1. i2's resolution is known: 288 h; i1
    started in October: not Q3's. w2 and c2 are October's: 2 and 1 deployments, 1 change
    (c1, 2 h), 0 rework for Q3."""
    known = _q3(t("2026-10-15"))
    api, web = known["api"], known["web"]
    assert (api["deployments"], api["failed_deployments"], api["change_failure_rate"]) == (2, 2, 1)
    assert (web["deployments"], web["failed_deployments"], web["rework_deployments"]) == (1, 1, 0)
    assert (api["changes"], api["lead_time_p50_hours"], web["changes"]) == (1, 2.0, 0)
    assert (api["incidents"], api["unresolved_incidents"]) == (1, 0)
    assert api["time_to_restore_p50_hours"] == 288.0


def test_as_of_the_window_end_nothing_later_is_known() -> None:
    """As of 1 October 00:00 (the window's end): only a1 failed (i2 is a September incident);
    CFR 1/2 and 0/1. i2's resolution (2 October) is not known: unresolved. Without an as-of
    instant the window's end is used too, except that every recorded resolution counts (the
    meaning ``four_keys`` had before the as-of rule)."""
    at_end = _q3(Q3_UNTIL)
    api, web = at_end["api"], at_end["web"]
    assert (api["failed_deployments"], api["change_failure_rate"]) == (1, 0.5)
    assert (web["failed_deployments"], web["change_failure_rate"]) == (0, 0.0)
    assert (api["incidents"], api["unresolved_incidents"], api["time_to_restore_p50_hours"]) == (
        1,
        1,
        None,
    )
    legacy = _q3(None)
    assert legacy["api"]["failed_deployments"] == 1 and legacy["web"]["failed_deployments"] == 0
    assert legacy["api"]["time_to_restore_p50_hours"] == 288.0


def test_as_of_an_instant_between() -> None:
    """As of 1 October 04:00: i1 (02:00) is known, its resolution (05:00) and the hotfix w2
    are not: api 2/2 failed, web 0/1; i2 still open."""
    early = _q3(t("2026-10-01T04:00:00Z"))
    assert early["api"]["failed_deployments"] == 2 and early["web"]["failed_deployments"] == 0
    assert early["api"]["unresolved_incidents"] == 1


def test_a_quarter_of_a_longer_series_is_the_quarter_judged_at_the_same_instant() -> None:
    """The scorecard reads Q3 from a quarterly series over 1 July to 15 October; ``leadline
    dora --since 2026-07-01 --until 2026-10-01`` reads the window alone. As of the same
    instant they agree on every key but the days (Q3 is whole in both)."""
    alone = _q3(t("2026-10-15"))
    rows = run(
        BACKEND,
        *SEP_OCT,
        {},
        since=Q3_SINCE,
        until=t("2026-10-15"),
        period="quarter",
        observed_until=t("2026-10-15"),
    )
    q3 = {r["key"]: r for r in rows if r["bucket"] == Q3_SINCE}
    assert set(q3) == set(alone) == {"api", "web"}
    for key, row in q3.items():
        assert differences([row], [alone[key]]) == []


# --- time to restore ------------------------------------------------------------------------


def test_unresolved_incidents_are_counted_not_dropped() -> None:
    """Incidents started in the window: i1 resolved after 1.5 h, i2 after 3 h, i3 still open,
    i4 resolved after ``until`` (48 h: resolved, it counts). i0 started before ``since`` and
    i5 at ``until``: neither counts. 4 incidents, 1 unresolved; restore times [1.5, 3, 48]:
    p50 = 3, p90 at rank 1.8: 3 + 0.8 * 45 = 39."""
    incidents = [
        inc("i0", "api", "2026-03-01T23:00:00Z", "2026-03-02T01:00:00Z"),
        inc("i1", "api", "2026-03-03T10:00:00Z", "2026-03-03T11:30:00Z"),
        inc("i2", "api", "2026-03-04T10:00:00Z", "2026-03-04T13:00:00Z"),
        inc("i3", "api", "2026-03-05T10:00:00Z"),
        inc("i4", "api", "2026-03-15T12:00:00Z", "2026-03-17T12:00:00Z"),
        inc("i5", "api", "2026-03-16T00:00:00Z", "2026-03-16T01:00:00Z"),
    ]
    api = totals([], [], incidents)["api"]
    assert (api["incidents"], api["unresolved_incidents"]) == (4, 1)
    assert api["time_to_restore_p50_hours"] == pytest.approx(3.0)
    assert api["time_to_restore_p90_hours"] == pytest.approx(39.0)
    assert (api["deployments"], api["change_failure_rate"], api["rework_rate"]) == (0, None, None)


def test_only_unresolved_incidents_give_null_restore_times() -> None:
    """One open incident: counted (1 incident, 1 unresolved), restore percentiles null."""
    api = totals([], [], [inc("i1", "api", "2026-03-03T10:00:00Z")])["api"]
    assert (api["incidents"], api["unresolved_incidents"]) == (1, 1)
    assert api["time_to_restore_p50_hours"] is None
    assert api["time_to_restore_p90_hours"] is None


# --- buckets --------------------------------------------------------------------------------


def test_weeks_with_no_deployments_are_reported_not_dropped() -> None:
    """Three weeks, deployments only in the second: the first and third weeks are present with
    0 deployments, frequency 0 and null percentiles and rates. A catalog service with nothing
    at all ("idle" -> team "quiet") gets its three empty weeks too."""
    deployments = [
        dep("d1", "api", "2026-03-10T12:00:00Z"),
        dep("d2", "api", "2026-03-11T12:00:00Z"),
    ]
    changes = [chg("c1", "api", "2026-03-10T06:00:00Z")]
    rows = series(
        deployments,
        changes,
        [],
        period="week",
        since=t("2026-03-02T00:00:00Z"),
        until=t("2026-03-23T00:00:00Z"),
        services={"api": "team", "idle": "quiet"},
    )
    assert [(r["key"], r["bucket"].day, r["deployments"]) for r in rows] == [
        ("quiet", 2, 0),
        ("quiet", 9, 0),
        ("quiet", 16, 0),
        ("team", 2, 0),
        ("team", 9, 2),
        ("team", 16, 0),
    ]
    empty = rows[3]
    assert empty["deployment_frequency_per_day"] == 0.0
    assert empty["lead_time_p50_hours"] is None and empty["time_to_restore_p50_hours"] is None
    assert empty["change_failure_rate"] is None and empty["rework_rate"] is None
    # Week of 9 March: 2 deployments / 7 days; the change 06:00 -> 12:00 = 6 h.
    assert rows[4]["deployment_frequency_per_day"] == pytest.approx(2 / 7)
    assert rows[4]["lead_time_p50_hours"] == pytest.approx(6.0)


def test_partial_first_and_last_weeks() -> None:
    """Window Wednesday 4 March 12:00 to Wednesday 18 March 00:00: weeks of 2 March (4.5 days
    inside), 9 March (7) and 16 March (2). One, two and one deployments: 1/4.5, 2/7, 1/2 per
    day. A deployment before noon on 4 March is outside the window."""
    deployments = [
        dep("d0", "api", "2026-03-04T11:59:59Z"),
        dep("d1", "api", "2026-03-05T12:00:00Z"),
        dep("d2", "api", "2026-03-10T12:00:00Z"),
        dep("d3", "api", "2026-03-15T23:59:59Z"),
        dep("d4", "api", "2026-03-17T12:00:00Z"),
    ]
    rows = series(
        deployments, [], [], period="week", since=t("2026-03-04T12:00:00Z"), until=t("2026-03-18")
    )
    assert [(r["bucket"], r["days"], r["deployments"]) for r in rows] == [
        (t("2026-03-02"), 4.5, 1),
        (t("2026-03-09"), 7.0, 2),
        (t("2026-03-16"), 2.0, 1),
    ]
    assert [r["deployment_frequency_per_day"] for r in rows] == pytest.approx([1 / 4.5, 2 / 7, 0.5])


def test_partial_first_and_last_months() -> None:
    """Window 15 January to 10 March 2026: January has 17 days inside (15-31), February 28,
    March 9. Deployments 2, 1, 3 -> 2/17, 1/28, 3/9 per day. The lead time of a change
    committed in January and shipped on 1 February belongs to February: 31 Jan 20:00 -> 1 Feb
    02:00 = 6 h."""
    deployments = [
        dep("j1", "api", "2026-01-15T00:00:00Z"),
        dep("j2", "api", "2026-01-31T23:59:59Z"),
        dep("f1", "api", "2026-02-01T02:00:00Z"),
        dep("m1", "api", "2026-03-01T00:00:00Z"),
        dep("m2", "api", "2026-03-05T00:00:00Z"),
        dep("m3", "api", "2026-03-09T23:00:00Z"),
    ]
    changes = [chg("c1", "api", "2026-01-31T20:00:00Z", deployment_id="f1")]
    rows = series(
        deployments, changes, [], period="month", since=t("2026-01-15"), until=t("2026-03-10")
    )
    assert [(r["bucket"], r["days"], r["deployments"]) for r in rows] == [
        (t("2026-01-01"), 17.0, 2),
        (t("2026-02-01"), 28.0, 1),
        (t("2026-03-01"), 9.0, 3),
    ]
    assert [r["deployment_frequency_per_day"] for r in rows] == pytest.approx(
        [2 / 17, 1 / 28, 3 / 9]
    )
    assert [r["lead_time_p50_hours"] for r in rows] == [None, pytest.approx(6.0), None]


def test_incident_in_a_bucket_without_deployments() -> None:
    """An incident's restore time belongs to the bucket it started in, even when its
    deployment was in the week before: d1 Sunday 8 March 22:00, incident Monday 9 March 01:00
    (3 h later, linked) resolved 03:00 (2 h). Week of 2 March: CFR 1/1, no restore time; week
    of 9 March: no deployments (CFR null), restore 2 h."""
    rows = series(
        [dep("d1", "api", "2026-03-08T22:00:00Z")],
        [],
        [inc("i1", "api", "2026-03-09T01:00:00Z", "2026-03-09T03:00:00Z")],
        period="week",
        since=SINCE,
        until=UNTIL,
    )
    first, second = rows
    assert (first["change_failure_rate"], first["time_to_restore_p50_hours"]) == (1.0, None)
    assert (second["change_failure_rate"], second["time_to_restore_p50_hours"]) == (None, 2.0)


# --- known bugs (ties between deployments of one service) ------------------------------------


def test_incident_links_to_one_deployment_when_two_finish_at_the_same_instant() -> None:
    """d1 and d2 of one service finish at the same instant; an incident 2 h later is caused by
    *the* latest deployment (d2, in finished_at then deployment_id order): 1 failed of 2, CFR
    0.5. (The metric links both: CFR 1.0.)"""
    deployments = [
        dep("d1", "api", "2026-03-03T10:00:00Z", sha="x"),
        dep("d2", "api", "2026-03-03T10:00:00Z", sha="y"),
    ]
    incidents = [inc("i1", "api", "2026-03-03T12:00:00Z", "2026-03-03T13:00:00Z")]
    rows = run(BACKEND, deployments, [], incidents, {}, since=SINCE, until=UNTIL)
    assert by_key(rows)["api"]["change_failure_rate"] == pytest.approx(0.5)


def test_rollback_among_deployments_finishing_at_the_same_instant() -> None:
    """d1 (x), d2 (y), d3 (x) of one service finish at the same instant; in (finished_at,
    deployment_id) order d3 redeploys x, which d1 deployed before and which differs from the
    previous (y): a rollback. Failed d2, rework d3: CFR 1/3, rework 1/3. (The metric finds
    neither.)"""
    deployments = [
        dep("d1", "api", "2026-03-03T10:00:00Z", sha="x"),
        dep("d2", "api", "2026-03-03T10:00:00Z", sha="y"),
        dep("d3", "api", "2026-03-03T10:00:00Z", sha="x"),
    ]
    rows = run(BACKEND, deployments, [], [], {}, since=SINCE, until=UNTIL)
    api = by_key(rows)["api"]
    assert (api["failed_deployments"], api["rework_deployments"]) == (1, 1)


# --- through the CSV sources and the catalog -------------------------------------------------


def dora_totals(app: App, by: str = "service", **window: str) -> dict[str, dict[str, Any]]:
    report = dora(
        app,
        by=by,  # type: ignore[arg-type]
        window=Window.parse(window.get("since", "2026-03-02"), window.get("until", "2026-03-16")),
    )
    return {g["key"]: g for g in report["groups"]}


def test_time_zone_offsets_are_converted_to_utc(app: App, tmp_path: Path) -> None:
    """CSV timestamps with offsets are instants: deployment 14:00+02:00 = 12:00Z; a change at
    05:00-05:00 = 10:00Z -> 2 h; one at 2 March 22:00-05:00 = 3 March 03:00Z -> 9 h; a naive one
    (09:00, read as UTC) -> 3 h; one at 13:30+02:00 = 11:30Z -> 0.5 h.
    Sorted [0.5, 2, 3, 9]: p50 2.5, p90 at rank 2.7: 3 + 0.7 * 6 = 7.2."""
    write_csv(
        tmp_path / "deployments.csv",
        DEPLOYMENTS_HEADER,
        ["d1,api,production,success,2026-03-03T14:00:00+02:00,abc,"],
    )
    write_csv(
        tmp_path / "changes.csv",
        CHANGES_HEADER,
        [
            "c1,api,,2026-03-03T05:00:00-05:00,,",
            "c2,api,,2026-03-02T22:00:00-05:00,,",
            "c3,api,,2026-03-03 09:00,,",
            "c4,api,,2026-03-03T13:30:00+02:00,,",
        ],
    )
    assert ingest(app, "deployments-csv", tmp_path / "deployments.csv").results[0].batch_id
    ingest(app, "changes-csv", tmp_path / "changes.csv")
    api = dora_totals(app)["api"]
    assert api["changes"] == 4
    assert api["lead_time_hours"]["p50"] == pytest.approx(2.5)
    assert api["lead_time_hours"]["p90"] == pytest.approx(7.2)


def test_out_of_order_and_duplicate_rows_merge_by_key(app: App, tmp_path: Path) -> None:
    """The same facts sent twice, in another order and with duplicated lines, give the same
    answer as sending them once: deployments merge by deployment_id, changes by (service,
    change_id) keeping the earliest commit time, incidents by incident_id. 2 deployments,
    lead times [2, 26] (the change's earliest commit 2 Mar 10:00 -> 3 Mar 12:00 = 26 h, not
    its duplicate's 11:00), CFR 1/2, one incident restored in 1 h."""
    deployments = [
        "d1,api,production,success,2026-03-03T12:00:00Z,a,",
        "d2,api,production,success,2026-03-04T12:00:00Z,b,",
    ]
    changes = ["c1,api,,2026-03-02T10:00:00Z,,", "c2,api,,2026-03-04T10:00:00Z,,"]
    incidents = ["i1,api,SEV2,2026-03-04T13:00:00Z,2026-03-04T14:00:00Z,"]
    first = tmp_path / "first"
    ingest(app, "deployments-csv", write_csv(first / "d.csv", DEPLOYMENTS_HEADER, deployments))
    ingest(app, "changes-csv", write_csv(first / "c.csv", CHANGES_HEADER, changes))
    ingest(app, "incidents-csv", write_csv(first / "i.csv", INCIDENTS_HEADER, incidents))
    once = dora_totals(app)["api"]
    again = tmp_path / "again"
    reordered = [deployments[1], deployments[0], deployments[1]]
    ingest(app, "deployments-csv", write_csv(again / "d.csv", DEPLOYMENTS_HEADER, reordered))
    later_copy = "c1,api,,2026-03-02T11:00:00Z,,"
    ingest(
        app,
        "changes-csv",
        write_csv(again / "c.csv", CHANGES_HEADER, [changes[1], later_copy, changes[0]]),
    )
    ingest(app, "incidents-csv", write_csv(again / "i.csv", INCIDENTS_HEADER, incidents * 2))
    twice = dora_totals(app)["api"]
    assert twice == once
    assert (once["deployments"], once["changes"], once["incidents"]) == (2, 2, 1)
    assert once["lead_time_hours"] == {"p50": pytest.approx(14.0), "p90": pytest.approx(23.6)}
    assert once["change_failure_rate"] == pytest.approx(0.5)
    assert once["time_to_restore_hours"]["p50"] == pytest.approx(1.0)


GROUP_DEPLOYMENTS = [
    "a1,api,production,success,2026-03-03T12:00:00Z,,",
    "a2,api,production,success,2026-03-04T12:00:00Z,,",
    "w1,web,production,success,2026-03-05T12:00:00Z,,",
    "s1,search,production,success,2026-03-06T12:00:00Z,,",
    "l1,ledger,production,success,2026-03-07T12:00:00Z,,",
    "m1,mystery,production,success,2026-03-08T12:00:00Z,,",
]


@pytest.mark.parametrize(
    ("by", "expected"),
    [
        ("service", {"api": 2, "web": 1, "search": 1, "ledger": 1, "mystery": 1}),
        ("team", {"payments": 3, "browse": 1, "finance": 1, "(none)": 1}),
        ("value-stream", {"checkout": 3, "discovery": 1, "(none)": 2}),
        ("business-unit", {"retail": 4, "corporate": 1, "(none)": 1}),
    ],
)
def test_groups_through_the_catalog(
    app: App, tmp_path: Path, by: str, expected: dict[str, int]
) -> None:
    """Deployments of api (2), web, search, ledger and "mystery" (not in the catalog) over 14
    days, grouped: by service each keeps its name (mystery too); by team api+web are payments;
    search's value stream comes from its team (discovery), ledger's team has none; business
    units come from the team. A service missing from the catalog goes to "(none)" (and its
    ingest warns). Frequencies are deployments / 14."""
    load_catalog(app, tmp_path)
    report = ingest(
        app, "deployments-csv", write_csv(tmp_path / "d.csv", DEPLOYMENTS_HEADER, GROUP_DEPLOYMENTS)
    )
    warnings = [p for r in report.results for p in r.problems]
    assert [(p.severity, p.value) for p in warnings] == [("warning", "mystery")]
    groups = dora_totals(app, by)
    assert {k: g["deployments"] for k, g in groups.items()} == expected
    for key, count in expected.items():
        assert groups[key]["deployment_frequency_per_day"] == pytest.approx(count / 14)


# --- several production environments (regions, a canary) -------------------------------------

REGIONS = ("prod-eu", "prod-us", "canary")
# api releases A, B, C in eu; us follows late (u2 brings B after eu already runs C); eu rolls
# back to B (e4, environment written "PROD-EU": the same environment).
REGION_DEPLOYMENTS = [
    dep("e1", "api", "2026-03-02T10:00:00Z", environment="prod-eu", sha="A"),
    dep("u1", "api", "2026-03-02T12:00:00Z", environment="prod-us", sha="A"),
    dep("e2", "api", "2026-03-04T10:00:00Z", environment="prod-eu", sha="B"),
    dep("e3", "api", "2026-03-06T10:00:00Z", environment="prod-eu", sha="C"),
    dep("u2", "api", "2026-03-06T12:00:00Z", environment="prod-us", sha="B"),
    dep("u3", "api", "2026-03-07T12:00:00Z", environment="prod-us", sha="C"),
    dep("e4", "api", "2026-03-08T10:00:00Z", environment="PROD-EU", sha="B"),
]
REGION_CHANGES = [
    chg("c1", "api", "2026-03-01T10:00:00Z", merged_at="2026-03-02T09:00:00Z"),
    chg("c2", "api", "2026-03-06T11:00:00Z"),
    chg("c3", "api", "2026-03-03T10:00:00Z", deployment_id="u2"),
]
REGION_INCIDENTS = [
    inc("i1", "api", "2026-03-06T13:00:00Z", "2026-03-06T14:00:00Z"),
    inc("i2", "api", "2026-03-07T13:00:00Z", "2026-03-07T15:00:00Z", deployment_id="u3"),
]


def test_a_release_counts_once_per_service_across_environments() -> None:
    """Per service (default): u1, u2, u3 bring A, B, C to prod-us after prod-eu got them, each
    the first of its commit there: promotions, not counted. Releases e1 A, e2 B, e3 C, e4 B:
    4 deployments; e4 redeploys B, which eu ran before, after C: a rollback (rework 1/4) that
    fails e3. i1 (no id, 6 Mar 13:00) links to the latest release before it, e3 (3 h); i2
    names u3, a promotion of C: e3 again. Failed: e3 only, 1/4. Lead times: c1 merged 2 Mar
    09:00 ships in e1 (10:00): 24 h from its commit; c2 (6 Mar 11:00) in the next release,
    e4 (8 Mar 10:00): 47 h, not u2 (6 Mar 12:00), which brings the older B; c3 names u2, whose
    release is e2 (4 Mar 10:00): 24 h. [24, 24, 47]: p50 24, p90 24 + 0.8 * 23 = 42.4."""
    api = totals(
        REGION_DEPLOYMENTS,
        REGION_CHANGES,
        REGION_INCIDENTS,
        production_environments=REGIONS,
    )["api"]
    assert (api["deployments"], api["failed_deployments"], api["rework_deployments"]) == (4, 1, 1)
    assert api["change_failure_rate"] == 0.25 and api["rework_rate"] == 0.25
    assert api["changes"] == 3
    assert api["lead_time_p50_hours"] == pytest.approx(24.0)
    assert api["lead_time_p90_hours"] == pytest.approx(42.4)


def test_per_environment_every_deployment_counts_and_lines_are_per_environment() -> None:
    """Per environment: 7 deployments. Rollbacks are judged in each environment's own line:
    eu A, B, C, B makes e4 a rollback (e3 failed); us A, B, C has none (on the service's
    single line u2, B after C, would have been a false rollback). i1 links to the latest
    deployment of any environment before it, u2 (1 h); i2 names u3. Failed e3, u2, u3: 3/7;
    rework e4: 1/7. Lead times are the releases' (the first environment to receive each
    change), as per service: p50 24, p90 42.4."""
    api = totals(
        REGION_DEPLOYMENTS,
        REGION_CHANGES,
        REGION_INCIDENTS,
        production_environments=REGIONS,
        release_scope="environment",
    )["api"]
    assert (api["deployments"], api["failed_deployments"], api["rework_deployments"]) == (7, 3, 1)
    assert api["change_failure_rate"] == pytest.approx(3 / 7)
    assert api["lead_time_p50_hours"] == pytest.approx(24.0)
    assert api["lead_time_p90_hours"] == pytest.approx(42.4)


def test_a_commit_deployed_to_one_environment_twice_is_not_a_promotion() -> None:
    """Canary gets A then B, then production gets B (a promotion: not counted) and B again
    later (a redeploy in production of what it runs: counted, not a rollback; the commit has
    no other deployment between). Deployments: canary A, canary B, production B (second):
    3 counted; no remediation."""
    deployments = [
        dep("k1", "api", "2026-03-02T10:00:00Z", environment="canary", sha="A"),
        dep("k2", "api", "2026-03-03T10:00:00Z", environment="canary", sha="B"),
        dep("p1", "api", "2026-03-03T12:00:00Z", environment="prod-eu", sha="B"),
        dep("p2", "api", "2026-03-04T12:00:00Z", environment="prod-eu", sha="B"),
    ]
    api = totals(deployments, production_environments=REGIONS)["api"]
    assert (api["deployments"], api["rework_deployments"], api["failed_deployments"]) == (3, 0, 0)
