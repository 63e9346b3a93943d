"""Writes from the web and the API, through the pillars' own core functions, with the role
check (editor of the pillar, or admin) and the audit entry (actor = the user)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from leadline.context import App
from leadline.periods import FIRST_YEAR, LAST_YEAR
from leadline.risk.register import risk_row
from leadline.risk.risks import EDITABLE, RiskError, get_risk, save
from leadline.risk.scoring import Matrix
from leadline.webkit.users import Principal


@dataclass
class EditError(Exception):
    status: int
    message: str


def update_risk(app: App, who: Principal, key: str, changes: dict[str, Any]) -> dict[str, Any]:
    """Apply ``changes`` (risks.csv fields) to risk ``key``; returns its register row."""
    if not who.can_edit("risk"):
        raise EditError(403, "editing risks needs an editor of risk or an admin")
    unknown = sorted(set(changes) - set(EDITABLE))
    if unknown:
        raise EditError(400, f"not editable: {', '.join(unknown)}; editable: {', '.join(EDITABLE)}")
    changes = {name: _date_of(name, value) for name, value in changes.items()}
    matrix = Matrix.from_settings(app.settings.risk)
    with app.store.session() as session:
        if get_risk(session, key) is None:
            raise EditError(404, f"no risk {key!r}")
        try:
            risk, _action = save(
                session, {**changes, "key": key}, matrix, actor=who.name, via=who.via
            )
        except (RiskError, ValueError, TypeError, KeyError, AttributeError) as error:
            session.rollback()
            raise EditError(400, str(error)) from None
        return risk_row(risk, matrix, app.settings, dt.datetime.now(dt.UTC).date())


def _date_of(name: str, value: Any) -> Any:
    """Dates arrive as ISO text from forms and JSON; the risk core takes ``date`` objects."""
    if not name.endswith("_on") or not isinstance(value, str):
        return value
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise EditError(400, f"{name}: must be a date (YYYY-MM-DD), got {value!r}") from None
    if not FIRST_YEAR <= day.year <= LAST_YEAR:  # 9999-12-31 plus a day overflows later
        raise EditError(400, f"{name}: {value!r} is outside the years {FIRST_YEAR}-{LAST_YEAR}")
    return day
