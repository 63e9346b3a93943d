"""Which deployment each fact belongs to, as Ibis expressions (DuckDB and Spark): the
deployments the DORA keys count (a release once per service, or each environment's), the one
that shipped each change, the one each incident is blamed on, and which failed.
``delivery.metrics`` aggregates these into the four keys; docs/metrics.md defines them.

Time lookups (the first deployment at or after a change, the latest before an incident) are
running aggregates over one time line per service (``_timeline``): the ASOF joins DuckDB has,
in a form Spark runs too.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import ibis
from ibis import _

from leadline.delivery.schemas import HOTFIX, ROLLBACK, SUCCESS
from leadline.lake.expressions import hours_between

LeadFrom = Literal["commit", "merge"]
# How an incident without a deployment id finds its deployment: the service's latest one within
# its window, or (Apache DevLake's rule) the latest one before it, however long before.
IncidentAttribution = Literal["window", "latest"]
# Several production environments: a release counts once per service, or once per environment.
ReleaseScope = Literal["service", "environment"]


def shipped_deployments(
    deployments: ibis.Table, production_environments: Sequence[str]
) -> ibis.Table:
    """Successful production deployments: the only ones any key counts."""
    names = [e.lower() for e in production_environments]
    return deployments.filter(
        deployments.status == SUCCESS, deployments.environment.lower().isin(names)
    ).select("deployment_id", "service", "finished_at", "commit_sha", "change_type")


def counted_deployments(
    deployments: ibis.Table,
    production_environments: Sequence[str],
    release_scope: ReleaseScope = "service",
) -> tuple[ibis.Table, ibis.Table]:
    """The successful production deployments the keys count, and ``aliases``: each successful
    production deployment's ``deployment_id`` with the ``release_id`` and ``release_time`` of
    the counted one it stands for (explicit links of changes and incidents go through it).

    Each production environment name (lower case) is one environment. With ``release_scope``
    "service", a release is counted once per service: a deployment that brings a commit to
    another production environment (regions, a canary then production) after an earlier
    deployment of the service deployed it, the first of that commit in its own environment,
    is a *promotion*, not counted; it stands for the service's latest counted deployment of
    that commit before it. A redeploy of a commit its environment ran before (a rollback) and
    a deployment without a commit are counted. With "environment", every one is counted (and
    carries its ``environment``)."""
    names = [e.lower() for e in production_environments]
    shipped = deployments.filter(
        deployments.status == SUCCESS, deployments.environment.lower().isin(names)
    ).select(
        "deployment_id",
        "service",
        "finished_at",
        "commit_sha",
        "change_type",
        environment=deployments.environment.lower(),
    )
    if release_scope == "environment":
        aliases = shipped.select(
            "deployment_id", release_id=shipped.deployment_id, release_time=shipped.finished_at
        )
        return shipped, aliases
    order = [_.finished_at, _.deployment_id]
    in_commit = ibis.window(group_by=[_.service, _.commit_sha], order_by=order)
    in_environment = ibis.window(group_by=[_.service, _.environment, _.commit_sha], order_by=order)
    marked = shipped.mutate(
        position=ibis.row_number().over(in_commit),
        first_here=ibis.row_number().over(in_environment) == 0,
    )
    promotion = marked.commit_sha.notnull() & marked.first_here & (marked.position > 0)
    marked = marked.mutate(promotion=promotion)
    up_to = ibis.window(
        group_by=[_.service, _.commit_sha], order_by=order, preceding=None, following=0
    )
    marked = marked.mutate(
        release_position=ibis.ifelse(marked.promotion, ibis.null("int64"), marked.position)
        .max()
        .over(up_to)
    )
    counted = marked.filter(~marked.promotion)
    ends = counted.select(
        rservice=counted.service,
        rsha=counted.commit_sha,
        rposition=counted.position,
        release_id=counted.deployment_id,
        release_time=counted.finished_at,
    )
    promoted = marked.filter(marked.promotion)
    found = promoted.inner_join(
        ends,
        [
            promoted.service == ends.rservice,
            promoted.commit_sha == ends.rsha,
            promoted.release_position == ends.rposition,
        ],
    ).select("deployment_id", "release_id", "release_time")
    own = counted.select(
        "deployment_id", release_id=counted.deployment_id, release_time=counted.finished_at
    )
    columns = ("deployment_id", "service", "finished_at", "commit_sha", "change_type")
    return counted.select(*columns), own.union(found)


def production_deployments(shipped: ibis.Table, per_environment: bool = False) -> ibis.Table:
    """Successful production deployments (from ``shipped_deployments`` or
    ``counted_deployments``), each with whether it remediates an earlier one
    (``remediation``: a hotfix or a rollback) and whether the service's next one remediates it
    (``remediated``); with ``per_environment``, each environment of a service is its own line
    (the next deployment to the same environment, a commit that environment ran before)."""
    line = [_.service, _.environment] if per_environment else [_.service]
    in_service = ibis.window(group_by=line, order_by=[_.finished_at, _.deployment_id])
    same_commit = ibis.window(group_by=[*line, _.commit_sha])
    ordered = shipped.mutate(position=ibis.row_number().over(in_service))
    marked = ordered.mutate(
        previous_sha=ordered.commit_sha.lag().over(in_service),
        first_position_of_sha=ordered.position.min().over(same_commit),
    )
    # An earlier deployment of the same commit, in (finished_at, deployment_id) order: ties in
    # time are ordered by id exactly as ``previous_sha`` is.
    redeploys_older = (
        marked.commit_sha.notnull()
        & marked.previous_sha.notnull()
        & (marked.commit_sha != marked.previous_sha)
        & (marked.first_position_of_sha < marked.position)
    )
    rollback = (marked.change_type == ROLLBACK).fill_null(False) | redeploys_older
    remediation = rollback | (marked.change_type == HOTFIX).fill_null(False)
    flagged = marked.mutate(rollback=rollback, remediation=remediation)
    return flagged.mutate(remediated=_.remediation.lead().over(in_service).fill_null(False)).drop(
        "previous_sha", "first_position_of_sha", "position"
    )


def _timeline(
    shipped: ibis.Table, events: ibis.Table, at: str, carry: Sequence[str] = ("ref",)
) -> ibis.Table:
    """Deployments (kind 0) and events (kind 1, with their ``carry`` columns, null on
    deployments) of each service on one time line, so ASOF-style lookups become running
    aggregates (which Spark can run too). Carrying only what the caller needs keeps the sort
    narrow."""
    deploy_columns: dict[str, ibis.Value] = {
        "service": shipped.service,
        "t": shipped.finished_at,
        "kind": ibis.literal(0, "int8"),
        "deploy_time": shipped.finished_at,
    }
    event_columns: dict[str, ibis.Value] = {
        "service": events.service,
        "t": events[at],
        "kind": ibis.literal(1, "int8"),
        "deploy_time": ibis.null("timestamp(6)"),
    }
    for name in carry:
        deploy_columns[name] = ibis.null(events[name].type())
        event_columns[name] = events[name]
    deploys = shipped.select(**deploy_columns)
    wanted = events.select(**event_columns)
    return deploys.union(wanted)


def _next_deployment_time(
    shipped: ibis.Table, events: ibis.Table, at: str, carry: Sequence[str] = ()
) -> ibis.Table:
    """For each event (only its ``carry`` columns kept), its service, time ``t`` and the
    finish time of the service's first successful production deployment at or after ``t``
    (null if none): a running minimum in descending time order, the forward ASOF join (which
    Spark lacks)."""
    both = _timeline(shipped, events, at, carry)
    later_first = ibis.window(
        group_by=both.service, order_by=[both.t.desc(), both.kind], preceding=None, following=0
    )
    found = both.mutate(next_deploy=both.deploy_time.min().over(later_first))
    return found.filter(found.kind == 1).select("service", "t", *carry, "next_deploy")


def _last_deployment_time(shipped: ibis.Table, events: ibis.Table, at: str) -> ibis.Table:
    """For each event, its service, time ``t`` and the finish time of the service's latest
    successful production deployment at or before ``t`` (null if none): the backward ASOF
    join."""
    both = _timeline(shipped, events, at)
    earlier_first = ibis.window(
        group_by=both.service, order_by=[both.t, both.kind], preceding=None, following=0
    )
    found = both.mutate(last_deploy=both.deploy_time.max().over(earlier_first))
    return found.filter(found.kind == 1).select("service", "ref", "t", "last_deploy")


def ships_from(changes: ibis.Table) -> ibis.Value:
    """The instant from which a change can ship: its merge when known (a deployment that
    finished before the merge cannot contain it), else its commit, never before its commit.
    Which deployment ships a change depends on this alone, never on the lead-time mode."""
    merged = changes.merged_at
    later = merged.notnull() & (merged > changes.committed_at)
    return ibis.ifelse(later, merged, changes.committed_at)


def change_attributions(
    changes: ibis.Table,
    shipped: ibis.Table,
    until: ibis.Value,
    lead_from: LeadFrom = "commit",
    since: ibis.Value | None = None,
    *,
    keep_ref: bool = False,
    aliases: ibis.Table | None = None,
) -> ibis.Table:
    """Each change committed before ``until`` with ``service``, ``start`` (its commit, or its
    merge when ``lead_from`` is "merge" and known), ``deployed_at`` (the finish of the
    deployment that shipped it, null if none yet) and ``explicit`` (shipped by its own
    ``deployment_id``); with ``keep_ref``, its ``ref`` (change id) too.

    A change ships in the deployment its ``deployment_id`` names when that is a successful
    production deployment finishing at or after ``ships_from``; otherwise in its service's
    first one finishing at or after ``ships_from``. ``aliases`` (``counted_deployments``)
    turns an explicit id of a promotion into its release. With ``since``, see
    ``change_lead_times``."""
    start = (
        changes.committed_at
        if lead_from == "commit"
        else changes.merged_at.fill_null(changes.committed_at)
    )
    columns: dict[str, ibis.Value] = {
        "service": changes.service,
        "anchor": ships_from(changes),
        "start": start,
        "deployment_id": changes.deployment_id,
    }
    if keep_ref:
        columns["ref"] = changes.change_id
    base = changes.filter(changes.committed_at < until).select(**columns)
    carry = ("start", "ref") if keep_ref else ("start",)
    targets = (
        shipped.select(explicit_id=shipped.deployment_id, explicit_time=shipped.finished_at)
        if aliases is None
        else aliases.select(explicit_id=aliases.deployment_id, explicit_time=aliases.release_time)
    )
    linked = base.left_join(targets, base.deployment_id == targets.explicit_id)
    valid = linked.explicit_time.notnull() & (linked.explicit_time >= linked.anchor)
    explicit = linked.filter(valid).select(
        "service", *carry, deployed_at=linked.explicit_time, explicit=ibis.literal(True)
    )
    pending, candidates = linked.filter(~valid), shipped
    if since is not None:
        pending, candidates = _after_last_before(pending, "anchor", shipped, since)
    found = _next_deployment_time(candidates, pending, "anchor", carry)
    attributed = found.select(
        "service", *carry, deployed_at=found.next_deploy, explicit=ibis.literal(False)
    )
    return explicit.union(attributed)


def change_lead_times(
    changes: ibis.Table,
    shipped: ibis.Table,
    until: ibis.Value,
    lead_from: LeadFrom = "commit",
    since: ibis.Value | None = None,
    *,
    aliases: ibis.Table | None = None,
) -> ibis.Table:
    """Each change that reached production: its service, the time of the deployment that
    shipped it (``change_attributions``: the same in both lead-time modes), and its lead time
    in hours from its commit or merge. ``shipped``: successful production deployments.

    With ``since``, changes shipped before it may be left out (the caller keeps only
    ``deployed_at >= since``): a change that could ship no later than its service's last
    deployment before ``since`` was shipped by that one or an earlier one, so only later
    changes, and only deployments after that last one, go through the attribution (a sort of
    the service's time line, the costliest step), not the whole history."""
    both = change_attributions(changes, shipped, until, lead_from, since, aliases=aliases)
    result = both.select(
        service=both.service,
        deployed_at=both.deployed_at,
        lead_time_hours=hours_between(both.deployed_at, both.start),
    )
    return result.filter(result.deployed_at.notnull())


def _after_last_before(
    events: ibis.Table, at: str, shipped: ibis.Table, since: ibis.Value
) -> tuple[ibis.Table, ibis.Table]:
    """The events later than their service's last deployment finishing before ``since``, and
    the deployments from that one on (services without one keep everything)."""
    last = (
        shipped.filter(shipped.finished_at < since)
        .group_by("service")
        .aggregate(last_before=_.finished_at.max())
    )
    marked = events.left_join(last, "service")
    later = marked.filter(marked.last_before.isnull() | (marked[at] > marked.last_before))
    deploys = shipped.left_join(last, "service")
    recent = deploys.filter(
        deploys.last_before.isnull() | (deploys.finished_at >= deploys.last_before)
    )
    return later.drop("last_before"), recent.drop("last_before")


def incident_links(
    shipped: ibis.Table,
    incidents: ibis.Table,
    incident_window_hours: float,
    *,
    attribution: IncidentAttribution = "window",
    windows: ibis.Table | None = None,
    aliases: ibis.Table | None = None,
) -> ibis.Table:
    """Each incident linked to a successful production deployment: ``incident_id``,
    ``linked_id`` and ``how`` ("id": its explicit ``deployment_id`` names one; "time": its
    service's latest one finishing at or before its start, the latest by id among those
    finishing at that instant). With ``attribution`` "window" the time link holds only when
    that deployment finished at most the service's window before the incident
    (``windows``: ``service``, ``incident_window_hours``; else ``incident_window_hours``);
    with "latest" (Apache DevLake's rule) it holds however long before. ``aliases``
    (``counted_deployments``) turns an explicit id of a promotion into its release."""
    ids = (
        shipped.select(known_id=shipped.deployment_id, release_id=shipped.deployment_id)
        if aliases is None
        else aliases.select(known_id=aliases.deployment_id, release_id=aliases.release_id)
    )
    with_known = incidents.left_join(ids, incidents.deployment_id == ids.known_id)
    explicit = with_known.filter(with_known.known_id.notnull()).select(
        incident_id=with_known.incident_id, linked_id=with_known.release_id, how=ibis.literal("id")
    )
    by_time = with_known.filter(with_known.known_id.isnull()).select(
        "service", "started_at", ref=with_known.incident_id
    )
    last = _last_deployment_time(shipped, by_time, "started_at")
    near = last.filter(last.last_deploy.notnull())
    if attribution == "window":
        limit: ibis.Value = ibis.literal(float(incident_window_hours), "float64")
        if windows is not None:
            own = windows.select(wservice=windows.service, whours=windows.incident_window_hours)
            near = near.left_join(own, near.service == own.wservice).drop("wservice")
            limit = near.whours.cast("float64").fill_null(limit)
        near = near.filter(hours_between(near.t, near.last_deploy) <= limit)
    candidates = shipped.select(
        pid=shipped.deployment_id, pservice=shipped.service, ptime=shipped.finished_at
    )
    # Of deployments finishing at that same instant, the latest in (finished_at, id) order.
    timed = (
        near.inner_join(
            candidates,
            [near.service == candidates.pservice, near.last_deploy == candidates.ptime],
        )
        .group_by("ref")
        .aggregate(linked_id=candidates.pid.max())
        .select(incident_id=_.ref, linked_id=_.linked_id, how=ibis.literal("time"))
    )
    return explicit.union(timed)


def deployment_failures(
    shipped: ibis.Table,
    prod: ibis.Table,
    incidents: ibis.Table,
    incident_window_hours: float,
    *,
    attribution: IncidentAttribution = "window",
    windows: ibis.Table | None = None,
    aliases: ibis.Table | None = None,
) -> ibis.Table:
    """Each successful production deployment (``prod``, marked by ``production_deployments``)
    with ``failed``: an incident is linked to it (``incident_links``), or the next deployment
    remediates it."""
    links = incident_links(
        shipped,
        incidents,
        incident_window_hours,
        attribution=attribution,
        windows=windows,
        aliases=aliases,
    )
    linked = links.select("linked_id").distinct()
    marked = prod.left_join(linked, prod.deployment_id == linked.linked_id)
    return marked.select(
        "deployment_id",
        "service",
        "finished_at",
        "remediation",
        failed=marked.linked_id.notnull() | marked.remediated,
    )
