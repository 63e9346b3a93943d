"""Nothing of a bill is lost (issue 19 item 1): the FinOps Foundation's FOCUS 1.0 sample lands
whole and its showback equals the file's total to the cent; values with more than 12 decimal
places keep every digit; a null ContractedCost is a warning, not a rejection; read vs landed
money is recorded per billing period and currency and ``finops reconcile`` lists differences."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from typer.testing import CliRunner

from leadline.cli import app as cli
from leadline.context import App
from leadline.finops.reconcile import reconcile
from leadline.finops.report import showback
from tests.finops.support_finops import (
    cost_lines,
    focus_row,
    ingest_focus,
    ingest_rules,
    problems,
    write_focus,
)

SAMPLE = Path(__file__).parents[1] / "data" / "focus" / "focus-1.0-sample.csv.gz"
RULES = """
apiVersion: leadline.io/v1
kind: AllocationRules
metadata: {name: sample}
spec:
  rules:
    - name: sqs
      match: {service_name: "Amazon Simple Queue Service"}
      to: {team: payments}
"""


def test_the_focus_sample_lands_whole_and_adds_up(app: App, tmp_path: Path) -> None:
    report = ingest_focus(app, SAMPLE)
    totals = report.totals()
    read = (totals["rows_read"], totals["rows_accepted"], totals["rows_rejected"])
    assert read == (1000, 1000, 0)
    warned = {(p.row, p.field) for p in problems(report) if p.severity == "warning"}
    assert warned == {(row, "ContractedCost") for row in (927, 928, 943, 946, 949, 950, 952)}
    lines = {r["line"]: r for r in cost_lines(app)}
    assert len(lines) == 1000
    # 15 decimal places: the lake's typed value is rounded half-to-even, the digits are kept
    assert lines[1000]["consumed_quantity"] == Decimal("-0.000000083819")
    assert json.loads(lines[1000]["verbatim"]) == {"ConsumedQuantity": "-0.000000083819032"}
    assert lines[991]["consumed_quantity"] == Decimal("3.225806451613")
    assert lines[927]["contracted_cost"] is None
    assert lines[927]["warnings"].startswith("ContractedCost: is required")
    assert sum(r["verbatim"] is not None for r in lines.values()) == 7
    # the file's totals, by ChargePeriodStart month (all 2024-09): EffectiveCost
    # 14.97651418586, BilledCost 20.52022672899 (summed with Python's Decimal from the CSV)
    ingest_rules(app, tmp_path, RULES)
    effective = showback(app, "2024-09")
    assert effective["total"] == "14.98" and effective["lines"] == 1000
    assert sum(Decimal(g["cost"]) for g in effective["groups"]) == Decimal("14.98")
    assert showback(app, "2024-09", cost_type="billed")["total"] == "20.52"
    document = reconcile(app)
    assert document["differences"] == [] and document["status"] == "reconciled"
    by_period = {b["billing_period"]: b for b in document["bills"]}
    # one line of the sample is billed in the 2024-10 billing period (0.24, effective 0)
    assert by_period["2024-09"]["read_billed"] == "20.280226728990"
    assert Decimal(by_period["2024-10"]["landed_billed"]) == Decimal("0.24")
    assert by_period["2024-09"]["read_effective"] == by_period["2024-09"]["landed_effective"]
    assert [b["billing_period"] for b in reconcile(app, "2024-10")["bills"]] == ["2024-10"]


def test_more_than_twelve_decimals_and_a_null_contracted_cost(app: App, tmp_path: Path) -> None:
    rows = [
        focus_row(
            BilledCost="0.1234567890123456789",
            EffectiveCost="2.00000000000049",
            ContractedCost="",
            ConsumedQuantity="12345678901234567890123456789",  # 29 digits: too large to type
        ),
        focus_row(BilledCost="1e-20", EffectiveCost="1.5"),
        # 32 significant digits: beyond the 28 of Python's default decimal context
        focus_row(BilledCost="123456789.12345678901234567890123"),
    ]
    report = ingest_focus(app, write_focus(tmp_path / "bill.csv", rows))
    assert report.totals()["rows_rejected"] == 0
    warned = sorted((p.row, p.field) for p in problems(report) if p.severity == "warning")
    assert warned == [(2, "ConsumedQuantity"), (2, "ContractedCost")]
    first, second, third = cost_lines(app)
    assert third["billed_cost"] == Decimal("123456789.123456789012")
    assert first["billed_cost"] == Decimal("0.123456789012")
    assert first["effective_cost"] == Decimal("2.000000000000")
    assert first["contracted_cost"] is None and first["consumed_quantity"] is None
    assert json.loads(first["verbatim"]) == {
        "BilledCost": "0.1234567890123456789",
        "ConsumedQuantity": "12345678901234567890123456789",
        "EffectiveCost": "2.00000000000049",
    }
    assert second["billed_cost"] == Decimal(0) and json.loads(second["verbatim"]) == {
        "BilledCost": "1e-20"
    }
    (bill,) = reconcile(app)["bills"]
    # every digit: 0.1234567890123456789 + 1e-20 + 123456789.12345678901234567890123, and
    # 2.00000000000049 + 1.5 + 10.00
    assert bill["read_billed"] == "123456789.24691357802469135781123"
    assert bill["landed_billed"] == bill["read_billed"]
    assert Decimal(bill["landed_effective"]) == Decimal("13.50000000000049")
    assert bill["status"] == "reconciled" and bill["reasons"] == []


def test_money_that_cannot_be_known_is_a_difference(app: App, tmp_path: Path) -> None:
    """Read: every line's money as written; landed: what reached the lake. Rows 3 (BilledCost
    not a number), 4 (no ChargePeriodStart) and 5 (currency XYZ) are rejected."""
    rows = [
        focus_row(BilledCost="7.25", EffectiveCost="7.00"),  # row 2 lands
        focus_row(BilledCost="ten", EffectiveCost="4.00"),  # row 3
        focus_row(ChargePeriodStart="", BilledCost="2.50", EffectiveCost="2.00"),  # row 4
        focus_row(BillingCurrency="XYZ", BilledCost="1.00", EffectiveCost="1.00"),  # row 5
    ]
    report = ingest_focus(app, write_focus(tmp_path / "bill.csv", rows))
    assert report.totals()["rows_rejected"] == 3
    assert any(p.item == "reconciliation" for p in problems(report))
    document = reconcile(app, "2026-01")
    assert document["status"] == "differences"
    usd, xyz = sorted(document["differences"], key=lambda b: b["currency"])
    assert (usd["currency"], usd["read_lines"], usd["landed_lines"]) == ("USD", 3, 1)
    assert Decimal(usd["read_billed"]) == Decimal("9.75")
    assert usd["landed_billed"] == "7.250000000000"
    assert Decimal(usd["read_effective"]) == Decimal("13.00")
    assert Decimal(usd["landed_effective"]) == Decimal("7.00")
    assert usd["unknown_lines"] == 1
    assert any("not a number" in r for r in usd["reasons"])
    assert (xyz["currency"], xyz["landed_lines"]) == ("XYZ", 0)
    assert Decimal(xyz["read_billed"]) == Decimal(1)
    result = CliRunner().invoke(
        cli,
        ["--home", str(app.settings.home), "finops", "reconcile", "--format", "json"],
    )
    assert result.exit_code == 1, result.output
    assert len(json.loads(result.output)["differences"]) == 2


def test_digits_beyond_the_scale_that_change_a_cent_are_flagged(app: App, tmp_path: Path) -> None:
    """0.0149999999996 is typed 0.015000000000 (12 places, half-to-even): reports would
    round it to 0.02, the exact cost rounds to 0.01."""
    rows = [focus_row(EffectiveCost="0.0149999999996")]
    assert ingest_focus(app, write_focus(tmp_path / "bill.csv", rows)).exit_code == 0
    (bill,) = reconcile(app)["differences"]
    assert bill["read_effective"] == bill["landed_effective"] == "0.0149999999996"
    (reason,) = bill["reasons"]
    assert reason.startswith("EffectiveCost: digits beyond the lake's scale (-0.0000000000004)")
