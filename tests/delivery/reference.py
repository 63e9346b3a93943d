"""A plain-Python oracle for the DORA four keys and rework rate (DESIGN.md §4, metrics.py).

Written from the documented definitions alone, in the most obvious loop-based way, so that the
Ibis metric can be checked against it row by row. Inputs are mappings with the fact tables'
columns (timestamps naive UTC ``datetime``); the output has the columns of ``four_keys``.

The definitions, as this oracle reads them:

- Only successful (``status == "success"``) deployments to a production environment (name in
  ``production_environments``, case-insensitive) that finished before ``until`` count. A
  service's deployments are ordered by ``finished_at``, then ``deployment_id``.
- Each production environment name (lower case) is one environment. With ``release_scope``
  "service" (default), a deployment is a *promotion*, not counted, when its commit is known,
  an earlier deployment of the service (in that order) deployed the same commit, and it is the
  first deployment of that commit to its environment; an explicit link to it means the latest
  counted deployment of that commit before it. With "environment" every one counts, and
  rollbacks and remediations below are judged within each environment. Changes ship in
  releases (the "service" reading) whatever the scope.
- A deployment is a *rollback* when labelled ``rollback``, or when it deploys a commit that an
  earlier deployment of the service (in that order) deployed and that differs from the commit
  of the service's previous deployment. It is a *remediation* when it is a rollback or labelled
  ``hotfix``.
- A deployment *failed* when an incident is linked to it or the service's next deployment is a
  remediation. An incident (started before ``until``) links to the deployment its
  ``deployment_id`` names when that is a counted deployment; otherwise to its service's latest
  counted deployment finishing at or before its start, if at most the service's window
  (``incident_windows``, else ``incident_window_hours``) earlier; with ``incident_attribution``
  "latest" (DevLake's rule), however long before.
- A change (committed before ``until``) ships with the deployment its ``deployment_id`` names
  when that is a counted deployment finishing at or after the change's merge (its commit when
  the merge is unknown or earlier); otherwise with its service's first counted deployment
  finishing at or after that instant, whatever ``lead_time_from``. Lead time = deployment
  finish − start (commit, or merge when ``lead_time_from == "merge"`` and known); the change
  belongs to the deployment's bucket.
- Time to restore = ``resolved_at − started_at`` of incidents started in the bucket and
  resolved (``resolved_at`` at or after ``started_at``); the others count as unresolved.
- Durations: whole seconds (floor of each instant's epoch seconds), in hours. Percentiles:
  linear interpolation between closest ranks.
- Every key (from ``services``, plus keys of facts seen in the window) gets every bucket.
- As of ``observed_until`` (default ``until``): deployments and incidents before it are read
  (so later incidents and remediations can fail a deployment in the window), the window's
  deployments, lead times and incidents are still those whose own time is in ``[since,
  until)`` (and before ``observed_until``), and a resolution counts only before
  ``observed_until`` when it is given.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

EPOCH = dt.datetime(1970, 1, 1)
SECOND = dt.timedelta(seconds=1)
DAY = dt.timedelta(days=1)

Row = Mapping[str, Any]


def whole_seconds(moment: dt.datetime) -> int:
    """Floor of the epoch seconds of a naive UTC instant."""
    return (moment - EPOCH) // SECOND


def hours(later: dt.datetime, earlier: dt.datetime) -> float:
    return (whole_seconds(later) - whole_seconds(earlier)) / 3600.0


def percentile(values: Iterable[float], q: float) -> float | None:
    """Continuous percentile: linear interpolation between closest ranks (numpy's default)."""
    ordered = sorted(values)
    if not ordered:
        return None
    position = q * (len(ordered) - 1)
    low = math.floor(position)
    high = math.ceil(position)
    fraction = position - low
    return ordered[low] + (ordered[high] - ordered[low]) * fraction


def bucket_list(
    since: dt.datetime, until: dt.datetime, period: str | None
) -> list[tuple[dt.datetime, float]]:
    """(bucket start, days of the bucket inside [since, until)), walking day by day."""
    if period is None:
        return [(since, (until - since) / DAY)]
    out: list[tuple[dt.datetime, float]] = []
    day = dt.datetime(since.year, since.month, since.day)
    while day < until:
        start = bucket_of(day, period)
        following = day + DAY
        overlap = min(following, until) - max(day, since)
        if out and out[-1][0] == start:
            out[-1] = (start, out[-1][1] + overlap / DAY)
        else:
            out.append((start, overlap / DAY))
        day = following
    return out


def bucket_of(moment: dt.datetime, period: str) -> dt.datetime:
    """Monday 00:00 of the moment's ISO week, or the first of its month or quarter."""
    day = dt.datetime(moment.year, moment.month, moment.day)
    if period == "week":
        return day - dt.timedelta(days=day.weekday())
    if period == "quarter":
        return day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)
    return day.replace(day=1)


def production(
    deployments: Sequence[Row],
    until: dt.datetime,
    production_environments: Sequence[str],
    release_scope: str = "service",
) -> tuple[dict[str, list[dict[str, Any]]], dict[str, dict[str, Any]]]:
    """Counted deployments per service, in order, each with ``rollback``, ``remediation`` and
    ``remediated`` (the next one is a remediation); and every successful production
    deployment's id -> the counted deployment it stands for (itself, or for a promotion its
    release)."""
    names = {name.lower() for name in production_environments}
    per_service: dict[str, list[dict[str, Any]]] = {}
    for row in deployments:
        if row["finished_at"] >= until:
            continue
        if row["status"] != "success" or row["environment"].lower() not in names:
            continue
        per_service.setdefault(row["service"], []).append(
            {**row, "environment": row["environment"].lower()}
        )
    aliases: dict[str, dict[str, Any]] = {}
    for service, rows in per_service.items():
        rows.sort(key=lambda r: (r["finished_at"], r["deployment_id"]))
        kept: list[dict[str, Any]] = []
        for index, row in enumerate(rows):
            sha = row["commit_sha"]
            earlier = [r for r in rows[:index] if sha is not None and r["commit_sha"] == sha]
            first_here = not any(r["environment"] == row["environment"] for r in earlier)
            if release_scope == "service" and earlier and first_here:
                # a promotion: the same release reaching another environment
                aliases[row["deployment_id"]] = [r for r in kept if r["commit_sha"] == sha][-1]
            else:
                kept.append(row)
                aliases[row["deployment_id"]] = row
        per_service[service] = kept
        lines: dict[str, list[dict[str, Any]]] = {}
        for row in kept:
            line = row["environment"] if release_scope == "environment" else ""
            lines.setdefault(line, []).append(row)
        for line_rows in lines.values():
            _remediations(line_rows)
    return per_service, aliases


def _remediations(rows: list[dict[str, Any]]) -> None:
    """Mark rollbacks, remediations and what the next one remediates on one ordered line."""
    for index, row in enumerate(rows):
        earlier_shas = {r["commit_sha"] for r in rows[:index]}
        previous_sha = rows[index - 1]["commit_sha"] if index > 0 else None
        redeploys_older = (
            row["commit_sha"] is not None
            and previous_sha is not None
            and row["commit_sha"] != previous_sha
            and row["commit_sha"] in earlier_shas
        )
        row["rollback"] = row.get("change_type") == "rollback" or redeploys_older
        row["remediation"] = row["rollback"] or row.get("change_type") == "hotfix"
    for index, row in enumerate(rows):
        following = rows[index + 1] if index + 1 < len(rows) else None
        row["remediated"] = bool(following and following["remediation"])


def linked_deployments(
    per_service: Mapping[str, list[dict[str, Any]]],
    incidents: Sequence[Row],
    until: dt.datetime,
    incident_window_hours: float,
    *,
    incident_attribution: str = "window",
    incident_windows: Mapping[str, float] | None = None,
    aliases: Mapping[str, dict[str, Any]] | None = None,
) -> set[str]:
    """Ids of counted deployments an incident links to."""
    by_id = aliases or {r["deployment_id"]: r for rows in per_service.values() for r in rows}
    linked: set[str] = set()
    for incident in incidents:
        if incident["started_at"] >= until:
            continue
        if incident.get("deployment_id") in by_id:
            linked.add(by_id[incident["deployment_id"]]["deployment_id"])
            continue
        latest = None
        for row in per_service.get(incident["service"], []):
            if row["finished_at"] <= incident["started_at"]:
                latest = row  # rows are in order: the last one wins
        if latest is None:
            continue
        limit = (incident_windows or {}).get(incident["service"], incident_window_hours)
        if incident_attribution == "latest" or (
            hours(incident["started_at"], latest["finished_at"]) <= limit
        ):
            linked.add(latest["deployment_id"])
    return linked


def lead_times(
    per_service: Mapping[str, list[dict[str, Any]]],
    changes: Sequence[Row],
    until: dt.datetime,
    lead_time_from: str = "commit",
    aliases: Mapping[str, dict[str, Any]] | None = None,
) -> list[tuple[str, dt.datetime, float]]:
    """(service, deployed_at, lead time hours) of each change that reached production."""
    by_id = aliases or {r["deployment_id"]: r for rows in per_service.values() for r in rows}
    out = []
    for change in changes:
        if change["committed_at"] >= until:
            continue
        start = change["committed_at"]
        if lead_time_from == "merge" and change.get("merged_at") is not None:
            start = change["merged_at"]
        # Which deployment ships it does not depend on the mode: not before its merge.
        ships_from = change["committed_at"]
        if change.get("merged_at") is not None and change["merged_at"] > ships_from:
            ships_from = change["merged_at"]
        deployed_at = None
        explicit = by_id.get(change.get("deployment_id"))
        if explicit is not None and explicit["finished_at"] >= ships_from:
            deployed_at = explicit["finished_at"]
        else:
            for row in per_service.get(change["service"], []):
                if row["finished_at"] >= ships_from:
                    deployed_at = row["finished_at"]
                    break
        if deployed_at is not None:
            out.append((change["service"], deployed_at, hours(deployed_at, start)))
    return out


def four_keys(
    deployments: Sequence[Row],
    changes: Sequence[Row],
    incidents: Sequence[Row],
    services: Mapping[str, str | None],
    *,
    since: dt.datetime,
    until: dt.datetime,
    period: str | None,
    production_environments: Sequence[str],
    incident_window_hours: float = 24.0,
    lead_time_from: str = "commit",
    unmapped_key: str | None = None,
    observed_until: dt.datetime | None = None,
    incident_attribution: str = "window",
    incident_windows: Mapping[str, float] | None = None,
    release_scope: str = "service",
) -> list[dict[str, Any]]:
    """One row per key and bucket, sorted by key then bucket."""
    observed = until if observed_until is None else observed_until

    def key_of(service: str) -> str:
        mapped = services.get(service)
        if mapped is not None:
            return mapped
        return service if unmapped_key is None else unmapped_key

    def bucket(moment: dt.datetime) -> dt.datetime:
        return since if period is None else bucket_of(moment, period)

    per_service, aliases = production(deployments, observed, production_environments, release_scope)
    # Lead times come from releases (once per service) whatever the scope.
    releases, release_aliases = production(deployments, observed, production_environments)
    linked = linked_deployments(
        per_service,
        incidents,
        observed,
        incident_window_hours,
        incident_attribution=incident_attribution,
        incident_windows=incident_windows,
        aliases=aliases,
    )

    deploys: dict[tuple[str, dt.datetime], list[dict[str, Any]]] = {}
    for rows in per_service.values():
        for row in rows:
            if since <= row["finished_at"] < until:
                place = (key_of(row["service"]), bucket(row["finished_at"]))
                deploys.setdefault(place, []).append(row)
    leads: dict[tuple[str, dt.datetime], list[float]] = {}
    for service, deployed_at, lead in lead_times(
        releases, changes, until, lead_time_from, release_aliases
    ):
        if since <= deployed_at < until:
            leads.setdefault((key_of(service), bucket(deployed_at)), []).append(lead)
    restores: dict[tuple[str, dt.datetime], list[float | None]] = {}
    for incident in incidents:
        if not since <= incident["started_at"] < min(until, observed):
            continue
        resolved_at = incident.get("resolved_at")
        if observed_until is not None and resolved_at is not None and resolved_at >= observed:
            resolved_at = None  # not known yet
        value = None
        if resolved_at is not None and resolved_at >= incident["started_at"]:
            value = hours(resolved_at, incident["started_at"])
        place = (key_of(incident["service"]), bucket(incident["started_at"]))
        restores.setdefault(place, []).append(value)

    keys = {k for k in services.values() if k is not None}
    keys |= {k for k, _ in deploys} | {k for k, _ in leads} | {k for k, _ in restores}
    out = []
    for key in sorted(keys):
        for start, days in bucket_list(since, until, period):
            rows = deploys.get((key, start), [])
            count = len(rows)
            failed = sum(1 for r in rows if r["deployment_id"] in linked or r["remediated"])
            rework = sum(1 for r in rows if r["remediation"])
            lead = leads.get((key, start), [])
            restore = restores.get((key, start), [])
            resolved = [v for v in restore if v is not None]
            out.append(
                {
                    "key": key,
                    "bucket": start,
                    "days": days,
                    "deployments": count,
                    "deployment_frequency_per_day": count / days,
                    "changes": len(lead),
                    "lead_time_p50_hours": percentile(lead, 0.5),
                    "lead_time_p90_hours": percentile(lead, 0.9),
                    "failed_deployments": failed,
                    "change_failure_rate": failed / count if count else None,
                    "incidents": len(restore),
                    "unresolved_incidents": len(restore) - len(resolved),
                    "time_to_restore_p50_hours": percentile(resolved, 0.5),
                    "time_to_restore_p90_hours": percentile(resolved, 0.9),
                    "rework_deployments": rework,
                    "rework_rate": rework / count if count else None,
                }
            )
    return out
