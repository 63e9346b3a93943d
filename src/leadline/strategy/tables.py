"""OKRs and the 90-day plan as people and spreadsheets read them: each one
:class:`~leadline.present.Report`, built from the JSON document of ``leadline okr`` or
``leadline plan``, which the CLI prints as a table or CSV and the Strategy page shows (its
"Download CSV" is the same bytes)."""

from __future__ import annotations

from typing import Any

from leadline.present.model import Column, Report
from leadline.semantic.query import value_kind


def value_column(key: str, title: str) -> Column:
    """A column of values in each row's own unit (``value_kind``'s hidden fields)."""
    return Column(key, title, "number", currency="@_currency", unit="@_unit", kind_from="_kind")


OKR_COLUMNS = (
    Column("objective", "Objective id", "name", shown=False),
    Column("objective_title", "Objective"),
    Column("quarter", "Quarter"),
    Column("scope_kind", "Scope kind", "label", shown=False),
    Column("scope", "Scope", "name"),
    Column("key_result", "Key result id", "name", shown=False),
    Column("title", "Key result"),
    Column("unit", "Unit", shown=False),
    value_column("baseline", "Baseline"),
    value_column("target", "Target"),
    value_column("current", "Current"),
    Column("source", "Source", "label", shown=False),
    Column("metric", "Metric", "name", shown=False),
    Column("confidence", "Confidence", "number", digits=1),
    Column("score", "Score", "score", digits=2),
    Column("grade", "Grade", "label", shown=False),
    Column("objective_score", "Objective score", "score", digits=2),
)


def okr_table_report(document: dict[str, Any]) -> Report:
    """One row per key result of ``leadline okr``. CSV columns: objective, objective_title,
    quarter, scope_kind, scope, key_result (OBJECTIVE/KEY-RESULT), title, unit, baseline,
    target, current (in the key result's unit; percentages in points), source, metric,
    confidence, score (0.0-1.0), grade, objective_score."""
    rows = [
        {
            "objective": o["name"],
            "objective_title": o.get("title") or o["name"],
            "quarter": o.get("quarter"),
            "scope_kind": o.get("scope_kind"),
            "scope": o.get("scope"),
            "key_result": k["name"],
            "title": k.get("title") or k["name"],
            "unit": k.get("unit"),
            "baseline": k.get("baseline"),
            "target": k.get("target"),
            "current": k.get("current"),
            "source": k.get("source"),
            "metric": k.get("metric"),
            "confidence": k.get("confidence"),
            "score": k.get("score"),
            "grade": k.get("grade"),
            "objective_score": o.get("score"),
            **value_kind(k.get("metric"), k.get("unit")),
        }
        for o in document["objectives"]
        for k in o.get("key_results", [])
    ]
    quarter = document.get("quarter")
    return Report(
        "key_results",
        "OKRs",
        list(OKR_COLUMNS),
        rows,
        window=str(quarter) if quarter else None,
        notes=["Scores run from 0.0 to 1.0; 0.7 is a good result for a stretch goal."],
    )


PLAN_COLUMNS = (
    Column("key", "Item", "name"),
    Column("phase", "Phase", "name"),
    Column("title", "Action"),
    Column("owner", "Owner", "name"),
    Column("due", "Due", "date"),
    Column("status", "Status", "label"),
    Column("met", "Met", "bool"),
    Column("overdue", "Overdue", "bool"),
    Column("evidence", "Evidence"),
    Column("rule", "Evidence rule", "name", shown=False),
    Column("automatic_evidence", "Automatic evidence"),
)


def plan_table_report(document: dict[str, Any]) -> Report:
    """One row per item of ``leadline plan``. CSV columns: key, phase, title, owner, due,
    status, met, overdue, evidence, rule, automatic_evidence (what the rule found)."""
    rows = [
        {
            **{c.key: i.get(c.key) for c in PLAN_COLUMNS},
            "rule": (i.get("automatic_evidence") or {}).get("rule"),
            "automatic_evidence": (i.get("automatic_evidence") or {}).get("detail"),
        }
        for i in document["items"]
    ]
    window = None
    if "plan" in document:
        window = (
            f"{document['plan']}: day {document['day']} since {document['started_on']}; "
            f"{document['met']} of {len(document['items'])} met, {document['overdue']} overdue"
        )
    return Report("plan", "90-day plan", list(PLAN_COLUMNS), rows, window=window)
