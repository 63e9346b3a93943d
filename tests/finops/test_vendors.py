"""The vendor register: vendors-csv and contracts-csv (rejects, unknown-vendor warning, upsert)
and ``leadline finops vendors`` on hand-computed contracts — spend matched by name or alias in
any of provider, publisher and invoice issuer (ledger vendors too), in the contract currency and
period, commitment, run-rate projection, renewal and notice flags."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from leadline.cli import app as cli
from leadline.context import App
from leadline.finops.vendor_models import Contract, Vendor
from leadline.finops.vendors import vendors_report
from leadline.ingest.runner import IngestReport, run_ingest
from tests.finops.support_finops import focus_row, ingest_focus, problems, write_focus

AT = dt.date(2026, 1, 26)
VENDORS = """\
name,aliases,owner,category
Amazon Web Services,AWS; Amazon Web Services EMEA;aws,alice,Cloud
Datadog,,bob,SaaS
datadog,,carol,SaaS
"""
CONTRACTS = """\
contract,vendor,owner,start,end,renewal_date,notice_days,committed,currency,period,sla_refs
aws-edp,Amazon Web Services,,2026-01-01,2026-12-31,,60,1200,USD,annual,AWS SLA
aws-support,amazon web services,dan,2025-02-01,2026-01-31,,30,100,USD,total,
datadog-2025,Datadog,,2025-03-01,2026-02-28,2026-03-01,30,5000,USD,total,
acme-consulting,Acme,erin,2025-06-01,2025-12-31,2026-01-01,30,,USD,,
bad-term,Datadog,,2026-02-01,2026-01-01,,,,USD,,
bad-currency,Datadog,,2026-01-01,2026-12-31,,,,EURO,,
bad-period,Datadog,,2026-01-01,2026-12-31,,,,USD,monthly,
"""


def ingest(app: App, source: str, path: Path, text: str) -> IngestReport:
    path.write_text(text, encoding="utf-8")
    return run_ingest(source, [path], settings=app.settings, store=app.store)


def day_line(day: int, cost: str, **changes: str) -> dict[str, str]:
    start = dt.datetime(2026, 1, day)
    return focus_row(
        EffectiveCost=cost,
        ChargePeriodStart=f"{start:%Y-%m-%d}T00:00:00Z",
        ChargePeriodEnd=f"{start + dt.timedelta(days=1):%Y-%m-%d}T00:00:00Z",
        **changes,
    )


@pytest.fixture
def register_app(any_app: App, tmp_path: Path) -> App:
    return build_register(any_app, tmp_path)


def build_register(any_app: App, tmp_path: Path) -> App:
    """AWS 10 a day on 1-28 January (ProviderName AWS), a marketplace line published by
    "amazon web services emea" (5, 10 January), an AWS line in EUR (ignored: other currency),
    a Datadog ledger line of 300 for January."""
    rows = [day_line(d, "10") for d in range(1, 29)]
    rows.append(
        day_line(
            10,
            "5",
            ProviderName="Marketplace",
            PublisherName="amazon web services emea",
            InvoiceIssuerName="Marketplace",
        )
    )
    rows.append(day_line(3, "999", BillingCurrency="EUR", BillingAccountId="eu"))
    assert ingest_focus(any_app, write_focus(tmp_path / "aws.csv", rows)).exit_code == 0
    ledger = ingest(
        any_app,
        "ledger-csv",
        tmp_path / "ledger.csv",
        "month,gl_account,amount,currency,vendor\n2026-01-01,6200-saas,300,USD,Datadog\n"
        "2026-01-01,6300-rent,800,USD,Landlord\n",
    )
    assert ledger.exit_code == 0
    assert ingest(any_app, "vendors-csv", tmp_path / "vendors.csv", VENDORS).exit_code != 0
    assert ingest(any_app, "contracts-csv", tmp_path / "contracts.csv", CONTRACTS).exit_code != 0
    return any_app


def by_contract(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["contract"]: c for c in data["contracts"]}


def test_sources_reject_and_warn(register_app: App, tmp_path: Path) -> None:
    with register_app.store.session() as session:
        vendors = {v.name: (v.aliases, v.owner) for v in session.scalars(select(Vendor))}
        contracts = sorted(session.scalars(select(Contract.name)))
    assert vendors == {
        "Amazon Web Services": (["AWS", "Amazon Web Services EMEA"], "alice"),
        "Datadog": ([], "bob"),
    }
    assert contracts == ["acme-consulting", "aws-edp", "aws-support", "datadog-2025"]
    report = ingest(register_app, "contracts-csv", tmp_path / "again.csv", CONTRACTS)
    found = {(p.row, p.field, p.severity) for p in problems(report)}
    assert found == {
        (6, "end", "error"),
        (7, "currency", "error"),
        (8, "period", "error"),
        (5, "vendor", "warning"),
    }
    vendor_report = ingest(register_app, "vendors-csv", tmp_path / "v2.csv", VENDORS)
    assert {(p.row, p.field) for p in problems(vendor_report)} == {(4, "name")}


def test_spend_commitment_projection_and_flags(register_app: App) -> None:
    data = vendors_report(register_app, at=AT)
    contracts = by_contract(data)
    edp = contracts["aws-edp"]
    # 1-25 January at 10 + 5 via the publisher alias; 26 January onwards is after --at
    assert (edp["spend_to_date"], edp["lines"], edp["days_elapsed"]) == ("255.00", 26, 25)
    assert edp["term_commitment"] == "1200.00" and edp["committed"] == "1200.00"
    assert edp["projected_spend"] == "3723.00"  # 255 × 365 / 25
    assert edp["commitment_used"] == pytest.approx(255 / 1200, abs=1e-6)
    assert (edp["renewal_date"], edp["notice_deadline"]) == ("2027-01-01", "2026-11-02")
    assert edp["flags"] == [] and edp["owner"] == "alice" and edp["status"] == "active"
    support = contracts["aws-support"]
    assert support["flags"] == ["renewal_within_90_days", "notice_deadline_passed"]
    assert support["projected_spend"] == "259.26"  # 255 × 365 / 359
    datadog = contracts["datadog-2025"]
    assert (datadog["spend_to_date"], datadog["days_elapsed"], datadog["term_days"]) == (
        "300.00",
        331,
        365,
    )
    assert datadog["projected_spend"] == "330.82"  # 300 × 365 / 331
    assert datadog["flags"] == [
        "renewal_within_90_days",
        "notice_deadline_within_30_days",
        "under_consumption_risk",
    ]
    acme = contracts["acme-consulting"]
    assert (acme["status"], acme["spend_to_date"], acme["committed"], acme["flags"]) == (
        "ended",
        "0.00",
        None,
        [],
    )
    assert acme["commitment_used"] is None
    assert {v["vendor"]: v["contracts"] for v in data["vendors"]} == {
        "Amazon Web Services": 2,
        "Datadog": 1,
    }


def test_annual_commitment_over_a_longer_term(register_app: App, tmp_path: Path) -> None:
    """Upsert: aws-edp becomes a two-year term (730 days) at 1200 a year → 2400."""
    text = (
        "contract,vendor,start,end,committed,currency,period\n"
        "aws-edp,AWS,2026-01-01,2027-12-31,1200,USD,annual\n"
    )
    assert ingest(register_app, "contracts-csv", tmp_path / "edp.csv", text).exit_code == 0
    edp = by_contract(vendors_report(register_app, at=dt.date(2026, 1, 2)))["aws-edp"]
    assert (edp["term_commitment"], edp["spend_to_date"], edp["days_elapsed"]) == (
        "2400.00",
        "10.00",
        1,
    )
    assert edp["projected_spend"] == "7300.00"  # 10 × 730
    before = by_contract(vendors_report(register_app, at=dt.date(2025, 12, 1)))["aws-edp"]
    assert (before["status"], before["projected_spend"], before["days_elapsed"]) == (
        "not started",
        None,
        0,
    )


def test_vendors_cli(app: App, tmp_path: Path) -> None:
    """The CLI on the SQLite store of its home (--home)."""
    register_app = build_register(app, tmp_path)
    home = str(register_app.settings.home)
    args = ["--home", home, "finops", "vendors", "--at", "2026-01-26"]
    result = CliRunner().invoke(cli, [*args, "--format", "json"])
    assert result.exit_code == 0, result.output
    assert by_contract(json.loads(result.output))["aws-edp"]["spend_to_date"] == "255.00"
    table = CliRunner().invoke(cli, [*args, "--format", "csv"])
    assert table.exit_code == 0
    rows = {r["contract"]: r for r in csv.DictReader(io.StringIO(table.output))}
    datadog = rows["datadog-2025"]  # the FinOps vendors page's CSV: the same report
    assert (datadog["spend"], datadog["committed"], datadog["projected"]) == (
        "300.00",
        "5000.00",
        "330.82",
    )
    assert (datadog["renewal"], datadog["currency"]) == ("2026-03-01", "USD")
    bad = CliRunner().invoke(cli, ["--home", home, "finops", "vendors", "--at", "soon"])
    assert bad.exit_code != 0
