"""A small organisation for scorecard tests: the delivery tests' catalog and a few
deployments in February and March 2026, hand-counted."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from leadline.context import App
from tests.delivery.support_metrics import DEPLOYMENTS_HEADER, ingest, load_catalog, write_csv

NOW = dt.datetime(2026, 4, 15)
# March (31 days): payments 4 (api 3, web 1), browse 1 -> organisation 5.
# February (28 days): payments 1, browse 1 -> organisation 2.
DEPLOYMENTS = [
    "a1,api,production,success,2026-03-03T12:00:00Z,a,",
    "a2,api,production,success,2026-03-10T12:00:00Z,b,",
    "a3,api,production,success,2026-03-20T12:00:00Z,c,",
    "w1,web,production,success,2026-03-04T08:00:00Z,d,",
    "s1,search,production,success,2026-03-05T08:00:00Z,e,",
    "a0,api,production,success,2026-02-02T08:00:00Z,f,",
    "s0,search,production,success,2026-02-10T08:00:00Z,g,",
    "x1,api,staging,success,2026-03-06T08:00:00Z,h,",  # not production: not counted
]


def build(app: App, tmp_path: Path) -> None:
    load_catalog(app, tmp_path)
    report = ingest(
        app, "deployments-csv", write_csv(tmp_path / "d.csv", DEPLOYMENTS_HEADER, DEPLOYMENTS)
    )
    assert report.exit_code == 0


def kpi(document: dict, scope: str, key: str) -> dict:  # type: ignore[type-arg]
    found = next(s for s in document["scopes"] if s["scope"] == scope)
    return next(k for k in found["kpis"] if k["kpi"] == key)
