"""One line on governance and risk, for ``leadline demo`` (and later the scorecard)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from leadline.config import Settings
from leadline.risk.compliance import compliance_report
from leadline.risk.register import register_report


def risk_summary(session: Session, settings: Settings, at: dt.date) -> str | None:
    """Open risks by top rating, overdue reviews, compliance coverage; None when empty."""
    register = register_report(session, settings, at)
    if not register["risks"]:
        return None
    top_band = list(register["by_rating"])[-1]
    coverage = compliance_report(session, at)["coverage"]
    shown = "n/a" if coverage is None else f"{coverage:.0%}"
    return (
        f"risk: {len(register['risks'])} open risks ({register['by_rating'][top_band]} "
        f"{top_band} residual), {len(register['overdue_reviews'])} reviews overdue; "
        f"policy compliance coverage {shown}"
    )
