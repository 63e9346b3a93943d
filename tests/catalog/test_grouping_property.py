"""Property tests of the one organisational grouping (issue 14) on random catalogs: teams,
services, value streams and business units, with value-stream and business-unit overrides and
missing and dangling references (an owner, a value stream or a business unit the catalog does
not hold).

1. ``Grouping.build`` follows the documented rule (docs/metrics.md, "Organisational
   grouping"), written out plainly below as an oracle.
2. Every surface agrees with it: for every service, the key DORA groups its deployments under,
   the key showback groups its cost under (and a team's own cost under the team's place), the
   SLO KPI's key, the SLA/XLA memberships, policy compliance's team and business unit, and the
   web filters' selection. The facts are landed once through the real sources; each example
   rewrites the catalog in the store and runs the real reports. Service ``s<i>`` has 2**i
   deployments, 2**i SLOs and a cost of 2**i, team ``t<j>`` a cost of 2**(8 + j) of its own, so
   each group's figure says exactly which services and teams it holds.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete

from leadline.catalog.grouping import NO_GROUP, ORGANISATION, GroupBy, Grouping, Scope
from leadline.catalog.models import BusinessUnit, Service, Team, ValueStream
from leadline.context import App
from leadline.delivery.report import dora
from leadline.finops import report as finops
from leadline.finops.apportion import UNALLOCATED_KEY, Portion
from leadline.ingest.runner import IngestReport
from leadline.periods import Window
from leadline.reliability import report as slo_report
from leadline.reliability.service_level_report import memberships
from leadline.risk.compliance import pairs
from leadline.risk.models import Control
from leadline.webkit.filters import Filters, scope_of
from tests.delivery.support_metrics import DEPLOYMENTS_HEADER, ingest, write_csv
from tests.finops.support_finops import focus_row, ingest_focus, ingest_rules, write_focus
from tests.reliability.support_slo import add_slo, ingest_samples, smp, write_samples

UNITS = ("u0", "u1", "u2")
STREAMS = ("v0", "v1", "v2", "v3")
TEAMS = ("t0", "t1", "t2", "t3")
SERVICES = ("s0", "s1", "s2", "s3", "s4")
GHOST = "ghost"  # a reference to something the catalog does not hold
TEAM_BIT = 8  # team t<j>'s own cost is 2 ** (TEAM_BIT + j)
LEVELS: tuple[GroupBy, ...] = ("team", "value-stream", "business-unit")
FILTERS: tuple[tuple[GroupBy, str], ...] = (
    ("business-unit", "business_unit"),
    ("value-stream", "value_stream"),
)


@dataclass(frozen=True)
class World:
    units: tuple[str, ...]
    streams: dict[str, str | None]  # value stream -> its business unit
    teams: dict[str, tuple[str | None, str | None]]  # team -> (value stream, business unit)
    services: dict[str, tuple[str | None, str | None]]  # service -> (owner, own value stream)

    def grouping(self) -> Grouping:
        return Grouping.build(
            teams=[(n, s, u) for n, (s, u) in self.teams.items()],
            services=[(n, o, s) for n, (o, s) in self.services.items()],
            stream_units=self.streams,
            business_units=self.units,
        )


def _maybe(names: tuple[str, ...]) -> st.SearchStrategy[str | None]:
    return st.sampled_from([*names, f"{GHOST}-{names[0][0]}", None])


@st.composite
def worlds(draw: st.DrawFn) -> World:
    units = tuple(draw(st.lists(st.sampled_from(UNITS), unique=True)))
    streams = draw(st.dictionaries(st.sampled_from(STREAMS), _maybe(UNITS)))
    teams = draw(st.dictionaries(st.sampled_from(TEAMS), st.tuples(_maybe(STREAMS), _maybe(UNITS))))
    services = draw(
        st.dictionaries(st.sampled_from(SERVICES), st.tuples(_maybe(TEAMS), _maybe(STREAMS)))
    )
    return World(units, streams, teams, services)


# --- the rule, written out plainly ---------------------------------------------------------


def team_place(world: World, team: str) -> dict[GroupBy, str]:
    """A team: its own value stream; that stream's business unit, else its own."""
    stream, own_unit = world.teams.get(team, (None, None))
    unit = (world.streams.get(stream) if stream else None) or own_unit
    return {
        "team": team,
        "value-stream": stream or NO_GROUP,
        "business-unit": unit or NO_GROUP,
        "organisation": ORGANISATION,
    }


def service_place(world: World, service: str) -> dict[GroupBy, str]:
    """A service: its owner; its own value stream, else its owner's; that stream's business
    unit, else the owner's own business unit. Outside the catalog: its name, else (none)."""
    if service not in world.services:
        return {
            "service": service,
            **dict.fromkeys(LEVELS, NO_GROUP),
            "organisation": ORGANISATION,
        }
    owner, own_stream = world.services[service]
    team_stream, team_unit = world.teams.get(owner or "", (None, None))
    stream = own_stream or team_stream
    unit = (world.streams.get(stream) if stream else None) or team_unit
    return {
        "service": service,
        "team": owner or NO_GROUP,
        "value-stream": stream or NO_GROUP,
        "business-unit": unit or NO_GROUP,
        "organisation": ORGANISATION,
    }


@settings(max_examples=300, deadline=None)
@given(world=worlds())
def test_the_grouping_follows_the_rule(world: World) -> None:
    grouping = world.grouping()
    for service in [*SERVICES, GHOST]:
        expected = service_place(world, service)
        assert {by: grouping.service_key(service, by) for by in expected} == expected
    for team in world.teams:
        expected = team_place(world, team)
        assert {by: grouping.team_key(team, by) for by in expected} == expected
    # Every key the grouping can produce is offered as a scope, and each scope selects exactly
    # the services and the teams (by their own place, or owning a service in it) it holds.
    for kind, option in FILTERS:
        keys = {service_place(world, s)[kind] for s in world.services}
        keys |= {team_place(world, t)[kind] for t in world.teams}
        assert keys - {NO_GROUP} <= set(grouping.options()[option]) == set(grouping.scopes(kind))
        for name in grouping.scopes(kind):
            scope = Scope(kind, name)
            services = {s for s in world.services if service_place(world, s)[kind] == name}
            assert grouping.services_in(scope) == services
            owners = {world.services[s][0] for s in services} - {None}
            teams = {t for t in world.teams if team_place(world, t)[kind] == name}
            assert grouping.teams_in(scope) == teams | owners


@settings(max_examples=300, deadline=None)
@given(world=worlds())
def test_showback_keys_portions_by_the_grouping(world: World) -> None:
    """A portion of a service's cost goes where the service is; a team's own portion (a rule
    to the team, a shared pool's split) where the team is."""
    catalog = finops.Catalog(world.grouping())
    for by in LEVELS:
        key = finops.group_key(by, catalog)
        for service, (owner, _) in world.services.items():
            if owner:  # a service without an owner gets no portion: its cost is unallocated
                portion = Portion("direct", owner, service, "Compute", Fraction(1))
                assert key(portion) == service_place(world, service)[by]
        for team in [*world.teams, GHOST]:
            portion = Portion("shared", team, None, "Compute", Fraction(1))
            assert key(portion) == team_place(world, team)[by]


# --- every surface, through the real reports -----------------------------------------------

WINDOW = ("2026-03-02", "2026-03-16")
MONTH = "2026-01"


def _rules() -> str:
    rules = [
        f"    - {{name: {s}, match: {{tags: {{svc: {s}}}}}, to: {{service: {s}}}}}"
        for s in SERVICES
    ]
    rules += [
        f"    - {{name: {t}, match: {{tags: {{team: {t}}}}}, to: {{team: {t}}}}}" for t in TEAMS
    ]
    return (
        "apiVersion: leadline.io/v1\nkind: AllocationRules\nmetadata: {name: bits}\n"
        "spec:\n  rules:\n" + "\n".join(rules) + "\n"
    )


def _landed(report: IngestReport) -> None:
    """Landed, with warnings at most (the facts name services no catalog holds yet)."""
    assert all(r.status == "landed" for r in report.results), report


def _land_facts(app: App, root: Path) -> None:
    """Deployments, SLOs with their samples, cost lines and allocation rules of s0..s4 and
    t0..t3, each with its own power of two; one control in force for every service."""
    deployments: list[str] = []
    started = dt.datetime(2026, 3, 3)
    for i, service in enumerate(SERVICES):
        for k in range(2**i):
            moment = (started + dt.timedelta(minutes=10 * (len(deployments)))).isoformat()
            deployments.append(f"{service}-{k},{service},production,success,{moment}Z,,")
    _landed(
        ingest(app, "deployments-csv", write_csv(root / "d.csv", DEPLOYMENTS_HEADER, deployments))
    )
    samples = []
    for i, service in enumerate(SERVICES):
        for k in range(2**i):
            add_slo(app, f"{service}-slo-{k}", service, 0.9)
            samples.append(smp(f"{service}-slo-{k}", "2026-02-10T00:00:00Z", 99, 100))
    _landed(ingest_samples(app, write_samples(root / "sli.csv", samples)))
    costs = [
        focus_row(EffectiveCost=f"{2**i}.00", Tags=f'{{"svc": "{s}"}}')
        for i, s in enumerate(SERVICES)
    ]
    costs += [
        focus_row(EffectiveCost=f"{2 ** (TEAM_BIT + j)}.00", Tags=f'{{"team": "{t}"}}')
        for j, t in enumerate(TEAMS)
    ]
    _landed(ingest_focus(app, write_focus(root / "jan.csv", costs)))
    _landed(ingest_rules(app, root, _rules()))
    with app.store.session() as session:
        session.add(Control(key="ALL", name="Every service", scope_kind="all", scope=[], csf=[]))
        session.commit()


def _store(app: App, world: World) -> None:
    with app.store.session() as session:
        for model in (Service, Team, ValueStream, BusinessUnit):
            session.execute(delete(model))
        session.add_all([BusinessUnit(name=u) for u in world.units])
        session.add_all([ValueStream(name=v, business_unit=u) for v, u in world.streams.items()])
        session.add_all(
            [Team(name=t, value_stream=s, business_unit=u) for t, (s, u) in world.teams.items()]
        )
        session.add_all(
            [Service(name=n, owner_team=o, value_stream=s) for n, (o, s) in world.services.items()]
        )
        session.commit()


def _bits(value: int, width: int, offset: int = 0) -> set[int]:
    return {i for i in range(width) if value >> (offset + i) & 1}


def _check(app: App, world: World) -> None:
    window = Window.parse(*WINDOW)
    known = [s for s in SERVICES if s in world.services]
    for by in LEVELS:
        # DORA: group -> deployments, 2**i per service s<i>.
        counts = {g["key"]: g["deployments"] for g in dora(app, by=by, window=window)["groups"]}
        for key, count in counts.items():
            for i in _bits(count, len(SERVICES)):
                assert service_place(world, SERVICES[i])[by] == key, ("dora", by, SERVICES[i])
        assert sum(counts.values()) == 2 ** len(SERVICES) - 1
        # SLO KPI: group -> SLOs judged in February, 2**i per service.
        kpi = slo_report.kpi(app, by=by)
        for group in kpi["groups"]:
            (month,) = group["months"]
            for i in _bits(month["slos"], len(SERVICES)):
                assert service_place(world, SERVICES[i])[by] == group["key"], ("slo", by, i)
        # Showback: group -> cost; services' bits below TEAM_BIT, teams' own from TEAM_BIT.
        showback = finops.showback(app, MONTH, by=by)
        cost = {g["key"]: int(Decimal(g["cost"])) for g in showback["groups"]}
        for key, amount in cost.items():
            for i in _bits(amount, len(SERVICES)):
                service = SERVICES[i]
                if key == UNALLOCATED_KEY:  # unknown, or known without an owner
                    assert not world.services.get(service, (None, None))[0], ("cost", service)
                else:
                    assert service_place(world, service)[by] == key, ("cost", by, service)
            for j in _bits(amount, len(TEAMS), TEAM_BIT):
                team = TEAMS[j]
                if key == UNALLOCATED_KEY:
                    assert team not in world.teams, ("cost", team)
                else:
                    assert team_place(world, team)[by] == key, ("cost", by, team)
    # SLA / XLA memberships.
    members = memberships(app)
    for service in known:
        place = service_place(world, service)
        expected = {level: place[level] for level in ("service", *LEVELS)}
        assert members[service] == {k: None if v == NO_GROUP else v for k, v in expected.items()}
    # Policy compliance: each service's team and business unit.
    with app.store.session() as session:
        placed = {
            r["service"]: (r["team"], r["business_unit"])
            for r in pairs(session, dt.date(2026, 3, 1))
        }
    assert placed == {
        s: (service_place(world, s)["team"], service_place(world, s)["business-unit"])
        for s in known
    }
    # Web filters: every business unit and value stream a service or a team is in is offered;
    # choosing one selects exactly the services and teams the grouping puts in it.
    options = scope_of(app, Filters()).options
    for kind, option in FILTERS:
        keys = {service_place(world, s)[kind] for s in known}
        keys |= {team_place(world, t)[kind] for t in world.teams}
        assert keys - {NO_GROUP} <= set(options[option])
        for name in options[option]:
            chosen = Filters(business_unit=name) if option == "business_unit" else None
            scope = scope_of(app, chosen or Filters(value_stream=name))
            services = {s for s in known if service_place(world, s)[kind] == name}
            assert scope.services == services, (kind, name)
            owners = {world.services[s][0] for s in services} - {None}
            teams = {t for t in world.teams if team_place(world, t)[kind] == name}
            assert scope.teams == teams | owners, (kind, name)


def test_every_surface_agrees_with_the_grouping(app: App, tmp_path: Path) -> None:
    _land_facts(app, tmp_path)

    @settings(
        max_examples=15,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(world=worlds())
    def check(world: World) -> None:
        _store(app, world)
        _check(app, world)

    check()
