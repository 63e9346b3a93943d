"""Small FOCUS files written by the tests, and helpers to ingest and read cost lines."""

from __future__ import annotations

import csv
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from leadline.context import App
from leadline.finops.focus import COLUMNS
from leadline.ingest.runner import IngestReport, run_ingest
from leadline.lake.engines import Lake

HEADER = [c.focus for c in COLUMNS]

BASE_ROW: dict[str, str] = {
    "BilledCost": "10.00",
    "EffectiveCost": "10.00",
    "ListCost": "12.00",
    "ContractedCost": "10.00",
    "BillingCurrency": "USD",
    "BillingAccountId": "acct-1",
    "BillingAccountName": "Main",
    "BillingPeriodStart": "2026-01-01T00:00:00Z",
    "BillingPeriodEnd": "2026-02-01T00:00:00Z",
    "ChargePeriodStart": "2026-01-05T00:00:00Z",
    "ChargePeriodEnd": "2026-01-06T00:00:00Z",
    "ChargeCategory": "Usage",
    "ChargeClass": "",
    "ChargeDescription": "VM hours",
    "ChargeFrequency": "Usage-Based",
    "PricingCategory": "Standard",
    "PricingQuantity": "24",
    "PricingUnit": "Hours",
    "ConsumedQuantity": "24",
    "ConsumedUnit": "Hours",
    "ListUnitPrice": "0.5",
    "ContractedUnitPrice": "0.416666666667",
    "ProviderName": "AWS",
    "PublisherName": "AWS",
    "InvoiceIssuerName": "AWS",
    "ServiceName": "Amazon EC2",
    "ServiceCategory": "Compute",
    "ServiceSubcategory": "",
    "SubAccountId": "111111111111",
    "SubAccountName": "payments-prod",
    "ResourceId": "i-0abc",
    "ResourceName": "api-1",
    "ResourceType": "Virtual Machine",
    "RegionId": "us-east-1",
    "RegionName": "US East (N. Virginia)",
    "AvailabilityZone": "us-east-1a",
    "SkuId": "SKU1",
    "SkuPriceId": "SKU1-P",
    "CommitmentDiscountId": "",
    "CommitmentDiscountName": "",
    "CommitmentDiscountType": "",
    "CommitmentDiscountCategory": "",
    "CommitmentDiscountStatus": "",
    "InvoiceId": "",
    "Tags": '{"team": "payments", "env": "prod"}',
}


def focus_row(**changes: str) -> dict[str, str]:
    return {**BASE_ROW, **changes}


def write_focus(
    path: Path,
    rows: Sequence[Mapping[str, str]],
    header: Sequence[str] | None = None,
) -> Path:
    columns = list(header or HEADER)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: row.get(k, "") for k in columns})
    return path


def ingest_focus(app: App, *paths: Path, **options: Any) -> IngestReport:
    return run_ingest(
        "focus", list(paths), settings=app.settings, store=app.store, options=options or None
    )


def cost_lines(app: App) -> list[dict[str, Any]]:
    lake = Lake(app.settings, app.store)
    rows = lake.execute(lake.table("cost_lines")).to_pylist()
    return sorted(rows, key=lambda r: (r["file"], r["line"]))


def problems(report: IngestReport) -> list[Any]:
    return [p for r in report.results for p in r.problems]


RULES = """
apiVersion: leadline.io/v1
kind: AllocationRules
metadata: {name: test-rules}
spec:
  rules:
    - name: payments-tag
      match: {tags: {team: payments}}
      to: {team: payments}
    - name: browse-tag
      match: {tags: {team: "brow*"}}
      to: {team: browse}
    - name: api-account
      match: {sub_account_id: "1111*", tags_missing: [team]}
      to: {service: api}
    - name: untagged
      match: {tags_missing: [team]}
      shared: platform
  shared:
    - name: platform
      split: {split}
{extra}
  rates:
    towers: {Compute: 1.05}
"""


def rules_yaml(split: str = "proportional", extra: str = "") -> str:
    return RULES.replace("{split}", split).replace("{extra}", extra)


def ingest_rules(app: App, tmp_path: Path, text: str) -> IngestReport:
    path = tmp_path / f"rules-{abs(hash(text))}.yaml"
    path.write_text(text, encoding="utf-8")
    return run_ingest("allocation-rules", [path], settings=app.settings, store=app.store)


def scenario_rows() -> list[dict[str, str]]:
    """January 2026 in USD: payments-tagged 100, browse-tagged 50, account 1111 untagged 30
    (service api, owned by payments), untagged elsewhere 40 (shared), a legacy tag 10 that no
    rule matches."""
    return [
        focus_row(EffectiveCost="100.00", Tags='{"team": "payments"}'),
        focus_row(EffectiveCost="50.00", Tags='{"team": "browse"}'),
        focus_row(EffectiveCost="30.00", SubAccountId="111122223333", Tags=""),
        focus_row(EffectiveCost="40.00", SubAccountId="999", Tags='{"env": "prod"}'),
        focus_row(EffectiveCost="10.00", Tags='{"team": "legacy"}'),
    ]
