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


TAG_RULES = parse_rules(
    {
        "kind": "AllocationRules",
        "spec": {
            "rules": [
                {"name": "by-tag", "to": {"team": {"tag": "team", "aliases": {"PAY": "Pay"}}}},
                {"name": "by-app", "to": {"service": {"tag": "app"}}},
                {"name": "rest", "shared": "p"},
            ],
            "shared": [{"name": "p", "split": "even", "among": ["Pay", "ops"]}],
        },
    }
)
KNOWN = {"Pay", "pay", "Ops", "ops"}  # teams differing only in case: exact spelling wins
VALUES = ("Pay", "pay", "PAY", "pAy", "ops", "Ops", "OPS", "ghost", "Ghost", "")


def _team_of(value: str) -> str | None:
    """By hand: the alias PAY (any case, so pay too) is Pay; an exact name wins; else the
    first name in sorted order equal but for case (OPS is Ops, before ops); else unknown."""
    if value.lower() == "pay":
        return "Pay"
    if value in KNOWN:
        return value
    return {"ops": "Ops"}.get(value.lower())


@settings(max_examples=200, deadline=None)
@given(
    rows=st.lists(
        st.tuples(
            st.sampled_from((0, 1, 2, 3)), st.sampled_from(VALUES), amounts, st.integers(1, 9)
        ),
        max_size=20,
    ),
    dimension=st.sampled_from((None, "x", "y")),
)
def test_tag_values_resolve_case_insensitively_and_unknowns_are_listed(
    rows: list[tuple[int, str, Decimal, int]], dimension: str | None
) -> None:
    """Whatever the rows: each tag-value row lands on the team its value names (aliases, any
    case, exact spelling first) or is unallocated; the warning lists exactly the unknown
    values with their line counts; the total and the dimension's totals are conserved."""
    inputs = Inputs(TAG_RULES, tower_names([]), {"svc": "ops"}, KNOWN)  # type: ignore[arg-type]
    sums = [
        {
            "rule": rule,
            "tower": 0,
            "cost": cost,
            "lines": lines,
            "target": value if rule in (1, 2) else None,
            "dimension": dimension,
        }
        for rule, value, cost, lines in rows
    ]
    result = allocate(sums, inputs)
    assert result.total == sum((Fraction(c) for _, _, c, _ in rows), Fraction(0))
    assert {p.dimension for p in result.portions} <= {dimension}
    expected: dict[str, Fraction] = {}
    unknown: dict[str, int] = {}
    for rule, value, cost, lines in rows:
        if rule == 1:
            team = _team_of(value)
        elif rule == 2:
            team = "ops" if value.lower() == "svc" else None
        elif rule == 0:  # no rule matched
            team = None
        else:  # the shared pool
            continue
        if team is None and rule == 1:
            unknown[value] = unknown.get(value, 0) + lines
        key = team or UNALLOCATED_KEY
        expected[key] = expected.get(key, Fraction(0)) + Fraction(cost)
    direct = group(
        type(result)([p for p in result.portions if p.kind != "shared"]), lambda p: p.team or "?"
    )
    assert {k: v for k, v in direct.items() if v} == {k: v for k, v in expected.items() if v}
    listed = [w for w in result.warnings if w.startswith("rule by-tag:")]
    if unknown:
        (warning,) = listed
        for value, lines in unknown.items():
            assert f"{value!r} ({lines:,} line{'s' if lines != 1 else ''})" in warning
    else:
        assert listed == []
