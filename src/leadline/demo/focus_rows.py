"""Small builders of the demo's FOCUS rows: dates, money and the bill columns every line shares."""

from __future__ import annotations

import datetime as dt
import functools
from decimal import Decimal

from leadline.periods import Period


def next_month(day: dt.date) -> dt.date:
    return Period.of("month", day).end.date()


def iso(day: dt.date) -> str:
    return f"{day.isoformat()}T00:00:00Z"


def money(value: Decimal) -> str:
    return str(value.quantize(Decimal("0.000001")))


@functools.cache  # one per month; every line copies it (the large demo has 560,000 lines)
def bill(month: dt.date) -> dict[str, str]:
    return {
        "BillingCurrency": "USD",
        "BillingAccountId": "northwind-payer",
        "BillingAccountName": "Northwind payer account",
        "BillingPeriodStart": iso(month),
        "BillingPeriodEnd": iso(next_month(month)),
        "ProviderName": "AWS",
        "PublisherName": "AWS",
        "InvoiceIssuerName": "AWS",
        "InvoiceId": f"INV-{month:%Y%m}",
    }
