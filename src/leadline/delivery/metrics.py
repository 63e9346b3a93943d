"""The DORA four keys and rework rate as Ibis expressions (one definition, DuckDB and Spark).

Definitions (docs/metrics.md has them with worked examples; sources: DORA's Accelerate State of
DevOps reports 2023 and 2024, dora.dev's guide to the four keys, Google's Four Keys project):

- Only *successful production* deployments count; production environment names come from
  settings (case-insensitive).
- **Deployment frequency** = successful production deployments ÷ calendar days of the window or
  bucket.
- **Lead time for changes** = ``finished_at`` of the first successful production deployment of the
  change's service that contains it − the change's ``committed_at`` (or ``merged_at``, selectable);
  the change belongs to that deployment's bucket. "Contains": the change's explicit
  ``deployment_id`` when it names a successful production deployment that finished at or after
  the change's merge (its commit when the merge time is unknown); otherwise the first such
  deployment of the service finishing at or after it. The lead-time mode only moves the start
  of the clock, never the deployment (issue 17).
- **Change failure rate** = successful production deployments that failed ÷ successful
  production deployments. A deployment failed when an incident is linked to it (explicit
  ``deployment_id``; else the service's latest successful production deployment finishing at or
  before the incident's start, at most the service's incident window earlier, or however long
  before with DevLake's "latest" rule), or when the service's
  next deployment remediates it: a hotfix, or a rollback (labelled, or redeploying a commit the
  service ran before that differs from the one it runs now).
- **Time to restore service** (failed deployment recovery time) = ``resolved_at − started_at`` of
  incidents that started in the bucket; unresolved ones are counted, not dropped.
- **Rework rate** (2024 report) = remediation deployments (hotfixes and rollbacks: unplanned
  deployments to fix a user-facing problem) ÷ successful production deployments.
- Percentiles are continuous (linear interpolation between closest ranks), identical on every
  engine; durations are whole seconds expressed in hours.
- **As of** an instant (``observed_until``; docs/metrics.md, "Periods and windows"): a
  deployment, change or incident belongs to the window by its own time, and every fact known
  before the as-of instant counts, so an October incident caused by a September deployment
  fails September once it is known, whether the window ends in September or later.
"""

from __future__ import annotations

from collections.abc import Sequence

import ibis
from ibis import _

from leadline.delivery.attribution import (
    IncidentAttribution,
    LeadFrom,
    ReleaseScope,
    change_attributions,
    change_lead_times,
    counted_deployments,
    deployment_failures,
    incident_links,
    production_deployments,
    shipped_deployments,
    ships_from,
)
from leadline.lake.expressions import hours_between
from leadline.periods import Grain

# The building blocks (``delivery.attribution``) stay importable from here.
__all__ = [
    "UNIT",
    "IncidentAttribution",
    "LeadFrom",
    "ReleaseScope",
    "change_attributions",
    "change_lead_times",
    "counted_deployments",
    "deployment_failures",
    "four_keys",
    "incident_links",
    "production_deployments",
    "restore_times",
    "shipped_deployments",
    "ships_from",
]

UNIT: dict[Grain, str] = {"week": "W", "month": "M", "quarter": "Q", "year": "Y"}


def restore_times(incidents: ibis.Table, known_until: ibis.Value | None = None) -> ibis.Table:
    """Each incident: its service, start, whether resolved and hours to restore service. With
    ``known_until``, a resolution at or after it is not known yet: the incident is open."""
    resolved = incidents.resolved_at.notnull() & (incidents.resolved_at >= incidents.started_at)
    if known_until is not None:
        resolved = resolved & (incidents.resolved_at < known_until)
    return incidents.select(
        service=incidents.service,
        started_at=incidents.started_at,
        resolved=resolved,
        restore_hours=hours_between(incidents.resolved_at, incidents.started_at),
    )


def _bucket(column: ibis.Value, period: Grain | None, since: ibis.Value) -> ibis.Value:
    return since if period is None else column.truncate(UNIT[period])


def four_keys(
    deployments: ibis.Table,
    changes: ibis.Table,
    incidents: ibis.Table,
    services: ibis.Table,
    buckets: ibis.Table,
    *,
    since: ibis.Value,
    until: ibis.Value,
    period: Grain | None,
    production_environments: Sequence[str],
    incident_window_hours: float = 24.0,
    lead_time_from: LeadFrom = "commit",
    unmapped_key: str | None = None,
    observed_until: ibis.Value | None = None,
    incident_attribution: IncidentAttribution = "window",
    incident_windows: ibis.Table | None = None,
    release_scope: ReleaseScope = "service",
) -> ibis.Table:
    """Per group ``key`` (from ``services``: service -> key) and ``bucket`` (every row of
    ``buckets``: bucket start and its ``days`` inside the window; one row when ``period`` is
    None), the four keys and rework rate over ``[since, until)``. Every group that owns a
    service gets every bucket, with zero deployments and null percentiles where nothing
    happened. Services absent from ``services`` are keyed ``unmapped_key`` (default: their
    own name).

    The window is judged with every fact known before ``observed_until`` (the as-of instant;
    default ``until``): deployments, lead times (by their deployment's ``finished_at``) and
    incidents (by ``started_at``) belong to the window by their own time, but an incident or
    a remediating deployment after ``until`` still fails a deployment in the window, and a
    resolution counts only once it happened before ``observed_until`` (without it, every
    recorded resolution counts).

    Incidents link to deployments as ``incident_links`` says: ``incident_attribution`` picks
    the rule, ``incident_windows`` (``service``, ``incident_window_hours``) the services'
    own windows. ``release_scope`` says what is counted where a service has several production
    environments (``counted_deployments``): deployments, failures and rework once per release
    or once per environment; lead times, in both, from the first environment to receive each
    change (its release)."""
    observed = until if observed_until is None else observed_until
    known = deployments.filter(deployments.finished_at < observed)
    # Releases (once per service) ship changes in both scopes: the first environment to receive
    # a change decides its lead time; a later promotion of an older commit ships nothing.
    releases, release_aliases = counted_deployments(known, production_environments)
    shipped, aliases = (
        (releases, release_aliases)
        if release_scope == "service"
        else counted_deployments(known, production_environments, release_scope)
    )
    prod = production_deployments(shipped, per_environment=release_scope == "environment")
    failures = deployment_failures(
        shipped,
        prod,
        incidents.filter(incidents.started_at < observed),
        incident_window_hours,
        attribution=incident_attribution,
        windows=incident_windows,
        aliases=aliases,
    )
    in_window = failures.filter(failures.finished_at >= since, failures.finished_at < until)
    deploys = _keyed(in_window, services, unmapped_key).mutate(
        bucket=_bucket(in_window.finished_at, period, since)
    )
    deploy_stats = deploys.group_by(["key", "bucket"]).aggregate(
        deployments=_.count(),
        failed_deployments=_.failed.cast("int64").sum(),
        rework_deployments=_.remediation.cast("int64").sum(),
    )
    leads = change_lead_times(
        changes, releases, until, lead_time_from, since, aliases=release_aliases
    )
    leads = leads.filter(leads.deployed_at >= since, leads.deployed_at < until)
    leads = _keyed(leads, services, unmapped_key).mutate(
        bucket=_bucket(leads.deployed_at, period, since)
    )
    lead_stats = leads.group_by(["key", "bucket"]).aggregate(
        changes=_.count(),
        lead_time_p50_hours=_.lead_time_hours.quantile(0.5),
        lead_time_p90_hours=_.lead_time_hours.quantile(0.9),
    )
    restores = restore_times(incidents.filter(incidents.started_at < observed), observed_until)
    restores = restores.filter((restores.started_at >= since) & (restores.started_at < until))
    restores = _keyed(restores, services, unmapped_key).mutate(
        bucket=_bucket(restores.started_at, period, since)
    )
    resolved_hours = ibis.ifelse(restores.resolved, restores.restore_hours, ibis.null("float64"))
    restores = restores.mutate(resolved_hours=resolved_hours)
    restore_stats = restores.group_by(["key", "bucket"]).aggregate(
        incidents=_.count(),
        unresolved_incidents=(~_.resolved).cast("int64").sum(),
        time_to_restore_p50_hours=_.resolved_hours.quantile(0.5),
        time_to_restore_p90_hours=_.resolved_hours.quantile(0.9),
    )
    return _assemble(services, buckets, deploy_stats, lead_stats, restore_stats)


def _keyed(facts: ibis.Table, services: ibis.Table, unmapped: str | None) -> ibis.Table:
    """Facts with their group key; services missing from the mapping get ``unmapped`` (or
    keep their own name)."""
    joined = facts.left_join(services, "service")
    fallback = joined.service if unmapped is None else ibis.literal(unmapped)
    return joined.mutate(key=joined.key.fill_null(fallback))


def _assemble(
    services: ibis.Table,
    buckets: ibis.Table,
    deploy_stats: ibis.Table,
    lead_stats: ibis.Table,
    restore_stats: ibis.Table,
) -> ibis.Table:
    seen = (
        deploy_stats.select("key")
        .union(lead_stats.select("key"))
        .union(restore_stats.select("key"))
    )
    keys = services.select("key").filter(services.key.notnull()).union(seen).distinct()
    grid = keys.cross_join(buckets)
    out = grid.left_join(deploy_stats, ["key", "bucket"]).drop("key_right", "bucket_right")
    out = out.left_join(lead_stats, ["key", "bucket"]).drop("key_right", "bucket_right")
    out = out.left_join(restore_stats, ["key", "bucket"]).drop("key_right", "bucket_right")
    deployments = out.deployments.fill_null(0)
    return out.select(
        key=out.key,
        bucket=out.bucket,
        days=out.days,
        deployments=deployments,
        deployment_frequency_per_day=deployments / out.days,
        changes=out.changes.fill_null(0),
        lead_time_p50_hours=out.lead_time_p50_hours,
        lead_time_p90_hours=out.lead_time_p90_hours,
        failed_deployments=out.failed_deployments.fill_null(0),
        change_failure_rate=ibis.ifelse(
            deployments > 0, out.failed_deployments.fill_null(0) / deployments, ibis.null("float64")
        ),
        incidents=out.incidents.fill_null(0),
        unresolved_incidents=out.unresolved_incidents.fill_null(0),
        time_to_restore_p50_hours=out.time_to_restore_p50_hours,
        time_to_restore_p90_hours=out.time_to_restore_p90_hours,
        rework_deployments=out.rework_deployments.fill_null(0),
        rework_rate=ibis.ifelse(
            deployments > 0, out.rework_deployments.fill_null(0) / deployments, ibis.null("float64")
        ),
    )
