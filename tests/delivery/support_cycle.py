"""Helpers of the cycle-time tests: pull-request, review and file rows, and runs of
``pull_request_phases`` / ``cycle_time`` on an engine over tables made from them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import ibis

from leadline.delivery.cycle_time import cycle_time, pull_request_phases
from leadline.delivery.metrics import counted_deployments, shipped_deployments
from leadline.delivery.pr_tables import PULL_REQUEST_FILES, PULL_REQUEST_REVIEWS, PULL_REQUESTS
from leadline.delivery.schemas import CHANGES, DEPLOYMENTS
from tests.delivery.support_metrics import (
    PROD,
    Fact,
    TableFactory,
    arrow,
    buckets_table,
    services_table,
    t,
)

GENERATED = ("**/package-lock.json", "**/vendor/**")


def _time(value: str | dt.datetime | None) -> dt.datetime | None:
    return t(value) if isinstance(value, str) else value


def pr(
    pr_id: str,
    service: str,
    created_at: str,
    merged_at: str | None,
    *,
    first_commit_at: str | None = None,
    author: str | None = "alice",
    sha: str | None = None,
    additions: int | None = None,
    deletions: int | None = None,
) -> Fact:
    """A pull_requests fact row."""
    return {
        "pr_id": pr_id,
        "service": service,
        "repo": f"acme/{service}",
        "number": 1,
        "author": author,
        "created_at": t(created_at),
        "first_commit_at": _time(first_commit_at),
        "merged_at": _time(merged_at),
        "merge_commit_sha": sha,
        "additions": additions,
        "deletions": deletions,
    }


def review(review_id: str, pr_id: str, service: str, reviewer: str | None, at: str) -> Fact:
    return {
        "review_id": review_id,
        "pr_id": pr_id,
        "service": service,
        "reviewer": reviewer,
        "state": "commented",
        "submitted_at": t(at),
    }


def file(pr_id: str, service: str, path: str, additions: int, deletions: int) -> Fact:
    return {
        "pr_id": pr_id,
        "service": service,
        "path": path,
        "additions": additions,
        "deletions": deletions,
        "created_at": dt.datetime(2026, 1, 1),
    }


def phases_expr(
    make: TableFactory,
    *,
    prs: Sequence[Fact],
    reviews: Sequence[Fact] = (),
    files: Sequence[Fact] = (),
    changes: Sequence[Fact] = (),
    deployments: Sequence[Fact] = (),
    until: dt.datetime,
    generated: Sequence[str] = GENERATED,
    releases: bool = False,
) -> ibis.Table:
    """``pull_request_phases`` over tables of the rows; with ``releases``, deployments counted
    once per service as ``leadline dora cycle-time`` does (``counted_deployments``)."""
    deployed = make(arrow(DEPLOYMENTS, deployments))
    shipped, aliases = (
        counted_deployments(deployed, PROD)
        if releases
        else (shipped_deployments(deployed, PROD), None)
    )
    return pull_request_phases(
        make(arrow(PULL_REQUESTS, prs)),
        make(arrow(PULL_REQUEST_REVIEWS, reviews)),
        make(arrow(PULL_REQUEST_FILES, files)),
        make(arrow(CHANGES, changes)),
        shipped,
        until=ibis.literal(until, "timestamp(6)"),
        generated_paths=generated,
        aliases=aliases,
    )


def cycle_expr(
    phases: ibis.Table,
    services: Mapping[str, str | None],
    make: TableFactory,
    *,
    since: dt.datetime,
    until: dt.datetime,
    period: str | None = None,
) -> ibis.Table:
    return cycle_time(
        phases,
        services_table(services, make),
        buckets_table(since, until, period, make),
        since=ibis.literal(since, "timestamp(6)"),
        until=ibis.literal(until, "timestamp(6)"),
        period=period,  # type: ignore[arg-type]
    )


def by_id(rows: list[dict[str, Any]], key: str = "pr_id") -> dict[str, dict[str, Any]]:
    return {row[key]: row for row in rows}
