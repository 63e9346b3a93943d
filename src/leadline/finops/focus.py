"""The FOCUS columns leadline reads (FinOps Open Cost and Usage Specification 1.0–1.3).

Source: FOCUS specification, ``specification/columns/`` of FinOps-Open-Cost-and-Usage-Spec/
FOCUS_Spec (v1.0, v1.1, v1.2) and ``specification/datasets/cost_and_usage/columns/`` (v1.3; the
list in ``../shared/reference/focus/v1.3/cost_and_usage.columns.mdpp``). Each column is declared
once, with its FOCUS name, the snake_case name it has in leadline's lake, its type and allowed
values. "Mandatory" follows the 1.0 column list: a file without one of those columns is not
FOCUS and is refused whole, naming the column (``--partial`` accepts files that carry at least
the columns leadline needs, with a warning: the specification's own scenario tables are partial
on purpose). Columns added by 1.1, 1.2 and 1.3 are optional, so every 1.x export reads. FOCUS 1.3
deprecates ProviderName for ServiceProviderName: a file with only the latter fills ProviderName
from it (``FILLS``). Columns FOCUS reserves for providers (``x_`` prefix) and any other
undeclared column (e.g. 1.2's PricingCurrency* prices) are kept verbatim as JSON in ``extra``.
"""

from __future__ import annotations

from dataclasses import dataclass

from leadline.ingest.tabular import Column, CsvFormat

# Decimal places of the lake's typed money and quantities (cloud prices go to 1e-10). FOCUS sets
# no precision: a value with more places lands rounded half-to-even to this scale, and the
# file's text of it is kept on the line (``verbatim``), so no digit is lost.
COST_SCALE = 12

CHARGE_CATEGORIES = ("Usage", "Purchase", "Tax", "Credit", "Adjustment")
CHARGE_CLASSES = ("Correction",)
CHARGE_FREQUENCIES = ("One-Time", "Recurring", "Usage-Based")
PRICING_CATEGORIES = ("Standard", "Dynamic", "Committed", "Other")
COMMITMENT_CATEGORIES = ("Spend", "Usage")
COMMITMENT_STATUSES = ("Used", "Unused")
CAPACITY_RESERVATION_STATUSES = ("Used", "Unused")
SERVICE_CATEGORIES = (
    "AI and Machine Learning",
    "Analytics",
    "Business Applications",
    "Compute",
    "Databases",
    "Developer Tools",
    "Multicloud",
    "Identity",
    "Integration",
    "Internet of Things",
    "Management and Governance",
    "Media",
    "Migration",
    "Mobile",
    "Networking",
    "Security",
    "Storage",
    "Web",
    "Other",
)


@dataclass(frozen=True)
class FocusColumn:
    """A FOCUS column: its spec name, lake name, declaration, and whether 1.0 mandates it."""

    focus: str
    lake: str
    column: Column
    mandatory: bool
    needed: bool = False  # leadline cannot use a line without it (also under --partial)
    aliases: tuple[str, ...] = ()  # names of the same column in other FOCUS versions
    # A line whose value here is missing or bad is rejected: its money cannot be known (the
    # cost, its currency, its periods). Every other column's spec violation is a warning.
    money: bool = False


def _c(
    focus: str,
    lake: str,
    kind: str = "string",
    *,
    mandatory: bool = True,
    needed: bool = False,
    not_null: bool = False,
    choices: tuple[str, ...] = (),
    description: str = "",
    aliases: tuple[str, ...] = (),
    money: bool = False,
) -> FocusColumn:
    column = Column(
        focus,
        kind,  # type: ignore[arg-type]
        required=not_null or needed,
        description=description,
        choices=choices,
        decimal_scale=COST_SCALE,
    )
    return FocusColumn(focus, lake, column, mandatory, needed, aliases, money)


COLUMNS: tuple[FocusColumn, ...] = (
    _c(
        "BilledCost",
        "billed_cost",
        "decimal",
        needed=True,
        money=True,
        description="Cost invoiced",
    ),
    _c(
        "EffectiveCost",
        "effective_cost",
        "decimal",
        needed=True,
        money=True,
        description="Amortised cost after discounts",
    ),
    _c("ListCost", "list_cost", "decimal", not_null=True, description="Cost at list prices"),
    _c(
        "ContractedCost",
        "contracted_cost",
        "decimal",
        not_null=True,
        description="Cost at negotiated prices",
    ),
    _c(
        "BillingCurrency",
        "billing_currency",
        needed=True,
        money=True,
        description="ISO 4217 code",
    ),
    _c("BillingAccountId", "billing_account_id", not_null=True),
    _c("BillingAccountName", "billing_account_name"),
    _c("BillingPeriodStart", "billing_period_start", "timestamp", needed=True, money=True),
    _c("BillingPeriodEnd", "billing_period_end", "timestamp", not_null=True),
    _c("ChargePeriodStart", "charge_period_start", "timestamp", needed=True, money=True),
    _c("ChargePeriodEnd", "charge_period_end", "timestamp", not_null=True),
    _c("ChargeCategory", "charge_category", needed=True, choices=CHARGE_CATEGORIES),
    _c("ChargeClass", "charge_class", choices=CHARGE_CLASSES),
    _c("ChargeDescription", "charge_description"),
    _c("ChargeFrequency", "charge_frequency", mandatory=False, choices=CHARGE_FREQUENCIES),
    _c("PricingCategory", "pricing_category", choices=PRICING_CATEGORIES),
    _c("PricingQuantity", "pricing_quantity", "decimal"),
    _c("PricingUnit", "pricing_unit"),
    _c("ConsumedQuantity", "consumed_quantity", "decimal"),
    _c("ConsumedUnit", "consumed_unit"),
    _c("ListUnitPrice", "list_unit_price", "decimal"),
    _c("ContractedUnitPrice", "contracted_unit_price", "decimal"),
    _c("ProviderName", "provider", not_null=True),
    _c("PublisherName", "publisher", not_null=True),
    _c("InvoiceIssuerName", "invoice_issuer", not_null=True),
    _c("ServiceName", "service_name", not_null=True),
    _c("ServiceCategory", "service_category", not_null=True, choices=SERVICE_CATEGORIES),
    _c("ServiceSubcategory", "service_subcategory", mandatory=False),
    _c("SubAccountId", "sub_account_id"),
    _c("SubAccountName", "sub_account_name"),
    _c("ResourceId", "resource_id"),
    _c("ResourceName", "resource_name"),
    _c("ResourceType", "resource_type"),
    _c("RegionId", "region_id"),
    _c("RegionName", "region_name"),
    _c("AvailabilityZone", "availability_zone", mandatory=False),
    _c("SkuId", "sku_id"),
    _c("SkuPriceId", "sku_price_id"),
    _c("CommitmentDiscountId", "commitment_discount_id"),
    _c("CommitmentDiscountName", "commitment_discount_name"),
    _c("CommitmentDiscountType", "commitment_discount_type"),
    _c("CommitmentDiscountCategory", "commitment_discount_category", choices=COMMITMENT_CATEGORIES),
    _c("CommitmentDiscountStatus", "commitment_discount_status", choices=COMMITMENT_STATUSES),
    _c("InvoiceId", "invoice_id", mandatory=False),
    _c("Tags", "tags", description="JSON object of key-value tags (checked as a block)"),
    # 1.1 and 1.2 columns leadline reads (the others stay in ``extra``)
    _c("CommitmentDiscountQuantity", "commitment_discount_quantity", "decimal", mandatory=False),
    _c("CommitmentDiscountUnit", "commitment_discount_unit", mandatory=False),
    _c("CapacityReservationId", "capacity_reservation_id", mandatory=False),
    _c(
        "CapacityReservationStatus",
        "capacity_reservation_status",
        mandatory=False,
        choices=CAPACITY_RESERVATION_STATUSES,
    ),
    _c("SkuMeter", "sku_meter", mandatory=False),
    _c("BillingAccountType", "billing_account_type", mandatory=False),
    _c("SubAccountType", "sub_account_type", mandatory=False),
    _c("PricingCurrency", "pricing_currency", mandatory=False),
    # 1.3: the provider of the service and the one hosting it, contracts applied, and the
    # provider-calculated split cost allocation (allocated charges of a shared resource)
    _c("ServiceProviderName", "service_provider", mandatory=False),
    _c("HostProviderName", "host_provider", mandatory=False),
    _c("ContractApplied", "contract_applied", mandatory=False, description="JSON object"),
    _c("AllocatedMethodId", "allocated_method_id", mandatory=False),
    _c(
        "AllocatedMethodDetails",
        "allocated_method_details",
        mandatory=False,
        description="JSON object",
    ),
    _c("AllocatedResourceId", "allocated_resource_id", mandatory=False),
    _c("AllocatedResourceName", "allocated_resource_name", mandatory=False),
    _c(
        "AllocatedTags",
        "allocated_tags",
        mandatory=False,
        description="JSON object of the allocated resource's tags (checked as a block)",
        aliases=("AllocatedResourceTags",),  # the split-cost attribute's name for it
    ),
)
JSON_COLUMNS = ("ContractApplied", "AllocatedMethodDetails")  # checked as JSON, kept as text
TAG_COLUMNS = {"Tags": "tags", "AllocatedTags": "allocated_tags"}  # JSON objects -> maps

BY_FOCUS = {c.focus: c for c in COLUMNS}
ALIASES = {alias: c.focus for c in COLUMNS for alias in c.aliases}
# A column a file may lack when it carries its successor: the successor's values fill it.
FILLS = {"ProviderName": "ServiceProviderName"}
MANDATORY = tuple(c.focus for c in COLUMNS if c.mandatory)
NEEDED = tuple(c.focus for c in COLUMNS if c.needed)
# Columns whose spec violations are warnings: the line lands, the value null, its text kept.
LENIENT = frozenset(c.focus for c in COLUMNS if not c.money)


def focus_format(header: list[str] | None = None) -> CsvFormat:
    """The CSV declaration for a file with this header: a column FOCUS requires to be non-null
    must have values where it is present; the columns leadline needs must be present."""
    present = set(header) if header is not None else {c.focus for c in COLUMNS}
    columns = tuple(
        c.column if c.needed or c.focus in present else _optional(c.column) for c in COLUMNS
    )
    return CsvFormat("focus", "FOCUS 1.0-1.3 cost and usage export", columns)


def canonical_names(header: list[str]) -> list[str]:
    """The FOCUS columns a header provides: aliases under their FOCUS names, plus the columns
    their successors fill (``FILLS``)."""
    names = [ALIASES.get(h, h) for h in header]
    return names + [old for old, new in FILLS.items() if new in names and old not in names]


def missing_mandatory(header: list[str]) -> list[str]:
    """The FOCUS 1.0 mandatory columns a header lacks (aliases and successors count)."""
    names = set(canonical_names(header))
    return [name for name in MANDATORY if name not in names]


def _optional(column: Column) -> Column:
    return Column(
        column.name,
        column.type,
        required=False,
        description=column.description,
        choices=column.choices,
        decimal_scale=column.decimal_scale,
    )
