"""``vendors-csv`` and ``contracts-csv``: the vendor register, upserted by name.

A vendor's ``aliases`` list (``;``-separated) the names it bills under: FOCUS ProviderName,
PublisherName or InvoiceIssuerName, or the ledger's vendor column. A contract names its vendor
by its name or one of its aliases; one the register does not know yet still lands (its spend is
matched by the name the contract gives) with a warning.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from leadline.finops.csv_rows import parse_rows, row_problem
from leadline.finops.currencies import ISO_4217
from leadline.finops.vendor_models import Contract, Vendor
from leadline.ingest.problems import Parsed, Problem
from leadline.ingest.registry import Context, LandContext, Source, Template, Unit, register
from leadline.ingest.tabular import Column, CsvFormat
from leadline.store.base import utcnow

PERIODS = ("annual", "total")

VENDORS_CSV = CsvFormat(
    "vendors",
    "The vendor register (leadline ingest vendors-csv FILE); a known name is updated.",
    (
        Column("name", description="Vendor name", example="Amazon Web Services"),
        Column(
            "aliases",
            required=False,
            description="Names in cost data (ProviderName, PublisherName, InvoiceIssuerName, "
            "ledger vendor), separated by ';'; matched case-insensitively",
            example="AWS; Amazon Web Services EMEA SARL",
        ),
        Column("owner", required=False, description="Who manages the relationship"),
        Column("category", required=False, description="e.g. Cloud, SaaS, Consulting"),
    ),
)

CONTRACTS_CSV = CsvFormat(
    "contracts",
    "Vendor contracts (leadline ingest contracts-csv FILE); a known contract name is updated.",
    (
        Column("contract", description="Contract name (unique)", example="aws-edp-2026"),
        Column(
            "vendor", description="Vendor name from the register", example="Amazon Web Services"
        ),
        Column("owner", required=False, description="Contract owner"),
        Column("start", "date", description="First day of the term", example="2026-01-01"),
        Column("end", "date", description="Last day of the term (included)", example="2026-12-31"),
        Column(
            "renewal_date",
            "date",
            required=False,
            description="When it renews (default: the day after end)",
        ),
        Column("notice_days", "int", required=False, description="Notice period in days"),
        Column("committed", "decimal", required=False, description="Committed spend (>= 0)"),
        Column("currency", description="ISO 4217 currency of the commitment", example="USD"),
        Column(
            "period",
            required=False,
            description="What committed covers (default annual)",
            choices=PERIODS,
        ),
        Column("sla_refs", required=False, description="SLA references (text)"),
    ),
)


def split_aliases(value: Any) -> list[str]:
    out: list[str] = []
    for part in str(value or "").split(";"):
        name = part.strip()
        if name and name.lower() not in (o.lower() for o in out):
            out.append(name)
    return out


def _check_vendor(file: str, row: dict[str, Any]) -> list[Problem]:
    row["name"] = row["name"].strip()
    return [] if row["name"] else [row_problem(file, row, "name", "must not be blank")]


def _check_contract(file: str, row: dict[str, Any]) -> list[Problem]:
    out = []
    if row["end"] < row["start"]:
        out.append(row_problem(file, row, "end", "must not be before start"))
    if row["currency"] not in ISO_4217:
        out.append(row_problem(file, row, "currency", "must be an ISO 4217 currency code"))
    if row.get("committed") is not None and row["committed"] < 0:
        out.append(row_problem(file, row, "committed", "must not be negative"))
    if row.get("notice_days") is not None and row["notice_days"] < 0:
        out.append(row_problem(file, row, "notice_days", "must not be negative"))
    row["period"] = (row.get("period") or "annual").lower()
    return out


def _upsert(session: Session, model: Any, name: str) -> Any:
    found = session.scalar(select(model).where(model.name == name))
    if found is None:
        found = model(name=name)
        session.add(found)
    return found


@register
class VendorsCsv(Source):
    name = "vendors-csv"
    summary = "FinOps vendor register: names, aliases in cost data, owners, categories (CSV)"
    load_bytes = False

    def templates(self) -> list[Template]:
        return [Template("vendors.csv", VENDORS_CSV.template())]

    def parse(self, unit: Unit, ctx: Context) -> Parsed:
        return parse_rows(
            unit,
            ctx,
            VENDORS_CSV,
            check=_check_vendor,
            key=lambda r: r["name"].lower(),
            key_field="name",
            key_text="vendor name",
        )

    def land(self, parsed: Parsed, ctx: LandContext) -> list[Problem]:
        assert ctx.session is not None and ctx.batch is not None
        for row in parsed.records:
            vendor = _upsert(ctx.session, Vendor, row["name"])
            vendor.aliases = split_aliases(row.get("aliases"))
            vendor.owner, vendor.category = row.get("owner"), row.get("category")
            vendor.batch_id, vendor.updated_at = ctx.batch.id, utcnow()
        ctx.session.flush()
        return []


@register
class ContractsCsv(Source):
    name = "contracts-csv"
    summary = "FinOps vendor contracts: term, renewal, notice, committed spend, SLAs (CSV)"
    load_bytes = False

    def templates(self) -> list[Template]:
        return [Template("contracts.csv", CONTRACTS_CSV.template())]

    def parse(self, unit: Unit, ctx: Context) -> Parsed:
        return parse_rows(
            unit,
            ctx,
            CONTRACTS_CSV,
            check=_check_contract,
            key=lambda r: r["contract"],
            key_field="contract",
            key_text="contract",
        )

    def land(self, parsed: Parsed, ctx: LandContext) -> list[Problem]:
        assert ctx.session is not None and ctx.batch is not None
        known = set(vendor_lookup(list(ctx.session.scalars(select(Vendor)))))
        problems = []
        for row in parsed.records:
            contract = _upsert(ctx.session, Contract, row["contract"])
            for field in ("vendor", "owner", "start", "end", "renewal_date", "committed"):
                setattr(contract, field, row.get(field))
            contract.notice_days = row.get("notice_days") or 0
            contract.currency, contract.period = row["currency"], row["period"]
            contract.sla_refs = row.get("sla_refs")
            contract.batch_id, contract.updated_at = ctx.batch.id, utcnow()
            if row["vendor"].lower() not in known:
                problems.append(
                    row_problem(
                        parsed_file(ctx),
                        row,
                        "vendor",
                        "not in the vendor register: spend is matched by this name only (row kept)",
                        "warning",
                    )
                )
        ctx.session.flush()
        return problems


def parsed_file(ctx: LandContext) -> str:
    assert ctx.batch is not None
    return str(ctx.batch.file_name)


def vendor_lookup(vendors: list[Vendor]) -> dict[str, Vendor]:
    """Vendors by lower-case name and alias (a contract may name its vendor either way)."""
    out: dict[str, Vendor] = {}
    for vendor in vendors:
        for alias in vendor.aliases:
            out.setdefault(str(alias).lower(), vendor)
    out.update({v.name.lower(): v for v in vendors})
    return out


def default_renewal(contract: Contract) -> dt.date:
    return contract.renewal_date or contract.end + dt.timedelta(days=1)
