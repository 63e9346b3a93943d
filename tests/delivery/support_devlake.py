"""Apache DevLake's DORA e2e fixtures (tests/data/conformance/devlake/, copied verbatim) read
and turned into leadline's facts: DevLake's project is leadline's service, each
``cicd_deployment_commits`` row a deployment, each merged pull request a change (and a
``pull_requests`` row for cycle time), each incident an incident. Nothing here computes a
metric: the conversion only renames and re-types what the fixture says."""

from __future__ import annotations

import csv
import datetime as dt
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from tests.delivery.support_metrics import Fact, chg, dep, inc

E2E = Path(__file__).parents[1] / "data/conformance/devlake/backend/plugins/dora/e2e"
LEAD = E2E / "change_lead_time"
INCIDENT = E2E / "connect_incident_to_deployment"

Rows = list[dict[str, str]]


def read(path: Path) -> Rows:
    """A fixture CSV's rows (DevLake writes some with CRLF line ends)."""
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def when(text: str) -> dt.datetime | None:
    """A naive UTC instant from DevLake's two spellings: ISO with an offset
    (``2023-04-10T06:51:47.000+00:00``) or MySQL-style without padding (``2023-4-10 6:51:47``,
    UTC as DevLake's e2e database runs); empty is null."""
    if not text:
        return None
    if "T" in text:
        value = dt.datetime.fromisoformat(text)
        return value.astimezone(dt.UTC).replace(tzinfo=None)
    return dt.datetime.strptime(text, "%Y-%m-%d %H:%M:%S")


def minutes(hours: float | None) -> int | None:
    """DevLake's unit: whole minutes rounded up (``math.Ceil(span.Minutes())``)."""
    return None if hours is None else math.ceil(round(hours * 60, 6))


def projects(mapping: Rows, table: str) -> dict[str, str]:
    """``row_id`` -> project name, for one kind of scope of ``project_mapping``."""
    return {row["row_id"]: row["project_name"] for row in mapping if row["table"] == table}


def deployments(rows: Rows, mapping: Rows) -> list[Fact]:
    """One deployment per ``cicd_deployment_commits`` row, its id the row's ``id``, its service
    the project of its CI/CD scope (a scope in no project keeps its own name)."""
    scopes = projects(mapping, "cicd_scopes")
    facts = []
    for row in rows:
        finished = when(row["finished_date"])
        assert finished is not None, row
        facts.append(
            dep(
                row["id"],
                scopes.get(row["cicd_scope_id"], row["cicd_scope_id"]),
                finished,
                status=row["result"].lower(),  # SUCCESS / FAILURE
                environment=row["environment"],
                sha=row["commit_sha"],
            )
        )
    return facts


def pipelines(rows: Rows) -> dict[str, str]:
    """Deployment commit row id -> its ``cicd_deployment_id`` (DevLake's deployment)."""
    return {row["id"]: row["cicd_deployment_id"] for row in rows}


def first_commits(commits: Rows) -> dict[str, dt.datetime]:
    """Per pull request, its earliest commit ``commit_authored_date``."""
    out: dict[str, dt.datetime] = {}
    for row in commits:
        at = when(row["commit_authored_date"])
        assert at is not None, row
        pr_id = row["pull_request_id"]
        out[pr_id] = min(at, out.get(pr_id, at))
    return out


def diff_links(diffs: Rows, deployment_rows: Rows) -> dict[str, str]:
    """Merge commit sha -> the deployment commit row whose diff contains it: ``commits_diffs``
    says a commit is in ``new_commit_sha`` and not in ``old_commit_sha``; the row deploying
    ``new`` whose previous successful deployment ran ``old`` ('' for none) is that deployment.
    This is what leadline's git source records as a change's ``deployment_id``."""
    by_id = {row["id"]: row for row in deployment_rows}
    out: dict[str, str] = {}
    for diff in diffs:
        found = [
            row["id"]
            for row in deployment_rows
            if row["commit_sha"] == diff["new_commit_sha"]
            and by_id.get(row["prev_success_deployment_commit_id"], {}).get("commit_sha", "")
            == diff["old_commit_sha"]
        ]
        assert len(found) == 1, (diff, found)
        assert diff["commit_sha"] not in out, diff
        out[diff["commit_sha"]] = found[0]
    return out


def changes(
    prs: Rows, commits: Rows, links: Mapping[str, str], mapping: Rows, *, explicit: bool = True
) -> list[Fact]:
    """One change per *merged* pull request (DevLake's ``project_pr_metrics`` has only those):
    its merge commit, committed at the first commit's authored date (DevLake's start of lead
    time), merged at ``merged_date``, with the deployment ``links`` name (when ``explicit``)."""
    repos = projects(mapping, "repos")
    first = first_commits(commits)
    facts = []
    for row in prs:
        merged = when(row["merged_date"])
        if merged is None:
            continue
        sha = row["merge_commit_sha"]
        facts.append(
            chg(
                row["id"],
                repos[row["base_repo_id"]],
                first[row["id"]],
                merged_at=merged,
                deployment_id=links.get(sha) if explicit else None,
                sha=sha,
            )
        )
    return facts


def pull_requests(prs: Rows, commits: Rows, mapping: Rows) -> list[Fact]:
    """``pull_requests`` facts (every request, merged or not), first commit from its commits."""
    repos = projects(mapping, "repos")
    first = first_commits(commits)
    return [
        {
            "pr_id": row["id"],
            "service": repos[row["base_repo_id"]],
            "repo": row["base_repo_id"],
            "number": number,
            "author": row["author_id"] or None,
            "created_at": when(row["created_date"]),
            "first_commit_at": first.get(row["id"]),
            "merged_at": when(row["merged_date"]),
            "merge_commit_sha": row["merge_commit_sha"],
        }
        for number, row in enumerate(prs)
    ]


def reviews(comments: Rows, prs: Rows, mapping: Rows) -> list[Fact]:
    """``pull_request_reviews`` facts from ``pull_request_comments`` (reviewer: ``account_id``)."""
    repos = projects(mapping, "repos")
    service = {row["id"]: repos[row["base_repo_id"]] for row in prs}
    return [
        {
            "review_id": row["id"],
            "pr_id": row["pull_request_id"],
            "service": service[row["pull_request_id"]],
            "reviewer": row["account_id"] or None,
            "state": "commented",
            "submitted_at": when(row["created_date"]),
        }
        for row in comments
    ]


def incidents(rows: Rows, mapping: Rows) -> list[Fact]:
    """One incident per row, its service the project of its scope (``table``, ``scope_id``;
    a scope in no project is a service of its own, ``repos:repo3``), no resolution known."""
    scopes = {(row["table"], row["row_id"]): row["project_name"] for row in mapping}
    facts = []
    for row in rows:
        started = when(row["created_date"])
        assert started is not None, row
        key = (row["table"], row["scope_id"])
        facts.append(inc(row["id"], scopes.get(key, ":".join(key)), started))
    return facts


def by(rows: Sequence[Mapping[str, Any]], key: str) -> dict[str, dict[str, Any]]:
    """Rows by the text of their ``key`` column."""
    return {str(row[key]): dict(row) for row in rows}
