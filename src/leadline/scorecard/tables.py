"""The balanced scorecard as people and spreadsheets read it: one
:class:`~leadline.present.Report` built from the ``leadline scorecard --format json`` document,
which the CLI prints as a table or CSV, ``/api/v1/scorecard?format=csv`` answers and the home
page shows (its "Download CSV" is the same bytes for the same scopes)."""

from __future__ import annotations

from typing import Any

from leadline.present.model import Column, Report
from leadline.scorecard.core import ROW_COLUMNS
from leadline.semantic.query import value_kind


def _value(key: str, title: str) -> Column:
    return Column(key, title, "number", currency="@_currency", unit="@_unit", kind_from="_kind")


COLUMNS = (
    Column("scope_kind", "Scope kind", "label", shown=False),
    Column("scope", "Scope", "name"),
    Column("group", "Group", "label"),
    Column("kpi", "KPI id", "name", shown=False),
    Column("name", "KPI"),
    _value("value", "Value"),
    Column("unit", "Unit", shown=False),  # in the values' text
    _value("target", "Target"),
    Column("status", "Status", "label"),
    _value("previous", "Previous"),
    Column("trend", "Trend", "label"),
    Column("owner", "Owner", "name"),
)
assert tuple(c.key for c in COLUMNS) == ROW_COLUMNS  # the CSV and Parquet columns


def scorecard_report(document: dict[str, Any], scope: str | None = None) -> Report:
    """One row per scope and KPI (only ``scope``'s with one). CSV columns: scope_kind, scope,
    group, kpi, name, value, unit, target, status (green, amber, red, grey), previous, trend
    (better, worse, flat), owner; values in the KPI's unit (percentages in points)."""
    rows = [
        {
            **{c: kpi.get(c) for c in ROW_COLUMNS},
            "scope_kind": s["scope_kind"],
            "scope": s["scope"],
            **value_kind(kpi.get("metric"), kpi.get("unit")),
        }
        for s in document["scopes"]
        if scope is None or s["scope"] == scope
        for kpi in s["kpis"]
    ]
    summary = document.get("summary") or {}
    notes = [", ".join(f"{n} {status}" for status, n in summary.items())] if summary else []
    return Report(
        "scorecard",
        f"Balanced scorecard {document['period']} by {document['by']}",
        list(COLUMNS),
        rows,
        window=f"trend against {document['previous_period']}",
        notes=notes,
    )
