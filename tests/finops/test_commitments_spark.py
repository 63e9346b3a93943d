"""Engine conformance of the commitment figures: the per-(month, rule, tag target) sums are
identical on DuckDB and Spark over one tiny FOCUS file (a covered
line, an on-demand line, a spot line, storage beside a compute commitment, an unused line, a
tag-value rule), and they resolve to the hand-computed figures."""

from __future__ import annotations

from collections.abc import Iterator
from fractions import Fraction

import pytest

from leadline.config import Settings
from leadline.context import App
from leadline.finops import allocation
from leadline.finops.commitments import Figures, commitment_sums, resolve, total
from leadline.finops.rules import parse_rules
from leadline.lake.conformance import assert_engines_agree
from tests.conftest import make_settings
from tests.finops.support_finops import focus_row, ingest_focus, write_focus

pytestmark = pytest.mark.spark

RULES = parse_rules(
    {
        "kind": "AllocationRules",
        "spec": {
            "rules": [
                {
                    "name": "by-tag",
                    "match": {"tags": {"team": "*"}},
                    "to": {"team": {"tag": "team"}},
                },
                {"name": "rest", "match": {"provider": "AWS"}, "shared": "pool"},
            ],
            "shared": [{"name": "pool", "split": "even"}],
        },
    }
)
SP = {"CommitmentDiscountId": "sp-1", "CommitmentDiscountType": "Savings Plan"}
ROWS = [
    focus_row(ListCost="30", EffectiveCost="20", BilledCost="0", PricingCategory="Committed",
              CommitmentDiscountStatus="Used", CommitmentDiscountCategory="Spend", **SP),
    focus_row(ListCost="10", EffectiveCost="10", Tags='{"team": "Payments"}'),
    focus_row(ListCost="7", EffectiveCost="2", PricingCategory="Dynamic"),
    focus_row(ListCost="100", EffectiveCost="100", ServiceCategory="Storage"),
    focus_row(ListCost="5", EffectiveCost="5", BilledCost="0", PricingCategory="Committed",
              CommitmentDiscountStatus="Unused", CommitmentDiscountCategory="Spend", Tags="",
              ResourceId="sp-1", **SP),
    focus_row(ListCost="40", EffectiveCost="40", Tags='{"team": "browse"}',
              ChargePeriodStart="2026-01-20T00:00:00Z", ChargePeriodEnd="2026-01-21T00:00:00Z"),
]  # fmt: skip


@pytest.fixture(scope="module")
def lake_app(spark_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[App]:
    home = tmp_path_factory.mktemp("commitments-conformance")
    app = App(make_settings(home / "home"))
    assert ingest_focus(app, write_focus(home / "bill.csv", ROWS)).exit_code == 0
    yield app
    app.close()


def test_commitment_sums_agree_and_resolve(lake_app: App) -> None:
    import datetime as dt

    start, end = dt.datetime(2026, 1, 1), dt.datetime(2026, 2, 1)
    sums = assert_engines_agree(
        lambda lines: commitment_sums(allocation.month_lines(lines, start, end), RULES),
        {"lines": "cost_lines"},
        settings=lake_app.settings,
        store=lake_app.store,
    ).to_pylist()
    scopes = resolve(sums, RULES, {}, {"payments", "browse"})
    # the tag's value "Payments" names team payments (case-insensitive)
    assert scopes["payments"] == Figures(Fraction(40), Fraction(30), Fraction(20))
    assert scopes["browse"] == Figures(eligible=Fraction(40))
    assert scopes["shared: pool"] == Figures(unused=Fraction(5))
    assert total(scopes).coverage == Fraction(30, 80)
