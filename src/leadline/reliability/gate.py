"""The deploy gate: a service's error-budget policy as a decision a CI pipeline acts on.

A service is frozen when any of its SLOs has no error budget left, or a fast-burn (page)
alert fires; otherwise deploys are allowed. Both come from ``leadline slo status``
(:func:`leadline.reliability.report.status`): the gate explains that document, it computes no
figure of its own. Every decision is recorded (:class:`GateRecord`) with who asked; an
override (an editor of reliability or an admin, with a reason) is audited and turns a freeze
into ``overridden`` for ``reliability.gate_override_hours``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from leadline.audit import record, snapshot
from leadline.catalog.models import Service
from leadline.context import App
from leadline.periods import iso
from leadline.present.formats import cell
from leadline.present.model import Column
from leadline.reliability import report
from leadline.reliability.gate_models import GateRecord
from leadline.webkit.users import Principal, get_user, principal_of

PILLAR = "reliability"
PERCENT = Column("error_budget_remaining", "Error budget left", "ratio", digits=1)
RATE = Column("burn_rate", "Burn rate", "number", digits=1)


@dataclass
class GateError(Exception):
    """A request the gate refuses: ``status`` is the HTTP status (404 unknown service, 400 no
    reason, 403 not allowed to override); the CLI exits 2 on any of them."""

    status: int
    message: str

    def __str__(self) -> str:
        return self.message


def unknown(service: str) -> GateError:
    return GateError(404, f"unknown service {service!r}: not in the catalog, no SLO names it")


def wall_clock() -> dt.datetime:
    """Now, to the second (overrides expire by the wall clock, whatever ``--at`` says)."""
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def evaluate(
    app: App,
    service: str,
    *,
    at: dt.datetime | None = None,
    engine: str | None = None,
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """The gate's document for ``service`` (not recorded): the policy's decision, each SLO's
    state and reason, and the override in force if any."""
    now = now or wall_clock()
    data = report.status(app, at=at, engine=engine)
    rows = [s for s in data["slos"] if s["service"] == service]
    specs = {s.name: s for s in report.load_slos(app)}
    with app.store.session() as session:
        if not rows and not _in_catalog(session, service):
            raise GateError(
                404, f"unknown service {service!r}: not in the catalog, no SLO names it"
            )
        override = live_override(session, service, now)
    slos = []
    freeze: list[str] = []
    for row in rows:
        why = freeze_reasons(app, row, specs.get(row["slo"]))
        freeze += why
        slos.append(
            {
                "slo": row["slo"],
                "state": row["policy_state"],
                "error_budget_remaining": row["error_budget_remaining"],
                "alert": row["alert"],
                "burn_rate_1h": row["burn_rate_1h"],
                "freeze": bool(why),
                "reason": "; ".join(why) if why else _fine(row),
            }
        )
    policy = "freeze" if freeze else "allow"
    reasons = freeze or [
        "every SLO has error budget left and no page alert fires"
        if rows
        else f"no SLO for service {service}: nothing to gate on"
    ]
    decision = policy
    if policy == "freeze" and override is not None:
        decision = "overridden"
        reasons = [
            *reasons,
            f"overridden by {override['actor']} until {override['until']}: {override['reason']}",
        ]
    return {
        "service": service,
        "at": data["at"],
        "decision": decision,
        "policy": policy,
        "reasons": reasons,
        "slos": slos,
        "override": override,
    }


def freeze_reasons(app: App, row: dict[str, Any], spec: Any) -> list[str]:
    """Why this SLO freezes deploys (empty when it does not): its budget is spent, or a page
    rule fires (both of its windows above the rule's factor, as ``report.alert_at`` judges)."""
    out = []
    if row["policy_state"] == "exhausted":
        left = cell(row["error_budget_remaining"], PERCENT)
        out.append(f"{row['slo']}: budget exhausted ({left})")
    if row["alert"] == "page" and spec is not None:
        rates = row["burn_rates"]
        for rule in report.rules_for(app, spec):
            long_rate, short_rate = rates.get(rule.long_window), rates.get(rule.short_window)
            if rule.severity != "page" or long_rate is None or short_rate is None:
                continue
            if min(long_rate, short_rate) > rule.factor:
                factor = cell(rule.factor, RATE)
                out.append(
                    f"{row['slo']}: page alert firing: {rule.long_window} burn "
                    f"{cell(long_rate, RATE)}× and {rule.short_window} burn "
                    f"{cell(short_rate, RATE)}× > {factor}×"
                )
    return out


def _fine(row: dict[str, Any]) -> str:
    left = row["error_budget_remaining"]
    if left is None:
        return f"{row['slo']}: no data in the window"
    text = f"{row['slo']}: {cell(left, PERCENT)} of the budget left"
    return text + (f" ({row['alert']} alert firing)" if row["alert"] else "")


def _in_catalog(session: Session, service: str) -> bool:
    return session.scalar(select(Service.id).where(Service.name == service)) is not None


def live_override(session: Session, service: str, now: dt.datetime) -> dict[str, Any] | None:
    """The newest override of ``service`` not yet expired at ``now``."""
    found = session.scalars(
        select(GateRecord)
        .where(
            GateRecord.service == service,
            GateRecord.kind == "override",
            GateRecord.expires_at > now,
        )
        .order_by(GateRecord.at.desc(), GateRecord.id.desc())
        .limit(1)
    ).first()
    if found is None or found.expires_at is None:
        return None
    return {
        "id": found.id,
        "actor": found.actor,
        "reason": found.reason,
        "at": iso(found.at),
        "until": iso(found.expires_at),
    }


def decide(
    app: App,
    service: str,
    who: Principal,
    *,
    at: dt.datetime | None = None,
    engine: str | None = None,
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """Evaluate the gate and record the decision with who asked; the document gets the
    record's ``id``, ``decided_at`` and ``actor``."""
    now = now or wall_clock()
    document = evaluate(app, service, at=at, engine=engine, now=now)
    with app.store.session() as session:
        row = GateRecord(
            kind="decision",
            at=now,
            evaluated_at=report.parse_instant(document["at"]).replace(tzinfo=dt.UTC),
            service=service,
            decision=document["decision"],
            reasons=document["reasons"],
            actor=who.name,
            via=who.via,
        )
        session.add(row)
        session.flush()
        ident = row.id
    return {**document, "id": ident, "decided_at": iso(now), "actor": who.name, "via": who.via}


def grant_override(
    app: App,
    service: str,
    who: Principal,
    reason: str | None,
    *,
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """Record an override of ``service``'s gate (editors of reliability and admins, with a
    reason), audited in the same transaction; it lasts ``gate_override_hours``."""
    if not who.can_edit(PILLAR):
        raise GateError(
            403, "overriding the deploy gate needs an editor of reliability or an admin"
        )
    text = (reason or "").strip()
    if not text:
        raise GateError(400, "an override needs a reason (--reason)")
    now = now or wall_clock()
    until = now + dt.timedelta(hours=app.settings.reliability.gate_override_hours)
    named = any(s.service == service for s in report.load_slos(app))
    with app.store.session() as session:
        if not (named or _in_catalog(session, service)):
            raise GateError(
                404, f"unknown service {service!r}: not in the catalog, no SLO names it"
            )
        row = GateRecord(
            kind="override",
            at=now,
            service=service,
            decision="override",
            reasons=[text],
            actor=who.name,
            via=who.via,
            reason=text,
            expires_at=until,
        )
        session.add(row)
        session.flush()
        record(
            session,
            actor=who.name,
            action="create",
            entity_type="slo-gate-override",
            entity_id=row.id,
            after=snapshot(row),
            via=who.via,
            note=text,
            at=now,
        )
        return {"id": row.id, "service": service, "until": iso(until), "reason": text}


def cli_principal(app: App, actor: str) -> Principal:
    """Who acts from the command line: a registered web user acts with their role (so a
    viewer cannot override); anyone else is the operator of this installation, who already
    writes the store directly (the pattern of every CLI write, audited under ``--as``)."""
    with app.store.session() as session:
        user = get_user(session, actor)
        if user is not None:
            if not user.active:
                return Principal(actor, "viewer", scopes=("read",), via="cli")
            return principal_of(user, via="cli")
    return Principal(actor, "admin", via="cli")


def recent(app: App, *, services: set[str] | None = None, limit: int = 20) -> list[dict[str, Any]]:
    """The latest gate records, newest first (decisions and overrides), for the page."""
    query = select(GateRecord).order_by(GateRecord.at.desc(), GateRecord.id.desc())
    if services is not None:
        query = query.where(GateRecord.service.in_(sorted(services)))
    with app.store.session() as session:
        rows = list(session.scalars(query.limit(limit)))
    return [
        {
            "at": iso(r.at),
            "service": r.service,
            "decision": r.decision,
            "reason": "; ".join(str(x) for x in r.reasons or []),
            "actor": r.actor,
            "via": r.via,
            "override": r.kind == "override" or r.decision == "overridden",
            "expires_at": iso(r.expires_at) if r.expires_at else None,
        }
        for r in rows
    ]
