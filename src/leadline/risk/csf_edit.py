"""Scoring one CSF 2.0 subcategory of a profile from the web or the API. A profile's history is
its dated rows (``risk.models.CsfAssessment``): a score given today adds today's row (or
corrects it, when today's exists), carrying the owner, business unit and evidence of the latest
row, so earlier assessments stay as they were. Audited as ``csf_assessment``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select

from leadline.audit import record, snapshot
from leadline.context import App
from leadline.risk.edits import EditError
from leadline.risk.models import CsfAssessment
from leadline.risk.profiles import STATUSES, _row, profile_as_of, tier_number
from leadline.webkit.users import Principal

SCORED = ("current_status", "current_tier", "target_status", "target_tier", "notes")
SKIPPED = ("id", "created_at", "updated_at", "batch_id")


def _checked(values: dict[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(values) - set(SCORED))
    if unknown:
        raise EditError(400, f"not editable: {', '.join(unknown)}; editable: {', '.join(SCORED)}")
    out: dict[str, Any] = {}
    for name, value in values.items():
        if name.endswith("_status"):
            if value not in STATUSES:
                raise EditError(400, f"{name}: must be one of {', '.join(STATUSES)}")
            out[name] = value
        elif name.endswith("_tier"):
            try:
                out[name] = tier_number(str(value))
            except ValueError as error:
                raise EditError(400, f"{name}: {error}") from None
        else:
            out[name] = None if value in (None, "") else str(value)
    return out


def score_subcategory(
    app: App,
    who: Principal,
    profile: str,
    subcategory: str,
    *,
    values: dict[str, Any],
    on: dt.date | None = None,
) -> dict[str, Any]:
    """Record ``values`` for the subcategory as assessed ``on`` (default today); returns the
    profile row as ``leadline risk csf`` shows it."""
    if not who.can_edit("risk"):
        raise EditError(403, "scoring a CSF profile needs an editor of risk or an admin")
    changes = _checked(values)
    on = on or dt.datetime.now(dt.UTC).date()
    subcategory = subcategory.upper()
    with app.store.session() as session:
        latest = profile_as_of(session, profile, on).get(subcategory)
        if latest is None:
            raise EditError(404, f"profile {profile!r} has no assessment of {subcategory}")
        before = snapshot(latest, exclude=SKIPPED)
        row = session.scalar(
            select(CsfAssessment).where(
                CsfAssessment.profile == profile,
                CsfAssessment.subcategory == subcategory,
                CsfAssessment.assessed_on == on,
            )
        )
        if row is None:
            row = CsfAssessment(**{**before, "assessed_on": on})
            session.add(row)
        for name, value in changes.items():
            setattr(row, name, value)
        if row.target_tier < row.current_tier:
            session.rollback()
            raise EditError(400, "target_tier: is below current_tier")
        session.flush()
        record(
            session,
            actor=who.name,
            via=who.via,
            action="update",
            entity_type="csf_assessment",
            entity_id=f"{profile}/{subcategory}",
            before=before,
            after=snapshot(row, exclude=SKIPPED),
        )
        return _row(row)
