"""The facts maturity rules read, each gathered from a pillar's public report function (never
a metric re-implemented here) and explained in a sentence. A fact is ``None`` when the data it
needs is absent, which fails every rule that reads it.

"Recent" means the 90 days up to the assessment date for DORA, the three calendar months
before the assessment month for SLOs, and the last complete month for FinOps.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select

from leadline.catalog.grouping import Scope
from leadline.catalog.models import Team
from leadline.context import App
from leadline.delivery.measures import groups as dora_groups
from leadline.lake.engines import Lake
from leadline.people import paved_road
from leadline.people.report import devex
from leadline.periods import Period, Window, end_of_day, quarter_of
from leadline.reliability import report as reliability
from leadline.risk.register import register_report
from leadline.semantic.evaluation import Evaluation
from leadline.strategy import okrs, plan
from leadline.strategy.models import StrategyPage
from leadline.strategy.plan_rules import lighthouses

HIGH_PERFORMANCE = ("elite", "high")
ORG_SCOPE = Scope("organisation", "organisation")


@dataclass(frozen=True)
class Fact:
    value: float | None
    detail: str


@dataclass
class Evidence:
    """Facts about one organisation at one date, each computed once."""

    app: App
    as_of: dt.date
    engine: str | None = None
    found: dict[str, Fact] = field(default_factory=dict)
    memo: dict[str, Any] = field(default_factory=dict)
    # The evaluation metrics are read through (the QBR passes its scorecard's, so month
    # allocations and SLO attainment are computed once).
    evaluation: Evaluation | None = None

    @property
    def metrics(self) -> Evaluation:
        """The shared evaluation, else one judged at the end of the assessment day."""
        if self.evaluation is None:
            at = end_of_day(self.as_of) - dt.timedelta(microseconds=1)
            self.evaluation = Evaluation(self.app, self.engine, at)
        return self.evaluation

    def metric(
        self, key: str, window: Window, params: dict[str, str] | None = None
    ) -> float | None:
        """A registered metric's organisation value over ``window``."""
        return self.metrics.value(key, ORG_SCOPE, window, params)

    def get(self, name: str) -> Fact:
        if name not in self.found:
            self.found[name] = FACTS[name](self)
        return self.found[name]

    def once(self, key: str, compute: Callable[[], Any]) -> Any:
        if key not in self.memo:
            self.memo[key] = compute()
        return self.memo[key]

    @property
    def quarter(self) -> str:
        return quarter_of(self.as_of)

    def months_before(self, count: int) -> list[str]:
        """The ``count`` calendar months before the assessment month, oldest first."""
        month = Period.of("month", self.as_of)
        out: list[str] = []
        for _ in range(count):
            month = month.previous()
            out.insert(0, month.label)
        return out

    def last_month(self) -> str:
        return self.months_before(1)[0]

    def stream_aligned(self) -> list[str]:
        with self.app.store.session() as session:
            query = select(Team.name).where(Team.team_type == "stream-aligned")
            return sorted(session.scalars(query))

    def okr_report(self) -> dict[str, Any]:
        result: dict[str, Any] = self.once(
            "okrs", lambda: okrs.okr_report(self.app, quarter=self.quarter, engine=self.engine)
        )
        return result

    def dora_by_team(self) -> dict[str, dict[str, Any]]:
        def compute() -> dict[str, dict[str, Any]]:
            return dora_groups(self.metrics, "team", Window.last_days(90, self.as_of))

        result: dict[str, dict[str, Any]] = self.once("dora", compute)
        return result


Collect = Callable[[Evidence], Fact]
FACTS: dict[str, Collect] = {}


def fact(name: str) -> Callable[[Collect], Collect]:
    def decorate(function: Collect) -> Collect:
        FACTS[name] = function
        return function

    return decorate


def _share(part: int, whole: int, what: str) -> Fact:
    if whole == 0:
        return Fact(None, f"no {what}")
    return Fact(part / whole, f"{part} of {whole} {what}")


@fact("strategy_pages")
def strategy_pages(ev: Evidence) -> Fact:
    with ev.app.store.session() as session:
        count = int(session.scalar(select(func.count(StrategyPage.id))) or 0)
    return Fact(count, f"{count} strategy pages")


@fact("objectives")
def objectives(ev: Evidence) -> Fact:
    count = len(ev.okr_report()["objectives"])
    return Fact(count, f"{count} objectives in {ev.quarter}")


@fact("key_results_bound")
def key_results_bound(ev: Evidence) -> Fact:
    krs = [k for o in ev.okr_report()["objectives"] for k in o["key_results"]]
    bound = sum(k.get("metric") is not None for k in krs)
    return _share(bound, len(krs), f"key results in {ev.quarter} bound to a metric")


@fact("okr_score")
def okr_score(ev: Evidence) -> Fact:
    scores = [o["score"] for o in ev.okr_report()["objectives"] if o["score"] is not None]
    if not scores:
        return Fact(None, f"no scored objectives in {ev.quarter}")
    mean = sum(scores) / len(scores)
    return Fact(mean, f"mean score {mean:.2f} over {len(scores)} objectives in {ev.quarter}")


@fact("lighthouse_value_streams")
def lighthouse_value_streams(ev: Evidence) -> Fact:
    with ev.app.store.session() as session:
        names = lighthouses(session)
    return Fact(len(names), f"lighthouse value streams: {', '.join(names) or 'none'}")


@fact("plan_overdue")
def plan_overdue(ev: Evidence) -> Fact:
    def compute() -> dict[str, Any] | str:
        try:
            return plan.plan_report(ev.app, today=ev.as_of)
        except plan.PlanError as error:
            return str(error)

    data = ev.once("plan", compute)
    if isinstance(data, str):
        return Fact(None, data)
    return Fact(data["overdue"], f"plan {data['plan']}: {data['overdue']} overdue items")


def _register(ev: Evidence) -> dict[str, Any]:
    def compute() -> dict[str, Any]:
        with ev.app.store.session() as session:
            return register_report(session, ev.app.settings, ev.as_of)

    result: dict[str, Any] = ev.once("register", compute)
    return result


@fact("open_risks")
def open_risks(ev: Evidence) -> Fact:
    rows = _register(ev)["risks"]
    count = sum(r["status"] == "open" for r in rows)
    return Fact(count, f"{count} open risks")


@fact("overdue_risk_reviews")
def overdue_risk_reviews(ev: Evidence) -> Fact:
    data = _register(ev)
    if not data["risks"]:
        return Fact(None, "no risk register")
    overdue = data["overdue_reviews"]
    return Fact(len(overdue), f"{len(overdue)} overdue reviews: {', '.join(overdue[:5])}")


def _ratio(percent: float | None) -> float | None:
    return None if percent is None else percent / 100.0


@fact("compliance_coverage")
def compliance_coverage(ev: Evidence) -> Fact:
    """``risk.compliance_coverage`` at the assessment date."""
    value = _ratio(ev.metric("risk.compliance_coverage", Window.last_days(1, ev.as_of)))
    if value is None:
        return Fact(None, "no controls in scope")
    return Fact(value, f"{value:.0%} of in-scope control and service pairs pass")


@fact("deployments_90d")
def deployments_90d(ev: Evidence) -> Fact:
    count = sum(int(g["deployments"]) for g in ev.dora_by_team().values())
    return Fact(count, f"{count} production deployments in the last 90 days")


@fact("dora_tracked")
def dora_tracked(ev: Evidence) -> Fact:
    teams, groups = ev.stream_aligned(), ev.dora_by_team()
    tracked = [t for t in teams if groups.get(t, {}).get("deployments", 0) > 0]
    missing = sorted(set(teams) - set(tracked))
    fact_ = _share(len(tracked), len(teams), "stream-aligned teams with deployments (90 days)")
    suffix = f"; none from {', '.join(missing)}" if missing else ""
    return Fact(fact_.value, fact_.detail + suffix)


@fact("dora_high")
def dora_high(ev: Evidence) -> Fact:
    teams, groups = ev.stream_aligned(), ev.dora_by_team()
    high = [t for t in teams if groups.get(t, {}).get("performance_level") in HIGH_PERFORMANCE]
    return _share(len(high), len(teams), "stream-aligned teams at DORA high or elite")


@fact("slos")
def slos(ev: Evidence) -> Fact:
    count = len(reliability.load_slos(ev.app))
    return Fact(count, f"{count} SLOs")


@fact("slo_coverage")
def slo_coverage(ev: Evidence) -> Fact:
    teams = ev.stream_aligned()
    team_of = ev.metrics.grouping.service_key
    covered = {team_of(s.service, "team") for s in reliability.load_slos(ev.app)}
    with_slo = [t for t in teams if t in covered]
    return _share(len(with_slo), len(teams), "stream-aligned teams with an SLO")


@fact("slos_met")
def slos_met(ev: Evidence) -> Fact:
    """``reliability.slos_met`` over the three calendar months before the assessment's."""
    months = ev.months_before(3)
    window = Window(Period.parse(months[0]).start, Period.parse(months[-1]).end)
    value = _ratio(ev.metric("reliability.slos_met", window))
    if value is None:
        return Fact(None, f"no SLO-months judged ({months[0]} to {months[-1]})")
    return Fact(value, f"{value:.0%} of SLO-months met ({months[0]} to {months[-1]})")


@fact("cost_months")
def cost_months(ev: Evidence) -> Fact:
    months = Lake(ev.app.settings, ev.app.store, ev.engine).partitions("cost_lines")
    return Fact(len(months), f"{len(months)} months of cost data")


@fact("allocation_coverage")
def allocation_coverage(ev: Evidence) -> Fact:
    """``finops.allocation_coverage`` of the last complete month."""
    month = Period.parse(ev.last_month())
    value = _ratio(ev.metric("finops.allocation_coverage", month.window))
    if value is None:
        return Fact(None, f"no allocated cost in {month.label}")
    return Fact(value, f"{value:.1%} of {month.label}'s cost allocated directly")


@fact("unit_costs")
def unit_costs(ev: Evidence) -> Fact:
    lake = Lake(ev.app.settings, ev.app.store, ev.engine)
    month = Period.parse(ev.last_month())
    drivers = lake.table("business_drivers")
    chosen = drivers.filter((drivers.date >= month.start) & (drivers.date < month.end))
    rows = lake.execute(chosen.select("driver").distinct()).to_pylist()
    names = sorted(r["driver"] for r in rows)
    words = ", ".join(n.replace("_", " ") for n in names) or "none"  # active_users: active users
    return Fact(len(names), f"business drivers in {month.label}: {words}")


def _devex_rows(ev: Evidence) -> list[dict[str, Any]]:
    data = ev.once("devex", lambda: devex(ev.app, engine=ev.engine))
    return [r for r in data["organisation"] if not r["suppressed"]]


@fact("devex_scores")
def devex_scores(ev: Evidence) -> Fact:
    rows = _devex_rows(ev)
    quarters = sorted({r["quarter"] for r in rows})
    return Fact(len(quarters), f"survey quarters with scores: {', '.join(quarters) or 'none'}")


@fact("devex_favourable")
def devex_favourable(ev: Evidence) -> Fact:
    rows = _devex_rows(ev)
    if not rows:
        return Fact(None, "no developer-experience scores")
    latest = max(r["quarter"] for r in rows)
    shares = [
        r["favourable"] for r in rows if r["quarter"] == latest and r["favourable"] is not None
    ]
    if not shares:
        return Fact(None, f"no favourable shares in {latest}")
    mean = sum(shares) / len(shares)
    return Fact(mean, f"{mean:.0%} favourable on average over {len(shares)} dimensions ({latest})")


@fact("paved_road")
def paved_road_share(ev: Evidence) -> Fact:
    total = paved_road.adoption(ev.app)["total"]
    return _share(total["passing"], total["services"], "services on the paved road")
