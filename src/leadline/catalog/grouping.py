"""The one organisational grouping: service → team → value stream → business unit →
organisation, and the one scope filter. Every pillar, the web filters and the API group with
this module; no other module resolves a service's or a team's place in the organisation.

The precedence rule (docs/metrics.md, "Organisational grouping"):

- a **service**'s team is its owning team (``owner_team``);
- a service's **value stream** is its own ``value_stream`` when it declares one, else its
  team's (a service's own value stream wins over its team's);
- a **business unit** is the business unit of that value stream when the value stream names
  one, else the team's own ``business_unit`` (a value stream's business unit wins over the
  team's);
- a **team** (for facts keyed by team, such as cost allocated to a team or survey answers)
  belongs to its own value stream and, by the same rule, to that stream's business unit;
- everything belongs to the **organisation**.

A fact whose service or team has no place at a level falls in the group ``(none)``
(``NO_GROUP``), shown as "Not assigned", never dropped.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal, get_args

from sqlalchemy import select
from sqlalchemy.orm import Session

from leadline.catalog.models import BusinessUnit, Service, Team, ValueStream
from leadline.present.model import NO_GROUP as NO_GROUP  # noqa: PLC0414 (re-exported)
from leadline.present.model import NO_GROUP_TITLE as NO_GROUP_TITLE  # noqa: PLC0414

if TYPE_CHECKING:
    from leadline.context import App

GroupBy = Literal["service", "team", "value-stream", "business-unit", "organisation"]
GROUP_BY: tuple[GroupBy, ...] = get_args(GroupBy)
# Scopes a figure can be asked for: the grouping's levels, and single SLOs (reliability
# metrics), which sit below their service and group no other facts.
ScopeKind = Literal["service", "team", "value-stream", "business-unit", "organisation", "slo"]
SCOPE_KINDS: tuple[ScopeKind, ...] = get_args(ScopeKind)
ORGANISATION = "organisation"


def unplaced_key(by: str) -> str | None:
    """The group of a service the catalog does not hold: None (it keeps its own name) by
    service, the organisation by organisation, ``(none)`` at every other level. Queries that
    key facts through a (service, key) table use it for services missing from the table."""
    if by == "service":
        return None
    return ORGANISATION if by == ORGANISATION else NO_GROUP


@dataclass(frozen=True)
class Place:
    """Where one service or team sits, each level resolved by the precedence rule."""

    service: str | None
    team: str | None
    value_stream: str | None
    business_unit: str | None

    def key(self, by: ScopeKind) -> str:
        value = {
            "service": self.service,
            "team": self.team,
            "value-stream": self.value_stream,
            "business-unit": self.business_unit,
            "organisation": ORGANISATION,
        }.get(by)  # an SLO scope groups no service's facts
        return value or NO_GROUP


@dataclass(frozen=True)
class Scope:
    """One scope: a kind (service, team, value stream, business unit, organisation) and a
    name (``organisation`` for the organisation)."""

    kind: ScopeKind
    name: str

    @classmethod
    def parse(cls, text: str) -> Scope:
        """``KIND:NAME`` (``team:payments``) or ``organisation``."""
        kind, _, name = str(text).partition(":")
        kind = kind.strip().replace("_", "-")
        if kind == ORGANISATION:
            return cls("organisation", ORGANISATION)
        if kind not in SCOPE_KINDS or not name.strip():
            raise ValueError(
                f"a scope is KIND:NAME with KIND one of {', '.join(SCOPE_KINDS)}, not {text!r}"
            )
        return cls(kind, name.strip())

    def __str__(self) -> str:
        return ORGANISATION if self.kind == ORGANISATION else f"{self.kind}:{self.name}"


@dataclass
class Grouping:
    """The catalog's places: every service's and every team's, read once."""

    services: dict[str, Place] = field(default_factory=dict)
    teams: dict[str, Place] = field(default_factory=dict)
    titles: dict[tuple[str, str], str] = field(default_factory=dict)
    value_streams: list[str] = field(default_factory=list)
    business_units: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, app: App) -> Grouping:
        """``load`` in a session of the app's store."""
        with app.store.session() as session:
            return cls.load(session)

    @classmethod
    def load(cls, session: Session) -> Grouping:
        """Read only the columns grouping needs (every report calls this)."""
        streams = select(ValueStream.name, ValueStream.business_unit)
        stream_units: dict[str, str | None] = dict(session.execute(streams).all())
        teams = session.execute(select(Team.name, Team.value_stream, Team.business_unit))
        services = session.execute(select(Service.name, Service.owner_team, Service.value_stream))
        titles: dict[tuple[str, str], str] = {}
        for kind, model in (
            ("service", Service),
            ("team", Team),
            ("value-stream", ValueStream),
            ("business-unit", BusinessUnit),
        ):
            for name, title in session.execute(select(model.name, model.title)):
                if title:
                    titles[(kind, name)] = title
        units = list(session.scalars(select(BusinessUnit.name)))
        return cls.build(
            teams=[(n, s, u) for n, s, u in teams],
            services=[(n, t, s) for n, t, s in services],
            stream_units=stream_units,
            business_units=units,
            titles=titles,
        )

    @classmethod
    def build(
        cls,
        *,
        teams: Iterable[tuple[str, str | None, str | None]],
        services: Iterable[tuple[str, str | None, str | None]],
        stream_units: dict[str, str | None],
        business_units: Iterable[str] = (),
        titles: dict[tuple[str, str], str] | None = None,
    ) -> Grouping:
        """From plain rows: teams (name, value stream, business unit), services (name, owning
        team, own value stream), value streams' business units. Pure: tests use it."""

        def unit_of(stream: str | None, team_unit: str | None) -> str | None:
            return (stream_units.get(stream) if stream else None) or team_unit

        team_rows = list(teams)
        own_units = {name: unit for name, _, unit in team_rows}
        team_places = {
            name: Place(None, name, stream, unit_of(stream, unit))
            for name, stream, unit in team_rows
        }
        service_places = {}
        for name, owner, own_stream in services:
            team = team_places.get(owner) if owner else None
            stream = own_stream or (team.value_stream if team else None)
            service_places[name] = Place(
                name, owner, stream, unit_of(stream, own_units.get(owner or ""))
            )
        grouping = cls(service_places, team_places, dict(titles or {}))
        grouping.value_streams = sorted(
            {*stream_units, *(p.value_stream for p in grouping._places() if p.value_stream)}
        )
        grouping.business_units = sorted(
            {
                *business_units,
                *(u for u in stream_units.values() if u),
                *(p.business_unit for p in grouping._places() if p.business_unit),
            }
        )
        return grouping

    def _places(self) -> list[Place]:
        return [*self.services.values(), *self.teams.values()]

    # --- grouping facts -------------------------------------------------------------------

    def service_key(self, service: str, by: ScopeKind) -> str:
        """The group of a service's facts (a service not in the catalog is its own service
        group, and ``(none)`` at every other level)."""
        place = self.services.get(service)
        if place is None:
            return unplaced_key(by) or service
        return place.key(by)

    def team_key(self, team: str, by: ScopeKind) -> str:
        """The group of a team's facts (``service`` grouping has no answer for a team)."""
        place = self.teams.get(team)
        if by == "service":
            return NO_GROUP
        if place is None:
            return Place(None, team, None, None).key(by)
        return place.key(by)

    def service_pairs(self, by: GroupBy) -> list[tuple[str, str]]:
        """(service, group key) for every catalog service, by service name."""
        return [(name, self.service_key(name, by)) for name in sorted(self.services)]

    # --- scopes ---------------------------------------------------------------------------

    def scopes(self, kind: ScopeKind) -> list[str]:
        """Every scope of a kind the catalog holds (filters and scorecards list these)."""
        if kind == ORGANISATION:
            return [ORGANISATION]
        if kind == "service":
            return sorted(self.services)
        if kind == "team":
            return sorted(self.teams)
        if kind == "value-stream":
            return list(self.value_streams)
        return list(self.business_units)

    def services_in(self, scope: Scope) -> set[str]:
        return {s for s in self.services if self.service_key(s, scope.kind) == scope.name}

    def teams_in(self, scope: Scope) -> set[str]:
        """Teams of the scope: by their own place, plus the owners of the scope's services
        (a team whose service declares another value stream contributes to both)."""
        if scope.kind == "service":
            place = self.services.get(scope.name)
            return {place.team} if place and place.team else set()
        own = {t for t in self.teams if self.team_key(t, scope.kind) == scope.name}
        services = self.services_in(scope)
        owners = {p.team for s, p in self.services.items() if p.team and s in services}
        return own | owners

    def selected(self, scopes: Iterable[Scope]) -> tuple[set[str], set[str]] | None:
        """(services, teams) in every one of the scopes (filters that combine a business unit,
        a value stream and a team intersect), or None when no scope is given."""
        chosen = list(scopes)
        if not chosen:
            return None
        services = set.intersection(*(self.services_in(s) for s in chosen))
        return services, set.intersection(*(self.teams_in(s) for s in chosen))

    def title(self, kind: str, name: str) -> str:
        """The human title of a scope (its catalog title, else its name)."""
        if name == NO_GROUP:
            return NO_GROUP_TITLE
        if kind == ORGANISATION:
            return "Organisation"
        return self.titles.get((kind, name), name)

    def options(self) -> dict[str, list[str]]:
        """Every business unit, value stream and team a filter can choose."""
        return {
            "business_unit": list(self.business_units),
            "value_stream": list(self.value_streams),
            "team": sorted(self.teams),
        }


def load(session: Session) -> Grouping:
    return Grouping.load(session)
