"""The capability map with its heat map: per business capability, the investment of the roadmap
initiatives behind it, the FinOps cost of its services and teams in a month, and its health
from SLOs and DORA. Every figure is null when leadline has no data for it, never invented.

Rules (docs/strategy.md, "Capability map"):
- investment: the sum of the budgets of the initiatives naming the capability, per currency
  (an initiative naming two capabilities counts fully in each).
- rollup: the same figures for the capability with its sub-capabilities, their services, teams
  and initiatives taken together, each counted once.
- attention: aligned-but-red, aligned-but-unfunded (strongest alignment >= 2 and a red rollup
  health or no rollup investment) and funded-but-unaligned (investment, every strength 0).
- cost: the month's allocated showback cost (``leadline finops showback``'s allocation) of the
  portions whose service is one of the capability's services or whose team is one of its
  teams; unallocated cost is never attributed. Null without cost lines.
- health: the share of the capability's SLOs (those of its services, with an SLI) meeting their
  objective at ``at``, and the lowest DORA performance level of its teams with deployments in
  the 90 days before ``at``; the band is red when under half the SLOs are met or a team is
  low, green when every SLO is met and every team is elite or high, yellow otherwise.

Every figure of another pillar is read through the metric registry, judged at ``at``: cost is
``finops.cost`` by team plus ``finops.cost`` by service for the capability's services whose
owning team is not one of its teams (a service's cost is allocated to its owning team, so each
portion counts once); SLOs are ``reliability.slos_judged`` and
``reliability.slos_within_objective_count`` by service; DORA levels are
``dora.performance_level`` (named by the metric's ``extra``) of the teams with
``dora.deployments``.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import ROUND_HALF_EVEN, Decimal, localcontext
from fractions import Fraction
from typing import Any

from sqlalchemy import select

from leadline.context import App
from leadline.periods import Period, PeriodError, Window
from leadline.present.formats import minor_units
from leadline.semantic import registry
from leadline.semantic.evaluation import Evaluation
from leadline.strategy.portfolio_models import Capability, RoadmapInitiative
from leadline.strategy.roadmap import lighthouse_streams

DORA_DAYS = 90
COST = "finops.cost"
LEVEL = "dora.performance_level"


def previous_month(today: dt.date) -> str:
    """The last full calendar month before ``today``: the default month of the heat map."""
    return Period.current("month", today).previous().label


def ordered_capabilities(capabilities: list[Capability]) -> list[tuple[Capability, int | None]]:
    """Capabilities depth first under their parents (roots first, by name), each with its level
    (1 = root). A capability whose parent is unknown is a root; one in a parent cycle has no
    level and is listed last."""
    by_name = {c.name: c for c in capabilities}
    children: dict[str | None, list[Capability]] = defaultdict(list)
    for c in capabilities:
        parent = c.parent if c.parent in by_name else None
        children[parent].append(c)
    out: list[tuple[Capability, int | None]] = []

    def visit(parent: str | None, level: int) -> None:
        for child in sorted(children.get(parent, []), key=lambda c: c.name):
            out.append((child, level))
            visit(child.name, level + 1)

    visit(None, 1)
    placed = {c.name for c, _ in out}
    out += [(c, None) for c in sorted(capabilities, key=lambda c: c.name) if c.name not in placed]
    return out


def _money(amount: Fraction, places: int = 2) -> str:
    with localcontext() as context:
        context.prec = 40
        value = Decimal(amount.numerator) / Decimal(amount.denominator)
        return str(value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN))


def subtree(name: str, capabilities: list[Capability]) -> list[Capability]:
    """The capability and all its descendants (safe against parent cycles)."""
    children: dict[str | None, list[Capability]] = defaultdict(list)
    for c in capabilities:
        children[c.parent].append(c)
    out = [c for c in capabilities if c.name == name]
    seen = {name}
    for c in out:  # grows while iterating: breadth first
        for child in children.get(c.name, []):
            if child.name not in seen:
                seen.add(child.name)
                out.append(child)
    return out


def _investment(names: set[str], initiatives: list[RoadmapInitiative]) -> dict[str, str] | None:
    """Budgets of the initiatives naming any of ``names``, each initiative once, per currency."""
    sums: dict[str, Decimal] = defaultdict(Decimal)
    for i in initiatives:
        if names & set(i.capabilities) and i.budget is not None:
            sums[i.currency] += Decimal(i.budget)
    return {k: str(v.quantize(Decimal("0.01"))) for k, v in sorted(sums.items())} or None


class _Costs:
    """One month's cost by team and by service from the registry, attributed to capabilities."""

    def __init__(self, ev: Evaluation, month: str) -> None:
        self.currency: str | None = None
        self.note: str | None = None
        self.places = 2
        self.by_team: dict[str, float | None] = {}
        self.by_service: dict[str, float | None] = {}
        self.owners: dict[str, str | None] = {}
        try:
            window = Period.parse(month, ("month",)).window
        except PeriodError as error:
            self.note = str(error)
            return
        metric = registry.get(COST)
        self.note = metric.unavailable(ev, window) if metric.unavailable else None
        if self.note is not None or metric.currency_of is None:
            return
        self.currency = metric.currency_of(ev, window)
        if self.currency is None:
            return
        self.places = minor_units(self.currency)
        self.by_team = dict(ev.values(COST, "team", [window])[0])
        self.by_service = dict(ev.values(COST, "service", [window])[0])
        self.owners = {name: place.team for name, place in ev.grouping.services.items()}

    def of(self, services: list[str], teams: list[str]) -> str | None:
        """The cost of the portions of the teams, and of the services whose owning team is not
        one of them (the others' portions are already in their owner's)."""
        if self.currency is None or not (services or teams):
            return None
        wanted_teams = set(teams)
        amount = Fraction(0)
        for team in sorted(wanted_teams):
            amount += Fraction(self.by_team.get(team) or 0.0)
        for service in sorted(set(services)):
            if self.owners.get(service) not in wanted_teams:
                amount += Fraction(self.by_service.get(service) or 0.0)
        return _money(amount, self.places)


class _Health:
    """SLO counts at ``at`` and DORA levels per team over the 90 days before it."""

    def __init__(self, ev: Evaluation, at: dt.datetime) -> None:
        window = Window(at - dt.timedelta(days=DORA_DAYS), at)
        self.judged = ev.values("reliability.slos_judged", "service", [window])[0]
        self.met = ev.values("reliability.slos_within_objective_count", "service", [window])[0]
        deployed = ev.values("dora.deployments", "team", [window])[0]
        numbers = ev.values(LEVEL, "team", [window])[0]
        names = registry.get(LEVEL).extra  # "1": "low" ... "4": "elite"
        self.rank = {name: int(number) for number, name in names.items()}
        self.levels = {
            team: names[str(int(number))]
            for team, number in numbers.items()
            if team and number is not None and deployed.get(team)
        }

    def of(self, services: list[str], teams: list[str]) -> dict[str, Any]:
        chosen = set(services)
        judged = {s: int(self.judged.get(s) or 0) for s in chosen}
        met = {s: int(self.met.get(s) or 0) for s in chosen}
        total = sum(judged.values())
        share = sum(met.values()) / total if total else None
        judged_services = {s for s, n in judged.items() if n}
        levels = {t: self.levels[t] for t in teams if t in self.levels}
        worst = min(levels.values(), key=self.rank.__getitem__) if levels else None
        return {
            "slos_judged": total,
            "slos_met": sum(met.values()),
            "slo_met_share": share,
            "services_judged": len(judged_services),
            "services_meeting_slos": sum(1 for s in judged_services if met[s] == judged[s]),
            "dora_levels": levels,
            "dora_level": worst,
            "health": health_band(share, worst),
        }


def health_band(slo_met_share: float | None, dora_level: str | None) -> str | None:
    """red / yellow / green from the SLO share and the lowest DORA level; None without data."""
    if slo_met_share is None and dora_level is None:
        return None
    if (slo_met_share is not None and slo_met_share < 0.5) or dora_level == "low":
        return "red"
    slo_ok = slo_met_share is None or slo_met_share == 1.0
    dora_ok = dora_level is None or dora_level in ("elite", "high")
    return "green" if slo_ok and dora_ok else "yellow"


def attention(max_strength: int, rollup: dict[str, Any]) -> list[str]:
    """Where strategy and the heat map disagree: a capability that serves an outcome at medium
    or more but is red or unfunded, or one that is funded but serves no outcome."""
    reasons = []
    if max_strength >= 2 and rollup["health"] == "red":
        reasons.append("aligned-but-red")
    if max_strength >= 2 and rollup["investment"] is None:
        reasons.append("aligned-but-unfunded")
    if max_strength == 0 and rollup["investment"] is not None:
        reasons.append("funded-but-unaligned")
    return reasons


def _rollup(
    tree: list[Capability],
    initiatives: list[RoadmapInitiative],
    costs: _Costs,
    health: _Health | None,
) -> dict[str, Any]:
    """The heat of a capability with its sub-capabilities: their services, teams and
    initiatives together, each counted once."""
    services = sorted({s for c in tree for s in c.services})
    teams = sorted({t for c in tree for t in c.teams})
    state = health.of(services, teams) if health else {}
    return {
        "capabilities": len(tree),
        "investment": _investment({c.name for c in tree}, initiatives),
        "cost": costs.of(services, teams),
        **{k: state.get(k) for k in ("slo_met_share", "dora_level", "health")},
    }


def capability_map(
    app: App,
    *,
    month: str | None = None,
    at: dt.datetime | None = None,
    engine: str | None = None,
) -> dict[str, Any]:
    """The ``leadline strategy capabilities --format json`` document."""
    at = at or dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
    month = month or previous_month(at.date())
    with app.store.session() as session:
        capabilities = list(session.scalars(select(Capability)))
        initiatives = list(session.scalars(select(RoadmapInitiative)))
    ev = Evaluation(app, engine, now=at)
    costs = _Costs(ev, month)
    health = _Health(ev, at) if capabilities else None
    rows: list[dict[str, Any]] = []
    for cap, level in ordered_capabilities(capabilities):
        rows.append(
            {
                "capability": cap.name,
                "title": cap.title,
                "parent": cap.parent,
                "level": level,
                "description": cap.description,
                "value_streams": cap.value_streams,
                "services": cap.services,
                "teams": cap.teams,
                "initiatives": sorted(i.name for i in initiatives if cap.name in i.capabilities),
                "investment": _investment({cap.name}, initiatives),
                "cost": costs.of(cap.services, cap.teams),
                **(health.of(cap.services, cap.teams) if health else {}),
                "rollup": _rollup(subtree(cap.name, capabilities), initiatives, costs, health),
                "max_strength": max((a["strength"] for a in cap.alignment), default=0),
            }
        )
        rows[-1]["attention"] = attention(rows[-1]["max_strength"], rows[-1]["rollup"])
    lighthouses = set(lighthouse_streams(app))
    streams: dict[str, list[str]] = defaultdict(list)
    for row in rows:
        for stream in row["value_streams"]:
            streams[stream].append(row["capability"])
    return {
        "month": month,
        "at": at.isoformat() + "Z",
        "cost_currency": costs.currency,
        "cost_note": costs.note,
        "capabilities": rows,
        "value_streams": [
            {"value_stream": k, "lighthouse": k in lighthouses, "capabilities": v}
            for k, v in sorted(streams.items())
        ],
    }
