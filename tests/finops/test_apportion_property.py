"""Properties of the exact apportionment (hypothesis): whatever the amounts, rules and splits,
the groups' exact amounts add up to the input; rounded groups add up to the rounded total; each
rounded group is within one minor unit of its exact amount; shared pools go wholly to their
recipients in proportion to their weights."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from leadline.finops.allocation import tower_names
from leadline.finops.apportion import (
    UNALLOCATED_KEY,
    Inputs,
    allocate,
    group,
    minor_units,
    round_conserving,
)
from leadline.finops.rules import parse_rules

TEAMS = ("a", "b", "c")
CURRENCIES = ("USD", "JPY", "KWD")


def _rules(split: str) -> object:
    pool = {"name": "p", "split": split}
    if split == "driver":
        pool["driver"] = "users"
    return parse_rules(
        {
            "kind": "AllocationRules",
            "spec": {
                "rules": [
                    {"name": "to-a", "match": {"provider": "a"}, "to": {"team": "a"}},
                    {"name": "to-b", "match": {"provider": "b"}, "to": {"team": "b"}},
                    {"name": "svc", "match": {"provider": "s"}, "to": {"service": "svc-c"}},
                    {"name": "shared", "match": {"provider": "x"}, "shared": "p"},
                    {"name": "ghost", "match": {"provider": "g"}, "to": {"team": "ghost"}},
                ],
                "shared": [pool],
            },
        }
    )


amounts = st.decimals(
    min_value=Decimal("-1000"), max_value=Decimal("100000"), places=12, allow_nan=False
)


@settings(max_examples=300, deadline=None)
@given(
    sums=st.lists(
        st.tuples(st.integers(0, 5), st.integers(0, 3), amounts), min_size=0, max_size=25
    ),
    split=st.sampled_from(("even", "proportional", "driver")),
    users=st.dictionaries(st.sampled_from(TEAMS), st.integers(0, 1000), max_size=3),
    currency=st.sampled_from(CURRENCIES),
    by_tower=st.booleans(),
)
def test_totals_are_conserved(
    sums: list[tuple[int, int, Decimal]],
    split: str,
    users: dict[str, int],
    currency: str,
    by_tower: bool,
) -> None:
    rules = _rules(split)
    towers = tower_names([])
    inputs = Inputs(
        rules,  # type: ignore[arg-type]
        towers,
        {"svc-c": "c"},
        set(TEAMS),
        {"users": {t: Decimal(v) for t, v in users.items()}},
    )
    rows = [{"rule": r, "tower": w, "cost": c, "lines": 1} for r, w, c in sums]
    result = allocate(rows, inputs)
    exact_input = sum((Fraction(c) for _, _, c in sums), Fraction(0))
    assert result.total == exact_input
    groups = group(result, (lambda p: p.tower) if by_tower else (lambda p: p.team or "?"))
    assert sum(groups.values(), Fraction(0)) == exact_input
    assert UNALLOCATED_KEY in groups
    places = minor_units(currency)
    total, rounded = round_conserving(groups, places)
    assert sum(rounded.values(), Decimal(0)) == total
    unit = Fraction(1, 10**places)
    assert abs(Fraction(total) - exact_input) <= unit / 2
    for key, value in rounded.items():
        assert abs(Fraction(value) - groups[key]) < unit
    shared = [p for p in result.portions if p.kind == "shared"]
    pooled = sum((Fraction(c) for r, _, c in sums if r == 4), Fraction(0))
    if shared:
        assert sum((p.amount for p in shared), Fraction(0)) == pooled
