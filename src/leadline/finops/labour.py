"""TBM: a team's labour cost spread across the IT towers its work is in, instead of all of it
landing in IT Management.

The TBM taxonomy maps the Labor cost pool to towers through the work people do: a team that
runs payment services on compute and databases spends its time on those towers. Ledger lines
of the Labor pool (mapped to IT Management / Labor by default) are therefore spread, after
allocation, per team:

1. by the team's explicit split in the allocation rules (``spec.labour: {team: {tower:
   weight}}``), when it has one;
2. else in proportion to the team's own non-labour cost per tower that month (its services'
   towers: the direct portions allocated to the team or its services, Unmapped left out);
3. else (no team: unallocated or a pool nobody shares; a team with no other cost) it stays in
   IT Management.

Splits are exact fractions, so the spread portions add up to the labour cost exactly and
showback, chargeback and budgets by tower keep adding up to the bill.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import replace
from fractions import Fraction

from leadline.finops.apportion import Allocation, Portion

LABOUR_SLOT = ("IT Management", "Labor")  # where the Labor cost pool maps before the spread
LABOUR_MARKER = "\x00labour"  # the tower name labour portions carry until spread
FALLBACK_TOWER = "IT Management"
UNMAPPED = "Unmapped"


def mark_labour(towers: Sequence[tuple[str, str | None]]) -> list[tuple[str, str | None]]:
    """The allocation's tower names with the Labor pool's slot renamed to the marker, so the
    portions ``allocate`` makes from labour lines can be told apart from other IT Management
    cost (e.g. a cloud provider's management services)."""
    return [(LABOUR_MARKER, t[1]) if t == LABOUR_SLOT else t for t in towers]


def team_towers(portions: Sequence[Portion]) -> dict[str, dict[str, Fraction]]:
    """team -> tower -> its direct non-labour cost there (positive totals only)."""
    out: dict[str, dict[str, Fraction]] = defaultdict(lambda: defaultdict(Fraction))
    for p in portions:
        if p.kind == "direct" and p.team and p.tower not in (LABOUR_MARKER, UNMAPPED):
            out[p.team][p.tower] += p.amount
    return {
        team: {t: v for t, v in towers.items() if v > 0}
        for team, towers in out.items()
        if any(v > 0 for v in towers.values())
    }


def spread_labour(
    allocation: Allocation,
    explicit: Mapping[str, Mapping[str, float]] | None = None,
    known_teams: set[str] | None = None,
) -> Allocation:
    """The allocation with every labour portion (tower ``LABOUR_MARKER``) replaced by portions
    on the towers of its team's work (the explicit split, else the team's cost mix), or moved
    to IT Management when it has no team or the team has no other cost. Explicit splits of
    teams the catalog does not know (``known_teams``) are named in a warning."""
    explicit = explicit or {}
    warnings = list(allocation.warnings)
    unknown = sorted(set(explicit) - known_teams) if known_teams is not None else []
    if unknown:
        warnings.append(
            f"spec.labour names {len(unknown)} team(s) the catalog does not know: "
            f"{', '.join(unknown)} (their splits are not used)"
        )
    mix = team_towers(allocation.portions)
    portions: list[Portion] = []
    for p in allocation.portions:
        if p.tower != LABOUR_MARKER:
            portions.append(p)
            continue
        weights = _weights(p.team, explicit, mix)
        if not weights:
            portions.append(replace(p, tower=FALLBACK_TOWER))
            continue
        total = sum(weights.values(), Fraction(0))
        portions.extend(
            replace(p, tower=tower, amount=p.amount * weight / total)
            for tower, weight in sorted(weights.items())
        )
    return Allocation(portions, warnings)


def _weights(
    team: str | None,
    explicit: Mapping[str, Mapping[str, float]],
    mix: Mapping[str, Mapping[str, Fraction]],
) -> dict[str, Fraction]:
    if team is None:
        return {}
    if team in explicit:
        return {t: Fraction(str(w)) for t, w in explicit[team].items() if w > 0}
    return dict(mix.get(team, {}))
