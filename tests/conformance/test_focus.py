"""FOCUS conformance: the specification's own scenario tables (FOCUS_Spec
``specification/data``, in ../shared/reference/focus/spec-scenarios, read in place). They hold
only the columns each scenario needs, so they are read with ``--partial``. Every file is read
by tests/finops/test_focus_ingest.py; here a few rows land with the values they state, and the
SaaS examples' refusal names the column, the value and the rule."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from leadline.context import App
from tests.conformance.support import errors, ingest, problems
from tests.finops.support_finops import cost_lines

COMMITMENT = Path("focus") / "spec-scenarios" / "commitment_discount_scenarios"
SAAS = Path("focus") / "spec-scenarios" / "saas_examples" / "simple_agreements"


def _focus(app: App, path: Path) -> list[dict[str, object]]:
    report = ingest(app, "focus", path, partial=True, currency="USD")
    assert errors(report) == []
    # the only warning names the mandatory columns a partial scenario leaves out
    [warning] = problems(report)
    assert warning.reason.startswith("partial FOCUS file:")
    return cost_lines(app)


def test_a_commitment_purchase_is_billed_not_effective(app: App, reference: Path) -> None:
    path = reference / COMMITMENT / "commitment_discount_purchase_scenario_1.csv"
    [line] = _focus(app, path)
    assert (line["charge_category"], line["charge_frequency"]) == ("Purchase", "One-Time")
    assert (line["billed_cost"], line["effective_cost"]) == (Decimal("8760"), Decimal("0"))
    assert line["commitment_discount_id"] == "<my-commitment-discount-id>"
    assert str(line["charge_period_end"])[:10] == "2024-01-01"  # a one-year term


def test_committed_usage_is_effective_not_billed(app: App, reference: Path) -> None:
    path = reference / COMMITMENT / "commitment_discount_usage_scenario_1.csv"
    [line] = _focus(app, path)
    assert (line["pricing_category"], line["commitment_discount_status"]) == ("Committed", "Used")
    assert (line["billed_cost"], line["effective_cost"]) == (Decimal("0"), Decimal("1"))
    assert (line["consumed_quantity"], line["consumed_unit"]) == (Decimal("1"), "Hour")


def test_currency_formatted_amounts_are_refused_naming_column_and_value(
    app: App, reference: Path
) -> None:
    """The SaaS example writes "$10,000.00 " and 5/1/25; FOCUS's numeric format is a plain
    decimal number and its date/time format ISO 8601, so the row is refused."""
    report = ingest(app, "focus", reference / SAAS / "simple_saas_agreements_a1.csv", partial=True)
    found = {(p.field, p.value): p.reason for p in errors(report)}
    assert found[("BilledCost", "$10,000.00")] == "must be a decimal number"  # value trimmed
    assert found[("BillingPeriodStart", "4/1/25")].startswith("must be an ISO-8601 timestamp")
    assert cost_lines(app) == []
