"""Helpers of the strategy tests: YAML files, ingest, a small catalog with delivery facts."""

from __future__ import annotations

import textwrap
from pathlib import Path

from leadline.context import App
from leadline.ingest.runner import IngestReport, run_ingest

CATALOG = """
apiVersion: leadline.io/v1
kind: Catalog
organisations:
  - name: northwind
business_units:
  - name: retail
    organisation: northwind
value_streams:
  - name: checkout
    business_unit: retail
  - name: fulfilment
    business_unit: retail
teams:
  - name: shop
    business_unit: retail
    value_stream: checkout
services:
  - name: api
    owner: shop
    value_stream: checkout
  - name: web
    owner: shop
    value_stream: checkout
"""
# Three changes of service api: lead times 12 h, 24 h and 36 h (p50 = 24 h) in 2026Q1.
DEPLOYMENTS = """deployment_id,service,environment,status,finished_at
d1,api,production,success,2026-03-05T12:00:00Z
d2,api,production,success,2026-03-10T00:00:00Z
"""
CHANGES = """change_id,service,committed_at,deployment_id
c1,api,2026-03-05T00:00:00Z,d1
c2,api,2026-03-09T00:00:00Z,d2
c3,api,2026-03-08T12:00:00Z,d2
"""


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path


def ingest(app: App, source: str, path: Path) -> IngestReport:
    return run_ingest(source, [path], settings=app.settings, store=app.store)


def land_delivery(app: App, root: Path) -> None:
    """The catalog above and its delivery facts, through the real sources."""
    for source, name, text in (
        ("catalog-yaml", "catalog.yaml", CATALOG),
        ("deployments-csv", "deployments.csv", DEPLOYMENTS),
        ("changes-csv", "changes.csv", CHANGES),
    ):
        report = ingest(app, source, write(root / name, text))
        assert all(r.status == "landed" for r in report.results), report


def objective(
    name: str,
    key_results: str,
    *,
    quarter: str = "2026Q1",
    scope: str = "team: shop",
    extra: str = "",
) -> str:
    """One Objective document; ``key_results`` is the indented YAML list."""
    return (
        "apiVersion: leadline.io/v1\nkind: Objective\n"
        f"metadata:\n  name: {name}\n  title: {name} title\n"
        f"spec:\n  quarter: {quarter}\n  {scope}\n{extra}  key_results:\n"
        + textwrap.indent(textwrap.dedent(key_results).strip(), "    ")
        + "\n"
    )
