"""``leadline finops reconcile``: did every FOCUS bill land whole?

Each FOCUS batch records, per billing period and currency, the BilledCost and EffectiveCost its
file states (read) and the money that landed (``finops.bill_totals``, table
``cost_reconciliation``). A *difference* is a (batch, billing period, currency) where:

- ``lost``: landed money differs from read money (rejected lines: money unreadable, no
  currency, no period), or some line's cost is not a number (``unknown_lines``); or
- ``digits``: the lake's typed money (``COST_SCALE`` places, what reports sum) rounds to a
  different amount in the currency's minor unit than the landed money with all its digits.

An empty list means the showback of those bills adds up to the invoices, to the minor unit.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_EVEN, Decimal, localcontext
from typing import Any

from leadline.context import App
from leadline.finops.apportion import minor_units
from leadline.finops.bill_totals import EXACT
from leadline.lake.engines import Lake
from leadline.lake.tables import BATCH_COLUMN
from leadline.periods import Period, PeriodError
from leadline.present.model import Column, Report
from leadline.webkit.viewdata import Tile

MONEY = ("billed", "effective")


def _month(period: dt.datetime | None) -> str | None:
    return period.strftime("%Y-%m") if period else None


def _utc(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def status_tile(document: dict[str, Any]) -> Tile:
    """The FinOps page's reconciliation status of a month's bills (``reconcile``'s document):
    green when every bill landed whole, red when one did not, grey without FOCUS bills."""
    count = len(document["differences"])
    value, colour = {
        "reconciled": ("Reconciled", "green"),
        "differences": (f"{count} difference{'s' if count != 1 else ''}", "red"),
        "no FOCUS batches": ("No FOCUS bills", "grey"),
    }[document["status"]]
    return Tile(
        "FOCUS bills read = landed",
        value,
        f"billing periods of {document['month']}, {document['batches']} batch(es)",
        status=colour,
    )


def check(row: dict[str, Any]) -> list[str]:
    """Why one reconciliation row is a difference (empty when it reconciles)."""
    with localcontext(EXACT):
        return _check(row)


def _check(row: dict[str, Any]) -> list[str]:
    reasons = []
    currency = row["billing_currency"]
    quantum = Decimal(1).scaleb(-minor_units(currency or ""))
    for kind in MONEY:
        read, landed = Decimal(row[f"read_{kind}"]), Decimal(row[f"landed_{kind}"])
        unseen = Decimal(row[f"unseen_{kind}"])
        name = "BilledCost" if kind == "billed" else "EffectiveCost"
        if read != landed:
            reasons.append(f"{name}: read {read} but landed {landed} (lost {read - landed})")
        typed = landed - unseen
        if typed.quantize(quantum, ROUND_HALF_EVEN) != landed.quantize(quantum, ROUND_HALF_EVEN):
            reasons.append(
                f"{name}: digits beyond the lake's scale ({unseen:f}) change the total at the "
                "minor unit"
            )
    if row["unknown_lines"]:
        reasons.append(f"{row['unknown_lines']} line(s) with a cost that is not a number")
    if row["billing_period_start"] is None:
        reasons.append("line(s) whose billing period is not a date")
    if row["billing_currency"] is None:
        reasons.append("line(s) without a billing currency")
    return reasons


def reconcile(app: App, month: str | None = None, engine: str | None = None) -> dict[str, Any]:
    """The reconciliation of every FOCUS batch (of billing periods starting in ``month``, a
    YYYY-MM, when given): each (batch, billing period, currency) with its read and landed
    money, and the differences."""
    if month is not None:
        try:
            month = Period.parse(month, ("month",)).label
        except PeriodError as error:
            raise ValueError(f"--month: {error}") from error
    lake = Lake(app.settings, app.store, engine)
    rows = lake.execute(lake.table("cost_reconciliation")).to_pylist()
    bills = []
    for row in sorted(
        rows,
        key=lambda r: (r[BATCH_COLUMN] or 0, _month(r["billing_period_start"]) or "", r["file"]),
    ):
        if month is not None and _month(row["billing_period_start"]) not in (month, None):
            continue
        reasons = check(row)
        bills.append(
            {
                "batch": row[BATCH_COLUMN],
                "file": row["file"],
                "landed_at": _utc(row["landed_at"]).isoformat(),
                "billing_period": _month(row["billing_period_start"]),
                "currency": row["billing_currency"],
                "read_lines": row["read_lines"],
                "landed_lines": row["landed_lines"],
                "unknown_lines": row["unknown_lines"],
                **{f"{p}_{k}": row[f"{p}_{k}"] for k in MONEY for p in ("read", "landed")},
                "status": "difference" if reasons else "reconciled",
                "reasons": reasons,
            }
        )
    differences = [b for b in bills if b["reasons"]]
    return {
        "month": month,
        "batches": len({b["batch"] for b in bills}),
        "bills": bills,
        "differences": differences,
        "status": status(bills, differences),
    }


def status(bills: list[dict[str, Any]], differences: list[dict[str, Any]]) -> str:
    """``reconciled``, ``differences`` or ``no FOCUS batches``."""
    if not bills:
        return "no FOCUS batches"
    return "differences" if differences else "reconciled"


def reconcile_table(document: dict[str, Any]) -> Report:
    """One row per (batch, billing period, currency): read and landed money in the bill's
    currency, the exact difference, and the status with its reasons."""
    rows = []
    for bill in document["bills"]:
        with localcontext(EXACT):
            lost = {k: Decimal(bill[f"read_{k}"]) - Decimal(bill[f"landed_{k}"]) for k in MONEY}
        rows.append(
            {
                "batch": bill["batch"],
                "file": bill["file"],
                "billing_period": bill["billing_period"] or "unreadable",
                "currency": bill["currency"] or "",
                "read_lines": bill["read_lines"],
                "landed_lines": bill["landed_lines"],
                **{f"read_{k}": Decimal(bill[f"read_{k}"]) for k in MONEY},
                **{f"landed_{k}": Decimal(bill[f"landed_{k}"]) for k in MONEY},
                "lost_billed": format(lost["billed"], "f"),
                "lost_effective": format(lost["effective"], "f"),
                "status": bill["status"],
                "reasons": "; ".join(bill["reasons"]),
            }
        )
    scope = f"billing periods of {document['month']}" if document["month"] else "all batches"
    summary = {
        "reconciled": "every bill landed whole: read = landed",
        "differences": f"{len(document['differences'])} bill(s) with a difference",
        "no FOCUS batches": "no FOCUS batch has landed yet",
    }[document["status"]]
    return Report(
        "reconcile",
        "FOCUS reconciliation: read vs landed",
        [
            Column("batch", "Batch", "count"),
            Column("file", "File", "name"),
            Column("billing_period", "Billing period"),
            Column("currency", "Currency", shown=False),
            Column("read_lines", "Lines read", "count"),
            Column("landed_lines", "Lines landed", "count"),
            Column("read_billed", "BilledCost read", "money", "@currency"),
            Column("landed_billed", "BilledCost landed", "money", "@currency"),
            Column("lost_billed", "BilledCost lost (exact)", shown=False),
            Column("read_effective", "EffectiveCost read", "money", "@currency"),
            Column("landed_effective", "EffectiveCost landed", "money", "@currency"),
            Column("lost_effective", "EffectiveCost lost (exact)", shown=False),
            Column("status", "Status", "label"),
            Column("reasons", "Why"),
        ],
        rows,
        window=f"{scope}, {document['batches']} batch(es)",
        notes=[summary.capitalize() + "."],
    )
