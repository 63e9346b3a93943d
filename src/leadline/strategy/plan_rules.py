"""Automatic evidence for 90-day plan items: rules over what leadline already holds.

Each rule returns whether the item is met and a sentence saying why. Lighthouse value streams
are those named by any strategy on a page (``lighthouse_value_streams``). Figures of other
pillars (SLOs defined, paved-road adoption) are read through the metric registry. Tables owned
by pillars that may not be installed (risk register, FinOps cost lines) are looked up
defensively: a missing table means "not met", never an error.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Connection, func, inspect, select, table
from sqlalchemy.orm import Session

from leadline.catalog.grouping import Grouping, Scope, ScopeKind
from leadline.catalog.models import Team, ValueStream
from leadline.context import App
from leadline.lake.engines import Lake
from leadline.lake.models import LakeFile
from leadline.periods import Window, utc_now
from leadline.semantic.evaluation import Evaluation
from leadline.strategy.models import KeyResult, KeyResultCheckin, Objective, StrategyPage
from leadline.strategy.portfolio_models import RoadmapInitiative

RISK_TABLE = "risk"
COST_TABLE = "cost_lines"
SURVEY_TABLE = "devex_responses"


@dataclass(frozen=True)
class Evidence:
    met: bool
    detail: str


@dataclass
class Facts:
    """What a rule may read: the store session and the app (for the lake)."""

    session: Session
    app: App

    def metric(self, key: str, kind: ScopeKind) -> dict[str, float | None]:
        """A registry metric's values per scope of ``kind`` now (over the last 90 days), read
        in the rule's session."""
        ev = Evaluation(self.app, now=utc_now(), session=self.session)
        return dict(ev.values(key, kind, [Window.last_days(90, ev.now.date())])[0])

    def lake_count(self, table_name: str, services: list[str]) -> int:
        """Rows of a lake fact table for these services (0 when the table has no files)."""
        if not _lake_rows(self.session, table_name):
            return 0
        lake = Lake(self.app.settings, self.app.store)
        facts = lake.table(table_name)
        chosen = facts.filter(facts.service.isin(services))
        value = lake.execute(chosen.aggregate(n=chosen.count())).to_pylist()[0]["n"]
        return int(value or 0)


Rule = Callable[[Facts], Evidence]
RULES: dict[str, Rule] = {}


def rule(name: str) -> Callable[[Rule], Rule]:
    def decorate(function: Rule) -> Rule:
        RULES[name] = function
        return function

    return decorate


def lighthouses(session: Session) -> list[str]:
    names: set[str] = set()
    for page in session.scalars(select(StrategyPage)):
        names.update(page.lighthouse_value_streams)
    return sorted(names)


def _stream_services(app: App) -> dict[str, list[str]]:
    """Services of each value stream, as every report groups them (``catalog.grouping``: set
    on the service, or through its owning team)."""
    grouping = Grouping.of(app)
    return {
        stream: sorted(grouping.services_in(Scope("value-stream", stream)))
        for stream in grouping.scopes("value-stream")
    }


def _lake_rows(session: Session, table_name: str) -> int:
    query = select(func.coalesce(func.sum(LakeFile.rows), 0)).where(
        LakeFile.table_name == table_name
    )
    return int(session.scalar(query) or 0)


@rule("value-streams-mapped")
def value_streams_mapped(facts: Facts) -> Evidence:
    session = facts.session
    streams = list(session.scalars(select(ValueStream.name).order_by(ValueStream.name)))
    if not streams:
        return Evidence(False, "the catalog has no value streams")
    services = _stream_services(facts.app)
    empty = [s for s in streams if not services.get(s)]
    if empty:
        return Evidence(False, f"value streams without services: {', '.join(empty)}")
    return Evidence(True, f"{len(streams)} value streams, each with its services")


@rule("okrs-drafted")
def okrs_drafted(facts: Facts) -> Evidence:
    session = facts.session
    objectives = session.scalar(select(func.count(Objective.id))) or 0
    bets = sum(len(p.bets) for p in session.scalars(select(StrategyPage)))
    initiatives = session.scalar(select(func.count(RoadmapInitiative.id))) or 0
    met = objectives > 0 and bets + initiatives > 0
    return Evidence(
        met,
        f"{objectives} objectives; {bets} strategic bets and {initiatives} roadmap initiatives",
    )


@rule("lighthouses-picked")
def lighthouses_picked(facts: Facts) -> Evidence:
    session = facts.session
    names = lighthouses(session)
    return Evidence(len(names) >= 2, f"lighthouse value streams: {', '.join(names) or 'none'}")


@rule("four-lighthouses")
def four_lighthouses(facts: Facts) -> Evidence:
    session = facts.session
    names = lighthouses(session)
    return Evidence(len(names) >= 4, f"{len(names)} lighthouse value streams (4 wanted)")


def _count_rows(connection: Connection, name: str) -> int | None:
    """Rows of a table another pillar owns, or None when it does not exist (yet)."""
    if not inspect(connection).has_table(name):
        return None
    return int(connection.scalar(select(func.count()).select_from(table(name))) or 0)


@rule("risk-register")
def risk_register(facts: Facts) -> Evidence:
    session = facts.session
    count = _count_rows(session.connection(), RISK_TABLE)
    if count is None:
        return Evidence(False, "no risk register in this installation")
    return Evidence(count > 0, f"{count} risks in the register")


@rule("finops-showback")
def finops_showback(facts: Facts) -> Evidence:
    session = facts.session
    rows = _lake_rows(session, COST_TABLE)
    return Evidence(rows > 0, f"{rows} cost lines ingested")


@rule("devex-survey")
def devex_survey(facts: Facts) -> Evidence:
    session = facts.session
    rows = _lake_rows(session, SURVEY_TABLE)
    return Evidence(rows > 0, f"{rows} developer-experience survey answers ingested")


def _per_lighthouse(facts: Facts, test: Callable[[str, list[str]], bool], what: str) -> Evidence:
    names = lighthouses(facts.session)
    if not names:
        return Evidence(False, "no lighthouse value streams chosen")
    services = _stream_services(facts.app)
    missing = [n for n in names if not test(n, services.get(n, []))]
    if missing:
        return Evidence(False, f"lighthouse streams without {what}: {', '.join(missing)}")
    return Evidence(True, f"every lighthouse stream ({', '.join(names)}) has {what}")


@rule("lighthouse-slos")
def lighthouse_slos(facts: Facts) -> Evidence:
    """Each lighthouse stream has a service with an SLO (``reliability.slos`` by value
    stream, grouped as ``_stream_services`` groups)."""
    slos = facts.metric("reliability.slos", "value-stream")
    return _per_lighthouse(facts, lambda name, _s: bool(slos.get(name)), "a service with an SLO")


@rule("lighthouse-teams")
def lighthouse_teams(facts: Facts) -> Evidence:
    session = facts.session
    platform = session.scalar(select(func.count(Team.id)).where(Team.team_type == "platform"))
    if not platform:
        return Evidence(False, "no platform team in the catalog")
    aligned = set(session.scalars(select(Team.name).where(Team.team_type == "stream-aligned")))
    grouping = Grouping.load(session)  # a stream's teams: by their own place or their services'
    return _per_lighthouse(
        facts,
        lambda name, _s: bool(aligned & grouping.teams_in(Scope("value-stream", name))),
        "a stream-aligned team (and a platform team)",
    )


@rule("lighthouse-stability")
def lighthouse_stability(facts: Facts) -> Evidence:
    """Deployments and incidents of each lighthouse stream's services are in the lake."""

    def tracked(_name: str, services: list[str]) -> bool:
        return bool(
            services
            and facts.lake_count("deployments", services)
            and facts.lake_count("incidents", services)
        )

    return _per_lighthouse(facts, tracked, "deployments and incidents recorded")


@rule("paved-road")
def paved_road_published(facts: Facts) -> Evidence:
    """At least one service meets every golden-path check (``people.paved_road_adoption``
    by service: 100 on the paved road, 0 off it)."""
    services = facts.metric("people.paved_road_adoption", "service")
    passing = sum(1 for value in services.values() if value == 100.0)
    return Evidence(passing > 0, f"{passing} of {len(services)} services on the paved road")


@rule("okr-checkins")
def okr_checkins(facts: Facts) -> Evidence:
    session = facts.session
    krs = session.scalar(select(func.count(KeyResult.id))) or 0
    checked = session.scalar(select(func.count(func.distinct(KeyResultCheckin.key_result_id)))) or 0
    return Evidence(krs > 0 and checked == krs, f"{checked} of {krs} key results checked in")
