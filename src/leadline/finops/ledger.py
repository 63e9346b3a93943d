"""``ledger-csv`` (general-ledger, labour and vendor costs) and ``drivers-csv`` (business
volumes for unit cost and driver-based splits).

Ledger rows become cost lines with ``origin = ledger``: one month's amount per GL account, in
the FOCUS shape (BilledCost = EffectiveCost = amount, ChargeCategory Usage, the month as both
billing and charge period), so allocation rules and TBM towers treat cloud and on-premise costs
alike. A re-ingested ledger month (same GL export restated) replaces the earlier rows of that
month. Drivers are merged by (date, driver, scope): a later value corrects an earlier one.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pyarrow as pa

from leadline.finops.currencies import ISO_4217
from leadline.finops.focus_checks import tags_of
from leadline.finops.schemas import (
    BILL_KEY,
    BUSINESS_DRIVERS,
    COST_LINES,
    DRIVERS_CSV,
    LEDGER_CSV,
)
from leadline.ingest.problems import Parsed, Problem
from leadline.ingest.registry import Context, LandContext, Source, Template, Unit, register
from leadline.ingest.tabular import read_checked, read_csv
from leadline.periods import Period
from leadline.store.base import utcnow

LEDGER_PROVIDER = "ledger"


def _month_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    month = Period.of("month", day)
    return month.start.replace(tzinfo=dt.UTC), month.end.replace(tzinfo=dt.UTC)


def ledger_problem(file: str, row: dict[str, Any]) -> Problem | None:
    record = {k: str(v) if v is not None else None for k, v in row.items() if k != "_row"}
    if row["currency"] not in ISO_4217:
        return Problem(
            file,
            "must be an ISO 4217 currency code (e.g. EUR)",
            row["_row"],
            "currency",
            row["currency"],
            "error",
            record,
        )
    if row["month"].day != 1:
        return Problem(
            file,
            "must be the first day of a month",
            row["_row"],
            "month",
            row["month"].isoformat(),
            "error",
            record,
        )
    return None


def ledger_lines(file: str, rows: list[dict[str, Any]]) -> pa.Table:
    out = []
    for r in rows:
        start, end = _month_bounds(r["month"])
        extra = {k: r[k] for k in ("vendor", "description", "service") if r.get(k)}
        out.append(
            {
                "billed_cost": r["amount"],
                "effective_cost": r["amount"],
                "list_cost": r["amount"],
                "contracted_cost": r["amount"],
                "billing_currency": r["currency"],
                "billing_account_id": r.get("cost_center") or "ledger",
                "billing_period_start": start,
                "billing_period_end": end,
                "charge_period_start": start,
                "charge_period_end": end,
                "charge_category": "Usage",
                "charge_description": r.get("description"),
                "provider": LEDGER_PROVIDER,
                "publisher": r.get("vendor") or LEDGER_PROVIDER,
                "invoice_issuer": r.get("vendor") or LEDGER_PROVIDER,
                "service_name": r.get("service") or r["gl_account"],
                "service_category": "Other",
                "origin": "ledger",
                "gl_account": r["gl_account"],
                "cost_center": r.get("cost_center"),
                "cost_pool": r.get("cost_pool"),
                "extra": json.dumps(extra) if extra else None,
                "file": file,
                "line": r["_row"],
                "tags": r.get("_tags"),
            }
        )
    return pa.Table.from_pylist(out, schema=COST_LINES.schema)


@register
class LedgerSource(Source):
    name = "ledger-csv"
    summary = "General-ledger, labour and vendor costs per month and GL account (CSV)"
    writes_lake = True
    load_bytes = False

    def templates(self) -> list[Template]:
        return [Template("ledger.csv", LEDGER_CSV.template())]

    def parse(self, unit: Unit, ctx: Context) -> Parsed:
        (input_file,) = unit.files
        result = read_csv(input_file.path, LEDGER_CSV, progress=ctx.progress)
        problems = list(result.problems)
        table = result.table
        if table.num_rows:
            import duckdb

            con = duckdb.connect()
            tags, invalid, not_object = tags_of(con, table.column("tags").combine_chunks())
            con.close()
            table = table.append_column("_tags", tags)
            bad_tags = [
                bool(a) or bool(b)
                for a, b in zip(invalid.to_pylist(), not_object.to_pylist(), strict=True)
            ]
        else:
            bad_tags = []
        records = []
        for row, bad in zip(table.to_pylist(), bad_tags, strict=True):
            if bad:
                problems.append(
                    Problem(
                        input_file.name,
                        "must be a JSON object",
                        row["_row"],
                        "tags",
                        row["tags"],
                        "error",
                        None,
                    )
                )
                continue
            problem = ledger_problem(input_file.name, row)
            (problems.append(problem) if problem else records.append(row))
        return Parsed(rows_read=result.rows_read, records=records, problems=problems)

    def land(self, parsed: Parsed, ctx: LandContext) -> list[Problem]:
        assert ctx.lake is not None and ctx.batch is not None
        lines = ledger_lines(ctx.batch.file_name.rsplit("/", 1)[-1], parsed.records)
        if lines.num_rows:
            keys = lines.select(list(BILL_KEY)).group_by(list(BILL_KEY)).aggregate([])
            ctx.lake.delete_matching(COST_LINES, BILL_KEY, keys)
            ctx.lake.append(COST_LINES, lines)
        return []


def driver_problem(file: str, row: dict[str, Any]) -> Problem | None:
    if row["value"] < 0:
        return Problem(file, "must not be negative", row["_row"], "value", str(row["value"]))
    return None


@register
class DriversSource(Source):
    name = "drivers-csv"
    summary = "Business drivers (customers, transactions, active users) per day and scope (CSV)"
    writes_lake = True
    natural_key = ("date", "driver", "scope")
    load_bytes = False

    def templates(self) -> list[Template]:
        return [Template("drivers.csv", DRIVERS_CSV.template())]

    def parse(self, unit: Unit, ctx: Context) -> Parsed:
        (input_file,) = unit.files
        return read_checked(input_file.path, DRIVERS_CSV, driver_problem, progress=ctx.progress)

    def land(self, parsed: Parsed, ctx: LandContext) -> list[Problem]:
        assert ctx.lake is not None
        now = utcnow()
        rows = [
            {
                "date": dt.datetime.combine(r["date"], dt.time(), tzinfo=dt.UTC),
                "driver": r["driver"],
                "value": r["value"],
                "scope": r.get("scope") or "",
                "updated_at": now,
            }
            for r in parsed.records
        ]
        if rows:
            ctx.lake.merge(
                BUSINESS_DRIVERS, pa.Table.from_pylist(rows, schema=BUSINESS_DRIVERS.schema)
            )
        return []
