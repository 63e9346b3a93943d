"""The demo's commitment discounts, after FOCUS's commitment scenarios: a compute savings plan
bought in January (SP_DAILY a day for a year, billed once, amortised) covers the tagged
services' daily compute at SP_RATE of on demand while its day's commitment lasts, the day's idle
rest an ``Unused`` line; each stream-aligned team has an RDS reservation for one database billed
monthly (RI_RATE of on demand, 70 % to 95 % of it used)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from decimal import Decimal

from leadline.demo.focus_rows import bill, iso, money

SAVINGS_PLAN = "sp-demo-1"
SP_DAILY = Decimal("600.00")  # the savings plan's commitment per day, for a year
SP_RATE = Decimal("0.72")  # covered compute costs 72 % of on demand
RI_RATE = Decimal("0.65")  # reserved databases cost 65 % of on demand


class Commitments:
    """Which services the plan covers and which databases are reserved, and how a month's
    lines change for them."""

    def __init__(
        self,
        tagged: list[str],
        team_of: Callable[[str], str],
        stream_aligned: Iterable[str],
        months: list[dt.date],
    ) -> None:
        self.covered = set(tagged)
        streams = set(stream_aligned)
        # one reserved database per stream-aligned team (its first tagged service), 70 % to
        # 95 % of each reservation used
        firsts: dict[str, str] = {}
        for service in tagged:
            if team_of(service) in streams:
                firsts.setdefault(team_of(service), service)
        self.reserved = {
            service: Decimal("0.70") + Decimal("0.05") * (i % 6)
            for i, service in enumerate(sorted(firsts.values()))
        }
        january = next((m for m in months if m.month == 1), None)
        self.plan_days = (
            (january, january + dt.timedelta(days=365)) if january is not None else None
        )

    def apply(
        self, month: dt.date, end: dt.date, rows: list[dict[str, str]]
    ) -> list[dict[str, str]]:
        """The month's lines with the plan and the reservations applied, and their lines added."""
        return self.savings_plan(month, rows) + self.reservation(month, end, rows)

    def savings_plan(self, month: dt.date, rows: list[dict[str, str]]) -> list[dict[str, str]]:
        """The covered services' compute lines of each day of the plan's term, in order, while
        the day's commitment lasts (Used: billed 0, effective at the plan's rate); the day's
        idle rest becomes an Unused line."""
        if self.plan_days is None:
            return rows
        left: dict[str, Decimal] = {}
        for row in rows:
            day = row["ChargePeriodStart"][:10]
            if row["ServiceCategory"] != "Compute" or row.get("ResourceName") not in self.covered:
                continue
            if not self.plan_days[0].isoformat() <= day < self.plan_days[1].isoformat():
                continue
            effective = Decimal(row["EffectiveCost"]) * SP_RATE
            if effective > left.setdefault(day, SP_DAILY):
                continue
            left[day] -= effective
            row.update(
                BilledCost="0",
                EffectiveCost=money(effective),
                PricingCategory="Committed",
                CommitmentDiscountStatus="Used",
                **plan(),
            )
        for day, idle in sorted(left.items()):
            if idle > 0:
                start = dt.date.fromisoformat(day)
                rows.append(
                    commitment_line(
                        month, start, start + dt.timedelta(days=1), money(idle), "Compute"
                    )
                    | plan()
                    | {"ResourceId": SAVINGS_PLAN, "Tags": '{"cost-type": "commitment"}'}
                )
        return rows

    def reservation(
        self, month: dt.date, end: dt.date, rows: list[dict[str, str]]
    ) -> list[dict[str, str]]:
        """Each reserved service's monthly database line covered (billed 0, effective at the
        reservation's rate), the month's fee billed as a recurring purchase, and its unused
        part as an Unused line, all tagged like the service."""
        out: list[dict[str, str]] = []
        for line in rows:
            service = line.get("ResourceName", "")
            if line["ServiceCategory"] != "Databases" or service not in self.reserved:
                continue
            used = Decimal(money(Decimal(line["EffectiveCost"]) * RI_RATE))
            fee = (used / self.reserved[service]).quantize(Decimal("0.01"))
            reservation = {
                "CommitmentDiscountId": f"ri-rds-{service}",
                "CommitmentDiscountName": f"RDS reservation for {service}, 1 year",
                "CommitmentDiscountType": "Reserved Instance",
                "CommitmentDiscountCategory": "Usage",
                "Tags": line["Tags"],
            }
            line.update(
                BilledCost="0",
                EffectiveCost=str(used),
                PricingCategory="Committed",
                CommitmentDiscountStatus="Used",
                **reservation,
            )
            purchase = commitment_line(month, month, end, "0", "Databases") | reservation
            purchase.update(
                BilledCost=str(fee),
                ListCost=str(fee),
                ContractedCost=str(fee),
                ChargeCategory="Purchase",
                ChargeFrequency="Recurring",
                ChargeDescription="RDS reservation, monthly fee",
                CommitmentDiscountStatus="",
            )
            unused = commitment_line(month, month, end, str(fee - used), "Databases")
            out += [purchase, unused | reservation]
        for row in out:
            row["ResourceId"] = row["CommitmentDiscountId"]
        return out


def plan() -> dict[str, str]:
    return {
        "CommitmentDiscountId": SAVINGS_PLAN,
        "CommitmentDiscountName": "Compute Savings Plan, 1 year",
        "CommitmentDiscountType": "Compute Savings Plan",
        "CommitmentDiscountCategory": "Spend",
    }


def commitment_line(
    month: dt.date, start: dt.date, end: dt.date, idle: str, category: str
) -> dict[str, str]:
    """An Unused commitment line: its idle amortised cost, billed 0 (FOCUS usage scenario 2)."""
    names = {"Compute": "Savings Plans for AWS Compute usage", "Databases": "Amazon RDS"}
    return {
        **bill(month),
        "BilledCost": "0",
        "EffectiveCost": idle,
        "ListCost": idle,
        "ContractedCost": idle,
        "ChargePeriodStart": iso(start),
        "ChargePeriodEnd": iso(end),
        "ChargeCategory": "Usage",
        "ChargeDescription": "Unused commitment",
        "ChargeFrequency": "Usage-Based",
        "PricingCategory": "Committed",
        "ServiceName": names[category],
        "ServiceCategory": category,
        "CommitmentDiscountStatus": "Unused",
    }
