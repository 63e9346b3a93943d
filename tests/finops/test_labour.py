"""TBM labour spread: a team's Labor-pool cost lands on the towers of its work (its explicit
split, else its own cost mix), IT Management only without a team or other cost; exact, so the
towers still add up to the input (hand-computed cases and a hypothesis property)."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from leadline.context import App
from leadline.finops.allocation import tower_names
from leadline.finops.apportion import Inputs, allocate, group
from leadline.finops.labour import LABOUR_MARKER, LABOUR_SLOT, mark_labour, spread_labour
from leadline.finops.rules import AllocationRules, parse_rules

TOWERS = mark_labour(tower_names([]))
LABOUR = TOWERS.index((LABOUR_MARKER, LABOUR_SLOT[1]))


def _slot(name: str) -> int:
    return next(i for i, t in enumerate(TOWERS) if t[0] == name)


def _rules(labour: dict[str, dict[str, float]] | None = None) -> AllocationRules:
    return parse_rules(
        {
            "kind": "AllocationRules",
            "spec": {
                "rules": [
                    {"name": "to-a", "match": {"provider": "a"}, "to": {"team": "a"}},
                    {"name": "to-b", "match": {"provider": "b"}, "to": {"team": "b"}},
                    {"name": "svc-c", "match": {"provider": "s"}, "to": {"service": "svc-c"}},
                    {"name": "to-d", "match": {"provider": "d"}, "to": {"team": "d"}},
                ],
                "labour": labour or {},
            },
        }
    )


def _towers(rows: list[tuple[int, int, str]], rules: AllocationRules) -> dict[str, Fraction]:
    inputs = Inputs(rules, TOWERS, {"svc-c": "c"}, {"a", "b", "c", "d"})
    sums = [{"rule": r, "tower": t, "cost": Decimal(c), "lines": 1} for r, t, c in rows]
    result = spread_labour(allocate(sums, inputs), rules.labour)
    return group(result, lambda p: p.tower)


def test_labour_follows_the_team_cost_mix_or_its_explicit_split() -> None:
    rows = [
        (1, _slot("Compute"), "300"),  # team a: 3/4 compute, 1/4 storage
        (1, _slot("Storage"), "100"),
        (1, LABOUR, "1000"),  # a's labour: 750 compute, 250 storage
        (2, _slot("Compute"), "50"),  # team b's cost is ignored: it has an explicit split
        (2, LABOUR, "400"),  # b: Application 3 : Platform 1 -> 300, 100
        (3, _slot("Network"), "20"),  # service svc-c (team c): all network
        (3, LABOUR, "90"),  # -> network 90
        (4, LABOUR, "70"),  # team d has no other cost: IT Management
        (0, LABOUR, "5"),  # unallocated labour: IT Management, in the unallocated group
    ]
    groups = _towers(rows, _rules({"b": {"Application": 3, "Platform": 1}}))
    assert groups == {
        "Compute": Fraction(300 + 750 + 50),
        "Storage": Fraction(100 + 250),
        "Application": Fraction(300),
        "Platform": Fraction(100),
        "Network": Fraction(20 + 90),
        "IT Management": Fraction(70),
        "unallocated": Fraction(5),
    }
    assert LABOUR_MARKER not in groups


def test_a_third_is_kept_exact() -> None:
    rows = [
        (1, _slot("Compute"), "1"),
        (1, _slot("Storage"), "1"),
        (1, _slot("Network"), "1"),
        (1, LABOUR, "100"),
    ]
    groups = _towers(rows, _rules())
    assert groups["Compute"] == 1 + Fraction(100, 3)
    assert sum(groups.values(), Fraction(0)) == 103


def test_credits_and_unmapped_cost_do_not_attract_labour() -> None:
    rows = [
        (1, _slot("Compute"), "40"),
        (1, _slot("Storage"), "-10"),  # a credit: no positive cost on Storage
        (1, _slot("Unmapped"), "500"),
        (1, LABOUR, "60"),
    ]
    groups = _towers(rows, _rules())
    assert groups["Compute"] == 100
    assert groups["Storage"] == -10
    assert groups["Unmapped"] == 500


def test_an_unknown_team_in_the_split_is_warned() -> None:
    rows = [(1, _slot("Compute"), "10"), (1, LABOUR, "20")]
    rules = _rules({"nobody": {"Application": 1}, "a": {"Platform": 1}})
    inputs = Inputs(rules, TOWERS, {"svc-c": "c"}, {"a", "b", "c", "d"})
    sums = [{"rule": r, "tower": t, "cost": Decimal(c), "lines": 1} for r, t, c in rows]
    result = spread_labour(allocate(sums, inputs), rules.labour, {"a", "b"})
    assert group(result, lambda p: p.tower) == {"Compute": 10, "Platform": 20, "unallocated": 0}
    assert result.warnings == [
        "spec.labour names 1 team(s) the catalog does not know: nobody (their splits are not used)"
    ]


def test_the_labour_split_is_validated() -> None:
    import pytest
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="greater than 0"):
        _rules({"b": {"Application": 0}})


cost = st.decimals(min_value=Decimal("-50"), max_value=Decimal("5000"), places=6, allow_nan=False)


@settings(max_examples=100, deadline=None)
@given(
    rows=st.lists(
        st.tuples(st.integers(0, 4), st.sampled_from(range(len(TOWERS))), cost), max_size=20
    ),
    split=st.dictionaries(
        st.sampled_from("abcd"),
        st.dictionaries(st.sampled_from(("Application", "Compute")), st.integers(1, 9)),
        max_size=2,
    ),
)
def test_the_spread_conserves_every_team_and_the_total(
    rows: list[tuple[int, int, Decimal]], split: dict[str, Any]
) -> None:
    rules = _rules(split)
    inputs = Inputs(rules, TOWERS, {"svc-c": "c"}, {"a", "b", "c", "d"})
    sums = [{"rule": r, "tower": t, "cost": c, "lines": 1} for r, t, c in rows]
    before = allocate(sums, inputs)
    after = spread_labour(before, rules.labour)
    assert after.total == before.total == sum((Fraction(c) for *_, c in rows), Fraction(0))
    by_team = group(after, lambda p: p.team or "-")
    assert by_team == group(before, lambda p: p.team or "-")
    assert all(p.tower != LABOUR_MARKER for p in after.portions)


def test_showback_by_tower_spreads_ledger_labour(app: App, tmp_path: Path) -> None:
    """The hand-computed month of test_showback (direct payments 130, browse 50 on Compute;
    a pool of 40 split 130:50) plus 360 of salaries in the same pool: payments' 260 follow its
    compute, browse's 100 its explicit split (Application 1 : Compute 3)."""
    from leadline.finops import report
    from leadline.ingest.runner import run_ingest
    from tests.delivery.support_metrics import load_catalog
    from tests.finops.support_finops import (
        ingest_focus,
        ingest_rules,
        rules_yaml,
        scenario_rows,
        write_focus,
    )

    load_catalog(app, tmp_path)
    assert ingest_focus(app, write_focus(tmp_path / "jan.csv", scenario_rows())).exit_code == 0
    ledger = tmp_path / "ledger.csv"
    ledger.write_text(
        "month,gl_account,amount,currency,cost_pool\n2026-01-01,6100,360.00,USD,Labor\n",
        encoding="utf-8",
    )
    landed = run_ingest("ledger-csv", [ledger], settings=app.settings, store=app.store)
    assert landed.exit_code == 0
    labour = "  labour:\n    browse: {Application: 1, Compute: 3}"
    assert ingest_rules(app, tmp_path, rules_yaml("proportional", labour)).exit_code == 0
    by_tower = report.showback(app, "2026-01", by="tower")
    assert {g["key"]: g["cost"] for g in by_tower["groups"]} == {
        "Compute": "555.00",
        "Application": "25.00",
        "unallocated": "10.00",
    }
    teams = {g["key"]: g["cost"] for g in report.showback(app, "2026-01")["groups"]}
    assert teams == {"payments": "418.89", "browse": "161.11", "unallocated": "10.00"}
