"""Merged revert pull/merge requests as failure signals (issue 17 item 5).

A merged pull request (GitHub) or merge request (GitLab) into the default branch whose title or
head branch matches ``[delivery.reverts]`` patterns is a revert. It lands, besides its change,
as an incident with source ``revert`` (id ``revert:<vendor>:<repository>:<number>``) that starts
when the revert merged. The metrics then count it like any incident, so change failure rate
needs no new input (``delivery.metrics`` is unchanged):

- its ``deployment_id`` is the deployment that shipped the reverted change (named in the body
  or branch: ``Reverts owner/repo#123``, ``This reverts merge request !12``, ``This reverts
  commit <sha>``, ``revert-123-...``), found with the metrics' own attribution
  (``metrics.change_attributions``) once that change and its deployment are in the lake;
- it is resolved when the revert itself is deployed (the first successful production
  deployment shipping the revert's change), so time to restore covers merge to deploy;
- a reverted change that never shipped on its own (it was reverted before any deployment
  carried it, so the deployment shipping the revert shipped both) was no production failure:
  its incident is removed once that is known.

Until the reverted change's deployment is known (or when the reverted change is unknown to
leadline) the incident has no ``deployment_id`` and links by time like any incident: to the
service's latest deployment before the revert merged, within the incident window.
``relink`` re-checks open or unlinked revert incidents whenever delivery facts land, so the
result does not depend on the order in which sources arrive.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping
from typing import Any

import ibis
import pyarrow as pa
import pyarrow.compute as pc

from leadline.catalog.services import ServiceResolver, Subject
from leadline.config import DeliverySettings, RevertSettings
from leadline.delivery.metrics import change_attributions, shipped_deployments
from leadline.delivery.schemas import CHANGES, DEPLOYMENTS, INCIDENTS
from leadline.lake.writer import LakeWriter

SOURCE = "revert"
SUBJECT = "_subject"  # as delivery.events.SUBJECT (events imports this module)
# The key of the reverted pull/merge request's number in each vendor's change ``extra``.
NUMBER_KEYS = {"github": "number", "gitlab": "merge_request"}
FAR_FUTURE = dt.datetime(9999, 1, 1, tzinfo=dt.UTC)
TARGET_GROUPS = ("number", "sha", "repo")  # named groups of target_patterns leadline reads
ANNOTATIONS = {"github": "github.com/project-slug", "gitlab": "gitlab.com/project-slug"}


def detect(title: str, branch: str, body: str, settings: RevertSettings) -> dict[str, str] | None:
    """What a merged pull request reverts, when its title or branch marks it as a revert:
    ``{"number": "123"}`` or ``{"sha": "abc..."}``, ``{}`` when it does not say; None when it
    is not a revert (or detection is off)."""
    if not settings.enabled:
        return None
    marked = any(re.search(p, title) for p in settings.title_patterns) or any(
        re.search(p, branch) for p in settings.branch_patterns
    )
    if not marked:
        return None
    for text in (body, branch, title):
        for pattern in settings.target_patterns:
            found = re.search(pattern, text, re.MULTILINE)
            if found is None:
                continue
            groups = {k: v for k, v in found.groupdict().items() if v and k in TARGET_GROUPS}
            if groups.keys() & {"number", "sha"}:
                return groups
    return {}


def revert_incident(
    change: Mapping[str, Any],
    *,
    vendor: str,
    repository: str,
    number: Any,
    title: str,
    target: dict[str, str],
) -> dict[str, Any]:
    """The incident a merged revert stands for, from its change row (same subject, merge time
    and version); its deployment and resolution are found when it lands (``relink``)."""
    extra = {
        "vendor": vendor,
        "repository": repository,
        "number": number,
        "revert_change": change["change_id"],
        "reverts": target,
    }
    return {
        "incident_id": f"revert:{vendor}:{repository}:{number}",
        "severity": None,
        "started_at": change["merged_at"],
        "resolved_at": None,
        "deployment_id": None,
        "title": title,
        "source": SOURCE,
        "updated_at": change["updated_at"],
        "extra": json.dumps(extra, sort_keys=True),
        SUBJECT: change[SUBJECT],
    }


def relink(
    incoming: list[dict[str, Any]],
    lake: LakeWriter,
    resolver: ServiceResolver,
    settings: DeliverySettings,
    *,
    recheck: bool = True,
) -> tuple[list[dict[str, Any]], list[str]]:
    """Revert incidents (``incoming`` of this batch and, with ``recheck`` (the batch landed
    deployments or changes), those the lake holds still unlinked or open) with the reverted
    change's deployment, the revert's deployment as resolution and the reverted change's
    service. Returns the rows to merge and the ids of incidents that were no failure (to
    remove). Run after the batch's deployments and changes are merged."""
    pending = {r["incident_id"]: r for r in (_stored_pending(lake) if recheck else [])}
    pending.update({r["incident_id"]: r for r in incoming if r["source"] == SOURCE})
    if not pending:
        return [], []
    scopes = {key: _services(row, _extra(row), resolver) for key, row in pending.items()}
    targets = {key: _target_services(row, scopes[key], resolver) for key, row in pending.items()}
    changes = _candidate_changes(lake, set().union(*scopes.values(), *targets.values()))
    found: dict[str, tuple[dict[str, Any] | None, dict[str, Any] | None]] = {}
    for key, incident in pending.items():
        extra = _extra(incident)
        target = extra.get("reverts") or {}
        found[key] = (
            _find(changes, scopes[key], sha=extra.get("revert_change")),
            _find(
                changes,
                targets[key],
                sha=target.get("sha"),
                number=target.get("number"),
                key=NUMBER_KEYS.get(str(extra.get("vendor")), "number"),
            ),
        )
    shipped_at = _shipped(lake, settings, [c for pair in found.values() for c in pair if c])
    out: list[dict[str, Any]] = []
    removed: list[str] = []
    for key, incident in pending.items():
        revert, reverted = found[key]
        revert_at = shipped_at.get(_ref(revert)) if revert else None
        reverted_at = shipped_at.get(_ref(reverted)) if reverted else None
        if reverted is not None and reverted_at is not None:
            if reverted_at[0] > _as_utc(incident["started_at"]):
                removed.append(key)  # it shipped with (or after) its revert: no failure
                continue
        elif reverted is not None and revert_at is not None:
            removed.append(key)  # the revert shipped and the change never did before it
            continue
        row = dict(incident)
        if reverted is not None and reverted_at is not None:
            row["deployment_id"], row["service"] = reverted_at[1], reverted["service"]
        if revert_at is not None and row["resolved_at"] is None:
            row["resolved_at"] = revert_at[0]
        if row != incident:
            bumped = _as_utc(incident["updated_at"]) + dt.timedelta(microseconds=1)
            row["updated_at"] = max(bumped, _as_utc(row["resolved_at"] or bumped))
        if row != incident or any(r is incident for r in incoming):
            out.append(row)
    return out, removed


def _stored_pending(lake: LakeWriter) -> list[dict[str, Any]]:
    """The lake's revert incidents not yet linked to a deployment or not yet resolved."""
    table = lake.read_table(INCIDENTS, INCIDENTS.schema.names)
    mine = pc.fill_null(pc.equal(table.column("source"), SOURCE), False)
    table = table.filter(mine)
    open_or_unlinked = pc.or_(
        pc.is_null(table.column("deployment_id")), pc.is_null(table.column("resolved_at"))
    )
    rows: list[dict[str, Any]] = table.filter(open_or_unlinked).to_pylist()
    return rows


def _services(
    incident: Mapping[str, Any], extra: Mapping[str, Any], resolver: ServiceResolver
) -> set[str]:
    """Where the revert's and the reverted change's rows can be: the incident's service and,
    for a monorepo, every path-mapped service of its repository."""
    repository = str(extra.get("repository") or "")
    mapped = {s for s, _ in resolver.path_maps.get(repository.lower(), [])}
    service = incident.get("service")
    if service is None:  # this batch's row: its subject is not resolved yet
        subject: Subject = incident[SUBJECT]
        service = resolver.resolve(subject)
    return {str(service), *mapped}


def _target_services(
    incident: Mapping[str, Any], own: set[str], resolver: ServiceResolver
) -> set[str]:
    """Where the reverted change can be: the revert's own scope, or the services of the other
    repository the revert names (``Reverts other/repo#12``)."""
    extra = _extra(incident)
    named = str((extra.get("reverts") or {}).get("repo") or "")
    if not named or named.lower() == str(extra.get("repository") or "").lower():
        return own
    annotation = ANNOTATIONS.get(str(extra.get("vendor")), "")
    subject = Subject(annotation, named, named.rsplit("/", 1)[-1])
    mapped = {s for s, _ in resolver.path_maps.get(named.lower(), [])}
    return {resolver.resolve(subject), *mapped}


def _candidate_changes(lake: LakeWriter, services: set[str]) -> list[dict[str, Any]]:
    """The lake's changes of these services (where reverts and what they revert can be)."""
    table = lake.read_table(CHANGES, CHANGES.schema.names)
    wanted = pc.is_in(table.column("service"), value_set=pa.array(sorted(services), pa.string()))
    rows: list[dict[str, Any]] = table.filter(pc.fill_null(wanted, False)).to_pylist()
    return rows


def _find(
    changes: list[dict[str, Any]],
    services: set[str],
    *,
    sha: str | None = None,
    number: str | None = None,
    key: str = "number",
) -> dict[str, Any] | None:
    """The change a revert names, by commit sha (a prefix of 7+ characters) or by its pull or
    merge request number, among the given services' changes; the earliest merged if several."""
    if not sha and not number:
        return None
    found = []
    for row in changes:
        if row["service"] not in services:
            continue
        by_sha = bool(sha) and str(row["change_id"]).lower().startswith(str(sha).lower())
        if by_sha or (bool(number) and str(_extra(row).get(key)) == str(number)):
            found.append(row)
    found.sort(key=lambda r: (r["merged_at"] or r["committed_at"], r["service"]))
    return found[0] if found else None


def _extra(row: Mapping[str, Any]) -> dict[str, Any]:
    try:
        value = json.loads(row.get("extra") or "{}")
    except json.JSONDecodeError:
        return {}
    return value if isinstance(value, dict) else {}


def _ref(change: Mapping[str, Any]) -> tuple[str, str]:
    return str(change["service"]), str(change["change_id"])


def _shipped(
    lake: LakeWriter, settings: DeliverySettings, changes: list[dict[str, Any]]
) -> dict[tuple[str, str], tuple[dt.datetime, str]]:
    """(service, change id) -> (finish, deployment id) of the deployment that shipped each
    change, by the metrics' own rule (``change_attributions``, one query for all); of
    deployments finishing at that instant, the change's own when it names one, else the
    latest id (as incident links choose)."""
    unique = list({_ref(c): c for c in changes}.values())
    if not unique:
        return {}
    deployments = lake.read_table(DEPLOYMENTS, DEPLOYMENTS.schema.names)
    con = ibis.duckdb.connect()
    shipped = shipped_deployments(engine_table(deployments), settings.production_environments)
    rows = con.to_pyarrow(shipped).to_pylist()
    mine = engine_table(pa.Table.from_pylist(unique, schema=CHANGES.schema))
    attributed = change_attributions(mine, shipped, ibis.literal(FAR_FUTURE), keep_ref=True)
    by_ref = {_ref(c): c for c in unique}
    out: dict[tuple[str, str], tuple[dt.datetime, str]] = {}
    for found in con.to_pyarrow(attributed).to_pylist():
        if found["deployed_at"] is None:
            continue
        finished = _as_utc(found["deployed_at"])
        ids = [
            r["deployment_id"]
            for r in rows
            if r["service"] == found["service"] and _as_utc(r["finished_at"]) == finished
        ]
        key = (str(found["service"]), str(found["ref"]))
        explicit = by_ref[key].get("deployment_id") if key in by_ref else None
        out[key] = (finished, str(explicit if explicit in ids else max(ids)))
    return out


def engine_table(table: pa.Table) -> ibis.Table:
    """Lake rows as the engines read them (``lake.engines``): naive UTC timestamps, every
    column nullable, so the metrics' expressions take them unchanged."""
    fields = [
        pa.field(f.name, pa.timestamp("us") if pa.types.is_timestamp(f.type) else f.type)
        for f in table.schema
    ]
    return ibis.memtable(table.cast(pa.schema(fields)))


def _as_utc(moment: dt.datetime) -> dt.datetime:
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)
