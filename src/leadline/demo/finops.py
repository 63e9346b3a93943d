"""A year of cloud and ledger costs for the demo organisation, landed through the real sources.

Each month is one FOCUS 1.2 export (the last as Parquet, the one before as gzip CSV, the rest CSV):
a daily compute line per service and monthly storage, database and network lines, tagged with
the owning team for most services; a few services are untagged (a shared pool split by active
users), the platform teams' shared account is split in proportion to direct cost, and support
and tax lines stay unallocated. A one-day compute spike ten days before the demo date gives the
anomaly detection something to find. Commitment discounts follow FOCUS's commitment scenarios:
a compute savings plan bought in January (600.00 a day, billed once, amortised) covers the
tagged services' daily compute at 28 % off while its day lasts, its idle rest an ``Unused``
line; each stream-aligned team has an RDS reservation billed monthly for one database (35 %
off, 70 % to 95 % of it used). The general ledger adds labour and software costs per team,
and business drivers (transactions, customers, active users) make unit costs possible.
"""

from __future__ import annotations

import datetime as dt
import gzip
import random
import shutil
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from leadline.demo.commitments import SP_DAILY, Commitments, plan
from leadline.demo.focus_rows import bill, iso, money, next_month
from leadline.demo.generator import OrganisationBuilder
from leadline.finops.focus import COLUMNS
from leadline.ingest.files import dump_yaml
from leadline.periods import Period

MONTHS = 12
UNTAGGED_EVERY = 7  # every 7th service has no team tag
SHARED_ACCOUNT = "900000000000"
CATEGORIES = (
    ("Compute", "Amazon EC2", "Hours", Decimal("0.096")),
    ("Storage", "Amazon S3", "GB-Mo", Decimal("0.023")),
    ("Databases", "Amazon RDS", "Hours", Decimal("0.17")),
    ("Networking", "AWS Data Transfer", "GB", Decimal("0.09")),
)


def _months(as_of: dt.date) -> list[dt.date]:
    """The first days of the MONTHS months up to ``as_of``'s, in order."""
    month, out = Period.of("month", as_of), []
    for _ in range(MONTHS):
        out.append(month.start.date())
        month = month.previous()
    return sorted(out)


class CostHistory:
    """Deterministic cost lines for the organisation's production services."""

    def __init__(self, org: OrganisationBuilder, seed: int, as_of: dt.date) -> None:
        self.org = org
        self.rng = random.Random(seed * 7919 + 5)
        self.as_of = as_of
        self.services = sorted(s for s, i in org.services.items() if i["lifecycle"] != "deprecated")
        self.teams = {t.name: t for t in org.teams}
        self.accounts = {
            name: f"{100000000000 + i:012d}" for i, name in enumerate(sorted(self.teams))
        }
        self.scale = {s: Decimal(self.rng.randint(40, 400)) for s in self.services}
        self.spike = (self.services[len(self.services) // 2], as_of - dt.timedelta(days=10))
        tagged = [s for i, s in enumerate(self.services) if i % UNTAGGED_EVERY != 3]
        streams = {t for t, team in self.teams.items() if team.type == "stream-aligned"}
        self.commitments = Commitments(tagged, self.team_of, streams, _months(as_of))

    def team_of(self, service: str) -> str:
        return str(self.org.services[service]["team"])

    def lines(self, month: dt.date) -> list[dict[str, str]]:
        end = min(next_month(month), self.as_of)
        rows: list[dict[str, str]] = []
        days = (end - month).days
        for index, service in enumerate(self.services):
            team = self.team_of(service)
            tags = (
                ""
                if index % UNTAGGED_EVERY == 3
                else f'{{"team": "{team}", "service": "{service}"}}'
            )
            account = SHARED_ACCOUNT if self.teams[team].type == "platform" else self.accounts[team]
            base = self.scale[service]
            for offset in range(days):
                day = month + dt.timedelta(days=offset)
                hours = base * Decimal(self.rng.uniform(0.9, 1.1)).quantize(Decimal("0.01"))
                if (service, day) == self.spike:
                    hours *= 6
                rows.append(
                    self._line(
                        month,
                        start=day,
                        end=day + dt.timedelta(days=1),
                        service=service,
                        account=account,
                        tags=tags,
                        category=CATEGORIES[0],
                        quantity=hours,
                    )
                )
            for category in CATEGORIES[1:]:
                quantity = base * Decimal(self.rng.uniform(20, 60)).quantize(Decimal("0.1"))
                rows.append(
                    self._line(
                        month,
                        start=month,
                        end=end,
                        service=service,
                        account=account,
                        tags=tags,
                        category=category,
                        quantity=quantity,
                    )
                )
        rows += self._unallocated(month, end)
        return self.commitments.apply(month, end, rows)

    def _line(
        self,
        month: dt.date,
        *,
        start: dt.date,
        end: dt.date,
        service: str,
        account: str,
        tags: str,
        category: tuple[str, str, str, Decimal],
        quantity: Decimal,
    ) -> dict[str, str]:
        kind, name, unit, price = category
        cost = money(quantity * price)
        return {
            **bill(month),
            "BilledCost": cost,
            "EffectiveCost": cost,
            "ListCost": money(quantity * price * Decimal("1.15")),
            "ContractedCost": cost,
            "ChargePeriodStart": iso(start),
            "ChargePeriodEnd": iso(end),
            "ChargeCategory": "Usage",
            "ChargeDescription": f"{name} usage",
            "ChargeFrequency": "Usage-Based",
            "PricingCategory": "Standard",
            "PricingQuantity": str(quantity),
            "PricingUnit": unit,
            "ConsumedQuantity": str(quantity),
            "ConsumedUnit": unit,
            "ListUnitPrice": str(price * Decimal("1.15")),
            "ContractedUnitPrice": str(price),
            "ServiceName": name,
            "ServiceCategory": kind,
            "SubAccountId": account,
            "SubAccountName": account,
            "ResourceId": f"arn:aws:{kind.lower()}:eu-west-1:{account}:{service}",
            "ResourceName": service,
            "ResourceType": kind,
            "RegionId": "eu-west-1",
            "RegionName": "Europe (Ireland)",
            "Tags": tags,
        }

    def _unallocated(self, month: dt.date, end: dt.date) -> list[dict[str, str]]:
        support = money(Decimal(self.rng.randint(900, 1400)))
        purchase = str(SP_DAILY * 365) if month.month == 1 else None
        rows = [
            {
                **bill(month),
                "BilledCost": support,
                "EffectiveCost": support,
                "ListCost": support,
                "ContractedCost": support,
                "ChargePeriodStart": iso(month),
                "ChargePeriodEnd": iso(end),
                "ChargeCategory": "Usage",
                "ChargeDescription": "Business support plan",
                "ChargeFrequency": "Recurring",
                "ServiceName": "AWS Support (Business)",
                "ServiceCategory": "Management and Governance",
                "Tags": '{"cost-type": "support"}',
            }
        ]
        if purchase is not None:  # a yearly commitment: billed now, amortised as effective cost
            rows.append(
                {
                    **bill(month),
                    "BilledCost": purchase,
                    "EffectiveCost": "0",
                    "ListCost": purchase,
                    "ContractedCost": purchase,
                    "ChargePeriodStart": iso(month),
                    "ChargePeriodEnd": iso(end),
                    "ChargeCategory": "Purchase",
                    "ChargeDescription": "Compute Savings Plan, 1 year",
                    "ChargeFrequency": "One-Time",
                    "PricingCategory": "Committed",
                    "ServiceName": "Savings Plans for AWS Compute usage",
                    "ServiceCategory": "Compute",
                    **plan(),
                    "Tags": '{"cost-type": "commitment"}',
                }
            )
        return rows


def rules_document(history: CostHistory) -> dict[str, Any]:
    """Allocation rules: the team a line's team tag names (one rule for every team), each
    team's account, the platform account (proportional), untagged lines (by active users),
    ledger lines by cost centre."""
    rules: list[dict[str, Any]] = [{"name": "tag-team", "to": {"team": {"tag": "team"}}}]
    for team in sorted(history.teams):
        if history.teams[team].type != "platform":
            rules.append(
                {
                    "name": f"account-{team}",
                    "match": {"sub_account_id": history.accounts[team]},
                    "to": {"team": team},
                }
            )
        rules.append(
            {
                "name": f"ledger-{team}",
                "match": {"gl_account": "6*", "cost_center": team},
                "to": {"team": team},
            }
        )
    rules += [
        {
            "name": "platform-account",
            "match": {"sub_account_id": SHARED_ACCOUNT},
            "shared": "platform",
        },
        {
            "name": "untagged-usage",
            "match": {"tags_missing": ["team", "cost-type"], "provider": "AWS"},
            "shared": "by-users",
        },
    ]
    return {
        "apiVersion": "leadline.io/v1",
        "kind": "AllocationRules",
        "metadata": {"name": "northwind-allocation"},
        "spec": {
            "rules": rules,
            "shared": [
                {"name": "platform", "split": "proportional"},
                {"name": "by-users", "split": "driver", "driver": "active_users"},
            ],
            "rates": {"default": 1.0, "towers": {"Compute": 1.03, "IT Management": 1.0}},
        },
    }


def ledger_rows(history: CostHistory, months: list[dt.date]) -> list[dict[str, str]]:
    rows = []
    for month in months:
        for team in sorted(history.teams):
            people = len(history.teams[team].people) or 4
            rows.append(
                {
                    "month": month.isoformat(),
                    "gl_account": "6100-salaries",
                    "amount": f"{people * 9500 + history.rng.randint(0, 2000)}.00",
                    "currency": "USD",
                    "cost_pool": "Labor",
                    "vendor": "",
                    "cost_center": team,
                    "description": "Salaries and benefits",
                }
            )
        rows.append(
            {
                "month": month.isoformat(),
                "gl_account": "6200-software",
                "amount": "18400.00",
                "currency": "USD",
                "cost_pool": "Software",
                "vendor": "Atlassian",
                "cost_center": "it-shared",
                "description": "Jira and Confluence licences",
            }
        )
    return rows


def driver_rows(history: CostHistory, months: list[dt.date]) -> list[dict[str, str]]:
    rows = []
    for month in months:
        growth = 1 + 0.02 * months.index(month)
        rows.append(
            {
                "date": month.isoformat(),
                "driver": "customers",
                "value": str(round(48000 * growth)),
                "scope": "",
            }
        )
        rows.append(
            {
                "date": month.isoformat(),
                "driver": "transactions",
                "value": str(round(2_600_000 * growth)),
                "scope": "",
            }
        )
        for team in sorted(history.teams):
            if history.teams[team].type == "stream-aligned":
                rows.append(
                    {
                        "date": month.isoformat(),
                        "driver": "active_users",
                        "value": str(history.rng.randint(200, 4000)),
                        "scope": team,
                    }
                )
    return rows


def _write_csv(path: Path, rows: list[dict[str, str]], columns: list[str]) -> Path:
    table = pa.table({c: [r.get(c, "") for r in rows] for c in columns})
    pacsv.write_csv(table, path)
    return path


def write_finops(
    org: OrganisationBuilder, root: Path, as_of: dt.date, seed: int
) -> list[tuple[str, list[Path]]]:
    """Write the pillar's files; returns (source, paths) in ingest order."""
    root.mkdir(parents=True, exist_ok=True)
    history = CostHistory(org, seed, as_of)
    months = _months(as_of)
    header = [c.focus for c in COLUMNS]
    exports: list[Path] = []
    for index, month in enumerate(months):
        rows = history.lines(month)
        path = _write_csv(root / f"focus-{month:%Y-%m}.csv", rows, header)
        if index == len(months) - 1:
            table = pacsv.read_csv(
                path,
                convert_options=pacsv.ConvertOptions(
                    column_types=dict.fromkeys(header, pa.string()), strings_can_be_null=True
                ),
            )
            parquet = path.with_suffix(".parquet")
            pq.write_table(table, parquet)
            path.unlink()
            path = parquet
        elif index == len(months) - 2:
            zipped = path.with_suffix(".csv.gz")
            # mtime 0 and no name in the header: the same month gives the same bytes, so a
            # re-run of the demo lands nothing new
            with (
                path.open("rb") as source,
                zipped.open("wb") as raw,
                gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as sink,
            ):
                shutil.copyfileobj(source, sink)
            path.unlink()
            path = zipped
        exports.append(path)
    rules = root / "allocation-rules.yaml"
    rules.write_text(dump_yaml([rules_document(history)]), encoding="utf-8")
    ledger = _write_csv(
        root / "ledger.csv",
        ledger_rows(history, months),
        [
            "month",
            "gl_account",
            "amount",
            "currency",
            "cost_pool",
            "vendor",
            "cost_center",
            "description",
        ],
    )
    drivers = _write_csv(
        root / "drivers.csv", driver_rows(history, months), ["date", "driver", "value", "scope"]
    )
    budgets = _write_csv(
        root / "budgets.csv",
        budget_rows(history, months),
        ["month", "scope_kind", "scope", "amount", "currency"],
    )
    vendors = _write_csv(
        root / "vendors.csv",
        [
            {
                "name": "Amazon Web Services",
                "aliases": "AWS",
                "owner": "cloud.office",
                "category": "Cloud",
            },
            {"name": "Atlassian", "aliases": "", "owner": "it.procurement", "category": "SaaS"},
        ],
        ["name", "aliases", "owner", "category"],
    )
    contracts = _write_csv(
        root / "contracts.csv",
        contract_rows(as_of),
        [
            "contract",
            "vendor",
            "owner",
            "start",
            "end",
            "renewal_date",
            "notice_days",
            "committed",
            "currency",
            "period",
            "sla_refs",
        ],
    )
    return [
        ("allocation-rules", [rules]),
        ("focus", exports),
        ("ledger-csv", [ledger]),
        ("drivers-csv", [drivers]),
        ("budgets-csv", [budgets]),
        ("vendors-csv", [vendors]),
        ("contracts-csv", [contracts]),
    ]


def budget_rows(history: CostHistory, months: list[dt.date]) -> list[dict[str, str]]:
    """A monthly budget per business unit and one for the organisation: tight enough that the
    current month's forecast puts one unit at risk."""
    units = sorted({t.business_unit for t in history.teams.values()})
    amounts = dict(zip(units, (240_000, 360_000, 600_000, 300_000, 300_000), strict=False))
    rows = []
    for month in months[-3:]:
        for unit in units:
            amount = amounts.get(unit, 300_000)
            rows.append(
                {
                    "month": f"{month:%Y-%m}",
                    "scope_kind": "business-unit",
                    "scope": unit,
                    "amount": f"{amount}.00",
                    "currency": "USD",
                }
            )
        rows.append(
            {
                "month": f"{month:%Y-%m}",
                "scope_kind": "organisation",
                "scope": "",
                "amount": "1000000.00",
                "currency": "USD",
            }
        )
    return rows


def contract_rows(as_of: dt.date) -> list[dict[str, str]]:
    """An enterprise cloud commitment renewing in two months and a SaaS licence."""
    start = as_of.replace(month=1, day=1)
    return [
        {
            "contract": "aws-edp",
            "vendor": "Amazon Web Services",
            "owner": "cloud.office",
            "start": start.isoformat(),
            "end": start.replace(month=12, day=31).isoformat(),
            "renewal_date": (start.replace(year=start.year + 1)).isoformat(),
            "notice_days": "60",
            "committed": "2000000.00",
            "currency": "USD",
            "period": "annual",
            "sla_refs": "AWS service terms",
        },
        {
            "contract": "atlassian-cloud",
            "vendor": "Atlassian",
            "owner": "it.procurement",
            "start": start.isoformat(),
            "end": start.replace(month=12, day=31).isoformat(),
            "renewal_date": "",
            "notice_days": "30",
            "committed": "220800.00",
            "currency": "USD",
            "period": "annual",
            "sla_refs": "",
        },
    ]
