"""The focus source: valid lines land with exact decimals and tags; bad rows are rejected
naming row, column and reason while the rest lands; restated bills replace the earlier ones;
CSV, gzip CSV and Parquet give the same lines; headers without FOCUS columns are refused."""

from __future__ import annotations

import gzip
import shutil
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

import leadline.finops.ingest as focus_ingest
from leadline.context import App
from leadline.finops import blocks
from leadline.ingest.files import BackgroundDigest
from tests.finops.support_finops import (
    HEADER,
    cost_lines,
    focus_row,
    ingest_focus,
    problems,
    write_focus,
)


def test_valid_lines_land_exactly(app: App, tmp_path: Path) -> None:
    path = write_focus(
        tmp_path / "bill.csv",
        [focus_row(), focus_row(BilledCost="0.000000012345", EffectiveCost="-1.5", Tags="")],
    )
    report = ingest_focus(app, path)
    assert report.exit_code == 0, [p.describe() for p in problems(report)]
    first, second = cost_lines(app)
    assert first["billed_cost"] == Decimal("10.00")
    assert first["tags"] == [("team", "payments"), ("env", "prod")]
    assert first["provider"] == "AWS" and first["origin"] == "focus"
    assert first["line"] == 2 and second["line"] == 3
    assert second["billed_cost"] == Decimal("0.000000012345")
    assert second["effective_cost"] == Decimal("-1.5")
    assert second["tags"] is None
    assert first["focus_version"] == "1.3"  # the header has 1.3 columns (HostProviderName, ...)


def test_only_lines_whose_money_is_unknown_are_rejected(app: App, tmp_path: Path) -> None:
    """A line is rejected when its cost is not a number, or it has no currency or period; any
    other spec violation is a warning recorded against the line, which lands (issue 19)."""
    rows = [
        focus_row(),  # row 2: fine
        focus_row(BilledCost="ten"),  # row 3
        focus_row(ChargePeriodStart="2026-01-32T00:00:00Z"),  # row 4
        focus_row(BillingCurrency="XYZ"),  # row 5
        focus_row(Tags="{not json"),  # row 6: warning
        focus_row(Tags="[1, 2]"),  # row 7: warning
        focus_row(ChargeCategory="Refund"),  # row 8: warning
        focus_row(ChargePeriodEnd="2026-01-04T00:00:00Z"),  # row 9: ends before it starts
        focus_row(EffectiveCost=""),  # row 10: EffectiveCost is never null
        focus_row(BilledCost="1.0000000000001"),  # row 11: 13 decimal places, lands exactly
        focus_row(ChargeCategory="credit", BilledCost="-3"),  # row 12: case-insensitive, fine
    ]
    report = ingest_focus(app, write_focus(tmp_path / "bill.csv", rows))
    assert report.exit_code != 0
    found = {(p.row, p.field) for p in problems(report) if p.severity == "error"}
    assert found == {
        (3, "BilledCost"),
        (4, "ChargePeriodStart"),
        (5, "BillingCurrency"),
        (10, "EffectiveCost"),
    }
    warned = {(p.row, p.field) for p in problems(report) if p.severity == "warning" and p.row}
    assert warned == {(6, "Tags"), (7, "Tags"), (8, "ChargeCategory"), (9, "ChargePeriodEnd")}
    reasons = {(p.row, p.severity): p.reason for p in problems(report)}
    assert "ISO 4217" in reasons[5, "error"] and "JSON object" in reasons[7, "warning"]
    assert "before" in reasons[9, "warning"]
    lines = {r["line"]: r for r in cost_lines(app)}
    assert sorted(lines) == [2, 6, 7, 8, 9, 11, 12]
    assert lines[12]["charge_category"] == "Credit"
    assert lines[8]["charge_category"] is None
    assert lines[8]["verbatim"] == '{"ChargeCategory": "Refund"}'
    assert lines[8]["warnings"].startswith("ChargeCategory: must be one of Usage")
    assert lines[6]["tags"] is None and lines[6]["verbatim"] == '{"Tags": "{not json"}'
    assert lines[9]["charge_period_end"] is not None  # kept as given, with its warning
    assert lines[11]["billed_cost"] == Decimal("1.000000000000")
    assert lines[11]["verbatim"] == '{"BilledCost": "1.0000000000001"}'
    assert lines[2]["verbatim"] is None and lines[2]["warnings"] is None
    assert report.totals()["rows_rejected"] == 4


def test_restated_bill_replaces_the_earlier_one(app: App, tmp_path: Path) -> None:
    """Same provider, account and billing period: the new file replaces the old lines; another
    account's bill and another period stay."""
    first = write_focus(
        tmp_path / "v1.csv",
        [
            focus_row(BilledCost="10"),
            focus_row(BilledCost="20"),
            focus_row(BillingAccountId="acct-2", BilledCost="5"),
            focus_row(
                BillingPeriodStart="2026-02-01T00:00:00Z",
                BillingPeriodEnd="2026-03-01T00:00:00Z",
                ChargePeriodStart="2026-02-02T00:00:00Z",
                ChargePeriodEnd="2026-02-03T00:00:00Z",
                BilledCost="7",
            ),
        ],
    )
    assert ingest_focus(app, first).exit_code == 0
    restated = write_focus(tmp_path / "v2.csv", [focus_row(BilledCost="31")])
    assert ingest_focus(app, restated).exit_code == 0
    costs = sorted((r["billing_account_id"], r["billed_cost"]) for r in cost_lines(app))
    assert costs == [("acct-1", Decimal(7)), ("acct-1", Decimal(31)), ("acct-2", Decimal(5))]
    # re-ingesting the same file changes nothing
    again = ingest_focus(app, restated)
    assert again.results[0].status == "unchanged"
    assert len(cost_lines(app)) == 3


def test_gzip_and_parquet_read_like_csv(app: App, tmp_path: Path) -> None:
    rows = [focus_row(BilledCost=str(i)) for i in range(1, 6)] + [focus_row(BilledCost="x")]
    plain = write_focus(tmp_path / "plain" / "bill.csv", rows)
    zipped = tmp_path / "gz" / "bill.csv.gz"
    zipped.parent.mkdir()
    with plain.open("rb") as source, gzip.open(zipped, "wb") as sink:
        shutil.copyfileobj(source, sink)
    table = pacsv.read_csv(
        plain,
        convert_options=pacsv.ConvertOptions(
            column_types=dict.fromkeys(HEADER, "string"), strings_can_be_null=True
        ),
    )
    parquet = tmp_path / "pq" / "bill.parquet"
    parquet.parent.mkdir()
    pq.write_table(table, parquet)
    results = {}
    for name, path in (("csv", plain), ("gzip", zipped), ("parquet", parquet)):
        report = ingest_focus(app, path)
        bad = [(p.row, p.field) for p in problems(report) if p.item != "reconciliation"]
        results[name] = bad
    assert results["csv"] == [(7, "BilledCost")] and results["gzip"] == [(7, "BilledCost")]
    assert results["parquet"] == [(6, "BilledCost")]  # Parquet rows count from 1, no header
    # the three files are the same bill: each replaced the previous one
    assert sorted(r["billed_cost"] for r in cost_lines(app)) == [Decimal(i) for i in range(1, 6)]


def test_missing_mandatory_columns_refuse_the_file(app: App, tmp_path: Path) -> None:
    header = [h for h in HEADER if h not in ("ListCost", "ServiceName")]
    report = ingest_focus(app, write_focus(tmp_path / "bill.csv", [focus_row()], header))
    (problem,) = problems(report)
    assert report.results[0].status == "failed"
    assert "ListCost, ServiceName" in problem.reason and problem.field == "ListCost"
    assert cost_lines(app) == []


def test_partial_files_with_a_currency(app: App, tmp_path: Path) -> None:
    header = [
        "BillingPeriodStart",
        "BillingPeriodEnd",
        "ChargePeriodStart",
        "ChargePeriodEnd",
        "ChargeCategory",
        "BilledCost",
        "EffectiveCost",
        "ConsumedQuantity",
    ]
    path = write_focus(tmp_path / "scenario.csv", [focus_row(ConsumedQuantity="null")], header)
    refused = ingest_focus(app, path, partial=True)
    assert refused.results[0].status == "failed"
    assert "BillingCurrency" in problems(refused)[0].reason
    report = ingest_focus(app, path, partial=True, currency="EUR")
    assert report.results[0].status == "landed"
    assert [p.severity for p in problems(report)] == ["warning"]  # the absent columns
    (line,) = cost_lines(app)
    assert line["billing_currency"] == "EUR" and line["consumed_quantity"] is None


def test_reference_scenarios_read_with_partial(app: App, reference: Path) -> None:
    """The FOCUS specification's own scenario tables (partial on purpose): every file is read;
    ISO-8601 dates land, the SaaS examples' M/D/YY dates are rejected naming the column."""
    folder = reference / "focus" / "spec-scenarios"
    files = sorted(folder.rglob("*.csv"))
    assert len(files) >= 20
    report = ingest_focus(app, *files, partial=True, currency="USD")
    assert all(r.status == "landed" for r in report.results)
    assert cost_lines(app)
    dates = [p for p in problems(report) if p.field == "BillingPeriodStart"]
    assert dates and all("ISO-8601" in p.reason for p in dates)


def test_a_re_ingest_stops_as_soon_as_the_hash_shows_it_landed(
    app: App, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The file's SHA-256 is taken while it lands (issue 19 item 7); a re-ingest checks it
    between blocks and stops once it is known: no block is checked, nothing lands, and the
    earlier batch is reported, as when the hash was taken before parsing."""
    monkeypatch.setattr(blocks, "CSV_BLOCK", 4096)  # several blocks
    path = write_focus(tmp_path / "bill.csv", [focus_row(BilledCost=str(i)) for i in range(1, 40)])
    first = ingest_focus(app, path).results[0]
    assert (first.status, first.rows_accepted) == ("landed", 39)
    prepared: list[int] = []
    real = focus_ingest._prepare

    def counted(*args: Any) -> Any:
        prepared.append(1)
        return real(*args)

    def at_once(digest: BackgroundDigest) -> None:  # the hash known before the first block
        if not digest.done():
            digest._run()

    monkeypatch.setattr(focus_ingest, "_prepare", counted)
    monkeypatch.setattr(BackgroundDigest, "start", at_once)
    again = ingest_focus(app, path).results[0]
    assert (again.status, again.batch_id, again.rows_accepted) == ("unchanged", first.batch_id, 39)
    assert prepared == []
    assert len(cost_lines(app)) == 39
    forced = ingest_focus(app, path, force=True)  # --force: the key is known first, as before
    assert forced.results[0].status == "landed" and len(prepared) > 1
    assert len(cost_lines(app)) == 39
