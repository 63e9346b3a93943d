"""FOCUS 1.3 (issue 19 item 4): ServiceProviderName stands for the deprecated ProviderName, the
new columns land typed, and showback uses the provider's split cost allocation: a shared
cluster's allocated charges go to the teams their allocated resources' tags (AllocatedTags) or
ids (AllocatedResourceId) name."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from leadline.context import App
from leadline.finops import report
from leadline.finops.focus import COLUMNS
from tests.delivery.support_metrics import load_catalog
from tests.finops.support_finops import (
    cost_lines,
    focus_row,
    ingest_focus,
    ingest_rules,
    problems,
    write_focus,
)

# a 1.3 export: ServiceProviderName instead of ProviderName
HEADER_13 = [c.focus for c in COLUMNS if c.focus != "ProviderName"]
RULES = """
apiVersion: leadline.io/v1
kind: AllocationRules
metadata: {name: split}
spec:
  rules:
    - name: payments-tag
      match: {tags: {team: payments}}
      to: {team: payments}
    - name: browse-tag
      match: {tags: {team: browse}}
      to: {team: browse}
    - name: pod-c
      match: {resource_id: "pod-c"}
      to: {team: payments}
"""


def split_row(cost: str, pod: str, tags: str, **changes: str) -> dict[str, str]:
    """An allocated charge of the shared cluster ``eks-1`` (origin Tags: env=prod)."""
    return focus_row(
        EffectiveCost=cost,
        BilledCost=cost,
        ServiceProviderName="AWS",
        HostProviderName="AWS",
        ResourceId="eks-1",
        Tags='{"env": "prod"}',
        AllocatedMethodId="aws-eks-cpu-memory",
        AllocatedMethodDetails='{"Elements": [{"AllocatedRatio": 0.6, "UsageUnit": "vCPU"}]}',
        AllocatedResourceId=pod,
        AllocatedResourceName=pod,
        AllocatedTags=tags,
        **changes,
    )


def test_split_cost_allocation_drives_showback(app: App, tmp_path: Path) -> None:
    """The cluster's 100.00 is split by the provider 60 / 30 / 10 among pods a, b and c: pod a
    is tagged team=payments, pod b team=browse, pod c untagged (a rule names it). A plain line
    of 5.00 tagged team=browse. Showback: payments 60 + 10 = 70.00, browse 30 + 5 = 35.00,
    nothing unallocated, total 105.00. Without split cost the cluster (tagged only env=prod)
    would be all unallocated."""
    load_catalog(app, tmp_path)
    rows = [
        split_row("60.00", "pod-a", '{"team": "payments"}'),
        split_row("30.00", "pod-b", '{"team": "browse"}'),
        split_row("10.00", "pod-c", ""),
        focus_row(EffectiveCost="5.00", ServiceProviderName="AWS", Tags='{"team": "browse"}'),
    ]
    report_ = ingest_focus(app, write_focus(tmp_path / "split.csv", rows, HEADER_13))
    assert report_.exit_code == 0, [p.describe() for p in problems(report_)]
    lines = cost_lines(app)
    assert {r["focus_version"] for r in lines} == {"1.3"}
    first = lines[0]
    assert first["provider"] == "AWS" and first["service_provider"] == "AWS"
    assert first["host_provider"] == "AWS"
    assert first["allocated_tags"] == [("team", "payments")]
    assert first["tags"] == [("env", "prod")]
    assert first["allocated_resource_id"] == "pod-a" and first["resource_id"] == "eks-1"
    assert json.loads(first["allocated_method_details"])["Elements"][0]["AllocatedRatio"] == 0.6
    ingest_rules(app, tmp_path, RULES)
    data = report.showback(app, "2026-01")
    costs = {g["key"]: g["cost"] for g in data["groups"]}
    assert costs == {"payments": "70.00", "browse": "35.00", "unallocated": "0.00"}
    assert data["total"] == "105.00"
    detail = report.line_detail(app, "2026-01", rule="pod-c")
    assert [(r["resource_id"], Decimal(r["cost"])) for r in detail["lines"]] == [
        ("pod-c", Decimal("10.00"))
    ]


def test_new_columns_are_checked_as_warnings(app: App, tmp_path: Path) -> None:
    rows = [
        split_row("1.00", "pod-a", "[1, 2]", ContractApplied="{not json"),
        split_row("2.00", "pod-b", '{"team": "browse"}', CapacityReservationStatus="unused"),
    ]
    report_ = ingest_focus(app, write_focus(tmp_path / "bad.csv", rows, HEADER_13))
    assert report_.totals()["rows_rejected"] == 0
    warned = sorted((p.row, p.field) for p in problems(report_) if p.severity == "warning")
    assert warned == [(2, "AllocatedTags"), (2, "ContractApplied")]
    first, second = cost_lines(app)
    assert first["allocated_tags"] is None
    assert json.loads(first["verbatim"]) == {"AllocatedTags": "[1, 2]"}
    assert first["contract_applied"] == "{not json"  # kept as given, with its warning
    assert second["capacity_reservation_status"] == "Unused"  # FOCUS's spelling


def test_allocated_resource_tags_is_read_as_allocated_tags(app: App, tmp_path: Path) -> None:
    header = [("AllocatedResourceTags" if h == "AllocatedTags" else h) for h in HEADER_13]
    row = split_row("1.00", "pod-a", "")
    row["AllocatedResourceTags"] = '{"team": "search"}'
    assert ingest_focus(app, write_focus(tmp_path / "alias.csv", [row], header)).exit_code == 0
    (line,) = cost_lines(app)
    assert line["allocated_tags"] == [("team", "search")]
