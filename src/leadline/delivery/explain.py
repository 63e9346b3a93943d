"""The facts behind a DORA figure (``leadline metrics explain dora.* --scope KIND:NAME``):
the scope's successful production deployments in the window with whether each failed and
why, its changes shipped in the window with the deployment each was attributed to, and its
incidents started in the window with their time to restore. Judged, as the figure is, with
every fact known at the evaluation's as-of instant.
"""

from __future__ import annotations

from typing import Any

import ibis

from leadline.catalog.grouping import ORGANISATION, Scope
from leadline.delivery.metrics import (
    IncidentAttribution,
    change_attributions,
    counted_deployments,
    incident_links,
    production_deployments,
)
from leadline.delivery.report import incident_windows_table
from leadline.lake.engines import Lake
from leadline.lake.expressions import hours_between
from leadline.periods import Window
from leadline.present.model import Column, Report
from leadline.semantic.evaluation import Evaluation

COLUMNS = [
    Column("fact", "Fact", "label"),
    Column("id", "Id", "name"),
    Column("service", "Service", "name"),
    Column("at", "At", "datetime"),
    Column("deployment", "Deployment", "name"),
    Column("failed", "Failed", "bool"),
    Column("hours", "Hours", "hours"),
    Column("how", "How it was attributed"),
]


def facts(ev: Evaluation, scope: Scope, window: Window) -> Report:
    settings = ev.app.settings.delivery
    lake = Lake(ev.app.settings, ev.app.store, ev.engine)
    observed = _at(ev.now)
    tables = {n: lake.table(n) for n in ("deployments", "changes", "incidents")}
    known = tables["deployments"].filter(tables["deployments"].finished_at < observed)
    releases, release_aliases = counted_deployments(known, settings.production_environments)
    per_environment = settings.release_scope == "environment"
    shipped, aliases = (
        counted_deployments(known, settings.production_environments, "environment")
        if per_environment
        else (releases, release_aliases)
    )
    incidents = tables["incidents"].filter(tables["incidents"].started_at < observed)
    inside = _inside(ev, scope)
    links = incident_links(
        shipped,
        incidents,
        settings.incident_window_hours,
        attribution=settings.incident_attribution,
        windows=incident_windows_table(ev.app),
        aliases=aliases,
    )
    prod = production_deployments(shipped, per_environment=per_environment)
    rows = [
        *_deployments(lake, prod, links, window, settings.incident_attribution),
        *_changes(lake, tables["changes"], releases, release_aliases, observed, window),
        *_incidents(lake, incidents, window),
    ]
    kept = [r for r in rows if inside(r["service"])]
    kept.sort(key=lambda r: (r["fact"], r["at"], r["id"]))
    deployed = [r for r in kept if r["fact"] == "deployment"]
    failed = sum(1 for r in deployed if r["failed"])
    rate = f"{failed / len(deployed):.1%}" if deployed else "none (no deployment)"
    notes = [
        f"Change failure rate {rate}: {failed} failed of {len(deployed)} successful production "
        f"deployments in {window.label()}."
    ]
    return Report("dora-facts", f"Delivery facts of {scope}", COLUMNS, kept, notes=notes)


def _at(value: Any) -> ibis.Value:
    return ibis.literal(value, "timestamp(6)")


def _inside(ev: Evaluation, scope: Scope) -> Any:
    if scope.kind == ORGANISATION:
        return lambda _service: True
    key = ev.grouping.service_key
    return lambda service: key(service, scope.kind) == scope.name


def _deployments(
    lake: Lake,
    prod: ibis.Table,
    links: ibis.Table,
    window: Window,
    attribution: IncidentAttribution,
) -> list[dict[str, Any]]:
    inside = prod.filter(
        (prod.finished_at >= _at(window.since)) & (prod.finished_at < _at(window.until))
    )
    by_time = "incident by time" if attribution == "window" else "incident, latest before it"
    by_deployment: dict[str, list[str]] = {}
    for link in lake.execute(links).to_pylist():
        label = "incident" if link["how"] == "id" else by_time
        by_deployment.setdefault(link["linked_id"], []).append(f"{label} {link['incident_id']}")
    rows = []
    for d in lake.execute(inside).to_pylist():
        reasons = sorted(by_deployment.get(d["deployment_id"], []))
        if d["remediated"]:
            reasons.append("the next deployment remediates it")
        kind = "rollback" if d["rollback"] else ("hotfix" if d["remediation"] else None)
        rows.append(
            {
                "fact": "deployment",
                "id": d["deployment_id"],
                "service": d["service"],
                "at": d["finished_at"],
                "deployment": d["deployment_id"],
                "failed": bool(reasons),
                "hours": None,
                "how": "; ".join(reasons + ([f"rework: {kind}"] if kind else [])) or "—",
            }
        )
    return rows


def _changes(  # noqa: PLR0917 (the facts and the window, as its siblings take them)
    lake: Lake,
    changes: ibis.Table,
    shipped: ibis.Table,
    aliases: ibis.Table,
    observed: ibis.Value,
    window: Window,
) -> list[dict[str, Any]]:
    """Changes shipped in the window, with the deployment that shipped each (the attribution
    ``four_keys`` uses: ``metrics.change_attributions``)."""
    every = change_attributions(
        changes, shipped, observed, "commit", keep_ref=True, aliases=aliases
    )
    every = every.mutate(how=ibis.ifelse(every.explicit, "id", "next"))
    shipped_now = every.filter(
        every.deployed_at.notnull()
        & (every.deployed_at >= _at(window.since))
        & (every.deployed_at < _at(window.until))
    )
    ids = shipped.select(
        pservice=shipped.service, ptime=shipped.finished_at, pid=shipped.deployment_id
    )
    named = (
        shipped_now.left_join(
            ids, [shipped_now.service == ids.pservice, shipped_now.deployed_at == ids.ptime]
        )
        .group_by(["service", "ref", "start", "deployed_at", "how"])
        .aggregate(deployment=ibis._.pid.max())
    )
    rows = []
    for c in lake.execute(
        named.mutate(hours=hours_between(named.deployed_at, named.start))
    ).to_pylist():
        how = (
            "its deployment id"
            if c["how"] == "id"
            else "first deployment of its service after its merge (or commit)"
        )
        rows.append(
            {
                "fact": "change",
                "id": c["ref"],
                "service": c["service"],
                "at": c["deployed_at"],
                "deployment": c["deployment"],
                "failed": None,
                "hours": c["hours"],
                "how": f"lead time from commit; shipped by {how}",
            }
        )
    return rows


def _incidents(lake: Lake, incidents: ibis.Table, window: Window) -> list[dict[str, Any]]:
    inside = incidents.filter(
        (incidents.started_at >= _at(window.since)) & (incidents.started_at < _at(window.until))
    )
    rows = []
    for i in lake.execute(
        inside.mutate(hours=hours_between(inside.resolved_at, inside.started_at))
    ).to_pylist():
        resolved = i["resolved_at"] is not None and i["resolved_at"] >= i["started_at"]
        rows.append(
            {
                "fact": "incident",
                "id": i["incident_id"],
                "service": i["service"],
                "at": i["started_at"],
                "deployment": i["deployment_id"],
                "failed": None,
                "hours": i["hours"] if resolved else None,
                "how": "time to restore" if resolved else "unresolved: counted, not in the times",
            }
        )
    return rows
