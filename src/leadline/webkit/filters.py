"""The filters every page shares (business unit, value stream, team, period) and the set of
teams and services they select in the catalog, by its one organisational grouping
(``catalog.grouping``: a service's own value stream wins over its team's, a value stream's
business unit over the team's own)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from fastapi import Request

from leadline.catalog import grouping as org
from leadline.context import App


def _day(text: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text) if text else None
    except ValueError:
        return None


@dataclass
class Filters:
    business_unit: str | None = None
    value_stream: str | None = None
    team: str | None = None
    since: dt.date | None = None
    until: dt.date | None = None
    month: str | None = None
    errors: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, request: Request) -> Filters:
        q = request.query_params
        found = cls(
            business_unit=q.get("business_unit") or None,
            value_stream=q.get("value_stream") or None,
            team=q.get("team") or None,
            since=_day(q.get("since")),
            until=_day(q.get("until")),
            month=q.get("month") or None,
        )
        for name in ("since", "until"):
            if q.get(name) and getattr(found, name) is None:
                found.errors.append(f"{name} must be a date (YYYY-MM-DD)")
        if found.since and found.until and found.since >= found.until:
            found.errors.append("since must be before until")
            found.since = found.until = None
        return found

    @property
    def active(self) -> bool:
        return any((self.business_unit, self.value_stream, self.team))

    def query(self) -> dict[str, str]:
        values = {
            "business_unit": self.business_unit,
            "value_stream": self.value_stream,
            "team": self.team,
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat() if self.until else None,
            "month": self.month,
        }
        return {k: v for k, v in values.items() if v}


@dataclass
class Scope:
    """What the filters select: team and service names (None when nothing is filtered)."""

    teams: set[str] | None
    services: set[str] | None
    options: dict[str, list[str]]

    def team_ok(self, name: str | None) -> bool:
        return self.teams is None or name in self.teams

    def service_ok(self, name: str | None) -> bool:
        return self.services is None or name in self.services


def scope_of(app: App, filters: Filters) -> Scope:
    """Options: every business unit, value stream and team the grouping can produce. A chosen
    business unit, value stream or team selects the services the grouping puts in it and the
    teams in it (``Grouping.services_in`` and ``teams_in``); several choices intersect."""
    grouping = org.Grouping.of(app)
    options = grouping.options()
    levels: tuple[tuple[org.GroupBy, str | None], ...] = (
        ("business-unit", filters.business_unit),
        ("value-stream", filters.value_stream),
        ("team", filters.team),
    )
    chosen = grouping.selected(org.Scope(kind, name) for kind, name in levels if name)
    if chosen is None:
        return Scope(None, None, options)
    services, teams = chosen
    return Scope(teams, services, options)


def rows_where(rows: list[dict[str, Any]], key: str, allowed: set[str] | None) -> list[Any]:
    return rows if allowed is None else [r for r in rows if r.get(key) in allowed]
