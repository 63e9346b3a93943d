"""``leadline finops vendors``: each contract's spend against its commitment, run-rate
projection to the end of the term, renewal and notice dates, with flags for what needs a
decision soon.

Spend to date = cost lines in the contract's currency charged from its start up to the
earlier of the report date (exclusive) and the end of its term, whose ProviderName,
PublisherName or InvoiceIssuerName equals the vendor's name or one of its aliases
(case-insensitive; ledger lines carry their vendor column as publisher and invoice issuer).
The commitment of the term is ``committed`` for ``period = total`` and ``committed × term days ÷
365`` for ``annual``. Projected spend = spend to date ÷ elapsed days × term days. Notice
deadline = renewal date − notice days. Flags: ``renewal_within_90_days``,
``notice_deadline_passed`` (before the renewal), ``notice_deadline_within_30_days`` and
``under_consumption_risk`` (projection below 90 % of the commitment).
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

import ibis
from ibis import _
from sqlalchemy import select

from leadline.context import App
from leadline.finops.allocation import COST_TYPES
from leadline.finops.apportion import minor_units
from leadline.finops.vendor_models import Contract, Vendor
from leadline.finops.vendor_sources import default_renewal, vendor_lookup
from leadline.lake.engines import Lake

RENEWAL_HORIZON_DAYS = 90
NOTICE_HORIZON_DAYS = 30
UNDER_CONSUMPTION = Decimal("0.9")
YEAR_DAYS = 365


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time())


def contract_window(contract: Contract, at: dt.date) -> tuple[dt.date, dt.date]:
    """The days counted so far: ``[start, min(at, end + 1))`` (empty before the start)."""
    stop = min(at, contract.end + dt.timedelta(days=1))
    return contract.start, max(stop, contract.start)


def spend_expr(
    lines: ibis.Table, contract: Contract, names: list[str], at: dt.date, cost_type: str
) -> ibis.Table:
    """One row: the contract's matched spend and line count so far."""
    since, until = contract_window(contract, at)
    lowered = [n.lower() for n in names]
    matched = lines.filter(
        lines.billing_currency == contract.currency,
        lines.charge_period_start >= ibis.literal(_midnight(since), "timestamp(6)"),
        lines.charge_period_start < ibis.literal(_midnight(until), "timestamp(6)"),
        lines.provider.lower().isin(lowered)
        | lines.publisher.lower().isin(lowered)
        | lines.invoice_issuer.lower().isin(lowered),
    )
    return matched.aggregate(spend=matched[COST_TYPES[cost_type]].sum(), lines=_.count()).mutate(
        contract=ibis.literal(contract.name)
    )


def _money(value: Decimal, currency: str) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-minor_units(currency)), ROUND_HALF_EVEN)


def term_commitment(contract: Contract) -> Decimal | None:
    if contract.committed is None:
        return None
    if contract.period == "total":
        return Decimal(contract.committed)
    days = (contract.end - contract.start).days + 1
    return Decimal(contract.committed) * days / YEAR_DAYS


def flags(
    contract: Contract, at: dt.date, projected: Decimal | None, commitment: Decimal | None
) -> list[str]:
    out = []
    renewal = default_renewal(contract)
    deadline = renewal - dt.timedelta(days=contract.notice_days)
    if 0 <= (renewal - at).days <= RENEWAL_HORIZON_DAYS:
        out.append("renewal_within_90_days")
    if deadline < at <= renewal:
        out.append("notice_deadline_passed")
    elif 0 <= (deadline - at).days <= NOTICE_HORIZON_DAYS:
        out.append("notice_deadline_within_30_days")
    if projected is not None and commitment and projected < commitment * UNDER_CONSUMPTION:
        out.append("under_consumption_risk")
    return out


def contract_row(
    contract: Contract, at: dt.date, spend: Decimal, lines: int, owner: str | None
) -> dict[str, Any]:
    since, until = contract_window(contract, at)
    elapsed = (until - since).days
    term = (contract.end - contract.start).days + 1
    projected = spend * term / elapsed if elapsed else None
    commitment = term_commitment(contract)
    renewal = default_renewal(contract)
    currency = contract.currency
    status = "not started" if at < contract.start else "ended" if at > contract.end else "active"
    return {
        "contract": contract.name,
        "vendor": contract.vendor,
        "owner": contract.owner or owner,
        "status": status,
        "start": contract.start.isoformat(),
        "end": contract.end.isoformat(),
        "renewal_date": renewal.isoformat(),
        "notice_days": contract.notice_days,
        "notice_deadline": (renewal - dt.timedelta(days=contract.notice_days)).isoformat(),
        "currency": currency,
        "period": contract.period,
        "committed": None
        if contract.committed is None
        else str(_money(contract.committed, currency)),
        "term_commitment": None if commitment is None else str(_money(commitment, currency)),
        "spend_to_date": str(_money(spend, currency)),
        "lines": lines,
        "commitment_used": None if not commitment else round(float(spend / commitment), 6),
        "days_elapsed": elapsed,
        "term_days": term,
        "projected_spend": None if projected is None else str(_money(projected, currency)),
        "flags": flags(contract, at, projected, commitment),
        "sla_refs": contract.sla_refs,
    }


def vendors_report(
    app: App,
    *,
    at: dt.date | None = None,
    cost_type: str = "effective",
    engine: str | None = None,
) -> dict[str, Any]:
    """The vendor register with each contract's spend against commitment at ``at`` (default
    today, UTC; spend counts the days before ``at``)."""
    at = at or dt.datetime.now(dt.UTC).date()
    with app.store.session() as session:
        vendors = list(session.scalars(select(Vendor).order_by(Vendor.name)))
        contracts = list(session.scalars(select(Contract).order_by(Contract.end, Contract.name)))
        session.expunge_all()
    by_name = vendor_lookup(vendors)
    sums: dict[str, dict[str, Any]] = {}
    if contracts:
        lake = Lake(app.settings, app.store, engine)
        lines = lake.table("cost_lines")
        parts = []
        for c in contracts:
            vendor = by_name.get(c.vendor.lower())
            names = [c.vendor, *([vendor.name, *vendor.aliases] if vendor else [])]
            parts.append(spend_expr(lines, c, names, at, cost_type))
        union = parts[0] if len(parts) == 1 else ibis.union(*parts, distinct=False)
        sums = {r["contract"]: r for r in lake.execute(union).to_pylist()}
    rows = []
    for c in contracts:
        found = sums.get(c.name, {})
        vendor = by_name.get(c.vendor.lower())
        spend = Decimal(found.get("spend") or 0)
        rows.append(
            contract_row(
                c, at, spend, int(found.get("lines") or 0), vendor.owner if vendor else None
            )
        )
    return {
        "at": at.isoformat(),
        "cost_type": cost_type,
        "vendors": [
            {
                "vendor": v.name,
                "aliases": list(v.aliases),
                "owner": v.owner,
                "category": v.category,
                "contracts": sum(by_name.get(c.vendor.lower()) is v for c in contracts),
            }
            for v in vendors
        ],
        "contracts": rows,
    }
