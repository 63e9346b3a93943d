"""Policy compliance coverage: the share of in-scope (control x service) pairs with current
passing evidence, per business unit, team or service, with the list of what is missing.

In scope: every active control paired with each catalog service its scope covers (``all``
services; listed ``service``s; services owned by listed ``team``s; services in listed
``business-unit``s by the catalog's organisational grouping, ``catalog.grouping``: through the
service's value stream, else its owner team). Pairs are grouped by the same grouping; a service
without a team or business unit is in the ``(none)`` group. A pair passes at date ``at`` when

* its latest attestation made on or before ``at`` says ``pass`` and ``at <= expires_on``, or
* the control has an ``evidence_rule`` the store already proves (documented in docs/risk.md):
  ``slo-defined`` - the service has at least one SLO (``reliability.slos`` by service, read
  through the metric registry in the caller's session); ``owner-defined`` - the catalog
  service has an owner team.

coverage = passing pairs / in-scope pairs (null when nothing is in scope).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from leadline.catalog.grouping import NO_GROUP, GroupBy, Scope
from leadline.periods import Window
from leadline.risk.models import Attestation, Control
from leadline.risk.rows import CatalogNames
from leadline.semantic.evaluation import Evaluation

SCOPE_KINDS = ("all", "service", "team", "business-unit")
EVIDENCE_RULES = ("slo-defined", "owner-defined")
GROUPINGS = ("business-unit", "team", "service", "control")
UNASSIGNED = NO_GROUP  # the organisational grouping's "Not assigned" group


def rule_checks(
    session: Session, names: CatalogNames, at: dt.date
) -> dict[str, Callable[[str], bool]]:
    """Each derived-evidence rule as a test on a service name."""
    day = dt.datetime.combine(at, dt.time())
    ev = Evaluation.in_session(session, now=day + dt.timedelta(days=1))
    slos = ev.values("reliability.slos", "service", [Window(day, day + dt.timedelta(days=1))])
    with_slo = {service for service, count in slos[0].items() if count}
    return {
        "slo-defined": lambda service: service in with_slo,
        "owner-defined": lambda service: names.grouping.service_key(service, "team") != NO_GROUP,
    }


def in_scope(control: Control, names: CatalogNames) -> list[str]:
    """The catalog services a control applies to."""
    grouping = names.grouping
    if control.scope_kind == "all":
        return sorted(grouping.services)
    if control.scope_kind == "service":
        return sorted(s for s in grouping.services if s in set(control.scope))
    kind: GroupBy = "team" if control.scope_kind == "team" else "business-unit"
    chosen: set[str] = set()
    for name in control.scope:
        chosen |= grouping.services_in(Scope(kind, name))
    return sorted(chosen)


def latest_attestations(session: Session, at: dt.date) -> dict[tuple[str, str], Attestation]:
    query = (
        select(Attestation)
        .where(Attestation.attested_on <= at)
        .order_by(Attestation.attested_on, Attestation.id)
    )
    return {(a.control, a.service): a for a in session.scalars(query)}


def pairs(session: Session, at: dt.date) -> list[dict[str, Any]]:
    """Every in-scope (control, service) pair with its verdict and why."""
    names = CatalogNames.load(session)
    rules = rule_checks(session, names, at)
    latest = latest_attestations(session, at)
    out = []
    controls = session.scalars(select(Control).where(Control.active).order_by(Control.key))
    for control in controls:
        for service in in_scope(control, names):
            team = names.grouping.service_key(service, "team")
            unit = names.grouping.service_key(service, "business-unit")
            passing, evidence, reason = _verdict(control, service, latest, rules, at)
            out.append(
                {
                    "control": control.key,
                    "service": service,
                    "team": team,
                    "business_unit": unit,
                    "passing": passing,
                    "evidence": evidence,
                    "reason": reason,
                }
            )
    return out


def _verdict(
    control: Control,
    service: str,
    latest: dict[tuple[str, str], Attestation],
    rules: dict[str, Callable[[str], bool]],
    at: dt.date,
) -> tuple[bool, str | None, str | None]:
    attestation = latest.get((control.key, service))
    if attestation is not None and attestation.result == "pass" and at <= attestation.expires_on:
        return True, f"attestation {attestation.attested_on.isoformat()}", None
    rule = control.evidence_rule
    if rule and rules[rule](service):
        return True, f"rule {rule}", None
    if attestation is None:
        reason = "no attestation"
    elif attestation.result != "pass":
        reason = f"attestation {attestation.attested_on.isoformat()} failed"
    else:
        reason = f"attestation expired on {attestation.expires_on.isoformat()}"
    if rule:
        reason += f"; rule {rule} not met"
    return False, None, reason


def _summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    passing = sum(1 for r in rows if r["passing"])
    return {
        "in_scope": len(rows),
        "passing": passing,
        "coverage": round(passing / len(rows), 4) if rows else None,
    }


def compliance_report(session: Session, at: dt.date, by: str = "business-unit") -> dict[str, Any]:
    """``leadline risk compliance --by B --format json``."""
    rows = pairs(session, at)
    field = by.replace("-", "_")
    keys = sorted({r[field] for r in rows})
    return {
        "at": at,
        "by": by,
        **_summary(rows),
        "groups": [{"key": k, **_summary([r for r in rows if r[field] == k])} for k in keys],
        "missing": [
            {k: r[k] for k in ("control", "service", "team", "business_unit", "reason")}
            for r in rows
            if not r["passing"]
        ],
    }
