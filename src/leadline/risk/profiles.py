"""CSF 2.0 organisational profiles: current and target per subcategory, gap analysis, a heat map
by function and category, and progress between two dates.

A profile (one per business unit, or the whole organisation) is the set of its assessment rows;
each row is dated (``assessed_on``), so the profile *as of* a date takes, per subcategory, the
latest row assessed on or before it. Gaps: ``tier_gap = max(0, target_tier - current_tier)``
(tiers 1 Partial .. 4 Adaptive) and ``status_gap = max(0, rank(target_status) -
rank(current_status))`` with ranks not_implemented 0, partially 1, largely 2, implemented 3.
A subcategory ``not_applicable`` in its current status has no gap.
"""

from __future__ import annotations

import datetime as dt
from statistics import fmean
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from leadline.risk.frameworks import csf
from leadline.risk.models import CsfAssessment

STATUSES = (
    "not_implemented",
    "partially_implemented",
    "largely_implemented",
    "implemented",
    "not_applicable",
)
STATUS_RANK = {s: i for i, s in enumerate(STATUSES[:4])}
TIERS = ("Partial", "Risk Informed", "Repeatable", "Adaptive")


def tier_number(value: str) -> int:
    """``"2"`` or ``"Risk Informed"`` -> 2 (case-insensitive); ValueError otherwise."""
    text = value.strip()
    if text in ("1", "2", "3", "4"):
        return int(text)
    names = [t.lower() for t in TIERS]
    if text.lower() in names:
        return names.index(text.lower()) + 1
    raise ValueError(f"must be a CSF tier: 1-4 or {', '.join(TIERS)}")


def gaps(row: CsfAssessment) -> tuple[int, int]:
    if row.current_status == "not_applicable":
        return 0, 0
    tier_gap = max(0, row.target_tier - row.current_tier)
    status_gap = max(0, STATUS_RANK.get(row.target_status, 0) - STATUS_RANK[row.current_status])
    return tier_gap, status_gap


def profile_as_of(session: Session, profile: str, at: dt.date) -> dict[str, CsfAssessment]:
    """Per subcategory, the latest row of ``profile`` assessed on or before ``at``."""
    query = (
        select(CsfAssessment)
        .where(CsfAssessment.profile == profile, CsfAssessment.assessed_on <= at)
        .order_by(CsfAssessment.assessed_on)
    )
    return {row.subcategory: row for row in session.scalars(query)}


def _row(row: CsfAssessment) -> dict[str, Any]:
    index = csf()
    tier_gap, status_gap = gaps(row)
    category = index.ancestor(row.subcategory, "category")
    return {
        "subcategory": row.subcategory,
        "function": category.parent if category else None,
        "category": category.id if category else None,
        "summary": index.nodes[row.subcategory].summary,
        "current_status": row.current_status,
        "current_tier": row.current_tier,
        "target_status": row.target_status,
        "target_tier": row.target_tier,
        "tier_gap": tier_gap,
        "status_gap": status_gap,
        "owner": row.owner,
        "evidence": row.evidence,
        "notes": row.notes,
        "assessed_on": row.assessed_on,
    }


def _cells(rows: list[dict[str, Any]], level: str) -> list[dict[str, Any]]:
    """Heat map data: per function or category, average tiers and the count of gaps."""
    out = []
    for node in csf().at_level(level):
        members = [
            r for r in rows if r[level] == node.id and r["current_status"] != "not_applicable"
        ]
        out.append(
            {
                level: node.id,
                "name": node.name,
                "assessed": len(members),
                "avg_current_tier": _mean([r["current_tier"] for r in members]),
                "avg_target_tier": _mean([r["target_tier"] for r in members]),
                "gaps": sum(1 for r in members if r["tier_gap"] or r["status_gap"]),
            }
        )
    return out


def _mean(values: list[int]) -> float | None:
    return round(fmean(values), 2) if values else None


def profile_report(
    session: Session, profile: str, at: dt.date, compare: dt.date | None = None
) -> dict[str, Any]:
    """``leadline risk csf --profile P --format json``: gap rows, heat map and (with
    ``compare``) progress since an earlier date."""
    current = profile_as_of(session, profile, at)
    rows = sorted((_row(r) for r in current.values()), key=lambda r: r["subcategory"])
    units = {r.business_unit for r in current.values() if r.business_unit}
    report: dict[str, Any] = {
        "profile": profile,
        "business_unit": sorted(units)[0] if len(units) == 1 else None,
        "at": at,
        "assessed": len(rows),
        "subcategories": len(csf().at_level("subcategory")),
        "gaps": sum(1 for r in rows if r["tier_gap"] or r["status_gap"]),
        "avg_current_tier": _mean(
            [r["current_tier"] for r in rows if r["current_status"] != "not_applicable"]
        ),
        "avg_target_tier": _mean(
            [r["target_tier"] for r in rows if r["current_status"] != "not_applicable"]
        ),
        "rows": rows,
        "heatmap": {"functions": _cells(rows, "function"), "categories": _cells(rows, "category")},
    }
    if compare is not None:
        report["progress"] = _progress(session, profile, compare, rows)
    return report


def _progress(
    session: Session, profile: str, since: dt.date, rows: list[dict[str, Any]]
) -> dict[str, Any]:
    before = {s: _row(r) for s, r in profile_as_of(session, profile, since).items()}
    changes = []
    for row in rows:
        old = before.get(row["subcategory"])
        if old is None or (old["current_tier"], old["current_status"]) != (
            row["current_tier"],
            row["current_status"],
        ):
            changes.append(
                {
                    "subcategory": row["subcategory"],
                    "current_tier_before": old["current_tier"] if old else None,
                    "current_tier_after": row["current_tier"],
                    "current_status_before": old["current_status"] if old else None,
                    "current_status_after": row["current_status"],
                }
            )
    applicable = [r for r in before.values() if r["current_status"] != "not_applicable"]
    return {
        "since": since,
        "gaps_before": sum(1 for r in before.values() if r["tier_gap"] or r["status_gap"]),
        "avg_current_tier_before": _mean([r["current_tier"] for r in applicable]),
        "changes": changes,
    }


def profiles_summary(session: Session, at: dt.date) -> list[dict[str, Any]]:
    """Every profile as of ``at``: unit, last assessment, coverage and gaps."""
    names = sorted(set(session.scalars(select(CsfAssessment.profile))))
    out = []
    for name in names:
        report = profile_report(session, name, at)
        if not report["rows"]:
            continue
        out.append(
            {
                "profile": name,
                "business_unit": report["business_unit"],
                "last_assessed_on": max(r["assessed_on"] for r in report["rows"]),
                "assessed": report["assessed"],
                "gaps": report["gaps"],
                "avg_current_tier": report["avg_current_tier"],
                "avg_target_tier": report["avg_target_tier"],
            }
        )
    return out
