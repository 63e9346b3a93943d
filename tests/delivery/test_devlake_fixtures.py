"""Agreement with Apache DevLake's own DORA e2e fixtures (issue 17), where the definitions
coincide, and the differences asserted by hand where they do not.

Fixtures (tests/data/conformance/devlake/SOURCES.md): ``change_lead_time/`` (input of
DevLake's ``calculateChangeLeadTime``, expected ``project_pr_metrics.csv``: per pull request
its first commit, coding, pickup, review and deploy times, the deployment that shipped it and
its cycle time, in whole minutes rounded up) and ``connect_incident_to_deployment/`` (input of
``ConnectIncidentToDeployment``, expected ``project_incident_deployment_relationships.csv``:
per incident the deployment it is blamed on). DevLake's project is leadline's service.
leadline's counterparts: ``pull_request_phases`` (cycle time, over the DORA attribution
``change_attributions``), ``four_keys`` and ``incident_links`` / ``deployment_failures`` with
``incident_attribution="latest"`` (DevLake's rule). DuckDB only.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import ibis

from leadline.delivery.metrics import (
    change_attributions,
    deployment_failures,
    incident_links,
    production_deployments,
    shipped_deployments,
)
from leadline.delivery.schemas import CHANGES, DEPLOYMENTS, INCIDENTS
from leadline.lake.engines import duckdb_backend
from tests.delivery import support_devlake as dl
from tests.delivery.support_cycle import phases_expr
from tests.delivery.support_metrics import PROD, arrow, by_key, run

BACKEND = duckdb_backend()

# --- change lead time fixture ------------------------------------------------------------
L_DEPLOY = dl.read(dl.LEAD / "cicd_deployment_commits.csv")
L_MAPPING = dl.read(dl.LEAD / "project_mapping.csv")
L_PRS = dl.read(dl.LEAD / "pull_requests.csv")
L_COMMITS = dl.read(dl.LEAD / "pull_request_commits.csv")
L_LINKS = dl.diff_links(dl.read(dl.LEAD / "commits_diffs.csv"), L_DEPLOY)
EXPECTED = dl.by(dl.read(dl.LEAD / "project_pr_metrics.csv"), "id")
UNTIL = dt.datetime(2024, 1, 1)


def _phases() -> dict[str, dict[str, Any]]:
    """leadline's ``pull_request_phases`` over the fixture, per pull request, with the id of
    the deployment that shipped it (the project's one finishing at ``deployed_at``)."""
    expr = phases_expr(
        ibis.memtable,
        prs=dl.pull_requests(L_PRS, L_COMMITS, L_MAPPING),
        reviews=dl.reviews(dl.read(dl.LEAD / "pull_request_comments.csv"), L_PRS, L_MAPPING),
        changes=dl.changes(L_PRS, L_COMMITS, L_LINKS, L_MAPPING),
        deployments=dl.deployments(L_DEPLOY, L_MAPPING),
        until=UNTIL,
        releases=True,  # as `leadline dora cycle-time` counts deployments
    )
    rows = dl.by(BACKEND.to_pyarrow(expr).to_pylist(), "pr_id")
    finishes = {
        (d["service"], d["finished_at"]): d["deployment_id"]
        for d in dl.deployments(L_DEPLOY, L_MAPPING)
        if d["status"] == "success" and d["environment"] == "PRODUCTION"
    }
    assert len(finishes) == 11  # no two production deployments of a project finish together
    for row in rows.values():
        row["deployment"] = finishes.get((row["service"], row["deployed_at"]))
    return rows


def test_fixture_conversion() -> None:
    """The commit diffs name the deployment rows DevLake's query joins: merge commits 1 and 2
    in row 5 (commit1 -> commit5), 3 in row 6, 4 in row 8 (staging), 5 in row 11 (a failure)
    and 0 in row 1 (a project's first deployment: no previous one). pr6 is not merged: in
    neither output."""
    assert L_LINKS == {
        "pr_merge_commit1": "5",
        "pr_merge_commit2": "5",
        "pr_merge_commit3": "6",
        "pr_merge_commit4": "8",
        "pr_merge_commit5": "11",
        "pr_merge_commit0": "1",
    }
    assert sorted(EXPECTED) == ["pr0", "pr1", "pr2", "pr3", "pr4", "pr5"]
    assert sorted(_phases()) == sorted(EXPECTED)


def test_pull_request_figures_that_agree() -> None:
    """Where the definitions coincide leadline gives DevLake's figures: every first commit;
    coding time (opened − first commit) of pr0, pr1, pr3, pr4, pr5; pickup and review of pr0
    (none: only its author commented), pr1 (5, 55) and pr2 (1, 60: a review 2 s after the
    opening is 1 minute rounded up); the deployment of pr1 and pr2 (row 5, whose diff
    contains their merge commits), its finish and the deploy time (2978, 1538); no deployment
    for pr4 (its diff's deployment is staging) and pr5 (a failed one), none later; and the
    cycle time of the deployed pull requests, 4478 and 1598 minutes (leadline's exact 4477.45
    and 1597.45, rounded up)."""
    got, want = _phases(), EXPECTED
    for pr_id, row in got.items():
        assert row["first_commit_at"] == dl.when(want[pr_id]["first_commit_authored_date"])
    for pr_id in ("pr0", "pr1", "pr3", "pr4", "pr5"):
        assert dl.minutes(got[pr_id]["coding_hours"]) == int(want[pr_id]["pr_coding_time"])
    for pr_id in ("pr0", "pr1", "pr2"):
        for ours, theirs in (
            ("pickup_hours", "pr_pickup_time"),
            ("review_hours", "pr_review_time"),
        ):
            expected = want[pr_id][theirs]
            assert dl.minutes(got[pr_id][ours]) == (int(expected) if expected else None)
    for pr_id in ("pr1", "pr2"):
        assert got[pr_id]["deployment"] == want[pr_id]["deployment_commit_id"] == "5"
        assert got[pr_id]["deployed_at"] == dl.when(want[pr_id]["pr_deployed_date"])
        assert dl.minutes(got[pr_id]["deploy_hours"]) == int(want[pr_id]["pr_deploy_time"])
        assert dl.minutes(got[pr_id]["cycle_hours"]) == int(want[pr_id]["pr_cycle_time"])
    for pr_id in ("pr4", "pr5"):
        assert got[pr_id]["deployed_at"] is None
        assert want[pr_id]["deployment_commit_id"] == want[pr_id]["pr_deployed_date"] == ""


def test_pull_request_figures_that_differ() -> None:
    """Where the definitions differ, the difference by hand (minutes):

    - pr0: DevLake ships nothing in a project's first deployment (its query needs a previous
      successful deployment to diff against); leadline's first deployment contains everything
      merged before it (row 1, 10 April 2023 06:52:47): deploy 610681 = 424 d 2 h 1 min after
      the merge, cycle 655321 = 31 d + that. DevLake: undeployed.
    - pr3: DevLake ships it in row 6, which finished (13 April 07:30:34) before the merge
      (14 April 06:53:51), a negative deploy time it leaves empty; leadline: a deployment
      finishing before the merge cannot contain it (issue 17), none later: undeployed.
    - An undeployed pull request's cycle: DevLake adds the phases it has (pr0 44640, pr3
      10203, pr4 11764, pr5 13204: first commit → merge); leadline's is unknown until deployed.
    - pr2's first commit is after its opening: DevLake leaves the negative coding time empty;
      leadline counts 0 (its cycle starts at the opening in both).
    - A comment before the opening (pr3 1 day earlier, pr5 7 months earlier): DevLake's
      pickup is empty and its review runs from the comment (5760, 313068); leadline counts it
      at the opening: pickup 0, review opening → merge (4320, 60).
    - Comments after the merge (pr4): DevLake's first review (pickup 1500, review empty);
      leadline: not a review, pickup and review unknown."""
    got, want = _phases(), EXPECTED
    assert want["pr0"]["deployment_commit_id"] == ""
    assert got["pr0"]["deployment"] == "1"
    assert dl.minutes(got["pr0"]["deploy_hours"]) == 610681
    assert dl.minutes(got["pr0"]["cycle_hours"]) == 655321 == 44640 + 610681
    assert want["pr3"]["deployment_commit_id"] == "6" and want["pr3"]["pr_deploy_time"] == ""
    assert got["pr3"]["deployed_at"] is None
    for pr_id, cycle in (("pr0", 44640), ("pr3", 10203), ("pr4", 11764), ("pr5", 13204)):
        assert int(want[pr_id]["pr_cycle_time"]) == cycle
        if pr_id != "pr0":
            assert got[pr_id]["cycle_hours"] is None
    assert want["pr2"]["pr_coding_time"] == "" and got["pr2"]["coding_hours"] == 0
    for pr_id, theirs, ours in (("pr3", 5760, 4320), ("pr5", 313068, 60)):
        assert want[pr_id]["pr_pickup_time"] == "" and int(want[pr_id]["pr_review_time"]) == theirs
        assert got[pr_id]["pickup_hours"] == 0 and dl.minutes(got[pr_id]["review_hours"]) == ours
    assert (want["pr4"]["pr_pickup_time"], want["pr4"]["pr_review_time"]) == ("1500", "")
    assert got["pr4"]["pickup_hours"] is None and got["pr4"]["review_hours"] is None


def test_lead_time_attribution_and_four_keys() -> None:
    """The DORA lead time (``change_attributions``, ``four_keys``) on the same changes, each
    started at its first commit's authored date, DevLake's documented definition ("the time a
    PR was deployed minus the PR's first commit's authored_date"). pr1 ships in row 5 as in
    DevLake (4477.45 min). pr2's first commit (13 April 04:51:47) is after its merge: leadline
    measures from it, as the definition says (157.45 min to row 5), where DevLake's stored
    figure drops the negative coding span (1598, which leadline's cycle time gives). pr0 ships
    in row 1 (above). April 2023, project1: 10 successful production deployments, 3 changes,
    p50 4477.45 min. Without the diffs' explicit links leadline's time rule would ship pr1 in
    row 3, another repository's deployment of project1 7 minutes before row 5: the links
    carry DevLake's commit graph."""
    shipped = shipped_deployments(
        ibis.memtable(arrow(DEPLOYMENTS, dl.deployments(L_DEPLOY, L_MAPPING))), PROD
    )
    finish = {d["deployment_id"]: d["finished_at"] for d in dl.deployments(L_DEPLOY, L_MAPPING)}
    until = ibis.literal(UNTIL, "timestamp(6)")

    def attributed(explicit: bool) -> dict[str, dict[str, Any]]:
        facts = dl.changes(L_PRS, L_COMMITS, L_LINKS, L_MAPPING, explicit=explicit)
        table = ibis.memtable(arrow(CHANGES, facts))
        expr = change_attributions(table, shipped, until, "commit", keep_ref=True)
        return dl.by(BACKEND.to_pyarrow(expr).to_pylist(), "ref")

    linked = attributed(explicit=True)
    assert {k: r["deployed_at"] for k, r in linked.items()} == {
        "pr0": finish["1"],
        "pr1": finish["5"],
        "pr2": finish["5"],
        "pr3": None,
        "pr4": None,
        "pr5": None,
    }
    lead = {
        k: (r["deployed_at"] - r["start"]).total_seconds() / 60
        for k, r in linked.items()
        if r["deployed_at"]
    }
    assert lead == {"pr0": 655321.0, "pr1": 4477.45, "pr2": 157.45}
    assert attributed(explicit=False)["pr1"]["deployed_at"] == finish["3"]

    facts = dl.changes(L_PRS, L_COMMITS, L_LINKS, L_MAPPING)
    rows = run(
        BACKEND,
        dl.deployments(L_DEPLOY, L_MAPPING),
        facts,
        (),
        {"project1": "project1"},
        since=dt.datetime(2023, 4, 1),
        until=dt.datetime(2023, 5, 1),
        incident_attribution="latest",
    )
    april = by_key(rows)["project1"]
    assert (april["deployments"], april["changes"]) == (10, 3)
    assert abs(april["lead_time_p50_hours"] * 60 - 4477.45) < 1e-9


# --- incident to deployment fixture -------------------------------------------------------
I_DEPLOY = dl.read(dl.INCIDENT / "prev_success_deployment_commit/cicd_deployment_commits_after.csv")
I_MAPPING = dl.read(dl.INCIDENT / "raw_tables/project_mapping.csv")
I_INCIDENTS = dl.incidents(dl.read(dl.INCIDENT / "raw_tables/incidents.csv"), I_MAPPING)
RELATIONS = dl.read(dl.INCIDENT / "snapshot_tables/project_incident_deployment_relationships.csv")
PIPELINE = dl.pipelines(I_DEPLOY)


def _links(incidents: list[dict[str, Any]], attribution: str) -> dict[str, str]:
    """Incident id -> the ``cicd_deployment_id`` of the row leadline links it to."""
    deployed = ibis.memtable(arrow(DEPLOYMENTS, dl.deployments(I_DEPLOY, I_MAPPING)))
    expr = incident_links(
        shipped_deployments(deployed, PROD),
        ibis.memtable(arrow(INCIDENTS, incidents)),
        24.0,
        attribution=attribution,  # type: ignore[arg-type]
    )
    return {
        r["incident_id"]: PIPELINE[r["linked_id"]] for r in BACKEND.to_pyarrow(expr).to_pylist()
    }


def test_incident_links_agree_with_devlakes_rule() -> None:
    """With ``incident_attribution="latest"`` each incident links to its project's latest
    successful production deployment before it, exactly DevLake's expected table: the five
    November incidents of project1 to pipeline7 (row 13, 24 September), board1's incident of
    15 September 01:56:16 to pipeline2 (row 3, 14 September 06:51:47; row 15 of that instant
    is project2's), and the repo3 incident (a scope in no project) to nothing."""
    expected = {row["id"]: row["deployment_id"] for row in RELATIONS}
    assert {row["project_name"] for row in RELATIONS} == {"project1"}
    assert _links(I_INCIDENTS, "latest") == expected
    assert "github:GithubIssue:1:1373792477" not in expected


def test_failed_deployments_and_the_window_rule() -> None:
    """Per deployment, whether an incident fails it (``deployment_failures``; no rollbacks
    here: every row deploys a new commit): with DevLake's rule rows 3 and 13, so DevLake's
    deployments pipeline2 and pipeline7, the ones its expected table names. leadline counts
    each deployment commit row (project1: 10 successful production rows, 2 failed, 20 %);
    DevLake's rate counts pipelines, a figure its fixture does not give. leadline's default
    rule (a 24 h window) links only board1's incident (19.07 h after row 3): 1 of 10."""
    deployed = ibis.memtable(arrow(DEPLOYMENTS, dl.deployments(I_DEPLOY, I_MAPPING)))
    shipped = shipped_deployments(deployed, PROD)
    expr = deployment_failures(
        shipped,
        production_deployments(shipped),
        ibis.memtable(arrow(INCIDENTS, I_INCIDENTS)),
        24.0,
        attribution="latest",
    )
    failed = {r["deployment_id"] for r in BACKEND.to_pyarrow(expr).to_pylist() if r["failed"]}
    assert failed == {"3", "13"}
    assert {PIPELINE[d] for d in failed} == {row["deployment_id"] for row in RELATIONS}

    def september(attribution: str) -> dict[str, Any]:
        rows = run(
            BACKEND,
            dl.deployments(I_DEPLOY, I_MAPPING),
            (),
            I_INCIDENTS,
            {"project1": "project1", "project2": "project2"},
            since=dt.datetime(2022, 9, 1),
            until=dt.datetime(2022, 10, 1),
            observed_until=dt.datetime(2023, 1, 1),  # the November incidents are known
            incident_attribution=attribution,
        )
        return by_key(rows)["project1"]

    latest, window = september("latest"), september("window")
    assert (latest["deployments"], latest["failed_deployments"]) == (10, 2)
    assert latest["change_failure_rate"] == 0.2
    assert (window["deployments"], window["failed_deployments"]) == (10, 1)
    assert _links(I_INCIDENTS, "window") == {"github:GithubIssue:1:1373792478": "pipeline2"}


def test_an_incident_at_a_deployments_finish() -> None:
    """Not in DevLake's fixture, a difference of definition shown on it: DevLake takes the
    latest deployment finishing strictly before the incident (``finished_date < ?``); leadline
    one at or before it (a deployment finishing at the incident's instant may have caused
    it). An incident of project1 at row 3's finish (14 September 06:51:47) links to row 3
    (pipeline2) in leadline; DevLake's rule would take row 2 (pipeline1, 12 September)."""
    at = dl.when("2022-09-14T06:51:47.000+00:00")
    assert at is not None
    incident = {**I_INCIDENTS[0], "incident_id": "same-instant", "started_at": at}
    assert _links([incident], "latest") == {"same-instant": "pipeline2"}
