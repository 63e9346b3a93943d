"""FinOps facts in the lake: cost lines (FOCUS and general-ledger costs in one shape) and
business drivers (customers, transactions, active users) for unit cost.

Cost lines are partitioned by the month of their billing period, so a restated bill (the same
provider, billing account and billing period ingested again) replaces exactly one partition's
rows of that bill; cost is reported by the month of ``charge_period_start``.
"""

from __future__ import annotations

import pyarrow as pa

from leadline.finops.focus import COLUMNS, COST_SCALE
from leadline.ingest.tabular import Column, CsvFormat
from leadline.lake.tables import FactTable, register_table

TS = pa.timestamp("us", tz="UTC")
MONEY = pa.decimal128(38, COST_SCALE)
TAGS = pa.map_(pa.string(), pa.string())

# The bill a line belongs to: re-ingesting a bill replaces these rows.
BILL_KEY = ("origin", "provider", "billing_account_id", "billing_period_start")


def _focus_field(lake: str, column: Column) -> pa.Field:
    if lake in ("tags", "allocated_tags"):
        return pa.field(lake, TAGS)
    return pa.field(lake, column.arrow_type)


COST_LINES = register_table(
    FactTable(
        "cost_lines",
        pa.schema(
            [
                *(_focus_field(c.lake, c.column) for c in COLUMNS),
                # not FOCUS: where the line came from and ledger attributes
                pa.field("origin", pa.string(), nullable=False),  # focus | ledger
                pa.field("focus_version", pa.string()),
                pa.field("gl_account", pa.string()),
                pa.field("cost_center", pa.string()),
                pa.field("cost_pool", pa.string()),
                pa.field("extra", pa.string()),
                # the file's text of values the typed columns do not hold exactly (more than
                # COST_SCALE decimal places, or a spec violation): a JSON object, else null
                pa.field("verbatim", pa.string()),
                # the spec violations recorded against the line ("Column: reason; ...")
                pa.field("warnings", pa.string()),
                pa.field("file", pa.string(), nullable=False),
                pa.field("line", pa.int64(), nullable=False),
            ]
        ),
        time_column="billing_period_start",
        description="Cost and usage lines: FOCUS exports and general-ledger/labour/vendor costs.",
        lean_parquet=True,  # a third of a FOCUS ingest's Parquet writing
    )
)

# Per FOCUS batch, billing period and currency: the money the file states (every line read)
# and the money that landed, as exact decimal strings (any number of places), so
# ``leadline finops reconcile`` can list any difference. ``*_unseen`` is the part of the landed
# money beyond the lake's COST_SCALE places (kept in ``verbatim``, not summed by reports).
COST_RECONCILIATION = register_table(
    FactTable(
        "cost_reconciliation",
        pa.schema(
            [
                pa.field("landed_at", TS, nullable=False),
                pa.field("file", pa.string(), nullable=False),
                pa.field("billing_period_start", TS),  # null: lines whose period is unreadable
                pa.field("billing_currency", pa.string()),  # null: lines without a currency
                pa.field("read_lines", pa.int64(), nullable=False),
                pa.field("landed_lines", pa.int64(), nullable=False),
                pa.field("unknown_lines", pa.int64(), nullable=False),  # cost not a number
                pa.field("read_billed", pa.string(), nullable=False),
                pa.field("landed_billed", pa.string(), nullable=False),
                pa.field("unseen_billed", pa.string(), nullable=False),
                pa.field("read_effective", pa.string(), nullable=False),
                pa.field("landed_effective", pa.string(), nullable=False),
                pa.field("unseen_effective", pa.string(), nullable=False),
            ]
        ),
        time_column="landed_at",
        description="Read vs landed BilledCost and EffectiveCost of each FOCUS batch, per "
        "billing period and currency.",
    )
)

BUSINESS_DRIVERS = register_table(
    FactTable(
        "business_drivers",
        pa.schema(
            [
                pa.field("date", TS, nullable=False),
                pa.field("driver", pa.string(), nullable=False),
                pa.field("value", pa.float64(), nullable=False),
                pa.field("scope", pa.string(), nullable=False),  # "" = organisation
                pa.field("updated_at", TS, nullable=False),
            ]
        ),
        time_column="date",
        key=("date", "driver", "scope"),
        version="updated_at",
        description="Business volumes per day (customers, transactions, active users).",
    )
)

LEDGER_CSV = CsvFormat(
    "ledger",
    "General-ledger, labour and vendor costs (leadline ingest ledger-csv FILE).",
    (
        Column(
            "month",
            "date",
            description="First day of the month the cost belongs to",
            example="2026-03-01",
        ),
        Column("gl_account", description="General-ledger account", example="6100-software"),
        Column(
            "amount",
            "decimal",
            description="Cost (negative for credits)",
            decimal_scale=COST_SCALE,
            example="12500.00",
        ),
        Column("currency", description="ISO 4217 currency code", example="EUR"),
        Column(
            "cost_pool",
            required=False,
            description="TBM cost pool (Labor, Hardware, Software, Outside Services, "
            "Facilities & Power, Telecom, Other); else mapped from the GL account",
        ),
        Column("vendor", required=False, description="Supplier (matched to the vendor register)"),
        Column("cost_center", required=False, description="Cost centre"),
        Column("description", required=False, description="What the cost is"),
        Column("service", required=False, description="Catalog service, when known"),
        Column("tags", required=False, description="JSON object of tags"),
    ),
)

DRIVERS_CSV = CsvFormat(
    "business-drivers",
    "Business volumes for unit cost (leadline ingest drivers-csv FILE).",
    (
        Column(
            "date",
            "date",
            description="Day (or first day of the month) of the value",
            example="2026-03-01",
        ),
        Column(
            "driver",
            description="customers, transactions, active_users, ...",
            example="transactions",
        ),
        Column(
            "value",
            "float",
            description="Volume (>= 0)",
            example="1250000",
        ),
        Column(
            "scope",
            required=False,
            description="Catalog service, team, value stream or business unit; "
            "blank = the whole organisation",
        ),
    ),
)
