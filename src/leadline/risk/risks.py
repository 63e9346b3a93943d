"""Writing the risk register: validation shared by the CLI, CSV import and (later) the web app,
and every create, update and close recorded in the audit log in the same transaction.

A risk's inherent score is ``likelihood x impact`` before treatment, its residual score the same
after the treatment's effect (residual levels default to the inherent ones). Problems are
reported as ``(field, reason)`` so each caller can name its own row or option.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, Literal

from pydantic import ConfigDict, Field, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from leadline.audit import record, snapshot
from leadline.ingest.nulls import NullAsAbsent, null_reason
from leadline.risk.frameworks import COBIT, builtin, csf
from leadline.risk.models import Risk
from leadline.risk.scoring import Matrix

TREATMENTS = ("mitigate", "accept", "transfer", "avoid")
STATUSES = ("open", "closed")
ACTION_STATES = ("open", "done")
ENTITY = "risk"
FieldProblem = tuple[str, str]
KEY_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


class Action(NullAsAbsent):
    """One treatment action: what, who, by when, and whether it is done."""

    model_config = ConfigDict(extra="forbid")

    action: str = Field(min_length=1)
    owner: str = Field(min_length=1)
    due_on: dt.date
    status: Literal["open", "done"] = "open"


class RiskError(ValueError):
    """A write that cannot be made; ``problems`` name the fields."""

    def __init__(self, problems: list[FieldProblem]) -> None:
        super().__init__("; ".join(f"{field}: {reason}" for field, reason in problems))
        self.problems = problems


def parse_actions(value: Any) -> list[dict[str, Any]]:
    """Actions as JSON-ready dicts; ValueError naming the first bad action."""
    if value in (None, ""):
        return []
    if not isinstance(value, list):
        raise ValueError("must be a JSON list of {action, owner, due_on, status}")
    out = []
    for position, item in enumerate(value, start=1):
        try:
            action = Action.model_validate(item)
        except ValidationError as error:
            first = error.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise ValueError(
                f"action {position}: {where}: {null_reason(first, first['msg'])}"
            ) from None
        out.append(action.model_dump(mode="json"))
    return out


def check(values: dict[str, Any], matrix: Matrix) -> list[FieldProblem]:
    """Every rule a complete risk must satisfy (values are typed: ints, dates, lists)."""
    problems: list[FieldProblem] = []
    for field in ("title", "owner", "category"):
        if not str(values.get(field) or "").strip():
            problems.append((field, "is required"))
    if not KEY_PATTERN.match(str(values.get("key") or "")):
        problems.append(("risk_id", "must be 1-64 letters, digits, '.', '_' or '-'"))
    for field, axis in (
        ("likelihood", "likelihood"),
        ("impact", "impact"),
        ("residual_likelihood", "likelihood"),
        ("residual_impact", "impact"),
    ):
        reason = matrix.out_of_range(axis, values.get(field))
        if reason:
            problems.append((field, reason))
    unknown = csf().unknown(list(values.get("csf") or []), "subcategory")
    if unknown:
        problems.append(
            ("csf_subcategories", f"unknown CSF 2.0 subcategory ids: {', '.join(unknown)}")
        )
    unknown = builtin(COBIT).unknown(list(values.get("cobit") or []), "objective")
    if unknown:
        problems.append(
            ("cobit_objectives", f"unknown COBIT 2019 objectives: {', '.join(unknown)}")
        )
    if values.get("treatment") not in TREATMENTS:
        problems.append(("treatment", f"must be one of {', '.join(TREATMENTS)}"))
    if values.get("status") not in STATUSES:
        problems.append(("status", f"must be one of {', '.join(STATUSES)}"))
    every = values.get("review_every_days")
    if every is not None and (not isinstance(every, int) or every < 1):
        problems.append(("review_every_days", "must be a positive number of days"))
    return problems + _date_order(values)


def _date_order(values: dict[str, Any]) -> list[FieldProblem]:
    identified = values.get("identified_on")
    if not isinstance(identified, dt.date):
        return [("identified_on", "is required (YYYY-MM-DD)")]
    problems: list[FieldProblem] = []
    for field in ("last_reviewed_on", "closed_on"):
        value = values.get(field)
        if value is not None and value < identified:
            problems.append((field, f"is before identified_on ({identified.isoformat()})"))
    if values.get("status") == "closed" and values.get("closed_on") is None:
        problems.append(("closed_on", "is required when status is closed"))
    if values.get("status") == "open" and values.get("closed_on") is not None:
        problems.append(("closed_on", "must be empty while the risk is open"))
    return problems


def normalise(values: dict[str, Any]) -> dict[str, Any]:
    """Defaults: residual levels = inherent ones, status open, lists empty."""
    out = dict(values)
    out.setdefault("status", "open")
    for field in ("csf", "cobit", "services", "teams", "actions"):
        out[field] = list(out.get(field) or [])
    out["csf"] = sorted({s.strip().upper() for s in out["csf"]})
    out["cobit"] = sorted({s.strip().upper() for s in out["cobit"]})
    if out.get("residual_likelihood") is None:
        out["residual_likelihood"] = out.get("likelihood")
    if out.get("residual_impact") is None:
        out["residual_impact"] = out.get("impact")
    return out


EDITABLE = (
    "title",
    "description",
    "owner",
    "category",
    "status",
    "csf",
    "cobit",
    "services",
    "teams",
    "likelihood",
    "impact",
    "residual_likelihood",
    "residual_impact",
    "treatment",
    "actions",
    "review_every_days",
    "identified_on",
    "last_reviewed_on",
    "closed_on",
)


def get_risk(session: Session, key: str) -> Risk | None:
    return session.scalar(select(Risk).where(Risk.key == key))


def next_key(session: Session) -> str:
    """``R-NNN`` after the highest numbered key so far."""
    numbers = [int(k[2:]) for k in session.scalars(select(Risk.key)) if re.fullmatch(r"R-\d+", k)]
    return f"R-{max(numbers, default=0) + 1:03d}"


def save(
    session: Session,
    values: dict[str, Any],
    matrix: Matrix,
    *,
    actor: str,
    via: str = "cli",
    batch_id: int | None = None,
    note: str | None = None,
) -> tuple[Risk, str | None]:
    """Create or update the risk ``values["key"]``; returns it and the audit action written
    (None when nothing changed). Raises RiskError before touching the store."""
    existing = get_risk(session, str(values.get("key")))
    merged = {f: getattr(existing, f) for f in EDITABLE} if existing else {}
    merged.update(values)
    merged = normalise(merged)
    problems = check(merged, matrix)
    if problems:
        raise RiskError(problems)
    before = snapshot(existing, exclude=("updated_at", "batch_id")) if existing else None
    risk = existing or Risk(key=merged["key"])
    for field in EDITABLE:
        setattr(risk, field, merged.get(field))
    if existing is None:
        session.add(risk)
    after = snapshot(risk, exclude=("updated_at", "batch_id", "id", "created_at"))
    if before is not None:
        before = {k: v for k, v in before.items() if k in after}
    action = "update" if existing else "create"
    entry = record(
        session,
        actor=actor,
        action=action,
        entity_type=ENTITY,
        entity_id=risk.key,
        before=before,
        after=after,
        via=via,
        note=note,
    )
    if entry is None:
        return risk, None
    risk.batch_id = batch_id if batch_id is not None else risk.batch_id
    risk.updated_at = dt.datetime.now(dt.UTC)
    session.flush()
    return risk, action


def delete(session: Session, key: str, *, actor: str, note: str | None = None) -> None:
    risk = get_risk(session, key)
    if risk is None:
        raise RiskError([("risk_id", f"no risk {key!r}")])
    before = snapshot(risk, exclude=("updated_at", "batch_id", "id", "created_at"))
    record(
        session,
        actor=actor,
        action="delete",
        entity_type=ENTITY,
        entity_id=key,
        before=before,
        note=note,
    )
    session.delete(risk)
    session.flush()
