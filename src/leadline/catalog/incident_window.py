"""A service's own incident window (issue 17): how far back an incident without a deployment id
looks for the deployment that caused it, when the service differs from ``[delivery]
incident_window_hours`` (a nightly batch job is found hours later than a web front end's
regression).

Set on a Backstage Component as the annotation ``leadline.io/incident-window-hours: "6"``, or on
a native catalog service as ``incident_window_hours: 6``. The catalog import refuses a value that
is not a positive number of hours (naming the file, entity and field); the stored document keeps
it, and ``incident_windows`` reads it back for the DORA keys.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from leadline.catalog.models import Service

ANNOTATION = "leadline.io/incident-window-hours"
NATIVE_FIELD = "incident_window_hours"


def parse_incident_window(value: Any) -> float:
    """Hours from an annotation (text) or a native field (number); ValueError saying what is
    wrong unless it is a finite number above zero."""
    if isinstance(value, bool):
        raise ValueError(f"must be a number of hours above 0, not {value!r}")
    try:
        hours = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"must be a number of hours above 0, not {value!r}") from None
    if not math.isfinite(hours) or hours <= 0:
        raise ValueError(f"must be a number of hours above 0, not {value!r}")
    return hours


def stored_incident_window(extra: Mapping[str, Any] | None) -> float | None:
    """The window a service's stored catalog document sets: the Backstage annotation, else
    the native field; None when it sets none (or an unreadable one the import reported)."""
    extra = extra or {}
    annotations = ((extra.get("backstage") or {}).get("metadata") or {}).get("annotations") or {}
    raw = annotations.get(ANNOTATION, (extra.get("native") or {}).get(NATIVE_FIELD))
    if raw is None:
        return None
    try:
        return parse_incident_window(raw)
    except ValueError:
        return None


def incident_windows(session: Session) -> dict[str, float]:
    """``service -> hours`` for every catalog service with a window of its own."""
    found: dict[str, float] = {}
    for name, extra in session.execute(select(Service.name, Service.extra)):
        hours = stored_incident_window(extra)
        if hours is not None:
            found[name] = hours
    return found
