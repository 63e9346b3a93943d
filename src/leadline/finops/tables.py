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
    currency = document.get("currency")
    rows = [
        {"key": g["key"], "cost": Decimal(str(g["cost"])), "share": g["share"]}
        for g in document["groups"]
    ]
    notes = []
    if document.get("allocation_coverage") is not None:
        share = 100 * float(document["allocation_coverage"])
        notes.append(f"Allocation coverage: {share:,.1f} %.")
    return Report(
        "showback",
        f"Showback by {TITLES.get(by, humanise(by)).lower()}",
        [
            Column("key", TITLES.get(by, humanise(by)), "name"),
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
