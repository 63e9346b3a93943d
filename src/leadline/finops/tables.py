"""Showback as people and spreadsheets read it: one :class:`~leadline.present.Report` built from
the ``leadline finops showback --format json`` document, which the CLI prints as a table or CSV
and the FinOps page shows (its "Download CSV" is the same bytes)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from leadline.present.formats import money
from leadline.present.model import Column, Report, humanise

TITLES = {"business-unit": "Business unit", "value-stream": "Value stream"}


def showback_report(document: dict[str, Any]) -> Report:
    """One row per group, ``unallocated`` last, so the costs add up to the total. CSV
    columns: key, cost (an exact decimal in the document's currency), share (of the total,
    a ratio: 0.25 is 25 %)."""
    by = str(document.get("by") or "team")
    title = f"Tag {by[4:]}" if by.startswith("tag:") else TITLES.get(by, humanise(by))
    currency = document.get("currency")
    rows = [
        {"key": g["key"], "cost": Decimal(str(g["cost"])), "share": g["share"]}
        for g in document["groups"]
    ]
    notes = list(document.get("notes") or [])
    if document.get("allocation_coverage") is not None:
        share = 100 * float(document["allocation_coverage"])
        notes.append(f"Allocation coverage: {share:,.1f} %.")
    return Report(
        "showback",
        f"Showback by {title[0].lower()}{title[1:]}",
        [
            Column("key", title, "name"),
            Column("cost", "Cost", "money", currency),
            Column("share", "Share", "ratio"),
        ],
        rows,
        window=(
            f"{document['month']}, {document['cost_type']} cost, total "
            f"{money(document['total'], currency)}"
        ),
        notes=notes,
        meta={"currency": currency, "total": document["total"]},
    )


def chargeback_columns(currency: str | None) -> list[Column]:
    """``leadline finops chargeback``'s rows: one per business unit, team and tower."""
    return [
        Column("business_unit", "Business unit", "name"),
        Column("team", "Team", "name"),
        Column("tower", "Tower", "name"),
        Column("cost", "Cost", "money", currency),
        Column("rate", "Rate", "number", digits=2),
        Column("charged", "Charged", "money", currency),
    ]


def money_columns(columns: list[Column], currency: str | None) -> list[Column]:
    """Inferred columns with ``cost`` as money in ``currency`` (``leadline finops lines``)."""
    return [Column(c.key, c.title, "money", currency) if c.key == "cost" else c for c in columns]


# Budget states as people read them, and their RAG colour on the page (``Table.rag``).
BUDGET_RAG = {"on track": "green", "at risk": "amber", "over": "red", "no budget": "grey"}


def budget_progress(document: dict[str, Any]) -> str:
    """How much of the month the actuals cover: ``12 of 31 days``, ``complete``, or
    ``no data yet``."""
    if document["in_progress"]:
        return f"{document['elapsed_days']} of {document['days_in_month']} days"
    return "complete" if document["elapsed_days"] else "no data yet"


def budget_table(document: dict[str, Any]) -> Report:
    """``leadline finops budget``'s rows: budget, actual, variance (budget − actual), share
    used (a ratio), the month's forecast, status (on track, at risk, over, no budget) and the
    next month's forecast, all money in the document's currency."""
    by, currency = str(document["by"]), document["currency"]
    rows = [
        {
            "key": g["key"],
            **{k: _decimal(g[k]) for k in ("budget", "actual", "variance", "forecast")},
            "used": g["used"],
            "status": g["status"],
            "next_month_forecast": _decimal(g["next_month_forecast"]),
        }
        for g in document["groups"]
    ]
    notes = []
    if document["next_month_basis"]:
        notes.append(
            f"Forecast {document['next_month']}: mean of {', '.join(document['next_month_basis'])}."
        )
    return Report(
        "budget",
        f"Budget against actual by {TITLES.get(by, humanise(by)).lower()}",
        [
            Column("key", TITLES.get(by, humanise(by)), "name"),
            Column("budget", "Budget", "money", currency),
            Column("actual", "Actual", "money", currency),
            Column("variance", "Variance", "money", currency),
            Column("used", "Used", "ratio"),
            Column("forecast", "Forecast", "money", currency),
            Column("status", "Status", "label"),
            Column("next_month_forecast", f"Forecast {document['next_month']}", "money", currency),
        ],
        rows,
        window=f"{document['month']} ({budget_progress(document)}), {document['cost_type']} cost",
        notes=notes,
        meta={"currency": currency},
    )


def anomalies_table(document: dict[str, Any]) -> Report:
    """``leadline finops anomalies``'s rows: the day (a monthly posting's day), service,
    cadence, cost and the baseline it beat, money in each row's currency."""
    rows = [
        {
            "day": a["day"],
            "service": a["service"],
            "cadence": a["cadence"],
            "currency": a["currency"],
            "cost": Decimal(a["cost"]),
            "baseline_mean": Decimal(str(a["baseline_mean"])),
            "threshold": Decimal(str(a["threshold"])),
            "excess": Decimal(str(a["excess"])),
        }
        for a in document["anomalies"]
    ]
    return Report(
        "anomalies",
        "Cost anomalies",
        [
            Column("day", "Day", "date"),
            Column("service", "Service", "name"),
            Column("cadence", "Cadence", "label"),
            Column("currency", "Currency", shown=False),
            Column("cost", "Cost", "money", "@currency"),
            Column("baseline_mean", "Baseline mean", "money", "@currency"),
            Column("threshold", "Threshold", "money", "@currency"),
            Column("excess", "Excess", "money", "@currency"),
        ],
        rows,
        window=f"{document['since']} to {document['until']} (exclusive), "
        f"{document['series']} series, {document['cost_type']} cost",
        notes=[
            "Daily series: a day above its previous 14 days' mean by 3 deviations and the "
            "minimum delta. Monthly postings: the month against its previous 6 months."
        ],
    )


def unit_cost_table(document: dict[str, Any]) -> Report:
    """``leadline finops unit-cost``'s rows: cost, driver volume, cost per driver unit and
    per successful production deployment (a dash without a divisor)."""
    by, currency, driver = str(document["by"]), document["currency"], document["driver"]
    rows = [
        {
            "key": g["key"],
            "cost": _decimal(g["cost"]),
            "driver_value": g["driver_value"],
            "unit_cost": _decimal(g["unit_cost"]),
            "deployments": g["deployments"],
            "cost_per_deployment": _decimal(g["cost_per_deployment"]),
        }
        for g in document["groups"]
    ]
    return Report(
        "unit_cost",
        f"Unit cost ({humanise(driver).lower()}) by {TITLES.get(by, humanise(by)).lower()}",
        [
            Column("key", TITLES.get(by, humanise(by)), "name"),
            Column("cost", "Cost", "money", currency),
            Column("driver_value", humanise(driver), "number", digits=0),
            Column("unit_cost", "Cost per unit", "money", currency),
            Column("deployments", "Deployments", "count"),
            Column("cost_per_deployment", "Cost per deployment", "money", currency),
        ],
        rows,
        window=f"{document['month']}, {document['cost_type']} cost",
        meta={"currency": currency, "driver": driver},
    )


def vendors_table(document: dict[str, Any]) -> Report:
    """``leadline finops vendors``'s rows, soonest renewal first: owner, spend to date
    against the term's commitment and its projection, renewal date, notice period and the
    last day to give notice, flags in words."""
    rows = sorted(
        (
            {
                "contract": c["contract"],
                "vendor": c["vendor"],
                "owner": c["owner"],
                "status": c["status"],
                "currency": c["currency"],
                "spend": _decimal(c["spend_to_date"]),
                "committed": _decimal(c["term_commitment"]),
                "used": c["commitment_used"],
                "projected": _decimal(c["projected_spend"]),
                "renewal": c["renewal_date"],
                "notice_days": c["notice_days"],
                "notice_deadline": c["notice_deadline"],
                "flags": ", ".join(f.replace("_", " ") for f in c["flags"]) or "none",
            }
            for c in document["contracts"]
        ),
        key=lambda r: (r["renewal"], r["contract"]),
    )
    return Report(
        "vendors",
        "Vendor contracts and renewals",
        [
            Column("contract", "Contract", "name"),
            Column("vendor", "Vendor", "name"),
            Column("owner", "Owner", "name"),
            Column("status", "Status", "label", shown=False),
            Column("currency", "Currency", shown=False),
            Column("spend", "Spend to date", "money", "@currency"),
            Column("committed", "Term commitment", "money", "@currency"),
            Column("used", "Commitment used", "ratio", shown=False),
            Column("projected", "Projected spend", "money", "@currency"),
            Column("renewal", "Renewal", "date"),
            Column("notice_days", "Notice (days)", "count"),
            Column("notice_deadline", "Notice by", "date"),
            Column("flags", "Flags"),
        ],
        rows,
        window=f"at {document['at']}, {document['cost_type']} cost",
    )


def _decimal(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))
