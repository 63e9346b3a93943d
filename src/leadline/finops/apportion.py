"""Exact arithmetic on the allocation's aggregate: shared pools split by their mode, groups
formed, and amounts rounded to the currency's minor unit so that the groups add up to the
total, which equals the input — to the cent, whatever the splits.

Splits are rational (Fractions), never floats; rounding is the largest-remainder method: the
total is rounded half-to-even, each group gets the floor of its exact amount, and the cents left
go one each to the groups with the largest remainders (ties by key). Sources: OpenCost's
shared-cost modes (even, proportional to direct cost, by a usage driver).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from leadline.finops.rules import AllocationRules, FromTag, Rule, SharedPool

# The one table of ISO 4217 minor units, re-exported for the FinOps modules.
from leadline.present.formats import minor_units as minor_units  # noqa: PLC0414

UNALLOCATED_KEY = "unallocated"


@dataclass(frozen=True)
class Portion:
    """An exact amount of cost with where it went."""

    kind: str  # direct | shared | unallocated
    team: str | None
    service: str | None
    tower: str
    amount: Fraction
    rule: str | None = None
    pool: str | None = None
    dimension: str | None = None  # the value of showback's ``--by tag:KEY`` tag, if asked


@dataclass
class Allocation:
    portions: list[Portion] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def total(self) -> Fraction:
        return sum((p.amount for p in self.portions), Fraction(0))

    @property
    def direct(self) -> Fraction:
        return sum((p.amount for p in self.portions if p.kind == "direct"), Fraction(0))


@dataclass(frozen=True)
class Inputs:
    """What the split needs besides the sums: the rules, the tower names (by index), the
    catalog (service owners, known teams) and the month's business drivers per team."""

    rules: AllocationRules
    towers: list[tuple[str, str | None]]
    service_teams: Mapping[str, str | None]
    known_teams: set[str]
    drivers: Mapping[str, Mapping[str, Decimal]] = field(default_factory=dict)


Place = tuple[str, str | None]  # (tower, dimension value)
LISTED = 20  # unknown tag values named in a warning


def allocate(sums: Iterable[Mapping[str, object]], inputs: Inputs) -> Allocation:
    """Turn (rule, tower, target, cost) sums into portions: direct, split shared pools,
    unallocated. A tag-value rule's target is the tag value resolved against the catalog."""
    out = Allocation()
    pools: dict[str, dict[Place, Fraction]] = defaultdict(lambda: defaultdict(Fraction))
    resolver = _Resolver(inputs)
    unknown: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    warned: set[int] = set()
    for row in sums:
        cost = Fraction(Decimal(str(row["cost"]))) if row["cost"] is not None else Fraction(0)
        tower = inputs.towers[int(str(row["tower"]))][0]
        dimension = row.get("dimension")
        place = (tower, None if dimension is None else str(dimension))
        index = int(str(row["rule"]))
        if index == 0:
            out.portions.append(Portion("unallocated", None, None, tower, cost, dimension=place[1]))
            continue
        rule = inputs.rules.rules[index - 1]
        if rule.shared is not None:
            pools[rule.shared][place] += cost
            continue
        assert rule.to is not None
        target = row.get("target")
        team, service = resolver.target(rule.to.team, rule.to.service, target)
        if team is None:
            if rule.to.from_tag is not None:
                unknown[index][str(target)] += int(str(row.get("lines") or 0))
            elif index not in warned:
                warned.add(index)
                out.warnings.append(
                    f"rule {rule.name} allocates to {rule.to.team or rule.to.service}, "
                    "which the catalog does not know: its cost is unallocated"
                )
            kind, service = "unallocated", None
        else:
            kind = "direct"
        out.portions.append(Portion(kind, team, service, tower, cost, rule.name, None, place[1]))
    for index in sorted(unknown):
        out.warnings.append(_unknown_warning(inputs.rules.rules[index - 1], unknown[index]))
    direct_by_team: dict[str, Fraction] = defaultdict(Fraction)
    for p in out.portions:
        if p.kind == "direct" and p.team is not None:
            direct_by_team[p.team] += p.amount
    for name in sorted(pools):
        _split(out, inputs, name, pools[name], direct_by_team)
    return out


def _unknown_warning(rule: Rule, values: Mapping[str, int]) -> str:
    assert rule.to is not None and rule.to.from_tag is not None
    names = sorted(values, key=lambda v: (-values[v], v))
    listed = ", ".join(
        f"{v!r} ({values[v]:,} line{'s' if values[v] != 1 else ''})" for v in names[:LISTED]
    )
    more = f" and {len(names) - LISTED:,} more" if len(names) > LISTED else ""
    return (
        f"rule {rule.name}: {len(names):,} value{'s' if len(names) != 1 else ''} of tag "
        f"{rule.to.from_tag.tag} name{'s' if len(names) == 1 else ''} no {rule.to.kind} of "
        f"the catalog, so {'its' if len(names) == 1 else 'their'} cost is unallocated: "
        f"{listed}{more}"
    )


class _Resolver:
    """Catalog names for rule targets: fixed names exactly, tag values through the rule's
    aliases and case-insensitively (an exact spelling wins over a case-folded one)."""

    def __init__(self, inputs: Inputs) -> None:
        self.inputs = inputs
        self.teams = _folded(inputs.known_teams)
        self.services = _folded(inputs.service_teams)

    def target(
        self, team: str | FromTag | None, service: str | FromTag | None, value: object
    ) -> tuple[str | None, str | None]:
        if isinstance(team, FromTag):
            team = self._name(team, value, self.inputs.known_teams, self.teams)
            if team is None:
                return None, None
        if team is not None:
            return (team if team in self.inputs.known_teams else None), None
        if isinstance(service, FromTag):
            service = self._name(service, value, self.inputs.service_teams, self.services)
            if service is None:
                return None, None
        assert service is not None
        owner = self.inputs.service_teams.get(service)
        return (owner, service) if owner else (None, service)

    @staticmethod
    def _name(
        source: FromTag, value: object, exact: Iterable[str], folded: Mapping[str, str]
    ) -> str | None:
        if value is None:
            return None
        name = source.canonical(str(value))
        return name if name in exact else folded.get(name.lower())


def _folded(names: Iterable[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for name in sorted(names):
        out.setdefault(name.lower(), name)
    return out


def _split(
    out: Allocation,
    inputs: Inputs,
    name: str,
    amounts: Mapping[Place, Fraction],
    direct_by_team: Mapping[str, Fraction],
) -> None:
    pool = inputs.rules.pool(name)
    weights = _weights(pool, direct_by_team, inputs)
    total_weight = sum(weights.values(), Fraction(0))
    if not weights or total_weight <= 0:
        out.warnings.append(f"shared pool {name} has nobody to split among: unallocated")
        for (tower, dim), amount in amounts.items():
            out.portions.append(
                Portion("unallocated", None, None, tower, amount, pool=name, dimension=dim)
            )
        return
    for (tower, dim), amount in sorted(
        amounts.items(), key=lambda item: (item[0][0], str(item[0][1]))
    ):
        for team, weight in sorted(weights.items()):
            share = amount * weight / total_weight
            out.portions.append(
                Portion("shared", team, None, tower, share, pool=name, dimension=dim)
            )


def _weights(
    pool: SharedPool, direct_by_team: Mapping[str, Fraction], inputs: Inputs
) -> dict[str, Fraction]:
    """Each recipient team's weight: 1 (even), its direct cost, or its driver value."""
    if pool.split == "driver":
        assert pool.driver is not None
        values = inputs.drivers.get(pool.driver, {})
        teams = pool.among or sorted(t for t in values if t in inputs.known_teams)
        return {t: Fraction(values[t]) for t in teams if values.get(t, 0) > 0}
    teams = pool.among or sorted(t for t, v in direct_by_team.items() if v > 0)
    if pool.split == "even":
        return {t: Fraction(1) for t in teams}
    return {t: direct_by_team[t] for t in teams if direct_by_team.get(t, 0) > 0}


def group(allocation: Allocation, key: Callable[[Portion], str]) -> dict[str, Fraction]:
    """Exact amount per group; the unallocated portions always form the ``unallocated`` group."""
    out: dict[str, Fraction] = {UNALLOCATED_KEY: Fraction(0)}
    for p in allocation.portions:
        k = UNALLOCATED_KEY if p.kind == "unallocated" else key(p)
        out[k] = out.get(k, Fraction(0)) + p.amount
    return out


def round_conserving(
    amounts: Mapping[str, Fraction], places: int
) -> tuple[Decimal, dict[str, Decimal]]:
    """The total rounded half-to-even and each amount rounded so the parts sum to it."""
    scale = 10**places
    exact_total = sum(amounts.values(), Fraction(0))
    total_units = round(exact_total * scale)  # Fraction rounds half to even
    floors = {k: math.floor(v * scale) for k, v in amounts.items()}
    left = total_units - sum(floors.values())
    order = sorted(amounts, key=lambda k: (-(amounts[k] * scale - floors[k]), k))
    for k in order[: max(left, 0)]:
        floors[k] += 1
    unit = Decimal(1).scaleb(-places)
    as_decimal = {k: (Decimal(v) * unit).quantize(unit) for k, v in floors.items()}
    return (Decimal(total_units) * unit).quantize(unit), as_decimal
