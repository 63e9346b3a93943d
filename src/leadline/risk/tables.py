"""The risk pillar's reports as people and spreadsheets read them: each one
:class:`~leadline.present.Report`, built from the JSON document of its command, which the CLI
prints as a table or CSV and the Risk pages show (their "Download CSV" is the same bytes)."""

from __future__ import annotations

import json
from typing import Any

from leadline.present.model import Column, Report, humanise
from leadline.risk.rows import LIST_SEPARATOR

# The risks-csv columns first (so the register's CSV re-imports with ``leadline ingest
# risks-csv``), then what the register derives (ignored on import: extra columns are kept).
REGISTER_COLUMNS = (
    Column("risk_id", "Risk", "name"),
    Column("title", "Title"),
    Column("description", "Description", shown=False),
    Column("owner", "Owner", "name"),
    Column("category", "Category", shown=False),
    Column("status", "Status", "label"),
    Column("csf_subcategories", "CSF subcategories", shown=False),
    Column("cobit_objectives", "COBIT objectives", shown=False),
    Column("services", "Services", shown=False),
    Column("teams", "Teams", shown=False),
    Column("likelihood", "Likelihood", "count", shown=False),
    Column("impact", "Impact", "count", shown=False),
    Column("residual_likelihood", "Residual likelihood", "count", shown=False),
    Column("residual_impact", "Residual impact", "count", shown=False),
    Column("treatment", "Treatment", "label"),
    Column("actions", "Actions", shown=False),
    Column("review_every_days", "Review every (days)", "count", shown=False),
    Column("identified_on", "Identified", "date", shown=False),
    Column("last_reviewed_on", "Last reviewed", "date", shown=False),
    Column("closed_on", "Closed", "date", shown=False),
    Column("csf_functions", "CSF functions"),
    Column("inherent_score", "Inherent score", "count", shown=False),
    Column("inherent_rating", "Inherent", "label"),
    Column("residual_score", "Residual score", "count"),
    Column("residual_rating", "Residual", "label"),
    Column("actions_open", "Open actions", "count", shown=False),
    Column("actions_overdue", "Overdue actions", "count", shown=False),
    Column("next_review_on", "Next review", "date"),
    Column("review_overdue", "Review overdue", "bool"),
)
LISTS = ("csf_subcategories", "cobit_objectives", "services", "teams", "csf_functions")


def _register_row(risk: dict[str, Any]) -> dict[str, Any]:
    row = {c.key: risk.get(c.key) for c in REGISTER_COLUMNS}
    for key in LISTS:
        row[key] = LIST_SEPARATOR.join(risk.get(key) or []) or None
    actions = risk.get("actions")
    row["actions"] = json.dumps(actions, sort_keys=True) if actions else None
    return row


def risk_register_report(document: dict[str, Any]) -> Report:
    """One row per risk of the register (``leadline risk register``), by residual score.

    CSV columns: the ``risks-csv`` columns (risk_id, title, description, owner, category,
    status, csf_subcategories, cobit_objectives, services, teams, likelihood, impact,
    residual_likelihood, residual_impact, treatment, actions, review_every_days,
    identified_on, last_reviewed_on, closed_on; lists separated by ``;``, actions as JSON),
    then csf_functions, inherent_score, inherent_rating, residual_score, residual_rating,
    actions_open, actions_overdue, next_review_on, review_overdue."""
    ratings = document.get("by_rating") or {}
    notes = [
        "Open risks by residual rating: "
        + ", ".join(f"{humanise(k).lower()} {v}" for k, v in ratings.items())
        + f"; overdue reviews: {len(document.get('overdue_reviews') or [])}."
    ]
    return Report(
        "register",
        "Risk register",
        list(REGISTER_COLUMNS),
        [_register_row(r) for r in document["risks"]],
        window=f"on {document['at']}",
        notes=notes,
    )


def compliance_coverage_report(document: dict[str, Any]) -> Report:
    """Policy compliance coverage per group (``leadline risk compliance --by B``). CSV
    columns: key, in_scope, passing, coverage (passing ÷ in scope, a ratio: 0.8 is 80 %)."""
    by = str(document.get("by") or "business-unit")
    coverage = document.get("coverage")
    shown = "n/a" if coverage is None else f"{100 * float(coverage):,.1f} %"
    notes = [
        f"Overall {shown}: {document['passing']} of {document['in_scope']} pairs pass; "
        f"{len(document.get('missing') or [])} missing."
    ]
    return Report(
        "compliance",
        f"Policy compliance coverage by {humanise(by).lower()}",
        [
            Column("key", humanise(by), "name"),
            Column("in_scope", "In scope", "count"),
            Column("passing", "Passing", "count"),
            Column("coverage", "Coverage", "ratio"),
        ],
        list(document["groups"]),
        window=f"on {document['at']}",
        notes=notes,
    )


def missing_evidence_report(document: dict[str, Any]) -> Report:
    """The (control, service) pairs without passing evidence (``--missing``)."""
    return Report(
        "missing",
        "Missing evidence",
        [
            Column("control", "Control", "name"),
            Column("service", "Service", "name"),
            Column("team", "Team", "name"),
            Column("business_unit", "Business unit", "name"),
            Column("reason", "Reason"),
        ],
        list(document["missing"]),
        window=f"on {document['at']}",
    )


def profiles_report(profiles: list[dict[str, Any]]) -> Report:
    """Every CSF profile with its coverage and gaps (``leadline risk csf``)."""
    return Report(
        "profiles",
        "CSF profiles",
        [
            Column("profile", "Profile", "name"),
            Column("business_unit", "Business unit", "name"),
            Column("last_assessed_on", "Last assessed", "date"),
            Column("assessed", "Assessed", "count"),
            Column("gaps", "Gaps", "count"),
            Column("avg_current_tier", "Mean current tier", "score", digits=2),
            Column("avg_target_tier", "Mean target tier", "score", digits=2),
        ],
        profiles,
    )


def csf_rows_report(document: dict[str, Any]) -> Report:
    """One profile's subcategories (``leadline risk csf --profile P --format csv``)."""
    return Report(
        "csf_rows",
        f"Subcategories of {document['profile']}",
        [
            Column("subcategory", "Subcategory", "name"),
            Column("function", "Function", "name"),
            Column("category", "Category", "name", shown=False),
            Column("summary", "Summary", shown=False),
            Column("current_status", "Current status", "label"),
            Column("current_tier", "Current tier", "count"),
            Column("target_status", "Target status", "label"),
            Column("target_tier", "Target tier", "count"),
            Column("tier_gap", "Tier gap", "count"),
            Column("status_gap", "Status gap", "count"),
            Column("owner", "Owner", "name", shown=False),
            Column("evidence", "Evidence", shown=False),
            Column("notes", "Notes", shown=False),
            Column("assessed_on", "Assessed", "date"),
        ],
        list(document["rows"]),
        window=f"on {document['at']}",
    )
