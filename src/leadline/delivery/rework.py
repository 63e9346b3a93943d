"""Incident rework rate (DORA's deployment rework rate, 2024 and 2025 reports): the share of
successful production deployments that were unplanned and made to fix a user-facing incident.

The lake does not record which deployment fixed which incident (an incident's
``deployment_id`` names its *cause*), so leadline applies one documented rule
(docs/metrics.md, "Incident rework rate"): a successful production deployment is incident
rework when it is **unplanned** — a hotfix or a rollback, labelled or derived, exactly the
``remediation`` flag of ``delivery.metrics.production_deployments`` — and an incident of **its
service** was open when it finished or had been resolved at most ``[delivery]
incident_window_hours`` earlier: ``started_at ≤ finished_at ≤ resolved_at +
incident_window_hours`` (no upper bound while the incident is open). A hotfix that no incident
explains is remediation (the ``rework_rate`` of ``leadline dora``) but not incident rework.

Like the four keys, a window is judged with the facts known at an as-of instant
(``observed_until``): later deployments and incidents are not read, a resolution at or after it
is not known yet (the incident is still open).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import ibis
import pyarrow as pa

from leadline.catalog.grouping import GROUP_BY, ScopeKind, unplaced_key
from leadline.delivery.metrics import production_deployments, shipped_deployments
from leadline.lake.engines import Lake
from leadline.lake.expressions import hours_between
from leadline.periods import Window
from leadline.present.model import Kind
from leadline.semantic.evaluation import Evaluation
from leadline.semantic.registry import Metric, MetricError, Values

SOURCE = (
    "DORA, Accelerate State of DevOps 2024 and State of AI-assisted Software Development 2025 "
    "(deployment rework rate); dora.dev guide to DORA's software delivery metrics"
)


def incident_rework(
    deployments: ibis.Table,
    incidents: ibis.Table,
    services: ibis.Table,
    *,
    since: ibis.Value,
    until: ibis.Value,
    production_environments: Sequence[str],
    incident_window_hours: float = 24.0,
    observed_until: ibis.Value | None = None,
    unmapped_key: str | None = None,
) -> ibis.Table:
    """Per group ``key`` (``services``: service -> key; others keyed ``unmapped_key``, default
    their own name) with a successful production deployment in ``[since, until)``:
    ``deployments``, ``incident_rework_deployments`` and ``incident_rework_rate``."""
    observed = until if observed_until is None else observed_until
    shipped = shipped_deployments(
        deployments.filter(deployments.finished_at < observed), production_environments
    )
    prod = production_deployments(shipped)
    in_window = prod.filter(prod.finished_at >= since, prod.finished_at < until)
    known = incidents.filter(incidents.started_at < observed)
    resolved = known.resolved_at.notnull() & (known.resolved_at < observed)
    open_or_fixed = known.select(
        i_service=known.service,
        i_start=known.started_at,
        i_end=ibis.ifelse(resolved, known.resolved_at, ibis.null("timestamp(6)")),
    )
    unplanned = in_window.filter(in_window.remediation)
    pairs = unplanned.inner_join(
        open_or_fixed,
        [
            unplanned.service == open_or_fixed.i_service,
            open_or_fixed.i_start <= unplanned.finished_at,
        ],
    )
    fixing = pairs.filter(
        pairs.i_end.isnull()
        | (hours_between(pairs.finished_at, pairs.i_end) <= incident_window_hours)
    )
    ids = fixing.select(rework_id=fixing.deployment_id).distinct()
    marked = in_window.left_join(ids, in_window.deployment_id == ids.rework_id)
    marked = marked.select("service", rework=marked.rework_id.notnull())
    keyed = marked.left_join(services, "service")
    fallback = keyed.service if unmapped_key is None else ibis.literal(unmapped_key)
    keyed = keyed.mutate(key=keyed.key.fill_null(fallback))
    stats = keyed.group_by("key").aggregate(
        deployments=keyed.count(),
        incident_rework_deployments=keyed.rework.cast("int64").sum(),
    )
    return stats.mutate(
        incident_rework_rate=stats.incident_rework_deployments.cast("float64") / stats.deployments
    )


def _services(pairs: list[tuple[str, str]]) -> ibis.Table:
    return ibis.memtable(
        pa.table(
            {"service": [s for s, _ in pairs], "key": [k for _, k in pairs]},
            schema=pa.schema([("service", pa.string()), ("key", pa.string())]),
        )
    )


def _months_up_to(lake: Lake, name: str, as_of: dt.datetime) -> list[str]:
    last = (as_of - dt.timedelta(microseconds=1)).strftime("%Y-%m")
    return [month for month in lake.partitions(name) if month <= last]


def _evaluate(
    ev: Evaluation, kind: ScopeKind, windows: Sequence[Window], params: Mapping[str, str]
) -> list[Values]:
    """Percent of each scope's deployments in the window; no value without a deployment, and
    none at all for a window ending before deployments were tracked (as the four keys)."""
    from leadline.delivery.measures import tracked_since

    if kind not in GROUP_BY:
        raise MetricError(f"the DORA keys are not computed per {kind}")
    first = tracked_since(ev)
    settings = ev.app.settings
    lake = Lake(settings, ev.app.store, ev.engine)
    tables = {
        name: lake.table(name, _months_up_to(lake, name, ev.now))
        for name in ("deployments", "incidents")
    }
    pairs = ev.grouping.service_pairs(kind)
    services = _services(pairs)
    scopes = sorted({key for _, key in pairs})
    out: list[Values] = []
    for window in windows:
        if first is None or window.until <= first:
            out.append({})
            continue
        expr = incident_rework(
            tables["deployments"],
            tables["incidents"],
            services,
            since=ibis.literal(window.since, "timestamp(6)"),
            until=ibis.literal(window.until, "timestamp(6)"),
            production_environments=settings.delivery.production_environments,
            incident_window_hours=settings.delivery.incident_window_hours,
            observed_until=ibis.literal(ev.now, "timestamp(6)"),
            unmapped_key=unplaced_key(kind),
        )
        rows = lake.execute(expr).to_pylist()
        values: dict[str, float | None] = dict.fromkeys(scopes)
        values.update({r["key"]: 100.0 * r["incident_rework_rate"] for r in rows})
        out.append(values)
    return out


def _explain(ev: Evaluation, scope: Any, window: Window, params: Mapping[str, str]) -> Any:
    from leadline.delivery.explain import facts

    return facts(ev, scope, window)


UNIT: Kind = "percent"
METRICS = (
    Metric(
        key="dora.incident_rework_rate",
        title="Incident rework rate",
        unit=UNIT,
        direction="lower",
        scopes=GROUP_BY,
        default_window="last-90-days",
        anchor="incident-rework-rate",
        pillar="delivery",
        description="Unplanned deployments (hotfixes, rollbacks) made while an incident of "
        "their service was open or within the incident window after it, over successful "
        "production deployments.",
        evaluate=_evaluate,
        explain=_explain,
        source=SOURCE,
    ),
)
